import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLOUDS, PARTNER_TYPES } from "../../src/domain/model";
import {
  BILLINGS,
  CHANNELS,
  MIGRATION_STATUSES,
  SUBSCRIPTION_STATUSES,
  type Subscription,
} from "../../src/domain/subscriptions/model";
import {
  canStartMigration,
  migrationPlanItem,
  strategyFor,
  type PlanContext,
} from "../../src/domain/subscriptions/plan";

const NOW = new Date("2027-01-01T00:00:00.000Z");
const partner = { id: "p", type: "direct" as const, cloud: "global" as const };

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: "sub-1",
    customerTenantId: "c",
    partnerId: "p",
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: "2027-06-30T00:00:00.000Z",
    seats: 25,
    autoRenew: false,
    status: "active",
    createdAt: "2026-12-01T00:00:00.000Z",
    updatedAt: "2026-12-01T00:00:00.000Z",
    ...overrides,
  };
}

const context = (overrides: Partial<PlanContext> = {}): PlanContext => ({
  now: NOW,
  partner,
  hasActiveResellerRelationship: true,
  ...overrides,
});

const codes = (items: { code: string }[]) => items.map((i) => i.code);

describe("strategyFor", () => {
  it("R17: a license subscription from any channel moves at its term end", () => {
    for (const channel of CHANNELS)
      expect(strategyFor({ billing: "license", channel })).toEqual({ strategy: "atTermEnd", rule: "R17" });
  });

  it("R18: a usage subscription from a non-CSP channel gets a new Azure CSP subscription", () => {
    for (const channel of CHANNELS.filter((c) => c !== "csp")) {
      expect(strategyFor({ billing: "usage", channel })).toEqual({
        strategy: "newAzureSubscription",
        rule: "R18",
      });
    }
  });

  it("R19: a usage subscription from another CSP partner is switched", () => {
    expect(strategyFor({ billing: "usage", channel: "csp" })).toEqual({
      strategy: "partnerSwitch",
      rule: "R19",
    });
  });
});

describe("migration plan", () => {
  it("R17: a term end in the future is not a blocker; it is the earliest date", () => {
    const item = migrationPlanItem(subscription(), context());
    expect(item).toEqual({
      subscriptionId: "sub-1",
      strategy: "atTermEnd",
      earliestDate: "2027-06-30T00:00:00.000Z",
      rule: "R17",
      blockers: [],
      warnings: [],
    });
    expect(canStartMigration(subscription(), context())).toEqual({
      ok: true,
      strategy: "atTermEnd",
      rule: "R17",
      notBefore: "2027-06-30T00:00:00.000Z",
    });
  });

  it("R17: auto-renew on warns with the renewal date and the end of one more term", () => {
    const item = migrationPlanItem(subscription({ autoRenew: true }), context());
    expect(item.warnings).toEqual([
      {
        code: "autoRenewOn",
        detail:
          "The source auto-renews on 2027-06-30: turn auto-renew off there before then, or the move waits until 2028-06-30.",
      },
    ]);
    const monthly = migrationPlanItem(subscription({ autoRenew: true, termMonths: 1 }), context());
    expect(monthly.warnings[0]?.detail).toContain("waits until 2027-07-30");
  });

  it("R17: a term ending within 30 days warns", () => {
    const item = migrationPlanItem(subscription({ termEnd: "2027-01-11T00:00:00.000Z" }), context());
    expect(item.warnings).toEqual([
      { code: "termEndingSoon", detail: "The term ends on 2027-01-11, in 10 days." },
    ]);
  });

  it("R17: a recorded term end in the past can move now and asks for the real date", () => {
    const item = migrationPlanItem(
      subscription({ termEnd: "2026-12-01T00:00:00.000Z", autoRenew: true }),
      context(),
    );
    expect(item.earliestDate).toBe(NOW.toISOString());
    expect(codes(item.warnings)).toEqual(["termEndPassed"]);
  });

  it("R17: a license cancelled at the source can move at once", () => {
    const item = migrationPlanItem(subscription({ status: "cancelled" }), context());
    expect(item.blockers).toEqual([]);
    expect(item.earliestDate).toBe(NOW.toISOString());
  });

  it("R18: a usage subscription can move now; without recorded services it warns", () => {
    const azure = subscription({ billing: "usage", channel: "direct", termEnd: undefined, seats: undefined });
    const item = migrationPlanItem(azure, context());
    expect(item).toMatchObject({
      strategy: "newAzureSubscription",
      rule: "R18",
      earliestDate: NOW.toISOString(),
    });
    expect(codes(item.warnings)).toEqual(["noServicesRecorded"]);
    expect(migrationPlanItem({ ...azure, services: [{ id: "vm", name: "VM" }] }, context()).warnings).toEqual(
      [],
    );
  });

  it("R18: a usage subscription cancelled at the source has nothing to move", () => {
    const azure = subscription({
      billing: "usage",
      channel: "open",
      status: "cancelled",
      termEnd: undefined,
    });
    const item = migrationPlanItem(azure, context());
    expect(item.blockers).toEqual([expect.objectContaining({ code: "cancelled", rule: "R18" })]);
    expect(item.earliestDate).toBeUndefined();
    const start = canStartMigration(azure, context());
    expect(start.ok ? undefined : [start.error.kind, start.error.rule]).toEqual(["conflict", "R18"]);
  });

  it("R19: a switch from another CSP partner can be asked for now", () => {
    const csp = subscription({ billing: "usage", channel: "csp", currentPartnerId: "q", termEnd: undefined });
    expect(migrationPlanItem(csp, context())).toMatchObject({
      strategy: "partnerSwitch",
      rule: "R19",
      blockers: [],
    });
  });

  it("R20: without an active reseller relationship nothing can move", () => {
    const item = migrationPlanItem(subscription(), context({ hasActiveResellerRelationship: false }));
    expect(item.blockers).toEqual([expect.objectContaining({ code: "noResellerRelationship", rule: "R20" })]);
    expect(item.earliestDate).toBeUndefined();
    const start = canStartMigration(subscription(), context({ hasActiveResellerRelationship: false }));
    expect(start.ok ? undefined : [start.error.kind, start.error.rule]).toEqual(["forbidden", "R20"]);
  });

  it("R12: a vianet subscription outside the china cloud is in the wrong cloud", () => {
    const item = migrationPlanItem(subscription({ channel: "vianet" }), context());
    expect(item.blockers).toEqual([expect.objectContaining({ code: "wrongCloud", rule: "R12" })]);
    expect(
      migrationPlanItem(
        subscription({ channel: "vianet" }),
        context({ partner: { ...partner, cloud: "china" } }),
      ).blockers,
    ).toEqual([]);
  });

  it("R14: an advisor cannot become partner of record", () => {
    const start = canStartMigration(subscription(), context({ partner: { ...partner, type: "advisor" } }));
    expect(start.ok ? undefined : [start.error.kind, start.error.rule]).toEqual(["forbidden", "R14"]);
  });

  it("a running migration blocks a second one and is named; an ended one does not", () => {
    const running = context({ migration: { id: "mig-1", status: "scheduled" } });
    const item = migrationPlanItem(subscription({ status: "migrating" }), running);
    expect(item.blockers).toEqual([
      { code: "alreadyMigrating", detail: "Migration mig-1 of this subscription is scheduled." },
    ]);
    const start = canStartMigration(subscription({ status: "migrating" }), running);
    expect(start.ok ? undefined : [start.error.kind, start.error.message]).toEqual([
      "conflict",
      "Migration mig-1 of this subscription is scheduled.",
    ]);
    expect(
      canStartMigration(subscription(), context({ migration: { id: "mig-1", status: "declined" } })).ok,
    ).toBe(true);
  });

  it("a migrated subscription shows no strategy and cannot move again", () => {
    const item = migrationPlanItem(subscription({ status: "migrated", partnerOfRecord: "p" }), context());
    expect(item.strategy).toBeUndefined();
    expect(codes(item.blockers)).toEqual(["alreadyMigrated"]);
  });
});

const iso = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }).map((d) => d.toISOString());

const subscriptionArb: fc.Arbitrary<Subscription> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  customerTenantId: fc.constant("c"),
  partnerId: fc.constant("p"),
  offer: fc.constant("offer"),
  billing: fc.constantFrom(...BILLINGS),
  channel: fc.constantFrom(...CHANNELS),
  termEnd: iso("2025-01-01", "2030-01-01"),
  termMonths: fc.option(fc.integer({ min: 1, max: 36 }), { nil: undefined }),
  autoRenew: fc.option(fc.boolean(), { nil: undefined }),
  status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
  createdAt: fc.constant("2025-01-01T00:00:00.000Z"),
  updatedAt: fc.constant("2025-01-01T00:00:00.000Z"),
});

const contextArb: fc.Arbitrary<PlanContext> = fc.record({
  now: fc.date({ min: new Date("2025-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }),
  partner: fc.record({
    id: fc.constant("p"),
    type: fc.constantFrom(...PARTNER_TYPES),
    cloud: fc.constantFrom(...CLOUDS),
  }),
  hasActiveResellerRelationship: fc.boolean(),
  migration: fc.option(
    fc.record({ id: fc.constant("mig-1"), status: fc.constantFrom(...MIGRATION_STATUSES) }),
    {
      nil: undefined,
    },
  ),
  customerCloud: fc.option(fc.constantFrom(...CLOUDS), { nil: undefined }),
});

describe("plan and start agree (properties)", () => {
  it("R17-R20: canStartMigration refuses exactly when the plan shows a blocker, with its rule", () => {
    fc.assert(
      fc.property(subscriptionArb, contextArb, (sub, ctx) => {
        const item = migrationPlanItem(sub, ctx);
        const start = canStartMigration(sub, ctx);
        expect(start.ok).toBe(item.blockers.length === 0);
        if (start.ok) {
          expect(start.strategy).toBe(item.strategy);
          expect(item.earliestDate).toBeDefined();
          if (start.strategy === "atTermEnd") expect(start.notBefore).toBe(item.earliestDate);
        } else {
          expect(start.error.rule).toBe(item.blockers[0]?.rule);
          expect(item.earliestDate).toBeUndefined();
        }
      }),
    );
  });

  it("R17: the earliest date is never before now, nor before the term end of a license still running", () => {
    fc.assert(
      fc.property(subscriptionArb, contextArb, (sub, ctx) => {
        const item = migrationPlanItem(sub, ctx);
        if (item.earliestDate === undefined) return;
        expect(item.earliestDate >= ctx.now.toISOString()).toBe(true);
        if (sub.billing === "license" && sub.status !== "cancelled") {
          expect(item.earliestDate >= sub.termEnd!).toBe(true);
        }
      }),
    );
  });

  it("R17: auto-renew warns exactly for a running license whose term end is ahead", () => {
    fc.assert(
      fc.property(subscriptionArb, contextArb, (sub, ctx) => {
        const warned = migrationPlanItem(sub, ctx).warnings.some((w) => w.code === "autoRenewOn");
        const expected =
          sub.billing === "license" &&
          (sub.status === "active" || sub.status === "migrating") &&
          sub.autoRenew === true &&
          Date.parse(sub.termEnd!) > ctx.now.getTime();
        expect(warned).toBe(expected);
      }),
    );
  });
});
