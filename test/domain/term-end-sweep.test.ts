import { describe, expect, it } from "vitest";
import {
  MAX_SWEEP_CATCH_UP_DAYS,
  shouldSignal,
  sweepDays,
  termEndIndexEntries,
} from "../../src/domain/subscriptions/sweep";

const sub = {
  customerTenantId: "c",
  partnerId: "p",
  id: "sub-1",
  termEnd: "2027-06-30T00:00:00.000Z",
};

describe("term-end sweep", () => {
  it("R17: a term end is indexed on both reminder days and its own day", () => {
    const entries = termEndIndexEntries(sub);
    expect(entries.map((e) => [e.kind, e.day])).toEqual([
      ["reminder30", "2027-05-31"],
      ["reminder7", "2027-06-23"],
      ["termEnd", "2027-06-30"],
    ]);
    expect(termEndIndexEntries(sub)).toEqual(entries);
    expect(new Set(entries.map((e) => e.id)).size).toBe(3);
    expect(entries.every((e) => /^[0-9a-f]{64}$/.test(e.id))).toBe(true);
    expect(termEndIndexEntries({ ...sub, termEnd: undefined })).toEqual([]);
  });

  it("R17: a moved term end gets new entries; the old ones no longer signal", () => {
    const old = termEndIndexEntries(sub);
    const moved = termEndIndexEntries({ ...sub, termEnd: "2028-06-30T00:00:00.000Z" });
    expect(moved.some((m) => old.some((o) => o.id === m.id))).toBe(false);
    const current = {
      termEnd: "2028-06-30T00:00:00.000Z",
      status: "migrating" as const,
      migrationId: "mig-1",
    };
    expect(old.some((e) => shouldSignal(e, current))).toBe(false);
    expect(moved.every((e) => shouldSignal(e, current))).toBe(true);
  });

  it("signals only a subscription whose migration may be waiting", () => {
    const [entry] = termEndIndexEntries(sub);
    const base = { termEnd: sub.termEnd, migrationId: "mig-1" };
    expect(shouldSignal(entry!, undefined)).toBe(false);
    expect(shouldSignal(entry!, { ...base, status: "active" })).toBe(false);
    expect(shouldSignal(entry!, { ...base, status: "migrated" })).toBe(false);
    expect(shouldSignal(entry!, { ...base, status: "cancelled" })).toBe(true);
    expect(shouldSignal(entry!, { termEnd: sub.termEnd, status: "migrating" })).toBe(false);
  });

  it("walks today only at first, resumes a day in progress, and catches up missed days", () => {
    const now = new Date("2027-06-30T02:00:00Z");
    expect(sweepDays(undefined, now)).toEqual({ days: ["2027-06-30"] });
    expect(sweepDays({ lastCompletedDay: "2027-06-27", updatedAt: "" }, now)).toEqual({
      days: ["2027-06-28", "2027-06-29", "2027-06-30"],
    });
    expect(sweepDays({ lastCompletedDay: "2027-06-30", updatedAt: "" }, now)).toEqual({ days: [] });
    expect(
      sweepDays(
        { lastCompletedDay: "2027-06-28", day: "2027-06-29", continuation: "tok", updatedAt: "" },
        now,
      ),
    ).toEqual({ days: ["2027-06-29", "2027-06-30"], continuation: "tok" });
    const long = sweepDays({ lastCompletedDay: "2026-01-01", updatedAt: "" }, now);
    expect(long.days).toHaveLength(MAX_SWEEP_CATCH_UP_DAYS + 1);
    expect(long.days.at(-1)).toBe("2027-06-30");
  });
});
