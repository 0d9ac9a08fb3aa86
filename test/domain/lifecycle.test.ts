import { describe, expect, it } from "vitest";
import {
  adminRelationshipEnd,
  AUTO_EXTEND_DAYS,
  effectiveAutoExtend,
  extendedEnd,
  inForce,
  REMINDER_DAYS_BEFORE_END,
} from "../../src/domain/lifecycle";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, RELATIONSHIP_STATUSES } from "../../src/domain/model";
import { addDays, DAY_MS } from "../../src/domain/time";

describe("relationship time rules", () => {
  it("R6: auto-extend adds 180 days, and never applies with Global Administrator whatever was stored", () => {
    expect(AUTO_EXTEND_DAYS).toBe(180);
    expect(extendedEnd("2030-01-01T00:00:00.000Z")).toBe("2030-06-30T00:00:00.000Z");
    expect(effectiveAutoExtend({ autoExtend: true, roles: ["fe930be7-5e62-47db-91af-98c3a49a38b1"] })).toBe(
      true,
    );
    expect(
      effectiveAutoExtend({ autoExtend: true, roles: [GLOBAL_ADMINISTRATOR_ROLE_ID.toUpperCase()] }),
    ).toBe(false);
    expect(effectiveAutoExtend({ autoExtend: false, roles: [] })).toBe(false);
    expect(effectiveAutoExtend({})).toBe(false);
  });

  it("R7: the partner is reminded 30, 7 and 1 days before the end", () => {
    expect([...REMINDER_DAYS_BEFORE_END]).toEqual([30, 7, 1]);
  });

  it("R8/R9: only active and expiring relationships are in force", () => {
    expect(RELATIONSHIP_STATUSES.filter(inForce)).toEqual(["active", "expiring"]);
  });

  it("R4: an admin relationship ends its duration after it starts", () => {
    expect(adminRelationshipEnd("2030-01-01T00:00:00.000Z", 730)).toBe("2032-01-01T00:00:00.000Z");
    expect(Date.parse(addDays("2030-03-01T00:00:00.000Z", -1))).toBe(
      Date.parse("2030-03-01T00:00:00.000Z") - DAY_MS,
    );
  });
});
