import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CosmosMigrationRepository } from "../../src/adapters/cosmos/migration-repository";
import { CosmosRelationshipRepository } from "../../src/adapters/cosmos/relationship-repository";
import { termEndIndexEntries } from "../../src/domain/subscriptions/sweep";
import type { Relationship } from "../../src/domain/model";
import { newMigration } from "../../src/domain/subscriptions/migration";
import { migrationIdFor } from "../../src/domain/subscriptions/plan";
import type { ApiClient, EnrolledPartner } from "../support/api-client";
import { partitionDocuments, useApiHost } from "./support";

/**
 * Subscriptions bought elsewhere through the local host (docs/migrations.md): registration, the bulk
 * import, reads and changes, and the migration plan, with stored documents read back from Cosmos.
 */

const host = useApiHost();

const path = (tenantId: string, rest = "") => `/api/customers/${tenantId}/subscriptions${rest}`;

function license(overrides: Record<string, unknown> = {}) {
  return {
    id: `E3-${randomUUID().slice(0, 8)}`,
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: "2031-06-30",
    autoRenew: true,
    seats: 25,
    ...overrides,
  };
}

/** An active reseller relationship between the partner and the customer (R20), stored directly. */
async function resellerRelationship(partnerId: string, customerTenantId: string): Promise<Relationship> {
  const relationship: Relationship = {
    id: randomUUID(),
    customerTenantId,
    type: "reseller",
    partnerId,
    status: "active",
    startsAt: "2026-01-01T00:00:00.000Z",
    invitationId: randomUUID(),
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
  await new CosmosRelationshipRepository(host().db).createMany(customerTenantId, [relationship]);
  return relationship;
}

async function customerOf(api: ApiClient, cloud: "global" | "china" = "global") {
  const partner = await api.enrolPartner({ cloud });
  const tenantId = randomUUID();
  const relationship = await resellerRelationship(partner.id, tenantId);
  return { partner, tenantId, relationship };
}

const register = (api: ApiClient, partner: EnrolledPartner, tenantId: string, body: unknown) =>
  api.call<Record<string, unknown> & { errors?: { field: string }[]; rule?: string }>(
    "POST",
    path(tenantId),
    { token: partner.token, body },
  );

const subscriptionDocs = async (tenantId: string) =>
  (await partitionDocuments(host().db, "customers", tenantId, "customerTenantId")).filter(
    (d) => d.docType === "subscription",
  );

describe("subscriptions bought elsewhere", () => {
  it("R20: a registration stores the subscription (201); bad input is 422 naming the fields and stores nothing", async () => {
    const { api } = host();
    const { partner, tenantId } = await customerOf(api);
    const body = license();
    const created = await register(api, partner, tenantId, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: body.id,
      status: "active",
      termEnd: "2031-06-30T00:00:00.000Z",
    });
    expect(created.headers.get("location")).toBe(`/api/customers/${tenantId}/subscriptions/${body.id}`);
    expect((await register(api, partner, tenantId, body)).status).toBe(409);

    const bad = await register(
      api,
      partner,
      tenantId,
      license({ seats: undefined, termEnd: "tomorrow", extra: 1 }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(["termEnd", "(body)"]));
    const csp = await register(
      api,
      partner,
      tenantId,
      license({ billing: "usage", channel: "csp", termEnd: undefined, seats: undefined }),
    );
    expect(csp.status).toBe(422);
    expect(csp.body.errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(["currentPartnerId", "currentPartnerContactEmail"]),
    );
    expect((await subscriptionDocs(tenantId)).map((d) => d.subscriptionId)).toEqual([body.id]);
  });

  it("R20: without an active reseller relationship the registration is refused (403)", async () => {
    const { api } = host();
    const partner = await api.enrolPartner();
    const tenantId = randomUUID();
    const refused = await register(api, partner, tenantId, license());
    expect(refused.status).toBe(403);
    expect(refused.body.rule).toBe("R20");
    expect(await subscriptionDocs(tenantId)).toEqual([]);
  });

  it("R12: channel vianet outside the china cloud is refused (403); inside china it is registered", async () => {
    const { api } = host();
    const { partner, tenantId } = await customerOf(api);
    const refused = await register(api, partner, tenantId, license({ channel: "vianet" }));
    expect(refused.status).toBe(403);
    expect(refused.body.rule).toBe("R12");
    const china = await customerOf(api, "china");
    expect((await register(api, china.partner, china.tenantId, license({ channel: "vianet" }))).status).toBe(
      201,
    );
  });

  it("R1: a read-only role may read but not register or change (403)", async () => {
    const { api } = host();
    const { partner, tenantId } = await customerOf(api);
    const body = license();
    await register(api, partner, tenantId, body);
    const reader = await api.partnerToken(partner.id, ["HelpdeskAgent"]);
    const refused = await api.call<{ rule?: string }>("POST", path(tenantId), {
      token: reader,
      body: license(),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.rule).toBe("R1");
    const patch = await api.call<{ rule?: string }>("PATCH", path(tenantId, `/${body.id}`), {
      token: reader,
      body: { seats: 3 },
    });
    expect(patch.status).toBe(403);
    expect(patch.body.rule).toBe("R1");
    expect((await api.call("GET", path(tenantId, `/${body.id}`), { token: reader })).status).toBe(200);
  });

  it("R10: another partner gets 404 for GET and PATCH, sees an empty list, and changes none of the first's documents", async () => {
    const { api } = host();
    const { partner, tenantId } = await customerOf(api);
    const body = license();
    await register(api, partner, tenantId, body);
    const firstDocs = async () =>
      (await subscriptionDocs(tenantId)).filter((d) => d.partnerId === partner.id);
    const before = await firstDocs();
    expect(before).toHaveLength(1);

    const other = await api.enrolPartner();
    await resellerRelationship(other.id, tenantId);
    expect((await api.call("GET", path(tenantId, `/${body.id}`), { token: other.token })).status).toBe(404);
    expect(
      (await api.call("PATCH", path(tenantId, `/${body.id}`), { token: other.token, body: { seats: 1 } }))
        .status,
    ).toBe(404);
    expect(
      (await api.call<{ items: unknown[] }>("GET", path(tenantId), { token: other.token })).body.items,
    ).toEqual([]);
    // The same source id registered by the second partner is its own document.
    expect((await register(api, other, tenantId, body)).status).toBe(201);
    expect(
      (await api.call("POST", path(tenantId, "/import"), { token: other.token, body: [license()] })).status,
    ).toBe(201);
    await api.call("PATCH", path(tenantId, `/${body.id}`), {
      token: other.token,
      body: { termEnd: "2032-01-31" },
    });
    // Byte for byte, ETags included.
    expect(await firstDocs()).toEqual(before);
  });

  it("import: one bad row is a 422 listing it and nothing is stored; 500 good rows are all stored, as JSON and as CSV", async () => {
    const { api } = host();
    const { partner, tenantId } = await customerOf(api);
    const rows = Array.from({ length: 500 }, (_, i) => license({ id: `json-${i}` }));
    const withBad = rows.map((r, i) => (i === 321 ? { ...r, seats: -1 } : r));
    const refused = await api.call<{ errors: { field: string }[] }>("POST", path(tenantId, "/import"), {
      token: partner.token,
      body: withBad,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e) => e.field)).toEqual(["rows[321].seats"]);
    expect(await subscriptionDocs(tenantId)).toEqual([]);

    const created = await api.call("POST", path(tenantId, "/import"), { token: partner.token, body: rows });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ created: 500 });

    const csvTenant = (await customerOf(api)).tenantId;
    await resellerRelationship(partner.id, csvTenant);
    const header = "id,offer,billing,channel,termEnd,autoRenew,seats";
    const lines = Array.from(
      { length: 500 },
      (_, i) => `csv-${i},Microsoft 365 E3,license,ea,2031-06-30,true,10`,
    );
    const badCsv = [header, ...lines.map((l, i) => (i === 7 ? l.replace("2031-06-30", "someday") : l))].join(
      "\r\n",
    );
    const csvRefused = await api.call<{ errors: { field: string }[] }>("POST", path(csvTenant, "/import"), {
      token: partner.token,
      rawBody: badCsv,
      headers: { "content-type": "text/csv" },
    });
    expect(csvRefused.status).toBe(422);
    expect(csvRefused.body.errors.map((e) => e.field)).toEqual(["rows[7].termEnd"]);
    expect(await subscriptionDocs(csvTenant)).toEqual([]);
    const csvCreated = await api.call("POST", path(csvTenant, "/import"), {
      token: partner.token,
      rawBody: [header, ...lines].join("\r\n"),
      headers: { "content-type": "text/csv" },
    });
    expect(csvCreated.status).toBe(201);
    expect(csvCreated.body).toEqual({ created: 500 });
    expect(await subscriptionDocs(csvTenant)).toHaveLength(500);

    // 500 rows with long offer names are well over the 64 KiB other routes take: the import's own
    // limit lets them through the host as well as the handler.
    const longTenant = (await customerOf(api)).tenantId;
    await resellerRelationship(partner.id, longTenant);
    const longRows = Array.from({ length: 500 }, (_, i) =>
      license({ id: `long-${i}`, offer: `Microsoft 365 E3 (${"annual commitment, ".repeat(8)}${i})` }),
    );
    expect(Buffer.byteLength(JSON.stringify(longRows))).toBeGreaterThan(128 * 1024);
    const longCreated = await api.call("POST", path(longTenant, "/import"), {
      token: partner.token,
      body: longRows,
    });
    expect(longCreated.status).toBe(201);
    expect(await subscriptionDocs(longTenant)).toHaveLength(500);

    // A list pages through them, oldest first.
    const page = await api.call<{ items: unknown[]; continuationToken?: string }>(
      "GET",
      `${path(csvTenant)}?limit=100`,
      { token: partner.token },
    );
    expect(page.body.items).toHaveLength(100);
    expect(page.body.continuationToken).toBeDefined();
  });

  it("R17: a PATCH of the term end moves its term-end index entries", async () => {
    const { api, db } = host();
    const { partner, tenantId } = await customerOf(api);
    const body = license({ termEnd: "2031-03-15" });
    await register(api, partner, tenantId, body);
    const sub = { customerTenantId: tenantId, partnerId: partner.id, id: body.id };
    const entriesOn = async (termEnd: string) => {
      const found: string[] = [];
      for (const entry of termEndIndexEntries({ ...sub, termEnd })) {
        const docs = await partitionDocuments(db, "schedule", entry.day, "day");
        if (docs.some((d) => d.id === entry.id)) found.push(entry.kind);
      }
      return found;
    };
    expect(await entriesOn("2031-03-15T00:00:00.000Z")).toEqual(["reminder30", "reminder7", "termEnd"]);
    const patched = await api.call("PATCH", path(tenantId, `/${body.id}`), {
      token: partner.token,
      body: { termEnd: "2031-09-15" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ termEnd: "2031-09-15T00:00:00.000Z" });
    expect(await entriesOn("2031-03-15T00:00:00.000Z")).toEqual([]);
    expect(await entriesOn("2031-09-15T00:00:00.000Z")).toEqual(["reminder30", "reminder7", "termEnd"]);
  });

  it("R17 R20: the plan shows strategy, rule, earliest date and warnings; blockers once the relationship is gone or a migration runs", async () => {
    const { api, db } = host();
    const { partner, tenantId, relationship } = await customerOf(api);
    const body = license({ termEnd: "2031-06-30" });
    await register(api, partner, tenantId, body);
    type Plan = {
      items: {
        subscriptionId: string;
        strategy?: string;
        rule: string;
        earliestDate?: string;
        blockers: { code: string }[];
        warnings: { code: string }[];
      }[];
    };
    const plan = async () =>
      (await api.call<Plan>("GET", `/api/customers/${tenantId}/migration-plan`, { token: partner.token }))
        .body;
    const first = await plan();
    expect(first.items).toHaveLength(1);
    expect(first.items[0]).toMatchObject({
      subscriptionId: body.id,
      strategy: "atTermEnd",
      rule: "R17",
      earliestDate: "2031-06-30T00:00:00.000Z",
      blockers: [],
    });
    expect(first.items[0]?.warnings.map((w) => w.code)).toContain("autoRenewOn");

    // A migration of it is under way: alreadyMigrating.
    const migrations = new CosmosMigrationRepository(db);
    await migrations.create(
      newMigration({
        id: migrationIdFor(partner.id, tenantId, body.id, 1),
        attempt: 1,
        partnerId: partner.id,
        subscription: { id: body.id, customerTenantId: tenantId },
        strategy: "atTermEnd",
        notBefore: "2031-06-30T00:00:00.000Z",
        now: new Date(),
      }),
    );
    expect((await plan()).items[0]?.blockers.map((b) => b.code)).toContain("alreadyMigrating");

    // The reseller relationship ended: noResellerRelationship (R20).
    const relationships = new CosmosRelationshipRepository(db);
    const stored = await relationships.get(relationship.id, {
      customerTenantId: relationship.customerTenantId,
    });
    await relationships.replace({ ...relationship, status: "terminated" }, stored?.etag ?? "");
    const blocked = (await plan()).items[0];
    expect(blocked?.blockers.map((b) => b.code)).toContain("noResellerRelationship");
    expect(blocked?.earliestDate).toBeUndefined();
    // Another partner's plan for the customer is empty.
    const other = await api.enrolPartner();
    expect(
      (await api.call<Plan>("GET", `/api/customers/${tenantId}/migration-plan`, { token: other.token })).body
        .items,
    ).toEqual([]);
  });
});
