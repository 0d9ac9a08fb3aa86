import { describe, expect, it } from "vitest";
import {
  license,
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
  type MigrationBody,
} from "./migration-support";
import { DAY_MS, eventually, useJourneyHost } from "./support";

/**
 * Migrations through the host on the virtual clock (R10, R17, R18): registration, start, the
 * orchestrations' waits and the sweep, end to end. One host: each test has its own partner and
 * customer and looks only at its own mail and documents.
 */
const host = useJourneyHost();

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
      expect(
        (await journey.call("POST", `/api/migrations/${body.id}/services/sql-1/moved`, { token })).status,
      ).toBe(200);
      await until(journey, partner, body.id, "completed");
      const source = await subscription(journey, partner, customer, "AZ-1");
      expect(source).toMatchObject({ status: "migrated", partnerOfRecord: partner.id });
      await eventually(
        () => journey.orchestration(body.id),
        (o) => o.runtimeStatus === "Completed",
        "the orchestration to finish",
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
