import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Receiver, type Received } from "../support/webhook-receiver";
import { license, migration, now, register, resellerOf, start, until, waiting } from "./migration-support";
import { DAY_MS, eventually, useJourneyHost, type Journey } from "./support";

/**
 * Subscription and migration events reach the partner's webhook (docs/webhooks.md), signed per the
 * Standard Webhooks convention and verified here with the `standardwebhooks` library: a
 * registration and a bulk import (`subscription.registered`), and each end of a migration
 * (`migration.scheduled`, `.cancelled`, `.completed`, `.declined`, `.expired`).
 */
const host = useJourneyHost();
const receiver = new Receiver();
let receiverUrl = "";
beforeAll(async () => {
  receiverUrl = await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
});

interface Verified {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown> & {
    migrationId?: string;
    status?: string;
    source?: string;
    subscriptions?: { subscriptionId: string }[];
  };
}

/**
 * Verifies one request with the secret. The host signs with its (virtual) clock, which the test
 * moved weeks ahead; the library checks the timestamp against `Date`, so `Date` reads the host's time
 * while verifying (the signature itself is checked as usual).
 */
function verify(secret: string, request: Received): Verified {
  const headers = {
    "webhook-id": String(request.headers["webhook-id"]),
    "webhook-timestamp": String(request.headers["webhook-timestamp"]),
    "webhook-signature": String(request.headers["webhook-signature"]),
  };
  vi.setSystemTime(Number(headers["webhook-timestamp"]) * 1000);
  try {
    const verified = new Webhook(secret).verify(request.body, headers) as Verified;
    expect(verified.id).toBe(headers["webhook-id"]);
    return verified;
  } finally {
    vi.useRealTimers();
  }
}

const MIGRATION_TYPES = [
  "subscription.registered",
  "migration.scheduled",
  "migration.completed",
  "migration.cancelled",
  "migration.declined",
  "migration.expired",
];

async function webhookFor(journey: Journey, partnerToken: string, path: string): Promise<string> {
  const registered = await journey.call<{ secret: string }>("PUT", "/api/webhooks", {
    token: partnerToken,
    json: { url: `${receiverUrl}${path}`, events: MIGRATION_TYPES },
  });
  expect(registered.status, registered.text).toBe(201);
  return registered.body.secret;
}

describe("subscription and migration webhooks", () => {
  it("a misspelt event type in the filter is refused (422 naming events), nothing stored", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const answer = await journey.call("PUT", "/api/webhooks", {
      token: partner.token,
      json: { url: `${receiverUrl}/typo`, events: ["migration.complete"] },
    });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("events");
    expect((await journey.call("GET", "/api/webhooks", { token: partner.token })).status).toBe(404);
  });

  it("R17-R20: registration, import and every end of a migration reach the receiver once each, signed", async () => {
    const journey = host();
    const { partner, customer } = await resellerOf(journey);
    const current = await journey.enrolPartner();
    const path = `/migrations/${partner.id}`;
    const secret = await webhookFor(journey, partner.token, path);
    const events = () => receiver.on(path).map((r) => verify(secret, r));
    const waitFor = (type: string, count = 1) =>
      eventually(
        () => Promise.resolve(events().filter((e) => e.type === type)),
        (found) => found.length >= count,
        `${count} ${type} event(s)`,
      );

    // One registration, one import of two: two events, each listing what it registered.
    await register(journey, partner, customer, license((await now(journey)) + 200 * DAY_MS));
    const imported = await journey.call("POST", `/api/customers/${customer.tenantId}/subscriptions/import`, {
      token: (await journey.refresh(partner)).token,
      json: [
        { id: "AZ-1", offer: "Azure plan", billing: "usage", channel: "direct" },
        {
          id: "AZ-2",
          offer: "Azure plan",
          billing: "usage",
          channel: "csp",
          currentPartnerId: current.id,
          currentPartnerContactEmail: current.contactEmail,
        },
      ],
    });
    expect(imported.status, imported.text).toBe(201);
    const registered = await waitFor("subscription.registered", 2);
    expect(
      registered.map((e) => [e.data.source, e.data.subscriptions?.map((s) => s.subscriptionId)]),
    ).toEqual(
      expect.arrayContaining([
        ["registration", ["E3-1"]],
        ["import", ["AZ-1", "AZ-2"]],
      ]),
    );

    // atTermEnd: scheduled, cancelled; scheduled again, completed by a cancellation at the source.
    const first = (
      await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId: "E3-1" })
    ).body.id;
    await waiting(journey, first);
    const cancel = await journey.call("POST", `/api/migrations/${first}/cancel`, {
      token: (await journey.refresh(partner)).token,
    });
    expect(cancel.status).toBe(200);
    const second = (
      await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId: "E3-1" })
    ).body.id;
    await waiting(journey, second);
    await journey.call("PATCH", `/api/customers/${customer.tenantId}/subscriptions/E3-1`, {
      token: (await journey.refresh(partner)).token,
      json: { status: "cancelled" },
    });
    await until(journey, partner, second, "completed");

    // newAzureSubscription without services: ordered and completed at once.
    const azure = (
      await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId: "AZ-1" })
    ).body.id;
    await until(journey, partner, azure, "completed");

    // partnerSwitch: declined by the current partner; then asked again and left to expire.
    const declined = (
      await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId: "AZ-2" })
    ).body.id;
    await waiting(journey, declined);
    const no = await journey.call("POST", `/api/switch-requests/${declined}/decline`, {
      token: (await journey.refresh(current)).token,
    });
    expect(no.status, no.text).toBe(200);
    await until(journey, partner, declined, "declined");
    await eventually(
      () => journey.orchestration(declined),
      (o) => o.runtimeStatus === "Completed",
      "the declined switch to end",
    );
    const unanswered = (
      await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId: "AZ-2" })
    ).body.id;
    await waiting(journey, unanswered);
    await journey.advance(30);
    await until(journey, partner, unanswered, "expired");

    await waitFor("migration.cancelled");
    await waitFor("migration.expired");
    await waitFor("migration.declined");
    await waitFor("migration.completed", 2);
    await waitFor("migration.scheduled", 5);
    const byMigration = (type: string) =>
      events()
        .filter((e) => e.type === type)
        .map((e) => e.data.migrationId)
        .sort();
    expect(byMigration("migration.scheduled")).toEqual([first, second, azure, declined, unanswered].sort());
    expect(byMigration("migration.cancelled")).toEqual([first]);
    expect(byMigration("migration.completed")).toEqual([second, azure].sort());
    expect(byMigration("migration.declined")).toEqual([declined]);
    expect(byMigration("migration.expired")).toEqual([unanswered]);
    const completed = events().find(
      (e) => e.type === "migration.completed" && e.data.migrationId === second,
    )!;
    expect(completed.data).toMatchObject({
      customerTenantId: customer.tenantId,
      subscriptionId: "E3-1",
      strategy: "atTermEnd",
      status: "completed",
    });
    expect(completed.data.targetSubscriptionId).toBeTruthy();
    expect((await migration(journey, partner, second)).targetSubscriptionId).toBe(
      completed.data.targetSubscriptionId,
    );

    // Each event once (the receiver answered 200 first time): no id twice.
    const ids = receiver.on(path).map((r) => r.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(2 + 5 + 1 + 2 + 1 + 1);
  });

  it("the OpenAPI document lists every route of issue 9 with its errors, and the new event types", async () => {
    const doc = await host().call<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>("GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    const customer = "/api/customers/{tenantId}";
    const expected: [string, string, string[]][] = [
      [`${customer}/subscriptions`, "post", ["201", "400", "401", "403", "409", "422"]],
      [`${customer}/subscriptions`, "get", ["200", "401", "403", "422"]],
      [`${customer}/subscriptions/import`, "post", ["201", "400", "403", "409", "413", "422"]],
      [`${customer}/subscriptions/{id}`, "get", ["200", "404"]],
      [`${customer}/subscriptions/{id}`, "patch", ["200", "404", "409", "422"]],
      [`${customer}/migration-plan`, "get", ["200", "401", "403"]],
      ["/api/migrations", "post", ["202", "400", "403", "404", "409", "422"]],
      ["/api/migrations", "get", ["200", "422"]],
      ["/api/migrations/{id}", "get", ["200", "404"]],
      ["/api/migrations/{id}/cancel", "post", ["200", "404", "409"]],
      ["/api/migrations/{id}/services/{serviceId}/moved", "post", ["200", "404", "409"]],
      ["/switch/{token}", "get", ["200", "404", "410"]],
      ["/switch/{token}/approve", "post", ["200", "401", "403", "409", "410"]],
      ["/switch/{token}/decline", "post", ["200", "401", "403", "409", "410"]],
      ["/api/switch-requests", "get", ["200", "401", "422"]],
      ["/api/switch-requests/{migrationId}/approve", "post", ["200", "403", "404", "409", "410"]],
      ["/api/switch-requests/{migrationId}/decline", "post", ["200", "403", "404", "409", "410"]],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.body.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation!.responses), `${method} ${path}`).toEqual(
        expect.arrayContaining(statuses),
      );
    }
    for (const type of MIGRATION_TYPES) expect(doc.text).toContain(`"${type}"`);
  });
});
