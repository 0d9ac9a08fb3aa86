import { randomUUID } from "node:crypto";
import type { Database } from "@azure/cosmos";
import { describe, expect, it } from "vitest";
import {
  customerFor,
  DAY_MS,
  eventually,
  linkPath,
  useJourneyHost,
  type Answer,
  type Journey,
} from "../journey/support";
import {
  license,
  now,
  register,
  resellerOf,
  start,
  switchRequested,
  until,
  waiting,
  type Customer,
  type MigrationBody,
} from "../journey/migration-support";
import { useCosmos } from "../support/cosmos";

/**
 * Issue 13, duplicates and races: each race is run with real concurrency (requests in one
 * Promise.all against the local host) and must end in exactly one outcome, the losers answering
 * 409 or 410. Checked on what is stored (the host's Cosmos, read directly), what the local email
 * endpoint received, and the orchestration's state.
 */
const cosmos = useCosmos({ database: "races" });
const host = useJourneyHost({
  env: () => ({
    COSMOS_ENDPOINT: cosmos().endpoint,
    COSMOS_KEY: cosmos().key,
    COSMOS_DATABASE: cosmos().database,
  }),
});

const LOSER = [409, 410];

async function query<T = Record<string, unknown>>(
  db: Database,
  container: string,
  sql: string,
  parameters: Record<string, string>,
): Promise<T[]> {
  const { resources } = await db
    .container(container)
    .items.query<T>({
      query: sql,
      parameters: Object.entries(parameters).map(([name, value]) => ({ name: `@${name}`, value })),
    })
    .fetchAll();
  return resources;
}

const invitationsOf = (partnerId: string) =>
  query(cosmos().db, "invitations", "SELECT * FROM c WHERE c.partnerId = @p AND c.docType = 'invitation'", {
    p: partnerId,
  });

const relationshipsOf = (tenantId: string) =>
  query(
    cosmos().db,
    "customers",
    "SELECT * FROM c WHERE c.customerTenantId = @t AND c.docType = 'relationship'",
    {
      t: tenantId,
    },
  );

const migrationsOf = (partnerId: string) =>
  query<MigrationBody & { subscriptionId: string }>(
    cosmos().db,
    "migrations",
    "SELECT * FROM c WHERE c.partnerId = @p AND c.docType = 'migration'",
    { p: partnerId },
  );

/** CSP subscriptions ordered through the (recorded) commerce API for the customer. */
const ordersOf = (tenantId: string) =>
  query(
    cosmos().db,
    "lookups",
    "SELECT * FROM c WHERE c.docType = 'commerceOrder' AND c.kind = 'createCspSubscription' AND c.request.customerTenantId = @t",
    { t: tenantId },
  );

function winnersAndLosers<T>(answers: Answer<T>[]): { winners: Answer<T>[]; losers: Answer<T>[] } {
  const winners = answers.filter((a) => a.status >= 200 && a.status < 300);
  const losers = answers.filter((a) => !(a.status >= 200 && a.status < 300));
  return { winners, losers };
}

async function invited(journey: Journey) {
  const partner = await journey.enrolPartner();
  const customer = customerFor();
  const { id } = await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  await journey.waitUntilWaiting(id);
  return { partner, customer, id, link: linkPath(mail!) };
}

const invitationBody = (customer: Customer) => ({ kind: "reseller", customer, locale: "en" }) as const;

describe("races: the same POST twice at once", () => {
  it("R16: POST /api/invitations twice at once with one Idempotency-Key stores one invitation and sends one email", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const key = randomUUID();
    const answers = await Promise.all(
      [0, 1, 2].map(() =>
        journey.call<{ id: string }>("POST", "/api/invitations", {
          token: partner.token,
          json: invitationBody(customer),
          headers: { "idempotency-key": key },
        }),
      ),
    );
    const { winners, losers } = winnersAndLosers(answers);
    expect(winners.length, answers.map((a) => `${a.status} ${a.text}`).join("\n")).toBeGreaterThanOrEqual(1);
    for (const l of losers) expect(LOSER).toContain(l.status);
    // Every 202 names the one invitation: a replay, never a twin.
    expect(new Set(winners.map((w) => w.body.id)).size).toBe(1);
    const id = winners[0]!.body.id;
    await journey.waitUntilWaiting(id);
    expect((await invitationsOf(partner.id)).map((i) => i.id)).toEqual([id]);
    expect(await journey.waitForMail(customer.adminEmail, 1)).toHaveLength(1);
  });

  it("POST /api/invitations twice at once without a key: two requests, two invitations, one email each", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const answers = await Promise.all(
      [0, 1].map(() =>
        journey.call<{ id: string }>("POST", "/api/invitations", {
          token: partner.token,
          json: invitationBody(customer),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const ids = answers.map((a) => a.body.id);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) await journey.waitUntilWaiting(id);
    expect((await invitationsOf(partner.id)).map((i) => i.id).sort()).toEqual([...ids].sort());
    const mails = await journey.waitForMail(customer.adminEmail, 2);
    expect(mails).toHaveLength(2);
    expect(new Set(mails.map((m) => linkPath(m))).size).toBe(2);
  });

  it("R17: POST /api/migrations twice at once for one subscription: one 202, the other 409 naming it", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    await register(journey, partner, customer, license((await now(journey)) + 100 * DAY_MS));
    const body = { customerTenantId: customer.tenantId, subscriptionId: "E3-1" };
    const answers = await Promise.all([start(journey, partner, body), start(journey, partner, body)]);
    const { winners, losers } = winnersAndLosers(answers);
    expect(winners.map((w) => w.status)).toEqual([202]);
    expect(losers.map((l) => l.status)).toEqual([409]);
    expect(losers[0]!.body.migrationId).toBe(winners[0]!.body.id);
    expect((await migrationsOf(partner.id)).map((m) => m.id)).toEqual([winners[0]!.body.id]);
    await waiting(journey, winners[0]!.body.id);
  });

  it("POST /api/customers/{tenantId}/subscriptions twice at once with one id: one 201, the other 409, one document", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const body = license((await now(journey)) + 100 * DAY_MS, "DUP-1");
    const answers = await Promise.all(
      [0, 1].map(async () =>
        journey.call("POST", `/api/customers/${customer.tenantId}/subscriptions`, {
          token: (await journey.refresh(partner)).token,
          json: body,
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const stored = await query(
      cosmos().db,
      "customers",
      "SELECT * FROM c WHERE c.customerTenantId = @t AND c.docType = 'subscription'",
      { t: customer.tenantId },
    );
    expect(stored.map((s) => s.id)).toHaveLength(1);
  });
});

describe("races: customer answers", () => {
  it("R16: accept twice at once: one 200, one 410; one relationship, one notice to the partner", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const token = await journey.customerToken(customer.tenantId);
    const answers = await Promise.all([0, 1, 2].map(() => journey.call("POST", `${link}/accept`, { token })));
    const { winners, losers } = winnersAndLosers(answers);
    expect(winners).toHaveLength(1);
    for (const l of losers) expect(l.status).toBe(410);
    await journey.waitForStatus(partner, id, "accepted");
    await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the invitation's orchestration to finish",
    );
    expect(await relationshipsOf(customer.tenantId)).toHaveLength(1);
    expect(await journey.mailTo(partner.contactEmail)).toHaveLength(1);
  });

  it("R16: accept against decline at once: exactly one outcome, the other answers 410", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const token = await journey.customerToken(customer.tenantId);
    const [accept, decline] = await Promise.all([
      journey.call("POST", `${link}/accept`, { token }),
      journey.call("POST", `${link}/decline`, { token }),
    ]);
    const { winners, losers } = winnersAndLosers([accept, decline]);
    expect(winners).toHaveLength(1);
    expect(losers.map((l) => l.status)).toEqual([410]);
    const outcome = accept.status === 200 ? "accepted" : "declined";
    await journey.waitForStatus(partner, id, outcome);
    await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the invitation's orchestration to finish",
    );
    expect(await relationshipsOf(customer.tenantId)).toHaveLength(outcome === "accepted" ? 1 : 0);
    const notices = await journey.mailTo(partner.contactEmail);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.subject).toMatch(outcome === "accepted" ? /accepted/i : /declined/i);
  });

  it("R16: accept against cancel against expiry at once: one outcome, one notice", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const token = await journey.customerToken(customer.tenantId);
    const [accept, cancel] = await Promise.all([
      journey.call("POST", `${link}/accept`, { token }),
      journey.call("POST", `/api/invitations/${id}/cancel`, { token: partner.token }),
      journey.advance(91, { jump: true }),
    ]);
    for (const a of [accept, cancel]) expect([200, ...LOSER]).toContain(a.status);
    expect([accept, cancel].filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    const done = await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the invitation's orchestration to finish",
    );
    const stored = (await invitationsOf(partner.id))[0]!;
    const expected = accept.status === 200 ? "accepted" : cancel.status === 200 ? "cancelled" : "expired";
    expect(stored.status).toBe(expected);
    expect(done.runtimeStatus).toBe("Completed");
    expect(await relationshipsOf(customer.tenantId)).toHaveLength(expected === "accepted" ? 1 : 0);
    expect(await journey.mailTo(partner.contactEmail)).toHaveLength(1);
  });
});

describe("races: events delivered twice or late", () => {
  it("an external event delivered twice, and again after the orchestration finished, changes nothing", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const accepted = await journey.call("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accepted.status).toBe(200);
    const raise = () =>
      journey.call("POST", `/runtime/webhooks/durabletask/instances/${id}/raiseEvent/CustomerDecision`, {
        json: { decision: "accepted" },
      });
    await Promise.all([raise(), raise()]);
    await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the invitation's orchestration to finish",
    );
    const late = await raise();
    // The durable API refuses (or drops) an event for a finished instance; never a new run.
    expect(late.status).not.toBe(500);
    const after = await journey.orchestration(id);
    expect(after.runtimeStatus).toBe("Completed");
    expect(await relationshipsOf(customer.tenantId)).toHaveLength(1);
    expect(await journey.mailTo(partner.contactEmail)).toHaveLength(1);
  });
});

describe("races: migrations", () => {
  it("R17: a source cancellation against the term-end timer: one move, one order", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const termEnd = (await now(journey)) + 10 * DAY_MS;
    await register(journey, partner, customer, license(termEnd));
    const started = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    expect(started.status).toBe(202);
    const id = started.body.id;
    await waiting(journey, id);
    const [patch] = await Promise.all([
      journey.call("PATCH", `/api/customers/${customer.tenantId}/subscriptions/E3-1`, {
        token: (await journey.refresh(partner)).token,
        json: { status: "cancelled" },
      }),
      journey.advance(11, { jump: true }),
    ]);
    expect([200, ...LOSER]).toContain(patch.status);
    await until(journey, partner, id, "completed");
    await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the migration's orchestration to finish",
    );
    expect(await ordersOf(customer.tenantId)).toHaveLength(1);
    expect((await migrationsOf(partner.id)).map((m) => m.status)).toEqual(["completed"]);
  });

  it("R17: cancel against the term-end timer: one outcome, and no CSP order for a cancelled migration", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    for (let round = 0; round < 4; round++) {
      const subscriptionId = `E3-${round}`;
      const termEnd = (await now(journey)) + 10 * DAY_MS;
      await register(journey, partner, customer, license(termEnd, subscriptionId));
      const started = await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId });
      const id = started.body.id;
      await waiting(journey, id);
      const [cancel] = await Promise.all([
        journey.call<MigrationBody>("POST", `/api/migrations/${id}/cancel`, {
          token: (await journey.refresh(partner)).token,
        }),
        journey.advance(11, { jump: true }),
      ]);
      expect([200, ...LOSER]).toContain(cancel.status);
      await eventually(
        () => journey.orchestration(id),
        (o) => o.runtimeStatus === "Completed",
        `round ${round}: the migration's orchestration to finish (cancel ${cancel.status} ${cancel.text})`,
      );
      const stored = (await migrationsOf(partner.id)).find((m) => m.id === id);
      expect(stored!.status).toBe(cancel.status === 200 ? "cancelled" : "completed");
      const orders = (await ordersOf(customer.tenantId)).filter(
        (o) => (o.request as { sourceSubscriptionId?: string }).sourceSubscriptionId === subscriptionId,
      );
      expect(orders).toHaveLength(stored!.status === "completed" ? 1 : 0);
    }
  });
});

describe("races: a partner switch", () => {
  it("R19: approve against decline against expiry at once: one outcome, the partner of record changed only if approved", async () => {
    const journey = host();
    const { partner, customer, current, id, link } = await switchRequested(journey, "AZ-1");
    const released = await journey.call("POST", `/api/switch-requests/${id}/approve`, {
      token: current.token,
    });
    expect(released.status, released.text).toBe(200);

    const token = await journey.customerToken(customer.tenantId);
    const [approve, decline] = await Promise.all([
      journey.call("POST", `${link}/approve`, { token }),
      journey.call("POST", `${link}/decline`, { token }),
      journey.advance(31, { jump: true }),
    ]);
    for (const a of [approve, decline]) expect([200, ...LOSER], a.text).toContain(a.status);
    expect([approve, decline].filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the switch's orchestration to finish",
    );
    const [stored] = await migrationsOf(partner.id);
    const expected = approve.status === 200 ? "completed" : decline.status === 200 ? "declined" : "expired";
    expect(stored!.status).toBe(expected);
    const transfers = await query(
      cosmos().db,
      "lookups",
      "SELECT * FROM c WHERE c.docType = 'commerceOrder' AND c.kind = 'transferPartnerOfRecord' AND c.request.customerTenantId = @t",
      { t: customer.tenantId },
    );
    expect(transfers).toHaveLength(expected === "completed" ? 1 : 0);
    const subscriptionNow = await journey.call<{ partnerOfRecord?: string }>(
      "GET",
      `/api/customers/${customer.tenantId}/subscriptions/AZ-1`,
      { token: (await journey.refresh(partner)).token },
    );
    expect(subscriptionNow.body.partnerOfRecord === partner.id).toBe(expected === "completed");
  });
});

describe("races: duplicate switch answers", () => {
  it("R19: the same answer twice at once, then approve against decline at once, then approve after decline: one outcome; a repeat is 200 storing and signalling nothing, a change or a late answer 409/410", async () => {
    const journey = host();
    const { partner, customer, current, id, link } = await switchRequested(journey, "AZ-2");
    const customerToken = await journey.customerToken(customer.tenantId);

    // The customer's approval twice at once: one write, one signal; the repeat answers 200 (contract).
    const twice = await Promise.all([
      journey.call("POST", `${link}/approve`, { token: customerToken }),
      journey.call("POST", `${link}/approve`, { token: customerToken }),
    ]);
    expect(twice.map((a) => a.status)).toEqual([200, 200]);
    const raised = async () =>
      (
        ((await journey.orchestration(id)) as { historyEvents?: { EventType: string }[] }).historyEvents ?? []
      ).filter((e) => e.EventType === "EventRaised").length;
    await eventually(raised, (n) => n >= 1, "the customer's approval to reach the switch");
    const audited = async () =>
      (
        await query<{ action: string; outcome: string }>(
          cosmos().db,
          "invitations",
          "SELECT * FROM c WHERE c.docType = 'audit' AND c.resourceId = @id",
          { id },
        )
      ).filter(
        (r) => r.outcome === "applied" && /Switch$/.test(r.action) && /^(approve|decline)/.test(r.action),
      );
    expect((await audited()).map((r) => r.action)).toEqual(["approveSwitch"]);

    // The current partner approves and declines at once: exactly one wins, the other is 409 R19.
    const [approve, decline] = await Promise.all([
      journey.call("POST", `/api/switch-requests/${id}/approve`, { token: current.token }),
      journey.call("POST", `/api/switch-requests/${id}/decline`, { token: current.token }),
    ]);
    expect([approve.status, decline.status].sort()).toEqual([200, 409]);
    const outcome = approve.status === 200 ? "completed" : "declined";
    await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the switch's orchestration to finish",
    );
    const [stored] = await migrationsOf(partner.id);
    expect(stored!.status).toBe(outcome);
    expect(await raised(), "one signal per answer that changed the document").toBe(2);
    expect(await audited()).toHaveLength(2);

    // After the end: the loser's answer again is 409; the customer changing its answer is 409; a
    // repeat is still 200 and changes nothing.
    const late = await journey.call(
      "POST",
      `/api/switch-requests/${id}/${outcome === "completed" ? "decline" : "approve"}`,
      {
        token: current.token,
      },
    );
    expect(late.status).toBe(409);
    expect((await journey.call("POST", `${link}/decline`, { token: customerToken })).status).toBe(409);
    expect((await journey.call("POST", `${link}/approve`, { token: customerToken })).status).toBe(200);
    const updatedAt = (m: unknown) => (m as { updatedAt?: string }).updatedAt;
    expect(updatedAt((await migrationsOf(partner.id))[0])).toBe(updatedAt(stored));
    const transfers = await query(
      cosmos().db,
      "lookups",
      "SELECT * FROM c WHERE c.docType = 'commerceOrder' AND c.kind = 'transferPartnerOfRecord' AND c.request.customerTenantId = @t",
      { t: customer.tenantId },
    );
    expect(transfers).toHaveLength(outcome === "completed" ? 1 : 0);
    // Each of the three told of the outcome once.
    for (const address of [customer.adminEmail, partner.contactEmail, current.contactEmail]) {
      const told = async () =>
        (await journey.mailTo(address)).filter((m) => /moved to|declined/i.test(m.subject)).length;
      await eventually(told, (n) => n >= 1, `the outcome notice to ${address}`);
      expect(await told(), address).toBe(1);
    }
  });
});

describe("races: If-Match", () => {
  it("R17: PATCH with a stale If-Match answers 409 and changes nothing; two PATCHes from one ETag, one wins", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    await register(journey, partner, customer, license((await now(journey)) + 100 * DAY_MS));
    const path = `/api/customers/${customer.tenantId}/subscriptions/E3-1`;
    const token = (await journey.refresh(partner)).token;
    const read = await journey.call<{ seats: number }>("GET", path, { token });
    const etag = read.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);

    const answers = await Promise.all(
      [30, 40].map((seats) =>
        journey.call<{ seats: number }>("PATCH", path, {
          token,
          json: { seats },
          headers: { "if-match": etag! },
        }),
      ),
    );
    const { winners, losers } = winnersAndLosers(answers);
    expect(winners).toHaveLength(1);
    expect(losers.map((l) => l.status)).toEqual([409]);
    expect(losers[0]!.headers.get("content-type")).toMatch(/problem\+json/);
    const after = await journey.call<{ seats: number }>("GET", path, { token });
    expect(after.body.seats).toBe(winners[0]!.body.seats);
    expect(after.headers.get("etag")).toBe(winners[0]!.headers.get("etag"));
    expect(after.headers.get("etag")).not.toBe(etag);

    const stale = await journey.call("PATCH", path, {
      token,
      json: { seats: 99 },
      headers: { "if-match": etag! },
    });
    expect(stale.status).toBe(409);
    expect((await journey.call<{ seats: number }>("GET", path, { token })).body.seats).toBe(after.body.seats);
    const current = await journey.call("PATCH", path, {
      token,
      json: { seats: 99 },
      headers: { "if-match": after.headers.get("etag")! },
    });
    expect(current.status).toBe(200);
  });
});
