import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DAY_MS, eventually, useJourneyHost, type Journey, type PartnerSetup } from "../journey/support";
import {
  commerceOrders,
  now,
  resellerOf,
  type Customer,
  type MigrationBody,
} from "../journey/migration-support";
import { useCosmos } from "../support/cosmos";

/**
 * Issue 13: random sequences of operations on subscriptions bought elsewhere and their migrations
 * (register, the plan, start each strategy, cancel, the switch answered by either party through its
 * link or the API, the virtual clock moved past term ends, reminders and expiry, duplicate requests
 * with and without an Idempotency-Key) run against the local host and against a small model of the
 * states written here from the docs (DOMAIN.md R17-R20, docs/http-contract.md's codes), not from
 * src/domain. After each step the API's answers and states, the commerce orders the local port
 * recorded and the emails sent must be what the model says: nothing lost, nothing twice. fast-check
 * shrinks a failure to the shortest sequence.
 *
 * As test/races/invitation-model.test.ts, but through the host, so each run costs seconds: the
 * default keeps the file near 40 s; MIGRATION_MODEL_RUNS (or FAST_CHECK_RUNS) runs more.
 */

const RUNS = Number(process.env.MIGRATION_MODEL_RUNS ?? process.env.FAST_CHECK_RUNS ?? "") || 5;
const MAX_COMMANDS = Number(process.env.MIGRATION_MODEL_COMMANDS ?? "") || 12;
/**
 * Licenses are registered with their term ending this soon: a move started before it sends the
 * (late) 7-day reminder at once and never a 30-day one, so the model counts one reminder per start.
 */
const TERM_DAYS = 5;
const SWITCH_DAYS = 30;
const SWITCH_REMINDERS_DAYS = [7, 27];

const cosmos = useCosmos({ database: "migrationmodel" });
const host = useJourneyHost({
  env: () => ({
    COSMOS_ENDPOINT: cosmos().endpoint,
    COSMOS_KEY: cosmos().key,
    COSMOS_DATABASE: cosmos().database,
  }),
});

type Kind = "license" | "azure" | "csp";
type Strategy = MigrationBody["strategy"];
type Party = "customer" | "currentPartner";
type Answer = "pending" | "approved" | "declined";
const TERMINAL = ["completed", "cancelled", "declined", "expired", "failed"];

/** What each address is told, per subscription offer: the model counts, the mailbox must agree. */
type MailKind =
  "request" | "reminder" | "termEndReminder" | "moved" | "declined" | "expired" | "cancelled" | "completed";

interface ModelMigration {
  id?: string;
  strategy: Strategy;
  status: string;
  createdAt: number;
  notBefore?: number;
  approvals?: Record<Party, Answer>;
  serviceMoved?: boolean;
}

interface ModelSubscription {
  id: string;
  kind: Kind;
  offer: string;
  termEnd?: number;
  status: "active" | "migrating" | "migrated";
  migrations: ModelMigration[];
}

interface Model {
  now: number;
  subscriptions: ModelSubscription[];
  orders: Record<string, number>;
  mail: Record<string, number>;
}

interface Real {
  journey: Journey;
  partner: PartnerSetup;
  current: PartnerSetup;
  customer: Customer;
}

const STRATEGY: Record<Kind, Strategy> = {
  license: "atTermEnd",
  azure: "newAzureSubscription",
  csp: "partnerSwitch",
};

const latest = (s: ModelSubscription): ModelMigration | undefined => s.migrations.at(-1);
const running = (s: ModelSubscription): ModelMigration | undefined => {
  const m = latest(s);
  return m && !TERMINAL.includes(m.status) ? m : undefined;
};

function addresses(real: Real): Record<"customer" | "partner" | "current", string> {
  return {
    customer: real.customer.adminEmail,
    partner: real.partner.contactEmail,
    current: real.current.contactEmail,
  };
}

function tell(model: Model, to: "customer" | "partner" | "current", offer: string, kind: MailKind, n = 1) {
  const key = `${to} ${offer} ${kind}`;
  model.mail[key] = (model.mail[key] ?? 0) + n;
}

function order(model: Model, kind: string, n = 1) {
  model.orders[kind] = (model.orders[kind] ?? 0) + n;
}

/** A migration ended: the subscription is what it was before, or migrated (R17-R19). */
function end(model: Model, s: ModelSubscription, m: ModelMigration, status: string) {
  m.status = status;
  s.status = status === "completed" ? "migrated" : "active";
  if (m.strategy === "partnerSwitch") {
    const kind: MailKind = status === "completed" ? "moved" : (status as MailKind);
    for (const to of ["customer", "partner", "current"] as const) tell(model, to, s.offer, kind);
    if (status === "completed") order(model, "transferPartnerOfRecord");
  } else if (status === "completed") {
    tell(model, "customer", s.offer, "completed");
    tell(model, "partner", s.offer, "completed");
    if (m.strategy === "atTermEnd") order(model, "createCspSubscription");
    // R18: the moved service and then the whole source (keepSource is false here).
    else order(model, "cancelAtSource", 2);
  }
}

/** What the host shows, in the model's terms. */
async function observe(real: Real, model: Model) {
  const j = real.journey;
  const token = (await j.refresh(real.partner)).token;
  const subscriptions = [];
  for (const s of model.subscriptions) {
    const sub = await j.call<{ status: string; partnerOfRecord?: string }>(
      "GET",
      `/api/customers/${real.customer.tenantId}/subscriptions/${s.id}`,
      { token },
    );
    const migrations = [];
    for (const m of s.migrations) {
      const got = await j.call<MigrationBody>("GET", `/api/migrations/${m.id!}`, { token });
      migrations.push({
        strategy: got.body.strategy,
        status: got.body.status,
        approvals: got.body.approvals,
      });
    }
    subscriptions.push({
      id: s.id,
      status: sub.body.status,
      partnerOfRecord: sub.body.partnerOfRecord === real.partner.id,
      migrations,
    });
  }
  const plan = await j.call<{
    items: { subscriptionId: string; strategy?: string; blockers: { code: string }[] }[];
  }>("GET", `/api/customers/${real.customer.tenantId}/migration-plan`, { token });
  const orders: Record<string, number> = {};
  for (const o of await commerceOrders(cosmos().db, real.customer.tenantId))
    orders[o.kind] = (orders[o.kind] ?? 0) + 1;
  const mail: Record<string, number> = {};
  const to = addresses(real);
  for (const item of await j.mail()) {
    const offer = /Offer-S\d+/.exec(item.subject)?.[0];
    if (!offer) continue;
    const kind = mailKind(item.subject);
    for (const [who, address] of Object.entries(to)) {
      if (item.to.includes(address))
        mail[`${who} ${offer} ${kind}`] = (mail[`${who} ${offer} ${kind}`] ?? 0) + 1;
    }
  }
  return {
    subscriptions,
    plan: plan.body.items
      .map((i) => ({
        id: i.subscriptionId,
        strategy: i.strategy,
        blockers: i.blockers.map((b) => b.code).sort(),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    orders,
    mail,
  };
}

function mailKind(subject: string): string {
  if (/asks to take over/.test(subject)) return "request";
  if (/awaits your answer/.test(subject)) return "reminder";
  if (/moved to/.test(subject)) return "moved";
  if (/was declined/.test(subject)) return "declined";
  if (/expired/.test(subject)) return "expired";
  if (/was cancelled/.test(subject)) return "cancelled";
  if (/now runs through/.test(subject)) return "completed";
  if (/moves to .* in 7 days/.test(subject)) return "termEndReminder";
  return `other: ${subject}`;
}

function expected(model: Model) {
  return {
    subscriptions: model.subscriptions.map((s) => ({
      id: s.id,
      status: s.status,
      partnerOfRecord: s.status === "migrated",
      migrations: s.migrations.map((m) => ({
        strategy: m.strategy,
        status: m.status,
        approvals: m.approvals,
      })),
    })),
    // The plan: the strategy unless moved; blocked while one runs or once moved (R17-R20).
    plan: model.subscriptions
      .map((s) => ({
        id: s.id,
        strategy: s.status === "migrated" ? undefined : STRATEGY[s.kind],
        blockers: s.status === "migrated" ? ["alreadyMigrated"] : running(s) ? ["alreadyMigrating"] : [],
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    orders: model.orders,
    mail: model.mail,
  };
}

/** Waits for the asynchronous parts (orchestrations, emails) to reach the model, then compares. */
async function compare(model: Model, real: Real): Promise<void> {
  const want = expected(model);
  const got = await eventually(
    () => observe(real, model),
    (o) => isDeepStrictEqual(o, want),
    "the host to reach the model's state",
    20_000,
  ).catch(() => observe(real, model));
  expect(got).toEqual(want);
}

type Command = fc.AsyncCommand<Model, Real>;

class Register implements Command {
  constructor(readonly kind: Kind) {}
  check = (model: Readonly<Model>) => model.subscriptions.length < 5;
  async run(model: Model, real: Real) {
    const id = `S${model.subscriptions.length + 1}`;
    const offer = `Offer-${id}`;
    const s: ModelSubscription = { id, kind: this.kind, offer, status: "active", migrations: [] };
    const body: Record<string, unknown> = { id, offer };
    if (this.kind === "license") {
      s.termEnd = model.now + TERM_DAYS * DAY_MS;
      Object.assign(body, {
        billing: "license",
        channel: "ea",
        termEnd: new Date(s.termEnd).toISOString(),
        seats: 5,
      });
    } else if (this.kind === "azure") {
      Object.assign(body, { billing: "usage", channel: "direct", services: [{ id: "vm-1", name: "Web" }] });
    } else {
      Object.assign(body, {
        billing: "usage",
        channel: "csp",
        currentPartnerId: real.current.id,
        currentPartnerContactEmail: real.current.contactEmail,
      });
    }
    const answer = await real.journey.call("POST", `/api/customers/${real.customer.tenantId}/subscriptions`, {
      token: (await real.journey.refresh(real.partner)).token,
      json: body,
    });
    expect(answer.status, answer.text).toBe(201);
    model.subscriptions.push(s);
    await compare(model, real);
  }
  toString = () => `register(${this.kind})`;
}

abstract class OnSubscription implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.subscriptions.length > 0;
  protected subscription(model: Model): ModelSubscription {
    return model.subscriptions[this.pick % model.subscriptions.length]!;
  }
  abstract run(model: Model, real: Real): Promise<void>;
}

/** The same registration again: 409, nothing stored (API.md). */
class RegisterAgain extends OnSubscription {
  override async run(model: Model, real: Real) {
    const s = this.subscription(model);
    const answer = await real.journey.call("POST", `/api/customers/${real.customer.tenantId}/subscriptions`, {
      token: (await real.journey.refresh(real.partner)).token,
      json: { id: s.id, offer: s.offer, billing: "usage", channel: "direct" },
    });
    expect(answer.status, answer.text).toBe(409);
    await compare(model, real);
  }
  override toString = () => `registerAgain(${this.pick})`;
}

/**
 * POST /api/migrations, with or without an Idempotency-Key (the route does not replay: a second
 * start is 409 naming the running migration either way). R17: a license waits for its term end; R18:
 * Azure from another channel gets a new subscription at once; R19: from another CSP partner, a switch.
 */
class Start extends OnSubscription {
  constructor(
    pick: number,
    readonly key: string | undefined,
  ) {
    super(pick);
  }
  override async run(model: Model, real: Real) {
    const s = this.subscription(model);
    const answer = await real.journey.call<MigrationBody & { migrationId?: string }>(
      "POST",
      "/api/migrations",
      {
        token: (await real.journey.refresh(real.partner)).token,
        json: { customerTenantId: real.customer.tenantId, subscriptionId: s.id },
        ...(this.key ? { headers: { "idempotency-key": this.key } } : {}),
      },
    );
    const active = running(s);
    if (s.status === "migrated") {
      expect(answer.status, answer.text).toBe(409);
    } else if (active) {
      expect([answer.status, answer.body.migrationId], answer.text).toEqual([409, active.id]);
    } else {
      const strategy = STRATEGY[s.kind];
      const m: ModelMigration = { strategy, status: "", createdAt: model.now };
      if (strategy === "atTermEnd") {
        m.status = "scheduled";
        m.notBefore = Math.max(s.termEnd!, model.now);
        // docs/migrations.md: the nearest reminder due and not sent goes out at once; here the
        // 7-day one (the term ends within TERM_DAYS), never a late 30-day one, none once it ended.
        if (model.now < s.termEnd!) {
          tell(model, "customer", s.offer, "termEndReminder");
          tell(model, "partner", s.offer, "termEndReminder");
        }
      } else if (strategy === "newAzureSubscription") {
        m.status = "waitingForServices";
        order(model, "createCspSubscription");
      } else {
        m.status = "awaitingApproval";
        m.approvals = { customer: "pending", currentPartner: "pending" };
        tell(model, "customer", s.offer, "request");
        tell(model, "current", s.offer, "request");
      }
      expect([answer.status, answer.body.strategy, answer.body.status], answer.text).toEqual([
        202,
        strategy,
        m.status,
      ]);
      m.id = answer.body.id;
      s.migrations.push(m);
      s.status = "migrating";
      // R17: a term end already past moves at once.
      if (strategy === "atTermEnd" && model.now >= m.notBefore!) end(model, s, m, "completed");
    }
    await compare(model, real);
  }
  override toString = () => `start(${this.pick}${this.key ? ", Idempotency-Key" : ""})`;
}

/** A POST on the latest migration of a subscription that has one; the answer is checked by `expect`. */
abstract class OnMigration implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.subscriptions.some((s) => s.migrations.length > 0);
  protected abstract readonly action: string;
  protected abstract apply(
    model: Model,
    s: ModelSubscription,
    m: ModelMigration,
    status: number,
    text: string,
  ): void;
  async run(model: Model, real: Real) {
    const candidates = model.subscriptions.filter((s) => s.migrations.length > 0);
    const s = candidates[this.pick % candidates.length]!;
    const m = latest(s)!;
    const answer = await real.journey.call("POST", `/api/migrations/${m.id!}/${this.action}`, {
      token: (await real.journey.refresh(real.partner)).token,
    });
    this.apply(model, s, m, answer.status, answer.text);
    await compare(model, real);
  }
}

/** POST /api/migrations/{id}/cancel: 200 (again 200 once ended), 409 once completed. */
class Cancel extends OnMigration {
  protected override readonly action = "cancel";
  protected override apply(
    model: Model,
    s: ModelSubscription,
    m: ModelMigration,
    status: number,
    text: string,
  ) {
    if (m.status === "completed") {
      expect(status, text).toBe(409);
    } else {
      expect(status, text).toBe(200);
      if (!TERMINAL.includes(m.status)) end(model, s, m, "cancelled");
    }
  }
  override toString = () => `cancel(${this.pick})`;
}

/** R18: the partner confirms the one service moved: the source is cancelled and the move completes. */
class ServiceMoved extends OnMigration {
  protected override readonly action = "services/vm-1/moved";
  protected override apply(
    model: Model,
    s: ModelSubscription,
    m: ModelMigration,
    status: number,
    text: string,
  ) {
    if (m.strategy !== "newAzureSubscription") {
      expect(status, text).toBe(409);
    } else if (m.serviceMoved) {
      // A repeat changes nothing.
      expect(status, text).toBe(200);
    } else if (m.status !== "waitingForServices") {
      expect(status, text).toBe(409);
    } else {
      expect(status, text).toBe(200);
      m.serviceMoved = true;
      end(model, s, m, "completed");
    }
  }
  override toString = () => `serviceMoved(${this.pick})`;
}

/**
 * R19: one party answers. The customer through its emailed link; the current partner through its
 * link or the API. Repeating one's answer: 200, nothing stored; changing it: 409; a switch that
 * ended: the link's generic 410, the API's 409 (docs/http-contract.md).
 */
class AnswerSwitch extends OnSubscription {
  constructor(
    pick: number,
    readonly party: Party,
    readonly decision: "approved" | "declined",
    readonly viaApi: boolean,
  ) {
    super(pick);
  }
  override check = (model: Readonly<Model>) =>
    model.subscriptions.some((s) => latest(s)?.strategy === "partnerSwitch");
  override async run(model: Model, real: Real) {
    const candidates = model.subscriptions.filter((s) => latest(s)?.strategy === "partnerSwitch");
    const s = candidates[this.pick % candidates.length]!;
    const m = latest(s)!;
    const j = real.journey;
    const verb = this.decision === "approved" ? "approve" : "decline";
    const api = this.party === "currentPartner" && this.viaApi;
    let answer;
    if (api) {
      answer = await j.call("POST", `/api/switch-requests/${m.id!}/${verb}`, {
        token: (await j.refresh(real.current)).token,
      });
    } else {
      const address = this.party === "customer" ? real.customer.adminEmail : real.current.contactEmail;
      // Newest first: the request of this attempt.
      const request = (await j.mailTo(address)).find(
        (mail) => mail.subject.includes(s.offer) && /asks to take over/.test(mail.subject),
      );
      const link = /\/switch\/[A-Za-z0-9_-]{20,}/.exec(`${request?.text ?? ""} ${request?.html ?? ""}`)?.[0];
      if (!link) throw new Error(`no switch link for ${s.offer} to ${address}`);
      const token =
        this.party === "customer"
          ? await j.customerToken(real.customer.tenantId)
          : (await j.refresh(real.current)).token;
      answer = await j.call("POST", `${link}/${verb}`, { token });
    }
    const mine = m.approvals![this.party];
    if (mine === this.decision) {
      expect(answer.status, answer.text).toBe(200);
    } else if (mine !== "pending") {
      expect(answer.status, answer.text).toBe(409);
    } else if (m.status !== "awaitingApproval") {
      expect(answer.status, answer.text).toBe(api ? 409 : 410);
    } else {
      expect(answer.status, answer.text).toBe(200);
      m.approvals![this.party] = this.decision;
      if (this.decision === "declined") end(model, s, m, "declined");
      else if (m.approvals!.customer === "approved" && m.approvals!.currentPartner === "approved") {
        end(model, s, m, "completed");
      }
    }
    await compare(model, real);
  }
  override toString = () =>
    `${this.decision === "approved" ? "approve" : "decline"}(${this.pick}, ${this.party}${this.viaApi && this.party === "currentPartner" ? ", API" : ""})`;
}

/** The clock moves through every timer on the way: term ends (R17), switch reminders and expiry (R19). */
class Advance implements Command {
  constructor(readonly days: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const from = model.now;
    model.now += this.days * DAY_MS;
    await real.journey.advance(this.days);
    for (const s of model.subscriptions) {
      const m = running(s);
      if (!m) continue;
      if (m.strategy === "atTermEnd" && model.now >= m.notBefore!) end(model, s, m, "completed");
      if (m.strategy !== "partnerSwitch") continue;
      for (const day of SWITCH_REMINDERS_DAYS) {
        const at = m.createdAt + day * DAY_MS;
        if (at <= from || at > model.now) continue;
        if (m.approvals!.customer === "pending") tell(model, "customer", s.offer, "reminder");
        if (m.approvals!.currentPartner === "pending") tell(model, "current", s.offer, "reminder");
      }
      if (model.now >= m.createdAt + SWITCH_DAYS * DAY_MS) end(model, s, m, "expired");
    }
    await compare(model, real);
  }
  toString = () => `advance(${this.days}d)`;
}

const pick = fc.nat(3);
const register = fc.constantFrom<Kind>("license", "azure", "csp").map((k) => new Register(k));
const registerAgain = pick.map((n) => new RegisterAgain(n));
const startOne = fc
  .tuple(pick, fc.constantFrom(undefined, "key-1", "key-2"))
  .map(([n, key]) => new Start(n, key));
const cancel = pick.map((n) => new Cancel(n));
const serviceMoved = pick.map((n) => new ServiceMoved(n));
const answer = fc
  .tuple(
    pick,
    fc.constantFrom<Party>("customer", "currentPartner"),
    fc.constantFrom<"approved" | "declined">("approved", "declined"),
    fc.boolean(),
  )
  .map(([n, party, decision, api]) => new AnswerSwitch(n, party, decision, api));
const advance = fc.constantFrom(1, 6, 8, 20, 31).map((d) => new Advance(d));
// Listed more than once: drawn more often (the operations that change states, over the duplicates).
const commands = [
  register,
  registerAgain,
  startOne,
  startOne,
  startOne,
  cancel,
  serviceMoved,
  answer,
  answer,
  answer,
  advance,
  advance,
];

/** A partner with an active reseller relationship with a fresh customer (R20), and the current partner of its CSP subscriptions. */
async function fresh(journey: Journey): Promise<{ model: Model; real: Real }> {
  const { partner, customer } = await resellerOf(journey);
  const current = await journey.enrolPartner();
  const model: Model = { now: await now(journey), subscriptions: [], orders: {}, mail: {} };
  const real: Real = { journey, partner, current, customer };
  // One subscription of each kind to begin with, so that short sequences already move something.
  for (const kind of ["license", "azure", "csp"] as const) await new Register(kind).run(model, real);
  return { model, real };
}

/**
 * After the last step: every ended migration's orchestration has finished (its last notices and
 * orders are out), and still nothing differs from the model.
 */
async function settled(model: Model, real: Real): Promise<void> {
  for (const s of model.subscriptions) {
    for (const m of s.migrations.filter((x) => TERMINAL.includes(x.status))) {
      await eventually(
        () => real.journey.orchestration(m.id!),
        (o) => o.runtimeStatus === "Completed",
        `the orchestration of ${m.id!} to finish`,
      );
    }
  }
  await compare(model, real);
}

describe("migration states against a model (fast-check, through the host)", () => {
  it("R17-R20: any sequence of register, plan, start, cancel, service moved, switch answers by either party, duplicates and clock moves leaves the states, orders and emails the model predicts", async () => {
    const journey = host();
    await fc.assert(
      // Unbiased: with a handful of runs, the default bias would keep most sequences near empty.
      fc.asyncProperty(
        fc.noBias(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" })),
        async (cmds) => {
          const setup = await fresh(journey);
          await fc.asyncModelRun(() => setup, cmds);
          await settled(setup.model, setup.real);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("R19/R20: written sequences the random ones reach rarely: a switch approved by both (the current partner by its link, then again by the API), a switch declined then asked again and approved, a move cancelled and started again", async () => {
    const journey = host();
    const sequences: Command[][] = [
      [
        new Start(2, undefined),
        new AnswerSwitch(0, "currentPartner", "approved", false),
        new AnswerSwitch(0, "customer", "approved", false),
        new AnswerSwitch(0, "currentPartner", "approved", true),
        new AnswerSwitch(0, "customer", "declined", false),
        new Start(2, "key-1"),
        new Cancel(2),
      ],
      [
        new Start(2, "key-1"),
        new AnswerSwitch(0, "currentPartner", "declined", true),
        new AnswerSwitch(0, "customer", "approved", false),
        new Start(2, "key-1"),
        new Advance(8),
        new AnswerSwitch(0, "customer", "approved", false),
        new AnswerSwitch(0, "currentPartner", "approved", true),
        new Start(0, undefined),
        new Cancel(0),
        new Start(0, undefined),
        new Start(1, "key-2"),
        new ServiceMoved(1),
        new ServiceMoved(1),
        new Advance(6),
      ],
    ];
    for (const sequence of sequences) {
      const setup = await fresh(journey);
      await fc.asyncModelRun(() => setup, sequence);
      await settled(setup.model, setup.real);
    }
  }, 600_000);
});
