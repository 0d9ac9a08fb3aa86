import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "../../src/domain/model";
import { startLoopbackIssuer, type LoopbackIssuer } from "../config/jwks-server";
import { startHostProcess } from "../support/host-process";
import { startLoopbackServices, type LoopbackServices } from "../support/loopback-services";
import { customerFor, Journey, linkPath } from "./support";

/**
 * The customer side in production mode (AUTH_MODE=entra) through the local host, with a loopback
 * stand-in for Entra's signing keys: the page offers Microsoft sign-in instead of the dev form, the
 * sign-in redirects to the multi-tenant authorize endpoint with PKCE and a sealed state cookie, a
 * callback that does not match that state is refused, and a customer admin's bearer token of the
 * configured issuer answers the invitation. Entra's own authorize and token endpoints are not
 * reachable here (customer-sign-in.test.ts covers the code redemption against a stand-in).
 */
const AUTHORITY = "https://login.microsoftonline.test";
const ISSUER = `${AUTHORITY}/00000000-0000-0000-0000-0000000000aa/v2.0`;
const AUDIENCE = "api://csp-relationships-test";
const CLIENT_ID = "00000000-0000-0000-0000-0000000000bb";

let issuer: LoopbackIssuer;
let services: LoopbackServices;
let journey: Journey;

beforeAll(async () => {
  issuer = await startLoopbackIssuer();
  // Outside dev mode the host starts no embedded service: the test gives it loopback ones.
  services = await startLoopbackServices();
  const host = await startHostProcess({
    args: ["--store", "memory"],
    env: {
      ...services.env,
      AUTH_MODE: "entra",
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_URI: issuer.jwksUri,
      AUTH_CLIENT_ID: CLIENT_ID,
    },
  });
  journey = new Journey(host, () => services.mail());
});

afterAll(async () => {
  await journey?.host.stop();
  await services?.stop();
  await issuer?.close();
});

function token(claims: { tid: string; roles?: string[]; wids?: string[] }): string {
  const now = Math.floor(Date.now() / 1000);
  return issuer.sign({
    iss: ISSUER,
    aud: AUDIENCE,
    oid: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 600,
    ...claims,
  });
}

async function invitedLink() {
  const partnerId = randomUUID();
  const enrol = await journey.call("PUT", `/api/partners/${partnerId}`, {
    token: token({ tid: randomUUID(), roles: ["Operator"] }),
    json: { name: "Fabrikam", type: "direct", cloud: "global", contactEmail: "ops@fabrikam.example" },
  });
  expect(enrol.status).toBe(201);
  const customer = customerFor();
  const partnerToken = token({ tid: partnerId, roles: ["GlobalAdmin"] });
  const created = await journey.call<{ id: string }>("POST", "/api/invitations", {
    token: partnerToken,
    json: { kind: "reseller", customer, locale: "en" },
  });
  expect(created.status).toBe(202);
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  return { customer, link: linkPath(mail!) };
}

describe("customer side in entra mode", () => {
  it("offers Microsoft sign-in, which redirects to the authorize endpoint with PKCE and a sealed state cookie", async () => {
    const { link } = await invitedLink();
    const page = await journey.call("GET", link);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${link}/signin"`);
    expect(page.text).not.toContain('name="tenantId"');

    const signIn = await journey.call("GET", `${link}/signin`);
    expect(signIn.status).toBe(303);
    const location = new URL(signIn.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${AUTHORITY}/organizations/oauth2/v2.0/authorize`);
    expect(location.searchParams.get("client_id")).toBe(CLIENT_ID);
    expect(location.searchParams.get("redirect_uri")).toMatch(/\/auth\/invite\/callback$/);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.toString()).not.toContain(link.slice("/invite/".length));
    const [stateCookie] = signIn.headers.getSetCookie();
    expect(stateCookie).toMatch(/^invite_signin=/);
    expect(stateCookie).toMatch(/HttpOnly/i);
    expect(stateCookie).toMatch(/SameSite=Lax/i);
    expect(stateCookie).toMatch(/Path=\/auth\/invite\//);

    // A callback whose state is not the one sealed in the cookie (or without the cookie) is refused.
    const cookie = stateCookie!.split(";")[0]!;
    const forged = await journey.call("GET", `/auth/invite/callback?code=x&state=forged`, {
      headers: { cookie },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.getSetCookie().some((c) => c.startsWith("invite_session="))).toBe(false);
    const noCookie = await journey.call(
      "GET",
      `/auth/invite/callback?code=x&state=${location.searchParams.get("state")}`,
    );
    expect(noCookie.status).toBe(401);
  });

  it("a customer Global Administrator's token of the configured issuer answers the invitation (R2)", async () => {
    const { customer, link } = await invitedLink();
    const notAdmin = await journey.call<{ rule?: string }>("POST", `${link}/accept`, {
      token: token({ tid: customer.tenantId }),
    });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.rule).toBe("R2");
    const accepted = await journey.call<{ status: string }>("POST", `${link}/accept`, {
      token: token({ tid: customer.tenantId, wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] }),
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe("accepted");
  });

  it("R9: the termination page signs in with Entra through its own redirect URI (/auth/terminate/callback)", async () => {
    const partnerId = randomUUID();
    const enrol = await journey.call("PUT", `/api/partners/${partnerId}`, {
      token: token({ tid: randomUUID(), roles: ["Operator"] }),
      json: { name: "Fabrikam", type: "direct", cloud: "global", contactEmail: "ops@fabrikam.example" },
    });
    expect(enrol.status).toBe(201);
    const customer = customerFor();
    const created = await journey.call("POST", "/api/invitations", {
      token: token({ tid: partnerId, roles: ["GlobalAdmin"] }),
      json: {
        kind: "admin",
        customer,
        locale: "en",
        admin: { roles: ["29232cdf-9323-42fd-ade2-1d097af3e4de"], durationDays: 30, autoExtend: false },
      },
    });
    expect(created.status).toBe(202);
    const [invitationMail] = await journey.waitForMail(customer.adminEmail, 1);
    const accepted = await journey.call("POST", `${linkPath(invitationMail!)}/accept`, {
      token: token({ tid: customer.tenantId, wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] }),
    });
    expect(accepted.status).toBe(200);
    const mails = await journey.waitForMail(customer.adminEmail, 2);
    const link = /\/terminate\/[A-Za-z0-9-]+\.[A-Za-z0-9-]+\.[A-Za-z0-9_-]{43}/.exec(
      mails.map((m) => m.text).join("\n"),
    )?.[0];
    expect(link).toBeTruthy();

    const page = await journey.call("GET", link!);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${link}/signin"`);
    expect(page.text).not.toContain('name="tenantId"');
    const signIn = await journey.call("GET", `${link}/signin`);
    expect(signIn.status).toBe(303);
    const location = new URL(signIn.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${AUTHORITY}/organizations/oauth2/v2.0/authorize`);
    expect(location.searchParams.get("redirect_uri")).toMatch(/\/auth\/terminate\/callback$/);
    expect(location.toString()).not.toContain(link!.slice("/terminate/".length));
    const [stateCookie] = signIn.headers.getSetCookie();
    expect(stateCookie).toMatch(/^terminate_signin=/);
    expect(stateCookie).toMatch(/Path=\/auth\/terminate\//);
    const forged = await journey.call("GET", `/auth/terminate/callback?code=x&state=forged`, {
      headers: { cookie: stateCookie!.split(";")[0]! },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.getSetCookie().some((c) => c.startsWith("terminate_session="))).toBe(false);
  });

  it("R19: the partner switch pages have their own Entra callback (/auth/switch/callback), refusing a callback without its state", async () => {
    const callback = await journey.call("GET", "/auth/switch/callback?code=x&state=y");
    expect(callback.status).toBe(401);
    expect(callback.headers.getSetCookie().some((c) => c.startsWith("switch_session="))).toBe(false);
  });
});
