import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { webInvitationEmails } from "../../functions/invitation-workflow";
import { MemoryInvitationWorkflow, memoryPorts } from "../../src/adapters/memory";
import { cancelInvitation } from "../../src/application/invitations/cancel";
import { createInvitation, createInvitationInputSchema } from "../../src/application/invitations/create";
import { decideInvitation } from "../../src/application/invitations/customer-decision";
import { expireInvitation } from "../../src/application/invitations/lifecycle";
import { resendInvitation } from "../../src/application/invitations/resend";
import type { OutgoingEmail } from "../../src/application/ports";
import { DomainError } from "../../src/domain/errors";
import { invitationLinkToken } from "../../src/domain/invitation-token";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Partner } from "../../src/domain/model";

/**
 * Issue 13: sequences of invitation operations (create, accept, decline, cancel, resend, the clock
 * moving with or without the expiry timer running) against a model of the states written here from
 * docs (DOMAIN.md: R15, R16, invitations 1-6; the HTTP contract's 409/410), not from src/domain.
 * Run on the application layer with the in-memory ports (held to the Cosmos adapters by
 * test/adapters/port-contract.test.ts); fast-check shrinks a failure to the shortest sequence.
 */

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? "") || 60;
const DAY = 86_400_000;
const TTL_DAYS = 90;
const LINK_KEY = "model-test-invitation-link-key-0123456789abcdef";
const CUSTOMER_TENANT = "6a1f3c2e-8b4d-4e5f-9a0b-1c2d3e4f5a6b";

type Status = "pending" | "accepted" | "declined" | "cancelled" | "expired";
type Outcome = "ok" | "conflict" | "gone" | "rateLimited";

interface ModelInvitation {
  stored: Status;
  expiresAt: number;
  lastResentAt?: number;
}

interface Model {
  now: number;
  invitations: ModelInvitation[];
  decisionsRaised: number;
  cancellationsRaised: number;
  resends: number;
}

/** What the customer or partner sees: a pending invitation past its expiry is over (R16). */
function effective(i: ModelInvitation, now: number): Status {
  return i.stored === "pending" && now >= i.expiresAt ? "expired" : i.stored;
}

interface Real {
  clock: { at: number; now(): Date };
  ports: ReturnType<typeof memoryPorts>;
  workflow: MemoryInvitationWorkflow;
  partner: Partner;
  ids: string[];
  raised: number;
  sent: OutgoingEmail[];
}

const principal = (partner: Partner) => ({
  tenantId: partner.id,
  userId: "11111111-2222-4333-8444-555555555555",
  roles: ["GlobalAdmin"],
  wids: [],
});

function deps(r: Real) {
  return {
    ...r.ports,
    clock: r.clock,
    workflow: r.workflow,
    invitationTtlDays: TTL_DAYS,
    linkKey: LINK_KEY,
    publicBaseUrl: "https://csp.example",
    render: webInvitationEmails,
    email: {
      send: (email: OutgoingEmail) => {
        r.sent.push(email);
        return Promise.resolve();
      },
    },
    raiseDecision: () => {
      r.raised++;
      return Promise.resolve();
    },
  };
}

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    await run();
    return "ok";
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.kind === "conflict") return "conflict";
    if (error.kind === "gone") return "gone";
    if (error.kind === "rateLimited") return "rateLimited";
    throw error;
  }
}

async function compare(model: Model, real: Real): Promise<void> {
  const stored = await Promise.all(
    real.ids.map(async (id) => (await real.ports.invitations.get(real.partner.id, id))?.value.status),
  );
  expect(stored).toEqual(model.invitations.map((i) => i.stored));
  expect(real.raised).toBe(model.decisionsRaised);
  expect(real.workflow.cancellations).toHaveLength(model.cancellationsRaised);
  expect(real.sent).toHaveLength(model.resends);
}

type Command = fc.AsyncCommand<Model, Real>;

class Create implements Command {
  check = () => true;
  async run(model: Model, real: Real) {
    const answer = await createInvitation(
      deps(real),
      principal(real.partner),
      createInvitationInputSchema.parse({
        kind: "reseller",
        customer: {
          domain: "contoso.example",
          displayName: "Contoso",
          adminEmail: "admin@contoso.example",
          tenantId: CUSTOMER_TENANT,
        },
      }),
    );
    expect(answer.status).toBe(202);
    real.ids.push(answer.body.id);
    model.invitations.push({ stored: "pending", expiresAt: model.now + TTL_DAYS * DAY });
    await compare(model, real);
  }
  toString = () => "create";
}

abstract class OnInvitation implements Command {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.invitations.length > 0;
  protected index(model: Model) {
    return this.pick % model.invitations.length;
  }
  abstract run(model: Model, real: Real): Promise<void>;
}

class Decide extends OnInvitation {
  constructor(
    pick: number,
    readonly decision: "accepted" | "declined",
  ) {
    super(pick);
  }
  override async run(model: Model, real: Real) {
    const i = this.index(model);
    const id = real.ids[i]!;
    const invitation = (await real.ports.invitations.get(real.partner.id, id))!.value;
    const token = invitationLinkToken(LINK_KEY, invitation.partnerId, id, invitation.linkNonce);
    const got = await outcomeOf(() =>
      decideInvitation(deps(real), {
        token,
        decision: this.decision,
        identity: { tenantId: CUSTOMER_TENANT, userId: randomUUID(), wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] },
      }),
    );
    const m = model.invitations[i]!;
    // R16: single use and expiring: only a pending, unexpired invitation is answered; else 410.
    const expected: Outcome = effective(m, model.now) === "pending" ? "ok" : "gone";
    expect(got).toBe(expected);
    if (expected === "ok") {
      m.stored = this.decision;
      model.decisionsRaised++;
    }
    await compare(model, real);
  }
  override toString = () => `${this.decision === "accepted" ? "accept" : "decline"}(${this.pick})`;
}

class Cancel extends OnInvitation {
  override async run(model: Model, real: Real) {
    const i = this.index(model);
    const got = await outcomeOf(() => cancelInvitation(deps(real), principal(real.partner), real.ids[i]!));
    const m = model.invitations[i]!;
    // API: cancel -> 200; 409 unless pending (an invitation past its expiry is no longer pending).
    const expected: Outcome = effective(m, model.now) === "pending" ? "ok" : "conflict";
    expect(got).toBe(expected);
    if (expected === "ok") {
      m.stored = "cancelled";
      model.cancellationsRaised++;
    }
    await compare(model, real);
  }
  override toString = () => `cancel(${this.pick})`;
}

class Resend extends OnInvitation {
  override async run(model: Model, real: Real) {
    const i = this.index(model);
    const got = await outcomeOf(() => resendInvitation(deps(real), principal(real.partner), real.ids[i]!));
    const m = model.invitations[i]!;
    // Pending only; at most once a day (429 with Retry-After).
    const expected: Outcome =
      effective(m, model.now) !== "pending"
        ? "conflict"
        : m.lastResentAt !== undefined && model.now - m.lastResentAt < DAY
          ? "rateLimited"
          : "ok";
    expect(got).toBe(expected);
    if (expected === "ok") {
      m.lastResentAt = model.now;
      model.resends++;
    }
    await compare(model, real);
  }
  override toString = () => `resend(${this.pick})`;
}

/** The clock moves; when the timers run (the host is up) every invitation past its expiry expires. */
class Advance implements Command {
  constructor(
    readonly minutes: number,
    readonly timersRun: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    model.now += this.minutes * 60_000;
    real.clock.at = model.now;
    if (this.timersRun) {
      for (const [i, m] of model.invitations.entries()) {
        if (m.stored !== "pending" || model.now < m.expiresAt) continue;
        const result = await expireInvitation(deps(real), {
          invitationId: real.ids[i]!,
          partnerId: real.partner.id,
        });
        expect(result.status).toBe("expired");
        m.stored = "expired";
      }
    }
    await compare(model, real);
  }
  toString = () => `advance(${this.minutes}min${this.timersRun ? "" : ", host down"})`;
}

const commands = [
  fc.constant(new Create()),
  fc.nat(5).map((n) => new Decide(n, "accepted")),
  fc.nat(5).map((n) => new Decide(n, "declined")),
  fc.nat(5).map((n) => new Cancel(n)),
  fc.nat(5).map((n) => new Resend(n)),
  fc
    .tuple(
      fc.oneof(
        fc.integer({ min: 1, max: 60 * 24 }),
        fc.constantFrom(60 * 24, 60 * 24 * 89, 60 * 24 * 90),
        fc.integer({ min: 1, max: 60 * 24 * 100 }),
      ),
      fc.boolean(),
    )
    .map(([minutes, timersRun]) => new Advance(minutes, timersRun)),
];

/** A fresh partner on fresh memory ports, and the empty model, at the same instant. */
async function fresh(): Promise<{ model: Model; real: Real }> {
  const start = Date.parse("2030-01-01T00:00:00.000Z");
  const ports = memoryPorts();
  const partner: Partner = {
    id: randomUUID(),
    name: "Fabrikam",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@fabrikam.example",
    createdAt: new Date(start).toISOString(),
    updatedAt: new Date(start).toISOString(),
  };
  await ports.partners.put(partner);
  const real: Real = {
    clock: {
      at: start,
      now() {
        return new Date(this.at);
      },
    },
    ports,
    workflow: new MemoryInvitationWorkflow(),
    partner,
    ids: [],
    raised: 0,
    sent: [],
  };
  const model: Model = {
    now: start,
    invitations: [],
    decisionsRaised: 0,
    cancellationsRaised: 0,
    resends: 0,
  };
  return { model, real };
}

describe("invitation states against a model (fast-check)", () => {
  it("R15/R16: any sequence of create, accept, decline, cancel, resend and clock moves leaves the states the model predicts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
        const setup = await fresh();
        await fc.asyncModelRun(() => setup, cmds);
      }),
      { numRuns: RUNS },
    );
  });

  it("R16: the sequence the model test shrank to: a cancel after the expiry, while the host was down, answers 409", async () => {
    const setup = await fresh();
    await fc.asyncModelRun(() => setup, [new Create(), new Advance(60 * 24 * 90, false), new Cancel(0)]);
  });
});
