import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryMigrationWorkflows, memoryPorts } from "../../src/adapters/memory";
import { patchSubscription, registerSubscription } from "../../src/application/subscriptions/subscriptions";
import type { Principal } from "../../src/domain/model";
import { newMigration } from "../../src/domain/subscriptions/migration";
import type { MigrationStatus } from "../../src/domain/subscriptions/model";
import { subscriptionRegistrationSchema } from "../../src/domain/subscriptions/model";

/** The PATCH use case tells a running migration what changed (R17), and only a running one. */

const NOW = new Date("2030-01-01T00:00:00.000Z");

async function setUp(migrationStatus?: MigrationStatus) {
  const ports = memoryPorts();
  const workflows = new MemoryMigrationWorkflows();
  const partnerId = randomUUID();
  const customerTenantId = randomUUID();
  await ports.partners.put({
    id: partnerId,
    name: "Contoso",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@contoso.example",
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  });
  await ports.relationships.createMany(customerTenantId, [
    {
      id: randomUUID(),
      customerTenantId,
      type: "reseller",
      partnerId,
      status: "active",
      startsAt: NOW.toISOString(),
      invitationId: randomUUID(),
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    },
  ]);
  const deps = { ...ports, clock: { now: () => NOW }, migrationWorkflows: workflows };
  const principal: Principal = { tenantId: partnerId, userId: "u", roles: ["SalesAgent"], wids: [] };
  const input = subscriptionRegistrationSchema.parse({
    id: "E3-1",
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: "2031-06-30",
    seats: 5,
  });
  await registerSubscription(deps, principal, customerTenantId, input);
  if (migrationStatus) {
    const migration = {
      ...newMigration({
        id: "mig-1",
        attempt: 1,
        partnerId,
        subscription: { id: "E3-1", customerTenantId },
        strategy: "atTermEnd",
        notBefore: "2031-06-30T00:00:00.000Z",
        now: NOW,
      }),
      status: migrationStatus,
    };
    await ports.migrations.create(migration);
    const stored = await ports.subscriptions.get(partnerId, customerTenantId, "E3-1");
    if (!stored) throw new Error("not stored");
    await ports.subscriptions.replace(
      { ...stored.value, status: "migrating", migrationId: "mig-1" },
      stored.etag,
    );
  }
  const patch = (body: Parameters<typeof patchSubscription>[4]) =>
    patchSubscription(deps, principal, customerTenantId, "E3-1", body);
  return { workflows, patch };
}

describe("PATCH subscription and its running migration", () => {
  it("R17: a moved term end and a cancellation at the source are signalled to the running migration", async () => {
    const { workflows, patch } = await setUp("scheduled");
    await patch({ termEnd: "2032-06-30T00:00:00.000Z" });
    await patch({ termEnd: "2032-06-30T00:00:00.000Z" }); // unchanged: nothing stored, nothing signalled
    await patch({ seats: 9 });
    await patch({ status: "cancelled" });
    expect(workflows.signals).toEqual([
      { migrationId: "mig-1", signal: { kind: "termEndChanged", termEnd: "2032-06-30T00:00:00.000Z" } },
      { migrationId: "mig-1", signal: { kind: "cancelledAtSource" } },
    ]);
  });

  it("R17: a migration that ended, or none, is not signalled", async () => {
    for (const status of ["cancelled", undefined] as const) {
      const { workflows, patch } = await setUp(status);
      const view = await patch({ termEnd: "2032-06-30T00:00:00.000Z" });
      expect(view.termEnd).toBe("2032-06-30T00:00:00.000Z");
      expect(workflows.signals).toEqual([]);
    }
  });
});
