import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { beforeEach, describe, expect, it } from "vitest";
import {
  makeAnswerSwitchRequestHandler,
  makeListSwitchRequestsHandler,
  makeSwitchAnswerHandler,
  makeSwitchPageHandler,
  makeSwitchSignInHandler,
  SWITCH_SESSION_COOKIE,
  type PartnerSwitchHttpDependencies,
} from "../../functions/partner-switch";
import { entraSignIn } from "../../src/adapters/auth/entra-sign-in";
import type { Principal } from "../../src/domain/model";
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "../../src/domain/model";
import type { Migration } from "../../src/domain/subscriptions/model";
import { CURRENT_PARTNER, CUSTOMER, seed, tokenOf, world, type World } from "../support/partner-switch-world";

/** R19's routes, handler by handler, on the memory world (no host needed for what they decide). */

const ORIGIN = "https://switch.example";
const principals = new Map<string, Principal>([
  ["ga", { tenantId: CUSTOMER, userId: "u-ga", roles: [], wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] }],
  ["partner", { tenantId: CURRENT_PARTNER, userId: "u-p", roles: ["SalesAgent"], wids: [] }],
]);

function depsFor(w: World): PartnerSwitchHttpDependencies {
  return {
    answers: w.answers,
    workflows: () => w.answers.workflows,
    verifier: {
      verify: (token) => {
        const found = principals.get(token);
        return found ? Promise.resolve(found) : Promise.reject(new Error("bad token"));
      },
    },
    signIn: {
      mode: "dev",
      issue: (r) => Promise.resolve(r.wids.length > 0 && r.tenantId === CUSTOMER ? "ga" : "nobody"),
    },
    secret: "s".repeat(32),
    publicBaseUrl: ORIGIN,
  };
}

const logs: string[] = [];
function context(): InvocationContext {
  return new InvocationContext({
    functionName: "test",
    logHandler: (_level, ...args) => logs.push(args.map(String).join(" ")),
  });
}

function request(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string; params?: Record<string, string> } = {},
) {
  return new HttpRequest({
    method,
    url: `${ORIGIN}${path}`,
    headers: init.headers ?? {},
    params: init.params ?? {},
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
  });
}

const jsonOf = (response: unknown): unknown => (response as HttpResponseInit).jsonBody;

function text(response: HttpResponseInit): string {
  return typeof response.body === "string" ? response.body : JSON.stringify(response.jsonBody ?? "");
}

describe("R19 switch routes", () => {
  let w: World;
  let m: Migration;
  let deps: PartnerSwitchHttpDependencies;
  beforeEach(async () => {
    w = world();
    m = await seed(w);
    deps = depsFor(w);
    logs.length = 0;
  });

  it("R15: GET and HEAD of the link render the page and change nothing", async () => {
    const token = tokenOf(m, "customer");
    const before = w.migrations.read(m.id)!.etag;
    const page = makeSwitchPageHandler(deps);
    for (const method of ["GET", "HEAD", "GET"]) {
      const response = await page(
        request(method, `/switch/${token}`, { params: { token }, headers: { "accept-language": "hu" } }),
        context(),
      );
      expect(response.status).toBe(200);
      expect(text(response)).toContain('lang="hu"');
      expect((response.headers as Record<string, string>)["referrer-policy"]).toBe("no-referrer");
    }
    expect(w.migrations.read(m.id)!.etag).toBe(before);
    expect(w.signals).toEqual([]);
  });

  it("R16: an unknown or tampered link is the generic 404 page, a used one the generic 410; no token in any body or log", async () => {
    const token = tokenOf(m, "customer");
    const tampered = (token[0] === "A" ? "B" : "A") + token.slice(1);
    const page = makeSwitchPageHandler(deps);
    const unknown = await page(
      request("GET", `/switch/${tampered}`, { params: { token: tampered } }),
      context(),
    );
    expect(unknown.status).toBe(404);
    const approve = makeSwitchAnswerHandler(deps, "approved");
    const ok = await approve(
      request("POST", `/switch/${token}/approve`, {
        params: { token },
        headers: { authorization: "Bearer ga" },
      }),
      context(),
    );
    expect(ok.status).toBe(200);
    expect(jsonOf(ok)).toMatchObject({ migrationId: m.id, party: "customer", decision: "approved" });
    const used = await page(request("GET", `/switch/${token}`, { params: { token } }), context());
    expect(used.status).toBe(410);
    const badPost = await approve(
      request("POST", `/switch/${tampered}/approve`, {
        params: { token: tampered },
        headers: { authorization: "Bearer ga" },
      }),
      context(),
    );
    expect(badPost.status).toBe(410);
    for (const body of [unknown, used, badPost, ok].map(text)) {
      expect(body).not.toContain(token);
      expect(body).not.toContain(tampered);
    }
    expect(text(unknown).replace(/<html[^>]*>/, "")).toBe(text(used).replace(/<html[^>]*>/, ""));
    expect(logs.join("\n")).not.toContain(token);
  });

  it("R2: the wrong identity is refused and nothing is stored", async () => {
    const token = tokenOf(m, "customer");
    const response = await makeSwitchAnswerHandler(deps, "approved")(
      request("POST", `/switch/${token}/approve`, {
        params: { token },
        headers: { authorization: "Bearer partner" },
      }),
      context(),
    );
    expect(response.status).toBe(403);
    expect(w.migrations.read(m.id)!.value.approvals?.customer).toBe("pending");
  });

  it("R19: the page's dev sign-in, then a form post with its CSRF token and same origin, records the answer", async () => {
    const token = tokenOf(m, "customer");
    const signIn = await makeSwitchSignInHandler(deps)(
      request("POST", `/switch/${token}/signin`, {
        params: { token },
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
        body: `tenantId=${CUSTOMER}&globalAdmin=true`,
      }),
      context(),
    );
    expect(signIn.status).toBe(303);
    const session = signIn.cookies?.[0]?.value;
    expect(session).toBe("ga");
    const cookie = `${SWITCH_SESSION_COOKIE}=${session}`;
    const page = await makeSwitchPageHandler(deps)(
      request("GET", `/switch/${token}`, { params: { token }, headers: { cookie } }),
      context(),
    );
    const csrf = /name="csrf" value="([^"]+)"/.exec(text(page))?.[1];
    expect(csrf).toBeDefined();
    const form = { "content-type": "application/x-www-form-urlencoded", cookie };
    const crossSite = await makeSwitchAnswerHandler(deps, "declined")(
      request("POST", `/switch/${token}/decline`, {
        params: { token },
        headers: { ...form, origin: "https://evil.example" },
        body: `csrf=${csrf}`,
      }),
      context(),
    );
    expect(crossSite.status).toBe(403);
    const noCsrf = await makeSwitchAnswerHandler(deps, "declined")(
      request("POST", `/switch/${token}/decline`, {
        params: { token },
        headers: { ...form, origin: ORIGIN },
        body: "csrf=nope",
      }),
      context(),
    );
    expect(noCsrf.status).toBe(403);
    expect(w.migrations.read(m.id)!.value.status).toBe("awaitingApproval");
    const declined = await makeSwitchAnswerHandler(deps, "declined")(
      request("POST", `/switch/${token}/decline`, {
        params: { token },
        headers: { ...form, origin: ORIGIN },
        body: `csrf=${csrf}`,
      }),
      context(),
    );
    expect(declined.status).toBe(200);
    expect(text(declined)).toContain("You declined the transfer");
    expect(w.migrations.read(m.id)!.value.status).toBe("declined");
  });

  it("R19: in entra mode the page's sign-in link redirects to Entra with the switch pages' own redirect URI, the state sealed in a cookie for /auth/switch/", async () => {
    const entra = {
      ...deps,
      signIn: entraSignIn({
        authorityHost: "https://login.microsoftonline.test",
        clientId: "00000000-0000-0000-0000-0000000000bb",
        redirectUri: `${ORIGIN}/auth/switch/callback`,
        sealSecret: "s".repeat(32),
      }),
    };
    const token = tokenOf(m, "customer");
    const before = w.migrations.read(m.id)!.etag;
    const pageResponse = await makeSwitchPageHandler(entra)(
      request("GET", `/switch/${token}`, { params: { token } }),
      context(),
    );
    expect(text(pageResponse)).toContain(`href="/switch/${token}/signin"`);
    expect(text(pageResponse)).not.toContain('name="tenantId"');
    const signIn = await makeSwitchSignInHandler(entra)(
      request("GET", `/switch/${token}/signin`, { params: { token } }),
      context(),
    );
    expect(signIn.status).toBe(303);
    const location = new URL((signIn.headers as Record<string, string>).location!);
    expect(location.searchParams.get("redirect_uri")).toBe(`${ORIGIN}/auth/switch/callback`);
    expect(location.toString()).not.toContain(token);
    const [cookie] = signIn.cookies ?? [];
    expect(cookie).toMatchObject({
      name: "switch_signin",
      path: "/auth/switch/",
      httpOnly: true,
      sameSite: "Lax",
    });
    expect(cookie!.value).not.toContain(token);
    expect(w.migrations.read(m.id)!.etag).toBe(before);
  });

  it("R19: the current partner's API lists and answers its requests; another tenant gets 404", async () => {
    const list = await makeListSwitchRequestsHandler(deps)(
      request("GET", "/api/switch-requests", { headers: { authorization: "Bearer partner" } }),
      context(),
    );
    expect(list.status).toBe(200);
    expect((jsonOf(list) as { items: { migrationId: string }[] }).items.map((i) => i.migrationId)).toEqual([
      m.id,
    ]);
    const other = await makeAnswerSwitchRequestHandler(deps, "approved")(
      request("POST", `/api/switch-requests/${m.id}/approve`, {
        params: { migrationId: m.id },
        headers: { authorization: "Bearer ga" },
      }),
      context(),
    );
    expect(other.status).toBe(404);
    const approved = await makeAnswerSwitchRequestHandler(deps, "approved")(
      request("POST", `/api/switch-requests/${m.id}/approve`, {
        params: { migrationId: m.id },
        headers: { authorization: "Bearer partner" },
      }),
      context(),
    );
    expect(approved.status).toBe(200);
    expect(jsonOf(approved)).toMatchObject({
      approvals: { customer: "pending", currentPartner: "approved" },
    });
    const unauthenticated = await makeListSwitchRequestsHandler(deps)(
      request("GET", "/api/switch-requests"),
      context(),
    );
    expect(unauthenticated.status).toBe(401);
  });
});
