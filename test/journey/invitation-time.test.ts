import { describe, expect, it } from "vitest";
import { customerFor, eventually, linkPath, useJourneyHost } from "./support";

/**
 * The journeys that wait on time, on the host's virtual clock (its own host: moving the clock
 * affects every invitation in it). Default INVITATION_TTL_DAYS = 90: reminders after 7 days and
 * 3 days before expiry (day 87), expiry at day 90.
 */
const host = useJourneyHost();

describe("invitation reminders and expiry on the virtual clock", () => {
  it("reminds the customer after 7 days and 3 days before expiry, then expires after 90 days", async () => {
    const journey = host();
    let partner = await journey.enrolPartner();
    const expiring = customerFor("Expiring");
    const answered = customerFor("Answered");
    const a = await journey.invite(partner, { kind: "reseller", customer: expiring, locale: "hu" });
    const b = await journey.invite(partner, { kind: "reseller", customer: answered, locale: "en" });
    const [first] = await journey.waitForMail(expiring.adminEmail, 1);
    await journey.waitForMail(answered.adminEmail, 1);
    const link = linkPath(first!);
    await journey.waitUntilWaiting(a.id);
    await journey.waitUntilWaiting(b.id);

    await journey.advance(7);
    const afterWeek = await journey.waitForMail(expiring.adminEmail, 2);
    expect(afterWeek[0]!.subject).not.toBe(afterWeek[1]!.subject);
    expect(linkPath(afterWeek[0]!)).toBe(link);

    await journey.advance(80);
    const beforeExpiry = await journey.waitForMail(expiring.adminEmail, 3);
    await journey.waitForMail(answered.adminEmail, 3);
    expect(linkPath(beforeExpiry[0]!)).toBe(link);
    partner = await journey.refresh(partner);
    expect((await journey.invitation(partner, a.id)).status).toBe("pending");

    // One of them is answered before expiry; the other runs out.
    const [answeredMail] = await journey.mailTo(answered.adminEmail);
    const accept = await journey.call("POST", `${linkPath(answeredMail!)}/accept`, {
      token: await journey.customerToken(answered.tenantId),
    });
    expect(accept.status).toBe(200);
    await journey.waitForStatus(partner, b.id, "accepted");

    await journey.advance(3);
    partner = await journey.refresh(partner);
    await journey.waitForStatus(partner, a.id, "expired");
    const notices = await eventually(
      () => journey.mailTo(partner.contactEmail),
      (items) => items.length >= 2,
      "both partner notifications",
    );
    expect(notices.map((n) => n.subject).sort()).toEqual([
      expect.stringMatching(/accepted/i),
      expect.stringMatching(/expired/i),
    ]);
    expect((await journey.invitation(partner, b.id)).status).toBe("accepted");

    // Exactly one email per step: the invitation and two reminders, nothing at or after expiry.
    expect(await journey.mailTo(expiring.adminEmail)).toHaveLength(3);
    expect(await journey.mailTo(answered.adminEmail)).toHaveLength(3);

    // R16: an expired link is gone, like a used one.
    expect((await journey.call("GET", link)).status).toBe(410);
    const late = await journey.call<{ rule?: string }>("POST", `${link}/accept`, {
      token: await journey.customerToken(expiring.tenantId),
    });
    expect(late.status).toBe(410);
    expect(late.body.rule).toBe("R16");
    expect(await journey.relationships(partner, expiring.tenantId)).toEqual([]);
  });
});
