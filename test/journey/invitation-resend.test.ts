import { describe, expect, it } from "vitest";
import { customerFor, eventually, linkPath, useJourneyHost } from "./support";

/** POST /api/invitations/{id}/resend: the same link again, at most once a day (its own host: the clock moves). */
const host = useJourneyHost();

describe("resending an invitation email", () => {
  it("sends the same link again, then 429 with Retry-After within the day, and again after a day", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const { id } = await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
    const [first] = await journey.waitForMail(customer.adminEmail, 1);

    const resent = await journey.call<{ id: string; status: string }>(
      "POST",
      `/api/invitations/${id}/resend`,
      {
        token: partner.token,
      },
    );
    expect(resent.status).toBe(200);
    expect(resent.body.status).toBe("pending");
    const [again] = await journey.waitForMail(customer.adminEmail, 2);
    expect(linkPath(again!)).toBe(linkPath(first!));

    const tooSoon = await journey.call("POST", `/api/invitations/${id}/resend`, { token: partner.token });
    expect(tooSoon.status).toBe(429);
    const retryAfter = Number(tooSoon.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(await journey.mailTo(customer.adminEmail)).toHaveLength(2);

    await journey.advance(1.01);
    const fresh = await journey.refresh(partner);
    const later = await journey.call("POST", `/api/invitations/${id}/resend`, { token: fresh.token });
    expect(later.status).toBe(200);
    await eventually(
      () => journey.mailTo(customer.adminEmail),
      (items) => items.length >= 3,
      "the third email",
    );
  });

  it("refuses a decided invitation (409) and another partner's (404)", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const other = await journey.enrolPartner();
    const customer = customerFor();
    const { id } = await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
    await journey.waitForMail(customer.adminEmail, 1);
    expect((await journey.call("POST", `/api/invitations/${id}/resend`, { token: other.token })).status).toBe(
      404,
    );
    expect(
      (await journey.call("POST", `/api/invitations/${id}/cancel`, { token: partner.token })).status,
    ).toBe(200);
    const refused = await journey.call("POST", `/api/invitations/${id}/resend`, { token: partner.token });
    expect(refused.status).toBe(409);
    expect(await journey.mailTo(customer.adminEmail)).toHaveLength(1);
  });
});
