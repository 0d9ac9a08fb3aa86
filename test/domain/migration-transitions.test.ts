import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors";
import {
  beginMove,
  cancelMigration,
  completeMigration,
  confirmServiceMoved,
  expireSwitchIfDue,
  markServiceCancelledAtSource,
  newMigration,
  recordApproval,
  rescheduleAtTermEnd,
  subscriptionStatusFor,
} from "../../src/domain/subscriptions/migration";
import type { MigrationStrategy } from "../../src/domain/subscriptions/model";

const NOW = new Date("2027-01-01T00:00:00.000Z");
const later = (days: number) => new Date(NOW.getTime() + days * 86_400_000);

function migration(
  strategy: MigrationStrategy,
  services = [
    { id: "vm", name: "VM" },
    { id: "sql", name: "SQL" },
  ],
) {
  return newMigration({
    id: "mig-1",
    attempt: 1,
    partnerId: "p",
    subscription: { id: "sub-1", customerTenantId: "c", services },
    strategy,
    notBefore: strategy === "atTermEnd" ? "2027-06-30T00:00:00.000Z" : undefined,
    now: NOW,
  });
}

function refusal(fn: () => unknown): { kind: string; rule: string | undefined } {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { kind: error.kind, rule: error.rule };
  }
  throw new Error("accepted");
}

describe("migration transitions", () => {
  it("R17: an atTermEnd move starts scheduled for the term end and follows a moved term end", () => {
    const m = migration("atTermEnd");
    expect(m).toMatchObject({
      status: "scheduled",
      notBefore: "2027-06-30T00:00:00.000Z",
      keepSource: false,
    });
    const moved = rescheduleAtTermEnd(m, "2028-06-30T00:00:00.000Z", later(1));
    expect(moved.migration.notBefore).toBe("2028-06-30T00:00:00.000Z");
    expect(rescheduleAtTermEnd(moved.migration, "2028-06-30T00:00:00.000Z", later(2)).unchanged).toBe(true);
    const done = completeMigration(moved.migration, later(3), "csp-sub-1");
    expect(done.migration).toMatchObject({ status: "completed", targetSubscriptionId: "csp-sub-1" });
    expect(rescheduleAtTermEnd(done.migration, "2029-01-01T00:00:00.000Z", later(4)).unchanged).toBe(true);
    expect(subscriptionStatusFor(done.migration, "active")).toBe("migrated");
  });

  it("R18: each confirmed service moves once; the last one says all moved", () => {
    const m = migration("newAzureSubscription");
    expect(m.status).toBe("waitingForServices");
    expect(m.services).toEqual([
      { id: "vm", status: "pending" },
      { id: "sql", status: "pending" },
    ]);
    const first = confirmServiceMoved(m, "vm", later(1));
    expect(first).toMatchObject({ unchanged: false, allMoved: false });
    expect(confirmServiceMoved(first.migration, "vm", later(2))).toMatchObject({
      unchanged: true,
      allMoved: false,
    });
    const second = confirmServiceMoved(first.migration, "sql", later(3));
    expect(second.allMoved).toBe(true);
    const cancelled = markServiceCancelledAtSource(second.migration, "vm", later(4));
    expect(cancelled.migration.services?.[0]).toEqual({ id: "vm", status: "cancelledAtSource" });
    expect(markServiceCancelledAtSource(cancelled.migration, "vm", later(5)).unchanged).toBe(true);
    expect(refusal(() => confirmServiceMoved(m, "nope", later(1))).kind).toBe("notFound");
    expect(refusal(() => confirmServiceMoved(migration("atTermEnd"), "vm", later(1)))).toEqual({
      kind: "conflict",
      rule: "R18",
    });
  });

  it("R19: both must approve; either may decline", () => {
    const m = migration("partnerSwitch");
    expect(m).toMatchObject({
      status: "awaitingApproval",
      approvals: { customer: "pending", currentPartner: "pending" },
      expiresAt: "2027-01-31T00:00:00.000Z",
    });
    const customer = recordApproval(m, "customer", "approved", later(1));
    expect(customer).toMatchObject({ bothApproved: false, unchanged: false });
    expect(recordApproval(customer.migration, "customer", "approved", later(2)).unchanged).toBe(true);
    expect(refusal(() => recordApproval(customer.migration, "customer", "declined", later(2)))).toEqual({
      kind: "conflict",
      rule: "R19",
    });
    expect(recordApproval(customer.migration, "currentPartner", "approved", later(2)).bothApproved).toBe(
      true,
    );
    const declined = recordApproval(customer.migration, "currentPartner", "declined", later(2));
    expect(declined.migration.status).toBe("declined");
    expect(subscriptionStatusFor(declined.migration, "active")).toBe("active");
  });

  it("R19: an unanswered switch expires after 30 days and can no longer be answered", () => {
    const m = migration("partnerSwitch");
    expect(expireSwitchIfDue(m, later(29)).unchanged).toBe(true);
    expect(refusal(() => recordApproval(m, "customer", "approved", later(30)))).toEqual({
      kind: "gone",
      rule: "R19",
    });
    const expired = expireSwitchIfDue(m, later(30));
    expect(expired.migration.status).toBe("expired");
    expect(expireSwitchIfDue(expired.migration, later(31)).unchanged).toBe(true);
  });

  it("cancel stops anything not completed, once; a completed migration answers 409", () => {
    const m = migration("atTermEnd");
    const cancelled = cancelMigration(m, later(1));
    expect(cancelled.migration.status).toBe("cancelled");
    expect(cancelMigration(cancelled.migration, later(2)).unchanged).toBe(true);
    expect(subscriptionStatusFor(cancelled.migration, "cancelled")).toBe("cancelled");
    const done = completeMigration(m, later(1)).migration;
    expect(refusal(() => cancelMigration(done, later(2))).kind).toBe("conflict");
    expect(refusal(() => completeMigration(cancelled.migration, later(2))).kind).toBe("conflict");
    expect(subscriptionStatusFor(m, "active")).toBe("migrating");
  });

  it("R17: once the move began (the CSP order comes next) a cancel answers 409; a cancel first leaves nothing to begin", () => {
    const m = migration("atTermEnd");
    const moving = beginMove(m, later(1));
    expect(moving.migration.movingSince).toBe(later(1).toISOString());
    expect(beginMove(moving.migration, later(2)).unchanged).toBe(true);
    expect(refusal(() => cancelMigration(moving.migration, later(2))).kind).toBe("conflict");
    expect(completeMigration(moving.migration, later(2)).migration.status).toBe("completed");
    const cancelled = cancelMigration(m, later(1)).migration;
    expect(beginMove(cancelled, later(2)).unchanged).toBe(true);
  });
});
