import { describe, expect, it } from "vitest";
import {
  customerFor,
  EXCHANGE_ADMIN,
  eventually,
  linkPath,
  useJourneyHost,
  type Journey,
  type PartnerSetup,
} from "./support";

/**
 * Invitations end to end through the local host over HTTP: the operator enrols partners, a partner
 * invites, the customer opens the emailed link and answers, the partner sees the outcome.
 * The clock-moving journeys (reminders, expiry) have their own host in invitation-time.test.ts.
 */
/** A tenant the dev tenant directory puts in the global cloud (DEV_TENANT_CLOUDS, R12). */
const GLOBAL_CLOUD_TENANT = "910ba100-0000-4000-8000-0000000910ba";
const host = useJourneyHost({ env: () => ({ DEV_TENANT_CLOUDS: `${GLOBAL_CLOUD_TENANT}=global` }) });

async function invited(
  journey: Journey,
  options: { tenantId?: boolean; kind?: "reseller" | "reseller+admin" } = {},
) {
  const partner = await journey.enrolPartner();
  const customer = customerFor();
  const { tenantId, ...withoutTenant } = customer;
  const body = {
    kind: options.kind ?? ("reseller+admin" as const),
    customer: options.tenantId === false ? withoutTenant : customer,
    locale: "en",
    ...(options.kind === "reseller"
      ? {}
      : { admin: { roles: [EXCHANGE_ADMIN], durationDays: 60, autoExtend: true } }),
  };
  const { id, expiresAt } = await journey.invite(partner, body);
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  return { partner, customer, tenantId, id, expiresAt, link: linkPath(mail!), mail: mail! };
}

async function partnerMail(journey: Journey, partner: PartnerSetup, count = 1) {
  return journey.waitForMail(partner.contactEmail, count);
}

describe("invitation journey over HTTP", () => {
  it("invite, open the emailed link, accept: relationships appear and the partner is told", async () => {
    const journey = host();
    const { partner, customer, id, link, mail } = await invited(journey);
    expect(mail.subject).toContain(partner.name);
    expect(mail.text).toContain(link);

    const page = await journey.call("GET", link);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.text).toContain(partner.name);
    expect(page.text).toContain(customer.displayName);

    const answer = await journey.call<{ id: string; status: string }>("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id, status: "accepted" });
    await journey.waitForStatus(partner, id, "accepted");

    const relationships = await eventually(
      () => journey.relationships(partner, customer.tenantId),
      (items) => items.length === 2,
      "two relationships",
    );
    const admin = relationships.find((r) => r.type === "admin");
    const reseller = relationships.find((r) => r.type === "reseller");
    expect(reseller).toMatchObject({ partnerId: partner.id, status: "active" });
    expect(admin).toMatchObject({
      partnerId: partner.id,
      status: "active",
      roles: [EXCHANGE_ADMIN],
      autoExtend: true,
    });
    expect(typeof admin?.endsAt).toBe("string");

    const [notice] = await partnerMail(journey, partner);
    expect(notice!.subject).toMatch(/accepted/i);
    expect(notice!.text).toContain(id);
    // The partner's notification never carries the customer's link.
    expect(notice!.text).not.toContain(link);

    // The orchestration ended with the outcome, and the link's secret is nowhere it persists or
    // prints: not in the orchestration's input, history or output, not in the host's log.
    const secret = link.slice("/invite/".length);
    const orchestration = await eventually(
      () => journey.orchestration(id),
      (o) => o.runtimeStatus === "Completed",
      "the orchestration to complete",
    );
    expect(orchestration.output).toMatchObject({ invitationId: id, outcome: "accepted" });
    expect(JSON.stringify(orchestration)).not.toContain(secret);
    expect(journey.host.output()).not.toContain(secret);
  });

  it("decline: nothing is granted and the partner is told", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const answer = await journey.call("POST", `${link}/decline`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(answer.status).toBe(200);
    await journey.waitForStatus(partner, id, "declined");
    const [notice] = await partnerMail(journey, partner);
    expect(notice!.subject).toMatch(/declined/i);
    expect(await journey.relationships(partner, customer.tenantId)).toEqual([]);
  });

  it("cancellation by the partner: the link stops working and the partner is told", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const cancel = await journey.call("POST", `/api/invitations/${id}/cancel`, { token: partner.token });
    expect(cancel.status).toBe(200);
    await journey.waitForStatus(partner, id, "cancelled");
    const [notice] = await partnerMail(journey, partner);
    expect(notice!.subject).toMatch(/cancel/i);
    expect((await journey.call("GET", link)).status).toBe(410);
    const late = await journey.call<{ rule?: string }>("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(late.status).toBe(410);
    expect(late.body.rule).toBe("R16");
    expect(await journey.relationships(partner, customer.tenantId)).toEqual([]);
  });

  it("concurrent accept and cancel of one invitation leave exactly one outcome", async () => {
    const journey = host();
    for (let round = 0; round < 4; round++) {
      const { partner, customer, id, link } = await invited(journey, { kind: "reseller" });
      const customerToken = await journey.customerToken(customer.tenantId);
      const [accept, cancel] = await Promise.all([
        journey.call("POST", `${link}/accept`, { token: customerToken }),
        journey.call("POST", `/api/invitations/${id}/cancel`, { token: partner.token }),
      ]);
      const winners = [accept.status, cancel.status].filter((s) => s === 200);
      expect(winners, `round ${round}: accept ${accept.status}, cancel ${cancel.status}`).toHaveLength(1);
      const outcome = accept.status === 200 ? "accepted" : "cancelled";
      expect(accept.status === 200 ? cancel.status : accept.status).toBe(accept.status === 200 ? 409 : 410);
      await journey.waitForStatus(partner, id, outcome);
      const notices = await partnerMail(journey, partner);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.subject).toMatch(outcome === "accepted" ? /accepted/i : /cancel/i);
      const relationships = await eventually(
        () => journey.relationships(partner, customer.tenantId),
        (items) => items.length === (outcome === "accepted" ? 1 : 0),
        "the outcome's relationships",
      );
      expect(relationships).toHaveLength(outcome === "accepted" ? 1 : 0);
    }
  });

  it("R2: only a Global Administrator of the invited tenant may answer", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const otherTenant = await journey.call<{ rule?: string; status: number }>("POST", `${link}/accept`, {
      token: await journey.customerToken(customerFor().tenantId),
    });
    expect(otherTenant.status).toBe(403);
    expect(otherTenant.body.rule).toBe("R2");
    const notAdmin = await journey.call<{ rule?: string }>("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId, false),
    });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.rule).toBe("R2");
    const anonymous = await journey.call("POST", `${link}/accept`);
    expect(anonymous.status).toBe(401);
    const partnerToken = await journey.call("POST", `${link}/accept`, { token: partner.token });
    expect(partnerToken.status).toBe(403);
    expect((await journey.invitation(partner, id)).status).toBe("pending");
    // The refusals changed nothing: the right admin still can.
    const ok = await journey.call("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(ok.status).toBe(200);
  });

  it("R15: GET and HEAD of the link (a mail scanner, twice) change nothing", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey);
    const before = await journey.invitation(partner, id);
    // This invitation's parties only: the host is shared, and other tests' workflows still send.
    const ours = async () =>
      (await journey.mail()).filter(
        (m) => m.to.includes(customer.adminEmail) || m.to.includes(partner.contactEmail),
      ).length;
    const mailBefore = await ours();
    for (let i = 0; i < 2; i++) {
      const get = await journey.call("GET", link, { headers: { "user-agent": "MailScanner/1.0" } });
      expect(get.status).toBe(200);
      const head = await journey.call("HEAD", link);
      expect(head.status).toBe(200);
      expect(head.text).toBe("");
    }
    expect(await journey.invitation(partner, id)).toEqual(before);
    expect(await ours()).toBe(mailBefore);
    const accept = await journey.call("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accept.status).toBe(200);
  });

  it("R16: a second accept, a tampered token and a used token all fail the same way", async () => {
    const journey = host();
    const { customer, link } = await invited(journey);
    const token = await journey.customerToken(customer.tenantId);
    expect((await journey.call("POST", `${link}/accept`, { token })).status).toBe(200);

    const again = await journey.call<{ rule?: string; detail?: string }>("POST", `${link}/accept`, { token });
    const last = link.slice(-1);
    const tamperedLink = `${link.slice(0, -1)}${last === "A" ? "B" : "A"}`;
    const tampered = await journey.call<{ rule?: string; detail?: string }>(
      "POST",
      `${tamperedLink}/accept`,
      { token },
    );
    const declineUsed = await journey.call<{ rule?: string; detail?: string }>("POST", `${link}/decline`, {
      token,
    });
    for (const answer of [again, tampered, declineUsed]) {
      expect(answer.status).toBe(410);
      expect(answer.body).toEqual(again.body);
      expect(answer.body.rule).toBe("R16");
    }
    // The page says as little: the same generic page for a used and a tampered link.
    const usedPage = await journey.call("GET", link);
    const tamperedPage = await journey.call("GET", tamperedLink);
    expect(usedPage.text).toBe(tamperedPage.text);
    expect(usedPage.text).not.toContain(customer.displayName);
  });

  it("R11 at acceptance: an invitation without tenant cannot be bound to a partner's tenant", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invited(journey, { tenantId: false });
    const otherPartner = await journey.enrolPartner();
    const refused = await journey.call<{ rule?: string }>("POST", `${link}/accept`, {
      token: await journey.customerToken(otherPartner.id),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.rule).toBe("R11");
    expect((await journey.invitation(partner, id)).status).toBe("pending");

    // An ordinary tenant binds it: the relationships are that tenant's.
    const accepted = await journey.call("POST", `${link}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accepted.status).toBe(200);
    const stored = await journey.waitForStatus(partner, id, "accepted");
    expect(stored.customer).toMatchObject({ tenantId: customer.tenantId });
    await eventually(
      () => journey.relationships(partner, customer.tenantId),
      (items) => items.length === 2,
      "relationships of the binding tenant",
    );
  });

  it("R12 at acceptance: a tenant known to be in another cloud cannot bind an invitation", async () => {
    const journey = host();
    // The tenant's directory entry puts it in the global cloud.
    const known = { customer: { tenantId: GLOBAL_CLOUD_TENANT } };

    const usgov = await journey.enrolPartner({ cloud: "usgov" });
    const { tenantId: _unnamed, ...customer } = customerFor();
    const { id } = await journey.invite(usgov, { kind: "reseller", customer, locale: "en" });
    const [mail] = await journey.waitForMail(customer.adminEmail, 1);
    const refused = await journey.call<{ rule?: string }>("POST", `${linkPath(mail!)}/accept`, {
      token: await journey.customerToken(known.customer.tenantId),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.rule).toBe("R12");
    expect((await journey.invitation(usgov, id)).status).toBe("pending");
    // A tenant with no known cloud may bind it.
    const fresh = customerFor().tenantId;
    const accepted = await journey.call("POST", `${linkPath(mail!)}/accept`, {
      token: await journey.customerToken(fresh),
    });
    expect(accepted.status).toBe(200);
  });
});
