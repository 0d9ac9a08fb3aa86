import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CosmosSubscriptionRepository,
  CosmosTermEndSchedule,
} from "../../src/adapters/cosmos/subscription-repository";
import { runTermEndSweep, type TermEndSweepReport } from "../../src/application/migrations/sweep";
import type { Subscription } from "../../src/domain/subscriptions/model";
import { useCosmos } from "../support/cosmos";

/**
 * Issue 13: two (and three) term-end sweeps at once on the embedded Cosmos server, as two timer
 * hosts firing together would run them: the checkpoint is an If-Match write, so one run owns each
 * page and the others stop or find it done; every due migration is signalled, none is lost, and a
 * later run has nothing left to do. Signals only ask an orchestration to look again (the journey
 * "sweeps while an orchestration waits change nothing" holds that a repeated one changes nothing).
 */
const cosmos = useCosmos({ database: "races-sweeps" });

const NOW = new Date("2031-05-20T06:00:00.000Z");
const DUE = 30;

function due(customerTenantId: string, partnerId: string, i: number): Subscription {
  return {
    id: `S-${i}`,
    customerTenantId,
    partnerId,
    channel: "ea",
    offer: "Microsoft 365 E3",
    billing: "license",
    termEnd: "2031-05-20T00:00:00.000Z",
    seats: 10,
    status: "migrating",
    migrationId: `mig-${String(i).padStart(32, "0")}`,
    createdAt: "2031-01-01T00:00:00.000Z",
    updatedAt: "2031-01-01T00:00:00.000Z",
  };
}

describe("races: term-end sweeps at once", () => {
  it("R17: two and three sweeps at once signal every due migration, write the checkpoint once per page, and leave nothing for the next", async () => {
    const { db } = cosmos();
    const store = new CosmosSubscriptionRepository(db);
    const customer = randomUUID();
    const partner = randomUUID();
    await store.createMany(
      customer,
      Array.from({ length: DUE }, (_, i) => due(customer, partner, i)),
    );
    const signals: string[] = [];
    const sweep = (pageSize: number): Promise<TermEndSweepReport> =>
      runTermEndSweep(
        {
          schedule: new CosmosTermEndSchedule(db),
          subscriptions: new CosmosSubscriptionRepository(db),
          workflows: {
            start: () => Promise.resolve(),
            signal: (id: string) => {
              signals.push(id);
              return Promise.resolve();
            },
          },
          clock: { now: () => NOW },
        },
        { pageSize },
      );

    const reports = await Promise.all([sweep(7), sweep(7), sweep(7)]);
    const expected = Array.from({ length: DUE }, (_, i) => `mig-${String(i).padStart(32, "0")}`);
    // None lost: every due migration was signalled by some run.
    expect([...new Set(signals)].sort()).toEqual(expected.sort());
    // At most one run walks each page to its checkpoint; a loser stops at its first lost write.
    const finished = reports.filter((r) => r.stopped === undefined);
    expect(finished.length, JSON.stringify(reports)).toBeGreaterThanOrEqual(1);
    for (const r of reports.filter((r) => r.stopped !== undefined)) expect(r.stopped).toBe("lostRace");

    const checkpoint = await new CosmosTermEndSchedule(db).readCheckpoint();
    expect(checkpoint?.value.lastCompletedDay).toBe("2031-05-20");
    const before = signals.length;
    const [again, andAgain] = await Promise.all([sweep(7), sweep(7)]);
    expect(again.entries + andAgain.entries).toBe(0);
    expect(signals.length).toBe(before);
  });
});
