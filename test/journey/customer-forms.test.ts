import { describe, expect, it } from "vitest";
import { customerFor, EXCHANGE_ADMIN, linkPath, useJourneyHost, type Journey } from "./support";

/**
 * The customer page's no-JavaScript path over plain HTTP, as a browser without scripts would use it:
 * the dev sign-in form sets an HttpOnly, SameSite=Strict session cookie scoped to /invite/, and the
 * Accept/Decline forms post with it (plus the page's CSRF field). Refusals are pages, not JSON.
 */
const host = useJourneyHost();

async function invitedLink(journey: Journey, locale = "en") {
  const partner = await journey.enrolPartner();
  const customer = customerFor();
  const { id } = await journey.invite(partner, {
    kind: "admin",
    customer,
    locale,
    admin: { roles: [EXCHANGE_ADMIN], durationDays: 30, autoExtend: false },
  });
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  return { partner, customer, id, link: linkPath(mail!) };
}

async function signIn(journey: Journey, link: string, fields: Record<string, string>) {
  const answer = await journey.call("POST", `${link}/signin`, { form: fields });
  const setCookie = answer.headers.getSetCookie();
  const session = setCookie.find((c) => c.startsWith("invite_session="));
  return { answer, setCookie: session, cookie: session?.split(";")[0] };
}

function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error("no csrf field on the page");
  return match[1];
}

describe("customer page forms (no JavaScript)", () => {
  it("dev sign-in sets a strict, HttpOnly session cookie for /invite/ and the page shows who is signed in", async () => {
    const journey = host();
    const { customer, link } = await invitedLink(journey, "hu");
    const page = await journey.call("GET", link);
    expect(page.text).toMatch(/<html lang="hu"/);
    expect(page.text).toContain('name="tenantId"');

    const { answer, setCookie, cookie } = await signIn(journey, link, {
      tenantId: customer.tenantId,
      email: customer.adminEmail,
      globalAdmin: "true",
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe(link);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/invite\//);

    const signedIn = await journey.call("GET", link, { headers: { cookie: cookie! } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.text).toContain(customer.adminEmail);
    expect(signedIn.text).toContain('name="csrf"');
  });

  it("accepts a form post with the session and CSRF field, answering with an HTML page", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invitedLink(journey);
    const { cookie } = await signIn(journey, link, { tenantId: customer.tenantId, globalAdmin: "true" });
    const csrf = csrfOf((await journey.call("GET", link, { headers: { cookie: cookie! } })).text);
    const answer = await journey.call("POST", `${link}/accept`, {
      form: { csrf },
      headers: { cookie: cookie!, origin: journey.url },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/text\/html/);
    expect(answer.text).toContain(partner.name);
    await journey.waitForStatus(partner, id, "accepted");
    // Used now: the same form again gets the generic page.
    const again = await journey.call("POST", `${link}/accept`, {
      form: { csrf },
      headers: { cookie: cookie! },
    });
    expect(again.status).toBe(410);
    expect(again.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("refuses form posts without a session, without the CSRF field, or from another site", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invitedLink(journey);
    const anonymous = await journey.call("POST", `${link}/accept`, { form: {} });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toMatch(/text\/html/);

    const { cookie } = await signIn(journey, link, { tenantId: customer.tenantId, globalAdmin: "true" });
    const csrf = csrfOf((await journey.call("GET", link, { headers: { cookie: cookie! } })).text);
    const noCsrf = await journey.call("POST", `${link}/accept`, { form: {}, headers: { cookie: cookie! } });
    expect(noCsrf.status).toBe(403);
    const crossSite = await journey.call("POST", `${link}/accept`, {
      form: { csrf },
      headers: { cookie: cookie!, origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    // A JSON caller cannot ride on the cookie: it needs a bearer token.
    const jsonWithCookie = await journey.call("POST", `${link}/accept`, {
      json: {},
      headers: { cookie: cookie! },
    });
    expect(jsonWithCookie.status).toBe(401);
    expect((await journey.invitation(partner, id)).status).toBe("pending");
  });

  it("R2 on the form path: a signed-in user who is not Global Administrator gets a 403 page in the invitation's language", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invitedLink(journey, "pt-BR");
    const { cookie } = await signIn(journey, link, { tenantId: customer.tenantId });
    const page = await journey.call("GET", link, { headers: { cookie: cookie! } });
    expect(page.text).toContain('id="not-global-admin"');
    const answer = await journey.call("POST", `${link}/decline`, {
      form: { csrf: csrfOf(page.text) },
      headers: { cookie: cookie! },
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get("content-type")).toMatch(/text\/html/);
    expect(answer.text).toMatch(/<html lang="pt-BR"/);
    expect((await journey.invitation(partner, id)).status).toBe("pending");
  });

  it("sign-in only works from a live link and validates its form", async () => {
    const journey = host();
    const { link } = await invitedLink(journey);
    const unknown = await journey.call("POST", `/invite/${"B".repeat(43)}/signin`, {
      form: { tenantId: "t", globalAdmin: "true" },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.getSetCookie()).toEqual([]);
    const invalid = await signIn(journey, link, { tenantId: "<script>", globalAdmin: "true" });
    expect(invalid.answer.status).toBe(422);
    expect(invalid.setCookie).toBeUndefined();
    expect(invalid.answer.text).not.toContain("<script>");
  });
  it("shows who asks (partner tenant and contact) and warns before Accept when another tenant is signed in", async () => {
    const journey = host();
    const { partner, customer, link } = await invitedLink(journey, "zh-CN");
    const anonymous = await journey.call("GET", link);
    expect(anonymous.text).toContain(`<dd id="partner-tenant">${partner.id}</dd>`);
    expect(anonymous.text).toContain(`<dd id="partner-contact">${partner.contactEmail}</dd>`);
    expect(anonymous.text).toContain("合作伙伴租户 ID");

    const other = customerFor().tenantId;
    const { cookie } = await signIn(journey, link, { tenantId: other, globalAdmin: "true" });
    const wrong = await journey.call("GET", link, { headers: { cookie: cookie! } });
    expect(wrong.text).toContain('id="wrong-tenant"');
    expect(wrong.text).toContain(other);
    const { cookie: right } = await signIn(journey, link, {
      tenantId: customer.tenantId,
      globalAdmin: "true",
    });
    const invited = await journey.call("GET", link, { headers: { cookie: right! } });
    expect(invited.text).not.toContain('id="wrong-tenant"');
  });

  it("R16: a reopened or reloaded link says the deciding tenant what was decided and when; anyone else, cancelled and unknown links get the generic page", async () => {
    const journey = host();
    const { partner, customer, id, link } = await invitedLink(journey, "pt-BR");
    const { cookie: otherCookie } = await signIn(journey, link, { tenantId: customerFor().tenantId });
    const { cookie } = await signIn(journey, link, { tenantId: customer.tenantId, globalAdmin: "true" });
    const csrf = csrfOf((await journey.call("GET", link, { headers: { cookie: cookie! } })).text);
    const declined = await journey.call("POST", `${link}/decline`, {
      form: { csrf },
      headers: { cookie: cookie!, origin: journey.url },
    });
    expect(declined.status).toBe(200);
    await journey.waitForStatus(partner, id, "declined");

    // The result page reloaded (the browser posts the form again) and the link opened again.
    const reloaded = await journey.call("POST", `${link}/decline`, {
      form: { csrf },
      headers: { cookie: cookie!, origin: journey.url },
    });
    const reopened = await journey.call("GET", link, { headers: { cookie: cookie! } });
    for (const answer of [reloaded, reopened]) {
      expect(answer.status).toBe(410);
      expect(answer.headers.get("content-type")).toMatch(/text\/html/);
      expect(answer.text).toContain('id="decided"');
      expect(answer.text).toContain("foi recusada em");
      expect(answer.text).toContain(partner.name);
    }

    // R16: without the deciding tenant's session (no session, another tenant's) it is the generic page.
    for (const headers of [{} as Record<string, string>, { cookie: otherCookie! }]) {
      const generic = await journey.call("GET", link, { headers });
      expect(generic.status).toBe(410);
      expect(generic.text).not.toContain('id="decided"');
      expect(generic.text).not.toContain(partner.name);
    }

    // A cancelled invitation's link and an unknown one: the generic page, nothing about the outcome.
    const cancelled = await invitedLink(journey);
    const cancel = await journey.call("POST", `/api/invitations/${cancelled.id}/cancel`, {
      token: cancelled.partner.token,
    });
    expect(cancel.status).toBe(200);
    for (const path of [cancelled.link, `/invite/${"B".repeat(43)}`]) {
      const generic = await journey.call("GET", path);
      expect([404, 410]).toContain(generic.status);
      expect(generic.text).not.toContain('id="decided"');
      expect(generic.text).not.toContain(cancelled.partner.name);
      expect(generic.text).not.toContain(partner.name);
    }
  });
});
