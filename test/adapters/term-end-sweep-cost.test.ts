import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CosmosSubscriptionRepository,
  CosmosTermEndSchedule,
} from "../../src/adapters/cosmos/subscription-repository";
import { runTermEndSweep } from "../../src/application/migrations/sweep";
import type { MigrationSignal } from "../../src/application/subscriptions/ports";
import type { Subscription } from "../../src/domain/subscriptions/model";
import { useCosmos } from "../support/cosmos";
import { countedCosmosDatabase } from "../support/embedded-cosmos";

/**
 * The sweep costs what is due, not what exists (docs/migrations.md "The term-end sweep"): with
 * 20,000 registered subscriptions of which 100 have a term-end index entry today, a run
 * makes about 100 reads. Requests are counted at the Cosmos client's pipeline (one per HTTP request).
 */
const cosmos = useCosmos({ database: "sweep-cost" });

const DAY = 86_400_000;
const NOW = new Date("2031-03-10T12:00:00.000Z");
const CUSTOMERS = 200;
const PER_CUSTOMER = 100;

/**
 * The 100 due ones are licences whose term ends today, with a running migration; of the others one
 * in ten is a licence ending on a later day (index entries elsewhere), the rest usage-based (none).
 */
function subscription(customerTenantId: string, partnerId: string, i: number, due: boolean): Subscription {
  const base = {
    id: `S-${i}`,
    customerTenantId,
    partnerId,
    channel: "ea" as const,
    createdAt: "2031-01-01T00:00:00.000Z",
    updatedAt: "2031-01-01T00:00:00.000Z",
  };
  if (due) {
    return {
      ...base,
      offer: "Microsoft 365 E3",
      billing: "license",
      termEnd: "2031-03-10T00:00:00.000Z",
      seats: 10,
      status: "migrating",
      migrationId: `mig-${String(i).padStart(32, "0")}`,
    };
  }
  if (i % 10 === 0) {
    const termEnd = new Date(NOW.getTime() + (40 + (i % 300)) * DAY).toISOString();
    return { ...base, offer: "Microsoft 365 E3", billing: "license", termEnd, seats: 10, status: "active" };
  }
  return { ...base, offer: "Azure plan", billing: "usage", status: "active" };
}

describe("the term-end sweep's cost", () => {
  it("R17: 20,000 registered subscriptions, 100 due: one page of 100, 100 point reads, two checkpoint requests", async () => {
    const { db } = cosmos();
    const store = new CosmosSubscriptionRepository(db);
    const partnerId = randomUUID();
    let n = 0;
    for (let c = 0; c < CUSTOMERS; c++) {
      const customer = randomUUID();
      const rows: Subscription[] = [];
      for (let i = 0; i < PER_CUSTOMER; i++, n++) rows.push(subscription(customer, partnerId, n, c === 0));
      await store.createMany(customer, rows);
    }
    expect(n).toBe(20_000);

    const counted = countedCosmosDatabase(cosmos());
    const signals: string[] = [];
    const report = await runTermEndSweep({
      schedule: new CosmosTermEndSchedule(counted.db),
      subscriptions: new CosmosSubscriptionRepository(counted.db),
      workflows: {
        start: () => Promise.resolve(),
        signal: (id: string, _s: MigrationSignal) => {
          signals.push(id);
          return Promise.resolve();
        },
      },
      clock: { now: () => NOW },
    });
    counted.dispose();
    const requests = counted.requests();
    console.log(`term-end sweep over 20,000 subscriptions (100 due): ${requests} Cosmos requests`, report);
    expect(report).toMatchObject({ days: ["2031-03-10"], entries: 100, signals: 100 });
    expect(signals).toHaveLength(100);
    // 1 checkpoint read + 1 query page (maybe 2 with an empty continuation) + 100 point reads + 1 write.
    expect(requests).toBeGreaterThanOrEqual(103);
    expect(requests).toBeLessThanOrEqual(110);
  }, 600_000);
});
