import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors";
import {
  subscriptionPatchSchema,
  subscriptionRegistrationSchema,
  type Subscription,
} from "../../src/domain/subscriptions/model";
import { applySubscriptionPatch, canRegister, migrationIdFor } from "../../src/domain/subscriptions/plan";
import {
  addMonthsUtc,
  nextWakeUp,
  reminderDue,
  renewedTermEnd,
  sweepIndexDays,
  termEndIndexDay,
  termEndReminders,
} from "../../src/domain/subscriptions/term";

const PARTNER = { id: "11111111-1111-4111-8111-111111111111", cloud: "global" as const };
const OTHER_PARTNER = "22222222-2222-4222-8222-222222222222";

const license = {
  id: "sub-1",
  offer: "Microsoft 365 E3",
  billing: "license",
  channel: "ea",
  termEnd: "2027-06-30",
  seats: 25,
};
const usage = {
  id: "azure-1",
  offer: "Azure plan",
  billing: "usage",
  channel: "direct",
  services: [{ id: "vm-1", name: "VM" }],
};

function fields(input: unknown): string[] {
  const parsed = subscriptionRegistrationSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join("."));
}

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: "sub-1",
    customerTenantId: "c",
    partnerId: PARTNER.id,
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: "2027-06-30T00:00:00.000Z",
    seats: 25,
    autoRenew: true,
    status: "active",
    createdAt: "2027-01-01T00:00:00.000Z",
    updatedAt: "2027-01-01T00:00:00.000Z",
    ...overrides,
  };
}

function refusal(result: { ok: true } | { ok: false; error: DomainError }): {
  kind: string;
  rule: string | undefined;
} {
  if (result.ok) throw new Error("the check passed");
  return { kind: result.error.kind, rule: result.error.rule };
}

describe("registration input", () => {
  it("R17: a license subscription needs its term end and seats, and has no services", () => {
    expect(fields(license)).toEqual([]);
    expect(
      fields({ ...license, termEnd: undefined, seats: undefined, services: [{ id: "a", name: "b" }] }).sort(),
    ).toEqual(["seats", "services", "termEnd"]);
  });

  it("R18: a usage subscription may list its services, but no term or seats", () => {
    expect(fields(usage)).toEqual([]);
    expect(fields({ ...usage, seats: 3, termEnd: "2027-01-01" }).sort()).toEqual(["seats", "termEnd"]);
    expect(
      fields({
        ...usage,
        services: [
          { id: "a", name: "x" },
          { id: "a", name: "y" },
        ],
      }),
    ).toEqual(["services.1.id"]);
  });

  it("R19: a csp source names its current partner and contact; other channels do not", () => {
    const csp = { ...usage, channel: "csp" };
    expect(fields(csp).sort()).toEqual(["currentPartnerContactEmail", "currentPartnerId"]);
    expect(
      fields({ ...csp, currentPartnerId: OTHER_PARTNER, currentPartnerContactEmail: "ops@other.example" }),
    ).toEqual([]);
    expect(fields({ ...usage, currentPartnerId: OTHER_PARTNER })).toEqual(["currentPartnerId"]);
  });

  it("normalises a term end date to a UTC instant and refuses anything else", () => {
    const parsed = subscriptionRegistrationSchema.parse(license);
    expect(parsed.termEnd).toBe("2027-06-30T00:00:00.000Z");
    expect(
      subscriptionRegistrationSchema.parse({ ...license, termEnd: "2027-06-30T10:00:00+02:00" }).termEnd,
    ).toBe("2027-06-30T08:00:00.000Z");
    expect(fields({ ...license, termEnd: "30/06/2027" })).toEqual(["termEnd"]);
  });

  it("refuses unknown fields and ids Cosmos could not store", () => {
    expect(fields({ ...license, colour: "red" })).toEqual([""]);
    expect(fields({ ...license, id: "a/b" })).toEqual(["id"]);
  });

  it("a PATCH changes at least one field, and status only to cancelled", () => {
    expect(subscriptionPatchSchema.safeParse({}).success).toBe(false);
    expect(subscriptionPatchSchema.safeParse({ status: "active" }).success).toBe(false);
    expect(subscriptionPatchSchema.safeParse({ status: "cancelled" }).success).toBe(true);
    expect(subscriptionPatchSchema.safeParse({ autoRenew: false }).success).toBe(true);
  });
});

describe("canRegister", () => {
  const facts = { hasActiveResellerRelationship: true };

  it("R20: only for a customer with an active reseller relationship", () => {
    expect(
      refusal(canRegister(PARTNER, { channel: "ea" }, { hasActiveResellerRelationship: false })),
    ).toEqual({
      kind: "forbidden",
      rule: "R20",
    });
    expect(canRegister(PARTNER, { channel: "ea" }, facts).ok).toBe(true);
  });

  it("R12: channel vianet only in the china cloud", () => {
    expect(refusal(canRegister(PARTNER, { channel: "vianet" }, facts))).toEqual({
      kind: "forbidden",
      rule: "R12",
    });
    expect(canRegister({ ...PARTNER, cloud: "china" }, { channel: "vianet" }, facts).ok).toBe(true);
  });

  it("R12: not for a customer known to be in another cloud", () => {
    expect(refusal(canRegister(PARTNER, { channel: "ea" }, { ...facts, customerCloud: "usgov" }))).toEqual({
      kind: "forbidden",
      rule: "R12",
    });
  });

  it("refuses registering the caller's own CSP subscription as bought elsewhere", () => {
    expect(refusal(canRegister(PARTNER, { channel: "csp", currentPartnerId: PARTNER.id }, facts)).kind).toBe(
      "invalid",
    );
  });
});

describe("PATCH of a subscription", () => {
  const now = new Date("2027-02-01T00:00:00Z");

  it("R17: a moved term end is reported, so a waiting migration waits for the new one", () => {
    const out = applySubscriptionPatch(subscription(), { termEnd: "2028-06-30T00:00:00.000Z" }, now);
    expect(out).toMatchObject({ termEndChanged: true, cancelled: false, unchanged: false });
    expect(out.subscription.termEnd).toBe("2028-06-30T00:00:00.000Z");
    expect(out.subscription.updatedAt).toBe(now.toISOString());
  });

  it("R17: recording the cancellation at the source is reported once; repeating it changes nothing", () => {
    const first = applySubscriptionPatch(subscription(), { status: "cancelled" }, now);
    expect(first).toMatchObject({ cancelled: true, unchanged: false });
    const again = applySubscriptionPatch(first.subscription, { status: "cancelled" }, now);
    expect(again).toMatchObject({ cancelled: false, unchanged: true });
    expect(() => applySubscriptionPatch(first.subscription, { seats: 3 }, now)).toThrow(DomainError);
  });

  it("R18: license fields are refused on a usage subscription", () => {
    const azure = subscription({ billing: "usage", channel: "direct", termEnd: undefined, seats: undefined });
    try {
      applySubscriptionPatch(azure, { seats: 3, termEnd: "2028-01-01T00:00:00.000Z" }, now);
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).options.errors?.map((e) => e.field)).toEqual(["termEnd", "seats"]);
    }
  });

  it("a migrated subscription cannot be changed", () => {
    expect(() =>
      applySubscriptionPatch(subscription({ status: "migrated" }), { autoRenew: false }, now),
    ).toThrow(expect.objectContaining({ kind: "conflict" }));
  });

  it("the same values again change nothing", () => {
    expect(applySubscriptionPatch(subscription(), { autoRenew: true, seats: 25 }, now).unchanged).toBe(true);
  });
});

describe("term end", () => {
  const termEnd = "2027-06-30T00:00:00.000Z";

  it("R17: reminders fall 30 and 7 days before the term end", () => {
    expect(termEndReminders(termEnd).map((r) => [r.daysBefore, r.dueAt])).toEqual([
      [30, "2027-05-31T00:00:00.000Z"],
      [7, "2027-06-23T00:00:00.000Z"],
    ]);
  });

  it("R17: each reminder is due once, and only the nearest when several are overdue", () => {
    const early = new Date("2027-05-01T00:00:00Z");
    expect(reminderDue(termEnd, early, [])).toBeUndefined();
    const at30 = reminderDue(termEnd, new Date("2027-06-01T00:00:00Z"), []);
    expect(at30?.daysBefore).toBe(30);
    expect(reminderDue(termEnd, new Date("2027-06-01T00:00:00Z"), [at30!.key])).toBeUndefined();
    const late = reminderDue(termEnd, new Date("2027-06-25T00:00:00Z"), []);
    expect(late?.daysBefore).toBe(7);
    expect(reminderDue(termEnd, new Date("2027-06-25T00:00:00Z"), [late!.key])).toBeUndefined();
    expect(reminderDue(termEnd, new Date("2027-07-01T00:00:00Z"), [])).toBeUndefined();
  });

  it("R17: a moved term end makes its reminders due again", () => {
    const sent = termEndReminders(termEnd).map((r) => r.key);
    const moved = "2028-06-30T00:00:00.000Z";
    expect(reminderDue(moved, new Date("2028-06-01T00:00:00Z"), sent)?.daysBefore).toBe(30);
  });

  it("R17: an orchestration wakes for each reminder, then at the term end", () => {
    expect(nextWakeUp(termEnd, new Date("2027-01-01T00:00:00Z"))).toBe("2027-05-31T00:00:00.000Z");
    expect(nextWakeUp(termEnd, new Date("2027-06-01T00:00:00Z"))).toBe("2027-06-23T00:00:00.000Z");
    expect(nextWakeUp(termEnd, new Date("2027-06-24T00:00:00Z"))).toBe(termEnd);
    expect(nextWakeUp(termEnd, new Date("2027-07-02T00:00:00Z"))).toBe("2027-07-02T00:00:00.000Z");
  });

  it("indexes a term end under its UTC day and its reminder days", () => {
    expect(termEndIndexDay("2027-06-30T23:30:00-02:00")).toBe("2027-07-01");
    expect(sweepIndexDays(termEnd)).toEqual(["2027-05-31", "2027-06-23", "2027-06-30"]);
  });

  it("one more term is a year unless a term length is recorded, clamped to the month's end", () => {
    expect(renewedTermEnd(termEnd, undefined)).toBe("2028-06-30T00:00:00.000Z");
    expect(renewedTermEnd(termEnd, 1)).toBe("2027-07-30T00:00:00.000Z");
    expect(addMonthsUtc("2027-01-31T00:00:00.000Z", 1)).toBe("2027-02-28T00:00:00.000Z");
    expect(addMonthsUtc("2028-02-29T00:00:00.000Z", 12)).toBe("2029-02-28T00:00:00.000Z");
  });
});

describe("migration ids", () => {
  it("are deterministic per partner, customer, subscription and attempt", () => {
    const id = migrationIdFor(PARTNER.id, "c", "sub/1?#", 1);
    expect(id).toMatch(/^mig-[0-9a-f]{32}$/);
    expect(migrationIdFor(PARTNER.id, "c", "sub/1?#", 1)).toBe(id);
    expect(migrationIdFor(PARTNER.id, "c", "sub/1?#", 2)).not.toBe(id);
    expect(migrationIdFor(OTHER_PARTNER, "c", "sub/1?#", 1)).not.toBe(id);
  });
});
