import { describe, expect, it } from "vitest";
import { CosmosSwitchRequestDirectory } from "../../src/adapters/cosmos/switch-request-directory";
import { withApprovalLinks } from "../../src/application/migrations/partner-switch-links";
import { InvalidContinuationToken } from "../../src/application/ports";
import { newMigration } from "../../src/domain/subscriptions/migration";
import { useCosmos } from "../support/cosmos";

/**
 * R19: the current partner's view of the switch requests, on the embedded Cosmos server, with
 * documents laid out as docs/migrations.md ("Cosmos layout") describes.
 */
const cosmos = useCosmos();
const NEW_PARTNER = "11111111-1111-4111-8111-111111111111";
const CURRENT = "22222222-2222-4222-8222-222222222222";
const STRANGER = "44444444-4444-4444-8444-444444444444";
const CUSTOMER = "33333333-3333-4333-8333-333333333333";

async function seed(id: string, subscriptionId: string, currentPartnerId: string, at: string) {
  const db = cosmos().db;
  await db.container("customers").items.create({
    id: `subscription:${NEW_PARTNER}:${subscriptionId}`,
    docType: "subscription",
    customerTenantId: CUSTOMER,
    partnerId: NEW_PARTNER,
    offer: "Azure plan",
    billing: "usage",
    channel: "csp",
    currentPartnerId,
    currentPartnerContactEmail: "desk@other.example",
    status: "migrating",
    migrationId: id,
    createdAt: at,
    updatedAt: at,
  });
  const migration = withApprovalLinks(
    newMigration({
      id,
      attempt: 1,
      partnerId: NEW_PARTNER,
      subscription: { id: subscriptionId, customerTenantId: CUSTOMER },
      strategy: "partnerSwitch",
      now: new Date(at),
    }),
    "k".repeat(32),
  );
  await db.container("migrations").items.create({ ...migration, docType: "migration" });
}

describe("CosmosSwitchRequestDirectory", () => {
  it("R19/R10: lists and finds only the requests naming the caller as current partner, paged", async () => {
    await seed("mig-a", "AZ-1", CURRENT, "2030-03-01T00:00:00.000Z");
    await seed("mig-b", "AZ-2", CURRENT, "2030-03-02T00:00:00.000Z");
    await seed("mig-c", "AZ-3", STRANGER, "2030-03-03T00:00:00.000Z");
    const directory = new CosmosSwitchRequestDirectory(cosmos().db);
    const first = await directory.listAddressedTo(CURRENT, { limit: 1 });
    expect(first.items.map((m) => m.id)).toHaveLength(1);
    const ids = [...first.items.map((m) => m.id)];
    let token = first.continuationToken;
    while (token) {
      // Opaque and URL-safe, as every other list's token: it travels in a query string.
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      const next = await directory.listAddressedTo(CURRENT, { limit: 1, continuationToken: token });
      ids.push(...next.items.map((m) => m.id));
      token = next.continuationToken;
    }
    expect(ids.sort()).toEqual(["mig-a", "mig-b"]);
    for (const bad of ["not*a*token", "bm90LWpzb24"]) {
      await expect(
        directory.listAddressedTo(CURRENT, { limit: 1, continuationToken: bad }),
      ).rejects.toBeInstanceOf(InvalidContinuationToken);
    }
    expect((await directory.getAddressedTo(CURRENT, "mig-a"))?.value.approvals?.customer).toBe("pending");
    expect(await directory.getAddressedTo(CURRENT, "mig-c")).toBeUndefined();
    expect(await directory.getAddressedTo(STRANGER, "mig-a")).toBeUndefined();
  });
});
