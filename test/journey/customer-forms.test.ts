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
});
