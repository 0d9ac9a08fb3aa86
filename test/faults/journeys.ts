import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { customerFor, DAY_MS, EXCHANGE_ADMIN, eventually, linkPath, type Journey } from "../journey/support";
import { activityFaultPoint } from "../../src/localhost/faults";
import { CREATE_RELATIONSHIPS_ACTIVITY } from "../../src/workflows/invitation";
import {
  completeAtTermEndActivity,
  orderAzureSubscriptionActivity,
} from "../../src/workflows/migration-activities";
import { COMPLETE_SWITCH_ACTIVITY } from "../../src/workflows/migration-partner-switch";
import type { FaultWorld } from "./world";

/**
 * The journeys the fault suite and the soak drive, one per flow: each `run` only drives (it can be
 * interrupted by a host death at any point and resumed, see `FaultWorld.step`), and `check` then
 * asserts what a partner and a customer are promised: each email once, each relationship, CSP order
 * and partner-of-record change once, each webhook event delivered with one id, the right end state,
 * no failed orchestration.
 */

const WAIT_MS = 90_000;

type Customer = ReturnType<typeof customerFor>;

export interface Partner {
  id: string;
  contactEmail: string;
}

/** What a journey made, for its checks. */
export interface Made {
  partner: Partner;
  customer: Customer;
  other?: Partner;
  invitationId?: string;
  migrationId?: string;
  webhookPath?: string;
  admin?: { id: string; endsAt: string };
}

export interface JourneyKind {
  name: string;
  /** The point the short variant (`npm test`) kills at: the step whose effect matters most, done but not recorded. */
  sample: string;
  run(world: FaultWorld): Promise<Made>;
  check(world: FaultWorld, made: Made): Promise<void>;
}

const partnerToken = (j: Journey, partner: Partner) =>
  j.token({ tenantId: partner.id, roles: ["GlobalAdmin"] });

async function enrol(world: FaultWorld, label: string): Promise<Partner> {
  const id = randomUUID();
  const contactEmail = `contact-${id.slice(0, 8)}@partner.example`;
  await world.step(`enrol ${label}`, async (j) => {
    const answer = await j.call("PUT", `/api/partners/${id}`, {
      token: await j.operatorToken(),
      json: { name: `${label} ${id.slice(0, 4)}`, type: "direct", cloud: "global", contactEmail },
    });
    if (answer.status !== 200 && answer.status !== 201) throw new Error(`${answer.status} ${answer.text}`);
  });
  return { id, contactEmail };
}

async function clockNow(j: Journey): Promise<number> {
  const answer = await j.call<{ now: string }>("GET", "/dev/clock");
  return Date.parse(answer.body.now);
}

export function advanceTo(world: FaultWorld, at: number): Promise<void> {
  return world.advanceTo(at);
}

async function waitFor<T>(
  world: FaultWorld,
  what: string,
  probe: (j: Journey) => Promise<T>,
  done: (v: T) => boolean,
): Promise<T> {
  return world.step(what, (j) => eventually(() => probe(j), done, what, WAIT_MS));
}

function mailArrives(world: FaultWorld, address: string, subject: RegExp) {
  return world.step(`mail to ${address} (${String(subject)})`, () =>
    eventually(
      () => {
        world.assertHostUp();
        return Promise.resolve(world.mailTo(address).filter((m) => subject.test(m.subject)));
      },
      (items) => items.length > 0,
      `mail ${String(subject)} to ${address}`,
      WAIT_MS,
    ).then((items) => items[0]!),
  );
}

async function relationships(j: Journey, partner: Partner, tenantId: string) {
  const answer = await j.call<{ items: Record<string, unknown>[] }>(
    "GET",
    `/api/customers/${tenantId}/relationships`,
    { token: await partnerToken(j, partner) },
  );
  if (answer.status !== 200) throw new Error(`relationships: ${answer.status} ${answer.text}`);
  return answer.body.items;
}

/** Invites (one Idempotency-Key however often the step runs) and accepts as the customer's GA. */
async function invitedAndAccepted(
  world: FaultWorld,
  partner: Partner,
  customer: Customer,
  body: Record<string, unknown>,
): Promise<string> {
  const key = randomUUID();
  const invitationId = await world.step("invite", async (j) => {
    const answer = await j.call<{ id: string }>("POST", "/api/invitations", {
      token: await partnerToken(j, partner),
      headers: { "idempotency-key": key },
      json: { customer, locale: "en", ...body },
    });
    if (answer.status !== 202) throw new Error(`invite: ${answer.status} ${answer.text}`);
    return answer.body.id;
  });
  const mail = await mailArrives(world, customer.adminEmail, /./);
  await world.step("accept", async (j) => {
    const answer = await j.call("POST", `${linkPath(mail)}/accept`, {
      token: await j.customerToken(customer.tenantId),
    });
    // 410: an earlier run of this step was accepted before the host died.
    if (answer.status !== 200 && answer.status !== 410)
      throw new Error(`accept: ${answer.status} ${answer.text}`);
  });
  await waitFor(
    world,
    "the invitation to be accepted",
    async (j) =>
      (await j.invitation({ ...partner, token: await partnerToken(j, partner), name: "" }, invitationId))
        .status,
    (s) => s === "accepted",
  );
  return invitationId;
}

async function noFailedOrchestration(world: FaultWorld): Promise<void> {
  const failed = await world.step("failed orchestrations", async (j) => {
    const answer = await j.call<unknown[]>(
      "GET",
      "/runtime/webhooks/durabletask/instances?runtimeStatus=Failed,Terminated",
    );
    return answer.body;
  });
  expect(failed, "no orchestration failed or was left terminated").toEqual([]);
}

function expectNoDuplicateMail(world: FaultWorld, ...addresses: string[]): void {
  for (const address of addresses) {
    expect(world.duplicateMail(address), `the same email twice to ${address}`).toEqual({});
  }
}

/** Each event type the receiver got for this partner: exactly one webhook-id across all its attempts. */
function webhookIds(world: FaultWorld, path: string): Record<string, string[]> {
  const byType = new Map<string, Set<string>>();
  for (const r of world.receiver.on(path)) {
    const type = (JSON.parse(r.body) as { type: string }).type;
    const ids = byType.get(type) ?? new Set<string>();
    ids.add(String(r.headers["webhook-id"]));
    byType.set(type, ids);
  }
  return Object.fromEntries([...byType].map(([t, ids]) => [t, [...ids]]));
}

async function reseller(world: FaultWorld): Promise<Made> {
  const partner = await enrol(world, "Partner");
  const customer = customerFor();
  const invitationId = await invitedAndAccepted(world, partner, customer, { kind: "reseller" });
  await waitFor(
    world,
    "the reseller relationship",
    (j) => relationships(j, partner, customer.tenantId),
    (items) => items.some((r) => r.type === "reseller" && r.status === "active"),
  );
  return { partner, customer, invitationId };
}

async function register(world: FaultWorld, made: Made, body: Record<string, unknown>): Promise<void> {
  await world.step("register the subscription", async (j) => {
    const answer = await j.call("POST", `/api/customers/${made.customer.tenantId}/subscriptions`, {
      token: await partnerToken(j, made.partner),
      json: body,
    });
    // 409: an earlier run of this step stored it.
    if (answer.status !== 201 && answer.status !== 409) throw new Error(`${answer.status} ${answer.text}`);
  });
}

async function startMigration(world: FaultWorld, made: Made, subscriptionId: string): Promise<string> {
  return world.step("start the migration", async (j) => {
    const answer = await j.call<{ id?: string; migrationId?: string }>("POST", "/api/migrations", {
      token: await partnerToken(j, made.partner),
      json: { customerTenantId: made.customer.tenantId, subscriptionId },
    });
    if (answer.status === 202 && answer.body.id) return answer.body.id;
    // 409 names the migration an earlier run of this step started.
    if (answer.status === 409 && answer.body.migrationId) return answer.body.migrationId;
    throw new Error(`start: ${answer.status} ${answer.text}`);
  });
}

async function migration(j: Journey, made: Made, id: string) {
  const answer = await j.call<Record<string, unknown> & { status: string }>("GET", `/api/migrations/${id}`, {
    token: await partnerToken(j, made.partner),
  });
  if (answer.status !== 200) throw new Error(`migration: ${answer.status} ${answer.text}`);
  return answer.body;
}

async function subscription(j: Journey, made: Made, id: string) {
  const answer = await j.call<Record<string, unknown>>(
    "GET",
    `/api/customers/${made.customer.tenantId}/subscriptions/${id}`,
    { token: await partnerToken(j, made.partner) },
  );
  if (answer.status !== 200) throw new Error(`subscription: ${answer.status} ${answer.text}`);
  return answer.body;
}

async function commerceOrders(world: FaultWorld, made: Made): Promise<Record<string, unknown>[]> {
  const all = await world.documents("lookups", { docType: "commerceOrder" });
  return all.filter((d) => JSON.stringify(d.request).includes(made.customer.tenantId));
}

/**
 * Waits for a move to settle: the migration completed and the subscription migrated. The two are
 * separate documents, written one after the other; a step that fails in between (a dependency
 * down) finishes on its retry, so the migration can read completed a retry interval earlier.
 */
function moveSettled(world: FaultWorld, made: Made, subscriptionId: string, what: string) {
  return waitFor(
    world,
    what,
    async (j) => ({
      migration: await migration(j, made, made.migrationId!),
      subscription: await subscription(j, made, subscriptionId),
    }),
    (v) => v.migration.status === "completed" && v.subscription.status === "migrated",
  );
}

async function checkMigrated(world: FaultWorld, made: Made, subscriptionId: string): Promise<void> {
  const j = world.journey;
  expect((await migration(j, made, made.migrationId!)).status).toBe("completed");
  expect(await subscription(j, made, subscriptionId)).toMatchObject({
    status: "migrated",
    partnerOfRecord: made.partner.id,
  });
  const migrations = await world.documents("migrations", { partnerId: made.partner.id });
  expect(migrations.filter((m) => m.subscriptionId === subscriptionId).map((m) => m.id)).toEqual([
    made.migrationId,
  ]);
}

/** Invitation (reseller+admin), acceptance, admin grant and auto-extension, webhooks. */
export const invitationJourney: JourneyKind = {
  name: "invitation, acceptance, admin grant and extension, webhooks",
  sample: activityFaultPoint(CREATE_RELATIONSHIPS_ACTIVITY, "after"),
  async run(world) {
    const partner = await enrol(world, "Partner");
    const webhookPath = `/hooks/${partner.id}`;
    await world.step("register the webhook", async (j) => {
      const answer = await j.call("PUT", "/api/webhooks", {
        token: await partnerToken(j, partner),
        json: { url: `${world.receiverUrl}${webhookPath}` },
      });
      if (answer.status !== 200 && answer.status !== 201) throw new Error(`${answer.status} ${answer.text}`);
    });
    const customer = customerFor();
    const invitationId = await invitedAndAccepted(world, partner, customer, {
      kind: "reseller+admin",
      admin: { roles: [EXCHANGE_ADMIN], durationDays: 10, autoExtend: true },
    });
    const admin = await waitFor(
      world,
      "the admin relationship",
      async (j) => (await relationships(j, partner, customer.tenantId)).find((r) => r.type === "admin"),
      (r) => r?.status === "active",
    );
    const endsAt = String(admin!.endsAt);
    await mailArrives(world, partner.contactEmail, /./);
    // Through the end date: auto-extend adds 180 days, once.
    await advanceTo(world, Date.parse(endsAt) + 60_000);
    const extended = new Date(Date.parse(endsAt) + 180 * DAY_MS).toISOString();
    await waitFor(
      world,
      "the extension",
      async (j) => (await relationships(j, partner, customer.tenantId)).find((r) => r.type === "admin"),
      (r) => r?.endsAt === extended,
    );
    await waitFor(
      world,
      "the webhook events",
      () => {
        world.assertHostUp();
        return Promise.resolve(webhookIds(world, webhookPath));
      },
      (ids) =>
        ["invitation.accepted", "adminRelationship.activated", "adminRelationship.extended"].every(
          (t) => t in ids,
        ),
    );
    return { partner, customer, invitationId, webhookPath, admin: { id: String(admin!.id), endsAt } };
  },
  async check(world, made) {
    const j = world.journey;
    const items = await relationships(j, made.partner, made.customer.tenantId);
    expect(items.map((r) => `${String(r.type)}:${String(r.status)}`).sort()).toEqual([
      "admin:active",
      "reseller:active",
    ]);
    expect(items.find((r) => r.type === "admin")?.endsAt).toBe(
      new Date(Date.parse(made.admin!.endsAt) + 180 * DAY_MS).toISOString(),
    );
    // The invitation, and the admin relationship's confirmation (with its R9 termination link).
    expect(world.mailTo(made.customer.adminEmail).map((m) => m.subject)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/requests a relationship with/),
        expect.stringMatching(/^Admin relationship with .* is active$/),
      ]),
    );
    expect(world.mailTo(made.customer.adminEmail)).toHaveLength(2);
    expectNoDuplicateMail(world, made.customer.adminEmail, made.partner.contactEmail);
    for (const [type, ids] of Object.entries(webhookIds(world, made.webhookPath!))) {
      expect(ids, `${type} delivered under one webhook-id`).toHaveLength(1);
    }
    await noFailedOrchestration(world);
  },
};

/** R17: a license moved at its term end, with its reminders. */
export const termEndJourney: JourneyKind = {
  name: "migration atTermEnd",
  sample: activityFaultPoint(completeAtTermEndActivity.name, "after"),
  async run(world) {
    const made = await reseller(world);
    const termEnd = (await world.step("now", clockNow)) + 35 * DAY_MS;
    await register(world, made, {
      id: "E3-1",
      offer: "Microsoft 365 E3",
      billing: "license",
      channel: "ea",
      termEnd: new Date(termEnd).toISOString(),
      seats: 5,
    });
    made.migrationId = await startMigration(world, made, "E3-1");
    await waitFor(
      world,
      "the migration to wait",
      (j) => j.orchestration(made.migrationId!),
      (o) => ["waiting"].includes((o.customStatus as { phase?: string } | undefined)?.phase ?? ""),
    );
    await advanceTo(world, termEnd + DAY_MS);
    await moveSettled(world, made, "E3-1", "the move");
    return made;
  },
  async check(world, made) {
    await checkMigrated(world, made, "E3-1");
    const orders = await commerceOrders(world, made);
    expect(orders.filter((o) => o.kind === "createCspSubscription")).toHaveLength(1);
    for (const address of [made.partner.contactEmail, made.customer.adminEmail]) {
      const subjects = world.mailTo(address).map((m) => m.subject);
      expect(
        subjects.filter((s) => s.includes("in 30 days")),
        address,
      ).toHaveLength(1);
      expect(
        subjects.filter((s) => s.includes("in 7 days")),
        address,
      ).toHaveLength(1);
    }
    expectNoDuplicateMail(world, made.customer.adminEmail, made.partner.contactEmail);
    await noFailedOrchestration(world);
  },
};

/** R18: a usage subscription moved to a new Azure subscription. */
export const newAzureJourney: JourneyKind = {
  name: "migration newAzureSubscription",
  sample: activityFaultPoint(orderAzureSubscriptionActivity.name, "after"),
  async run(world) {
    const made = await reseller(world);
    await register(world, made, {
      id: "AZ-1",
      offer: "Azure plan",
      billing: "usage",
      channel: "direct",
      services: [{ id: "vm-1", name: "Web" }],
    });
    made.migrationId = await startMigration(world, made, "AZ-1");
    await waitFor(
      world,
      "the Azure order",
      (j) => migration(j, made, made.migrationId!),
      (m) => Boolean(m.targetSubscriptionId),
    );
    await world.step("service moved", async (j) => {
      const answer = await j.call("POST", `/api/migrations/${made.migrationId!}/services/vm-1/moved`, {
        token: await partnerToken(j, made.partner),
      });
      if (answer.status !== 200 && answer.status !== 409) throw new Error(`${answer.status} ${answer.text}`);
    });
    await moveSettled(world, made, "AZ-1", "the move");
    return made;
  },
  async check(world, made) {
    await checkMigrated(world, made, "AZ-1");
    const orders = await commerceOrders(world, made);
    expect(orders.filter((o) => o.kind === "createCspSubscription")).toHaveLength(1);
    expectNoDuplicateMail(world, made.customer.adminEmail, made.partner.contactEmail);
    await noFailedOrchestration(world);
  },
};

/** R19: a partner registers a CSP subscription of another partner and asks to switch it; both asked by email. */
export async function switchRequested(world: FaultWorld): Promise<{ made: Made; customerLink: string }> {
  const made = await reseller(world);
  made.other = await enrol(world, "Current");
  await register(world, made, {
    id: "CSP-1",
    offer: "Azure plan",
    billing: "usage",
    channel: "csp",
    currentPartnerId: made.other.id,
    currentPartnerContactEmail: made.other.contactEmail,
  });
  made.migrationId = await startMigration(world, made, "CSP-1");
  const toCustomer = await mailArrives(world, made.customer.adminEmail, /asks to take over/);
  const link =
    /\/switch\/([A-Za-z0-9_-]{20,})/.exec(toCustomer.text) ??
    /\/switch\/([A-Za-z0-9_-]{20,})/.exec(toCustomer.html);
  if (!link) throw new Error(`no switch link in "${toCustomer.subject}"`);
  return { made, customerLink: `/switch/${link[1]!}` };
}

/**
 * One party approves: the customer's Global Administrator through its link, the current partner
 * through the API. Run again after a host death, the answer is stored already: 200 (the same
 * answer again), or a refusal once the switch ended.
 */
export async function approveSwitch(
  world: FaultWorld,
  made: Made,
  party: "customer" | "currentPartner",
  customerLink: string,
): Promise<number> {
  return world.step(`the ${party} approves`, async (j) => {
    const answer =
      party === "customer"
        ? await j.call("POST", `${customerLink}/approve`, {
            token: await j.customerToken(made.customer.tenantId),
          })
        : await j.call("POST", `/api/switch-requests/${made.migrationId!}/approve`, {
            token: await partnerToken(j, made.other!),
          });
    // The link's answer once the switch ended is the generic 410; the API's names the state (409) or expiry (410).
    const expected = party === "customer" ? [200, 410] : [200, 409, 410];
    if (!expected.includes(answer.status)) throw new Error(`${answer.status} ${answer.text}`);
    return answer.status;
  });
}

/** R19: a CSP subscription switched from another partner, approved by the customer and that partner. */
export const partnerSwitchJourney: JourneyKind = {
  name: "migration partnerSwitch with approvals",
  sample: activityFaultPoint(COMPLETE_SWITCH_ACTIVITY, "after"),
  async run(world) {
    const { made, customerLink } = await switchRequested(world);
    await approveSwitch(world, made, "customer", customerLink);
    await approveSwitch(world, made, "currentPartner", customerLink);
    await moveSettled(world, made, "CSP-1", "the switch");
    // The outcome notices come after the completion; the customer's is the last one sent.
    await mailArrives(world, made.customer.adminEmail, /moved to/);
    return made;
  },
  async check(world, made) {
    await checkMigrated(world, made, "CSP-1");
    const orders = await commerceOrders(world, made);
    expect(orders.filter((o) => o.kind === "transferPartnerOfRecord")).toHaveLength(1);
    expectNoDuplicateMail(
      world,
      made.customer.adminEmail,
      made.partner.contactEmail,
      made.other!.contactEmail,
    );
    await noFailedOrchestration(world);
  },
};

export const JOURNEYS: JourneyKind[] = [
  invitationJourney,
  termEndJourney,
  newAzureJourney,
  partnerSwitchJourney,
];
