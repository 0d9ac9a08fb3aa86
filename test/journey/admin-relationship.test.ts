import { describe, expect, it } from "vitest";
import { adminRelationshipInstanceId } from "../../src/workflows/admin-relationship";
import {
  customerFor,
  DAY_MS,
  eventually,
  EXCHANGE_ADMIN,
  linkPath,
  useJourneyHost,
  type Journey,
  type PartnerSetup,
} from "./support";

/**
 * The admin relationship's life after acceptance (R6-R9), on the host's virtual clock. Its own host:
 * moving the clock moves every relationship in it, so each test only looks at its own partner's
 * mail and its own relationships.
 */
const host = useJourneyHost();

interface AdminRelationship {
  id: string;
  status: string;
  endsAt: string;
  autoExtend?: boolean;
  [key: string]: unknown;
}

type Customer = ReturnType<typeof customerFor>;

/** Invites, accepts as the customer's Global Administrator, and returns the new admin relationship. */
async function acceptedAdmin(
  journey: Journey,
  partner: PartnerSetup,
  customer: Customer,
  admin: { durationDays: number; autoExtend: boolean },
): Promise<AdminRelationship> {
  const before = (await journey.mailTo(customer.adminEmail)).length;
  const invitation = await journey.invite(partner, {
    kind: "admin",
    customer,
    locale: "en",
    admin: { roles: [EXCHANGE_ADMIN], ...admin },
  });
  // Newest first: this invitation's email.
  const [mail] = await eventually(
    () => journey.mailTo(customer.adminEmail),
    (items) => items.length > before,
    "the invitation email",
  );
  const answer = await journey.call("POST", `${linkPath(mail!)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  expect(answer.status).toBe(200);
  const items = await eventually(
    async () => (await journey.relationships(await journey.refresh(partner), customer.tenantId)) ?? [],
    (list) => list.some((r) => r.type === "admin" && r.invitationId === invitation.id),
    "the admin relationship",
  );
  const found = items.find((r) => r.invitationId === invitation.id) as unknown as AdminRelationship;
  await journey.linked(partner, found.id);
  return found;
}

async function relationship(
  journey: Journey,
  partner: PartnerSetup,
  customer: Customer,
  id: string,
): Promise<AdminRelationship> {
  const items = await journey.relationships(await journey.refresh(partner), customer.tenantId);
  const found = items.find((r) => r.id === id);
  if (!found) throw new Error(`relationship ${id} is not listed`);
  return found as AdminRelationship;
}

/** Waits until the lifecycle instance sits on the timer of `next` (e.g. "reminder-30", "end"). */
async function lifecycleWaitsFor(journey: Journey, relationshipId: string, next: string, endsAt?: string) {
  return eventually(
    () => journey.orchestration(adminRelationshipInstanceId(relationshipId)),
    (o) => {
      const status = o.customStatus as { phase?: string; next?: string; endsAt?: string } | undefined;
      return (
        status?.phase === "waiting" &&
        status.next === next &&
        (endsAt === undefined || status.endsAt === endsAt)
      );
    },
    `lifecycle of ${relationshipId} to wait for ${next}`,
  );
}

/** Mail to the partner about admin relationships (not the invitation notices), oldest first. */
async function lifecycleMail(journey: Journey, partner: PartnerSetup) {
  return (await journey.mailTo(partner.contactEmail))
    .filter((m) => /^Admin relationship/.test(m.subject))
    .reverse();
}

async function waitForLifecycleMail(journey: Journey, partner: PartnerSetup, count: number) {
  return eventually(
    () => lifecycleMail(journey, partner),
    (items) => items.length >= count,
    `${count} admin relationship notice(s) to ${partner.contactEmail}`,
  );
}

describe("admin relationship lifecycle on the virtual clock", () => {
  it("R5: an invitation nobody answers expires after 90 days and grants nothing", async () => {
    const journey = host();
    let partner = await journey.enrolPartner();
    const customer = customerFor("Silent");
    const invitation = await journey.invite(partner, {
      kind: "admin",
      customer,
      locale: "en",
      admin: { roles: [EXCHANGE_ADMIN], durationDays: 30, autoExtend: false },
    });
    await journey.waitUntilWaiting(invitation.id);
    await journey.advance(89);
    partner = await journey.refresh(partner);
    expect((await journey.invitation(partner, invitation.id)).status).toBe("pending");
    await journey.advance(1);
    partner = await journey.refresh(partner);
    await journey.waitForStatus(partner, invitation.id, "expired");
    expect(await journey.relationships(partner, customer.tenantId)).toEqual([]);
  });

  it("R7: without auto-extend the partner is reminded 30, 7 and 1 days before the end", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor("Reminded");
    const admin = await acceptedAdmin(journey, partner, customer, { durationDays: 60, autoExtend: false });
    expect(admin).toMatchObject({ status: "active", autoExtend: false });

    await lifecycleWaitsFor(journey, admin.id, "reminder-30");
    expect(await lifecycleMail(journey, partner)).toEqual([]);
    await journey.advance(30);
    await waitForLifecycleMail(journey, partner, 1);

    await lifecycleWaitsFor(journey, admin.id, "reminder-7");
    await journey.advance(23);
    await waitForLifecycleMail(journey, partner, 2);

    await lifecycleWaitsFor(journey, admin.id, "reminder-1");
    await journey.advance(6);
    await waitForLifecycleMail(journey, partner, 3);

    await lifecycleWaitsFor(journey, admin.id, "end");
    // Not yet ended a moment before the end date.
    expect((await relationship(journey, partner, customer, admin.id)).status).toBe("active");
    await journey.advance(1);
    const mail = await waitForLifecycleMail(journey, partner, 4);
    expect((await relationship(journey, partner, customer, admin.id)).status).toBe("expired");

    // Each reminder once, in order, to the partner's contact only; then the expiry notice.
    expect(mail.map((m) => m.subject)).toEqual([
      `Admin relationship with ${customer.displayName} ends in 30 days`,
      `Admin relationship with ${customer.displayName} ends in 7 days`,
      `Admin relationship with ${customer.displayName} ends in 1 day`,
      `Admin relationship with ${customer.displayName} has expired`,
    ]);
    for (const m of mail) {
      expect(m.to).toEqual([partner.contactEmail]);
      expect(m.text).toContain(admin.id);
    }
    const done = await eventually(
      () => journey.orchestration(adminRelationshipInstanceId(admin.id)),
      (o) => o.runtimeStatus === "Completed",
      "the lifecycle to complete",
    );
    expect(done.output).toMatchObject({ relationshipId: admin.id, outcome: "expired", remindersSent: 3 });
    // Nothing reached the customer about it: its admin got only the invitation and, at acceptance,
    // the confirmation with the link to end the relationship (R9).
    const customerMail = await journey.mailTo(customer.adminEmail);
    expect(customerMail).toHaveLength(2);
    expect(customerMail.filter((m) => m.text.includes("/terminate/"))).toHaveLength(1);
  });

  it("R7: a lifecycle woken late sends only the reminder still ahead of the next one", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor("Late");
    const admin = await acceptedAdmin(journey, partner, customer, { durationDays: 40, autoExtend: false });
    await lifecycleWaitsFor(journey, admin.id, "reminder-30");
    // One jump past the 30- and 7-day reminders, to within the last day, as after a host's downtime
    // (a stepped advance would send each reminder on its day).
    await journey.advance(39, { jump: true });
    await lifecycleWaitsFor(journey, admin.id, "end");
    expect((await lifecycleMail(journey, partner)).map((m) => m.subject)).toEqual([
      `Admin relationship with ${customer.displayName} ends in 1 day`,
    ]);
  });

  it("R6: auto-extend adds 180 days at the end date", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor("Extended");
    const admin = await acceptedAdmin(journey, partner, customer, { durationDays: 10, autoExtend: true });
    await lifecycleWaitsFor(journey, admin.id, "end", admin.endsAt);

    await journey.advance(10);
    const extendedEndsAt = new Date(Date.parse(admin.endsAt) + 180 * DAY_MS).toISOString();
    // The instance started over for the new period and waits for its end (no reminders).
    await lifecycleWaitsFor(journey, admin.id, "end", extendedEndsAt);
    expect(await relationship(journey, partner, customer, admin.id)).toMatchObject({
      status: "active",
      endsAt: extendedEndsAt,
      autoExtend: true,
    });

    // And again at the next end date: 180 days more, once.
    await journey.advance(180);
    const twiceEndsAt = new Date(Date.parse(extendedEndsAt) + 180 * DAY_MS).toISOString();
    await lifecycleWaitsFor(journey, admin.id, "end", twiceEndsAt);
    expect((await relationship(journey, partner, customer, admin.id)).endsAt).toBe(twiceEndsAt);
    expect(await lifecycleMail(journey, partner)).toEqual([]);
  });

  it("R8: an expired relationship cannot be revived; a new request makes a new relationship", async () => {
    const journey = host();
    let partner = await journey.enrolPartner();
    const customer = customerFor("Lapsed");
    const admin = await acceptedAdmin(journey, partner, customer, { durationDays: 1, autoExtend: false });
    // A one-day relationship has all its reminders in the past: it only waits for its end.
    await lifecycleWaitsFor(journey, admin.id, "end");
    await journey.advance(1);
    await eventually(
      () => relationship(journey, partner, customer, admin.id),
      (r) => r.status === "expired",
      "the relationship to expire",
    );

    partner = await journey.refresh(partner);
    for (const token of [partner.token, await journey.customerToken(customer.tenantId)]) {
      const revive = await journey.call<{ rule?: string }>(
        "POST",
        `/api/relationships/${admin.id}/terminate`,
        {
          token,
        },
      );
      expect(revive.status).toBe(409);
      expect(revive.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect(revive.body.rule).toBe("R8");
    }
    expect(await relationship(journey, partner, customer, admin.id)).toMatchObject({
      status: "expired",
      endsAt: admin.endsAt,
    });

    const renewed = await acceptedAdmin(journey, partner, customer, { durationDays: 30, autoExtend: false });
    expect(renewed.id).not.toBe(admin.id);
    expect(renewed.status).toBe("active");
    expect((await relationship(journey, partner, customer, admin.id)).status).toBe("expired");
  });

  it("R9: terminate stops the lifecycle; no reminder after it", async () => {
    const journey = host();
    let partner = await journey.enrolPartner();
    const ended = customerFor("Ended");
    const kept = customerFor("Kept");
    const terminated = await acceptedAdmin(journey, partner, ended, { durationDays: 40, autoExtend: false });
    const control = await acceptedAdmin(journey, partner, kept, { durationDays: 40, autoExtend: false });
    await lifecycleWaitsFor(journey, terminated.id, "reminder-30");
    await lifecycleWaitsFor(journey, control.id, "reminder-30");

    partner = await journey.refresh(partner);
    const answer = await journey.call<{ status?: string }>(
      "POST",
      `/api/relationships/${terminated.id}/terminate`,
      { token: partner.token },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("terminated");
    // The event ends the instance at once, without waiting for its next timer.
    const done = await eventually(
      () => journey.orchestration(adminRelationshipInstanceId(terminated.id)),
      (o) => o.runtimeStatus === "Completed",
      "the terminated relationship's lifecycle to complete",
    );
    expect(done.output).toMatchObject({ outcome: "terminated", remindersSent: 0 });

    // Past every reminder date of both: only the one still in force is reminded.
    await journey.advance(10);
    await waitForLifecycleMail(journey, partner, 1);
    await lifecycleWaitsFor(journey, control.id, "reminder-7");
    await journey.advance(23);
    const mail = await waitForLifecycleMail(journey, partner, 2);
    expect(mail.map((m) => m.subject)).toEqual([
      `Admin relationship with ${kept.displayName} ends in 30 days`,
      `Admin relationship with ${kept.displayName} ends in 7 days`,
    ]);
    expect(mail.some((m) => m.text.includes(terminated.id))).toBe(false);
    expect((await relationship(journey, partner, ended, terminated.id)).status).toBe("terminated");
  });
});
