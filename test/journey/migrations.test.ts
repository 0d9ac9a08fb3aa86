import { describe, expect, it } from "vitest";
import {
  auditedActions,
  commerceOrders,
  license,
  type Customer,
  type MigrationBody,
  migration,
  now,
  register,
  resellerOf,
  start,
  subjects,
  subscription,
  until,
  waiting,
  waitingUntil,
} from "./migration-support";
import { useCosmos } from "../support/cosmos";
import { DAY_MS, eventually, linkPath, useJourneyHost } from "./support";

/**
 * Migrations through the host on the virtual clock (R10, R17, R18): registration, start, the
 * orchestrations' waits and the sweep, end to end. One host: each test has its own partner and
 * customer and looks only at its own mail and documents.
 */
const cosmos = useCosmos({ database: "i9-migrations" });
const host = useJourneyHost({
  env: () => ({
    COSMOS_ENDPOINT: cosmos().endpoint,
    COSMOS_KEY: cosmos().key,
    COSMOS_DATABASE: cosmos().database,
  }),
});

/** What the commerce port was asked to do for a customer, in a comparable shape. */
async function orders(customer: Customer) {
  const recorded = await commerceOrders(cosmos().db, customer.tenantId);
  return recorded
    .map((o) => ({
      kind: o.kind,
      source: o.request.sourceSubscriptionId,
      ...(o.request.serviceId ? { service: o.request.serviceId } : {}),
    }))
    .sort((a, b) => {
      const key = (o: { kind: string; source?: string; service?: string }) =>
        `${o.kind}|${o.source ?? ""}|${o.service ?? ""}`;
      return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
    });
}

describe("R17: a license subscription moves at its term end", () => {
  it("R17: scheduled 200 days ahead, reminded 30 and 7 days before (once each, partner and customer), moved at the term end", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const termEnd = (await now(journey)) + 200 * DAY_MS;
    await register(journey, partner, customer, license(termEnd));
    const started = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({
      strategy: "atTermEnd",
      status: "scheduled",
      notBefore: new Date(termEnd).toISOString(),
    });
    const id = started.body.id;
    expect(await subscription(journey, partner, customer, "E3-1")).toMatchObject({
      status: "migrating",
      migrationId: id,
    });

    await waiting(journey, id);
    await journey.advance(171);
    await waitingUntil(journey, id, new Date(termEnd - 7 * DAY_MS).toISOString());
    await journey.advance(23);
    await waitingUntil(journey, id, new Date(termEnd).toISOString());
    await journey.advance(7);
    const done = await until(journey, partner, id, "completed");
    expect(done.targetSubscriptionId).toBeTruthy();
    // One CSP subscription ordered, for this partner, seats and offer as registered; the source is
    // left to lapse at its term end (nothing cancelled there).
    const recorded = await commerceOrders(cosmos().db, customer.tenantId);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      kind: "createCspSubscription",
      subscriptionId: done.targetSubscriptionId,
      request: {
        partnerId: partner.id,
        customerTenantId: customer.tenantId,
        sourceSubscriptionId: "E3-1",
        offer: "Microsoft 365 E3",
        seats: 25,
      },
    });
    expect(await subscription(journey, partner, customer, "E3-1")).toMatchObject({
      status: "migrated",
      partnerOfRecord: partner.id,
    });
    // Each also got one invitation email (accepted notice / the invitation itself) before these three.
    const toPartner = await journey.waitForMail(partner.contactEmail, 4);
    const toCustomer = await journey.waitForMail(customer.adminEmail, 4);
    for (const mails of [toPartner, toCustomer]) {
      const s = subjects(mails);
      expect(s.filter((x) => x.includes("in 30 days"))).toHaveLength(1);
      expect(s.filter((x) => x.includes("in 7 days"))).toHaveLength(1);
      expect(s.filter((x) => x.includes("now runs through"))).toHaveLength(1);
    }
    expect(done.remindersSent).toHaveLength(2);
    // Every step is audited, each once.
    expect(await auditedActions(journey, partner, id)).toEqual([
      "complete",
      "start",
      "termEndReminder",
      "termEndReminder",
    ]);
  });

  it("R17: a renewal recorded before the term end makes the move wait for the new one", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const termEnd = (await now(journey)) + 20 * DAY_MS;
    await register(journey, partner, customer, license(termEnd));
    const { body } = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    await waiting(journey, body.id);
    const renewed = termEnd + 365 * DAY_MS;
    const patch = await journey.call("PATCH", `/api/customers/${customer.tenantId}/subscriptions/E3-1`, {
      token: (await journey.refresh(partner)).token,
      json: { termEnd: new Date(renewed).toISOString() },
    });
    expect(patch.status, patch.text).toBe(200);
    await eventually(
      () => migration(journey, partner, body.id),
      (m) => m.notBefore === new Date(renewed).toISOString(),
      "the new term end",
    );
    await journey.advance(21);
    await waiting(journey, body.id);
    expect((await migration(journey, partner, body.id)).status).toBe("scheduled");
    expect(await orders(customer)).toEqual([]);
  });

  it("R17: a cancellation at the source completes the move at once", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    await register(journey, partner, customer, license((await now(journey)) + 200 * DAY_MS));
    const { body } = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    await waiting(journey, body.id);
    const patch = await journey.call("PATCH", `/api/customers/${customer.tenantId}/subscriptions/E3-1`, {
      token: (await journey.refresh(partner)).token,
      json: { status: "cancelled" },
    });
    expect(patch.status, patch.text).toBe(200);
    await until(journey, partner, body.id, "completed");
    expect(await subscription(journey, partner, customer, "E3-1")).toMatchObject({
      status: "migrated",
      partnerOfRecord: partner.id,
    });
    expect(await orders(customer)).toEqual([{ kind: "createCspSubscription", source: "E3-1" }]);
  });

  it("R17: a second start answers 409 naming the first; cancel stops it, and is 409 once completed", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    await register(journey, partner, customer, license((await now(journey)) + 200 * DAY_MS));
    const first = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    const second = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    expect(second.status).toBe(409);
    expect(second.body.migrationId).toBe(first.body.id);
    await waiting(journey, first.body.id);
    const cancel = await journey.call<MigrationBody>("POST", `/api/migrations/${first.body.id}/cancel`, {
      token: (await journey.refresh(partner)).token,
    });
    expect([cancel.status, cancel.body.status]).toEqual([200, "cancelled"]);
    await eventually(
      () => journey.orchestration(first.body.id),
      (o) => o.runtimeStatus === "Completed",
      "the orchestration to end",
    );
    expect((await subscription(journey, partner, customer, "E3-1")).status).toBe("active");
    expect(await orders(customer)).toEqual([]);

    // A new attempt, completed through a cancellation at the source; then cancel is refused.
    const again = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    expect(again.status).toBe(202);
    await journey.call("PATCH", `/api/customers/${customer.tenantId}/subscriptions/E3-1`, {
      token: (await journey.refresh(partner)).token,
      json: { status: "cancelled" },
    });
    await until(journey, partner, again.body.id, "completed");
    // The cancelled first attempt ordered nothing; the second ordered once.
    expect(await orders(customer)).toEqual([{ kind: "createCspSubscription", source: "E3-1" }]);
    const late = await journey.call("POST", `/api/migrations/${again.body.id}/cancel`, {
      token: (await journey.refresh(partner)).token,
    });
    expect(late.status).toBe(409);
  });

  it("R10: another partner sees none of it (404) and its own documents stay unchanged", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const other = await journey.enrolPartner();
    await register(journey, partner, customer, license((await now(journey)) + 200 * DAY_MS));
    const { body } = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    for (const [method, path] of [
      ["GET", `/api/migrations/${body.id}`],
      ["POST", `/api/migrations/${body.id}/cancel`],
    ] as const) {
      expect((await journey.call(method, path, { token: other.token })).status).toBe(404);
    }
    expect((await migration(journey, partner, body.id)).status).toBe("scheduled");
  });
});

/** Every document of a partner with its ETag, in the containers a migration writes to. */
async function documentsOf(partnerId: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const container of ["customers", "migrations", "invitations", "lookups"]) {
    const { resources } = await cosmos()
      .db.container(container)
      .items.query<{ id: string; _etag: string }>({
        query: "SELECT c.id, c._etag FROM c WHERE c.partnerId = @partner",
        parameters: [{ name: "@partner", value: partnerId }],
      })
      .fetchAll();
    for (const r of resources) found[`${container}/${r.id}`] = r._etag;
  }
  return found;
}

describe("R10: a second reseller of the same customer", () => {
  it("R10: its registration of the same subscription id, and all its documents (ETags included), are unchanged by the first partner's whole move", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const other = await journey.enrolPartner();
    const { id: invitationId } = await journey.invite(other, { kind: "reseller", customer, locale: "en" });
    const mails = await journey.waitForMail(customer.adminEmail, 2);
    const invited = mails.find((m) => m.subject.includes(other.name));
    const accepted = await journey.call("POST", `${linkPath(invited!)}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accepted.status, accepted.text).toBe(200);
    await eventually(
      () => journey.orchestration(invitationId),
      (o) => o.runtimeStatus === "Completed",
      "the other partner's invitation to settle",
    );
    const termEnd = (await now(journey)) + 200 * DAY_MS;
    await register(journey, other, customer, license(termEnd));
    await register(journey, partner, customer, license(termEnd));
    const before = await documentsOf(other.id);
    expect(Object.keys(before).some((k) => k.startsWith("customers/"))).toBe(true);

    const { body } = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    await waiting(journey, body.id);
    await journey.call("PATCH", `/api/customers/${customer.tenantId}/subscriptions/E3-1`, {
      token: (await journey.refresh(partner)).token,
      json: { status: "cancelled" },
    });
    await until(journey, partner, body.id, "completed");
    await eventually(
      () => journey.orchestration(body.id),
      (o) => o.runtimeStatus === "Completed",
      "the move to finish",
    );

    expect(await documentsOf(other.id)).toEqual(before);
    expect(await subscription(journey, other, customer, "E3-1")).toMatchObject({ status: "active" });
    expect((await subscription(journey, other, customer, "E3-1")).partnerOfRecord).toBeUndefined();
    expect(await subscription(journey, partner, customer, "E3-1")).toMatchObject({
      status: "migrated",
      partnerOfRecord: partner.id,
    });
  });
});

describe("R18: a usage subscription moves to a new Azure subscription", () => {
  for (const keepSource of [false, true]) {
    it(`R18: ordered at once, each confirmed service cancelled at the source, then the source ${keepSource ? "kept" : "cancelled"}`, async () => {
      const journey = host();
      const { partner, customer } = await resellerOf(journey);
      await register(journey, partner, customer, {
        id: "AZ-1",
        offer: "Azure plan",
        billing: "usage",
        channel: "direct",
        services: [
          { id: "vm-1", name: "Web" },
          { id: "sql-1", name: "SQL" },
        ],
      });
      const { body } = await start(journey, partner, {
        customerTenantId: customer.tenantId,
        subscriptionId: "AZ-1",
        keepSource,
      });
      expect(body).toMatchObject({ strategy: "newAzureSubscription", status: "waitingForServices" });
      await eventually(
        () => migration(journey, partner, body.id),
        (m) => Boolean(m.targetSubscriptionId),
        "the Azure order",
      );
      const token = (await journey.refresh(partner)).token;
      expect(
        (await journey.call("POST", `/api/migrations/${body.id}/services/nope/moved`, { token })).status,
      ).toBe(404);
      expect(
        (await journey.call("POST", `/api/migrations/${body.id}/services/vm-1/moved`, { token })).status,
      ).toBe(200);
      const partial = await eventually(
        () => migration(journey, partner, body.id),
        (m) => m.services?.[0]?.status === "cancelledAtSource",
        "vm-1 cancelled at the source",
      );
      expect(partial.services).toEqual([
        { id: "vm-1", status: "cancelledAtSource" },
        { id: "sql-1", status: "pending" },
      ]);
      expect(partial.status).toBe("waitingForServices");
      expect(await orders(customer)).toEqual([
        { kind: "cancelAtSource", source: "AZ-1", service: "vm-1" },
        { kind: "createCspSubscription", source: "AZ-1" },
      ]);
      expect(
        (await journey.call("POST", `/api/migrations/${body.id}/services/sql-1/moved`, { token })).status,
      ).toBe(200);
      await until(journey, partner, body.id, "completed");
      const source = await subscription(journey, partner, customer, "AZ-1");
      expect(source).toMatchObject({ status: "migrated", partnerOfRecord: partner.id });
      // Each confirmed service cancelled at the source once; the whole source only without keepSource.
      expect(await orders(customer)).toEqual([
        ...(keepSource ? [] : [{ kind: "cancelAtSource", source: "AZ-1" }]),
        { kind: "cancelAtSource", source: "AZ-1", service: "sql-1" },
        { kind: "cancelAtSource", source: "AZ-1", service: "vm-1" },
        { kind: "createCspSubscription", source: "AZ-1" },
      ]);
      await eventually(
        () => journey.orchestration(body.id),
        (o) => o.runtimeStatus === "Completed",
        "the orchestration to finish",
      );
      // Every step is audited, each once.
      expect(await auditedActions(journey, partner, body.id)).toEqual(
        [
          "azureSubscriptionOrdered",
          "complete",
          "serviceCancelledAtSource",
          "serviceCancelledAtSource",
          "serviceMoved",
          "serviceMoved",
          ...(keepSource ? [] : ["sourceCancelled"]),
          "start",
        ].sort(),
      );
    });
  }
});

describe("R17: the term-end sweep", () => {
  it("R17: sweeps while an orchestration waits change nothing: one reminder each, one move", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const termEnd = (await now(journey)) + 40 * DAY_MS;
    await register(journey, partner, customer, license(termEnd));
    const { body } = await start(journey, partner, {
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
    });
    await waiting(journey, body.id);
    // Day by day, so the daily sweep runs on each reminder day and the term-end day while the
    // orchestration waits on its own timers.
    for (let day = 0; day < 42; day++) await journey.advance(1);
    await until(journey, partner, body.id, "completed");
    const mails = await journey.waitForMail(partner.contactEmail, 4);
    expect(subjects(mails).filter((s) => s.includes("in 30 days"))).toHaveLength(1);
    expect(subjects(mails).filter((s) => s.includes("in 7 days"))).toHaveLength(1);
    expect(subjects(mails).filter((s) => s.includes("now runs through"))).toHaveLength(1);
  });
});
