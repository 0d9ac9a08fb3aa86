import { describe, expect, it } from "vitest";
import { customerFor, DAY_MS, eventually, linkPath, useJourneyHost, type Journey } from "../journey/support";

/**
 * Issue 13, clock skew: five minutes either side of a token's expiry, an invitation's expiry and a
 * subscription's term end. Five minutes early nothing has happened (the token still works, the
 * invitation is still open, the subscription has not moved); five minutes late it has, once.
 */
const host = useJourneyHost();
const SKEW_MS = 5 * 60_000;

async function now(j: Journey): Promise<number> {
  const answer = await j.call<{ now: string }>("GET", "/dev/clock");
  return Date.parse(answer.body.now);
}

async function advanceTo(j: Journey, at: number): Promise<void> {
  const seconds = Math.ceil((at - (await now(j))) / 1000);
  if (seconds <= 0) return;
  const answer = await j.call("POST", "/dev/clock/advance", { json: { seconds } });
  expect(answer.status, answer.text).toBe(200);
}

describe("clock skew of five minutes", () => {
  it("R2: a token works five minutes before its expiry and is refused five minutes after", async () => {
    const j = host();
    const partner = await j.enrolPartner();
    const issued = await j.call<{ access_token: string; expires_in: number }>("POST", "/dev/token", {
      json: { tenantId: partner.id, roles: ["GlobalAdmin"], expiresInSeconds: 3600 },
    });
    expect(issued.status).toBe(200);
    const expiresAt = (await now(j)) + issued.body.expires_in * 1000;
    await advanceTo(j, expiresAt - SKEW_MS);
    const before = await j.call("GET", "/api/invitations", { token: issued.body.access_token });
    expect(before.status).toBe(200);
    await advanceTo(j, expiresAt + SKEW_MS);
    const after = await j.call("GET", "/api/invitations", { token: issued.body.access_token });
    expect(after.status).toBe(401);
  });

  it("R5: an invitation is open five minutes before its expiry and expired, once, five minutes after", async () => {
    const j = host();
    const partner = await j.enrolPartner();
    const customer = customerFor();
    const created = await j.invite(partner, { kind: "reseller", customer, locale: "en" });
    const [mail] = await j.waitForMail(customer.adminEmail, 1);
    await j.waitUntilWaiting(created.id);
    const expiresAt = Date.parse(created.expiresAt);
    await advanceTo(j, expiresAt - SKEW_MS);
    const fresh = await j.refresh(partner);
    expect((await j.invitation(fresh, created.id)).status).toBe("pending");
    expect((await j.call("GET", linkPath(mail!))).status).toBe(200);
    await advanceTo(j, expiresAt + SKEW_MS);
    const again = await j.refresh(partner);
    await j.waitForStatus(again, created.id, "expired");
    const late = await j.call("POST", `${linkPath(mail!)}/accept`, {
      token: await j.customerToken(customer.tenantId),
    });
    expect(late.status).toBe(410);
    expect(await j.relationships(again, customer.tenantId)).toEqual([]);
    const notices = (await j.mailTo(partner.contactEmail)).filter((m) => /expired/i.test(m.subject));
    expect(notices.length).toBeLessThanOrEqual(1);
  });

  it("R17: a subscription has not moved five minutes before its term end and has moved, once, five minutes after", async () => {
    const j = host();
    const partner = await j.enrolPartner();
    const customer = customerFor();
    await j.invite(partner, { kind: "reseller", customer, locale: "en" });
    const [mail] = await j.waitForMail(customer.adminEmail, 1);
    const accepted = await j.call("POST", `${linkPath(mail!)}/accept`, {
      token: await j.customerToken(customer.tenantId),
    });
    expect(accepted.status).toBe(200);
    await eventually(
      () => j.relationships(partner, customer.tenantId),
      (items) => items.some((r) => r.type === "reseller" && r.status === "active"),
      "the reseller relationship",
    );
    const termEnd = (await now(j)) + 10 * DAY_MS;
    const registered = await j.call("POST", `/api/customers/${customer.tenantId}/subscriptions`, {
      token: (await j.refresh(partner)).token,
      json: {
        id: "E3-1",
        offer: "Microsoft 365 E3",
        billing: "license",
        channel: "ea",
        termEnd: new Date(termEnd).toISOString(),
        seats: 5,
      },
    });
    expect(registered.status, registered.text).toBe(201);
    const started = await j.call<{ id: string }>("POST", "/api/migrations", {
      token: (await j.refresh(partner)).token,
      json: { customerTenantId: customer.tenantId, subscriptionId: "E3-1" },
    });
    expect(started.status, started.text).toBe(202);
    const id = started.body.id;
    await j.waitUntilWaiting(id);
    const migration = async () =>
      (
        await j.call<{ status: string; targetSubscriptionId?: string }>("GET", `/api/migrations/${id}`, {
          token: (await j.refresh(partner)).token,
        })
      ).body;
    await advanceTo(j, termEnd - SKEW_MS);
    expect((await migration()).status).toBe("scheduled");
    expect((await migration()).targetSubscriptionId).toBeUndefined();
    await advanceTo(j, termEnd + SKEW_MS);
    const done = await eventually(migration, (m) => m.status === "completed", "the move");
    expect(done.targetSubscriptionId).toBeTruthy();
    const moved = (await j.mailTo(partner.contactEmail)).filter((m) => /now runs through/.test(m.subject));
    expect(moved).toHaveLength(1);
  });
});
