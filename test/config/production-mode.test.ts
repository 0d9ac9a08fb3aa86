import { randomUUID } from "node:crypto";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { startLoopbackServices, type LoopbackServices } from "../support/loopback-services";
import { startLoopbackIssuer, type LoopbackIssuer } from "./jwks-server";

/**
 * Production mode (AUTH_MODE=entra) through the local host: the app must not register any `/dev/*`
 * function, and must accept exactly the tokens of the configured issuer — here a loopback stand-in for
 * Entra ID serving its JWKS over http (loopback is the one place the settings allow http for keys).
 * Outside dev mode the host itself starts no embedded service and serves no /dev route either: the
 * test starts the app's dependencies on loopback and hands the host their endpoints.
 */

const ISSUER = "https://login.microsoftonline.test/00000000-0000-0000-0000-0000000000aa/v2.0";
const AUDIENCE = "api://csp-relationships-test";
const CLIENT_ID = "00000000-0000-0000-0000-0000000000bb";

/** App routes the host printed at start-up (`  http  METHOD /route -> name`), not the host's own. */
function appRoutes(host: HostProcess): string[] {
  return host
    .output()
    .split("\n")
    .filter((line) => /^\s+http\s/.test(line))
    .map((line) => line.trim());
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    tid: "00000000-0000-0000-0000-0000000000cc",
    oid: randomUUID(),
    roles: ["Operator"],
    iat: now,
    nbf: now,
    exp: now + 600,
    ...overrides,
  };
}

/** The app routes the entra-mode host registered, for the dev-mode contrast below. */
let entraRoutes: string[] = [];

const partner = {
  name: "Contoso Partner",
  type: "direct",
  cloud: "global",
  contactEmail: "ops@contoso.example",
};

/** Cosmos and email on loopback, shared by the entra-mode hosts of this file. */
let services: LoopbackServices;

beforeAll(async () => {
  services = await startLoopbackServices();
});

afterAll(async () => {
  await services?.stop();
});

/** Every /dev route of the local host itself (mail and the virtual clock), with its method. */
const HOST_DEV_ROUTES: [method: string, path: string][] = [
  ["GET", "/dev/mail"],
  ["GET", "/dev/mail.json"],
  ["GET", "/dev/clock"],
  ["POST", "/dev/clock/advance"],
];

describe("production mode (AUTH_MODE=entra)", () => {
  let issuer: LoopbackIssuer;
  let host: HostProcess;

  beforeAll(async () => {
    issuer = await startLoopbackIssuer();
    host = await startHostProcess({
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
  });

  afterAll(async () => {
    await host?.stop();
    await issuer?.close();
  });

  it("registers no /dev/* function of the app", async () => {
    const routes = appRoutes(host);
    entraRoutes = routes;
    expect(routes.length, host.output()).toBeGreaterThan(0);
    expect(routes.filter((line) => / \/dev\//.test(line))).toEqual([]);

    const response = await fetch(`${host.url}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId: randomUUID(), roles: ["Operator"] }),
    });
    expect(response.status).toBe(404);
  });

  it("answers 404 on every /dev route of the host (mail, clock) and of the app (dev token)", async () => {
    const routes: [string, string][] = [...HOST_DEV_ROUTES, ["POST", "/dev/token"], ["GET", "/dev/token"]];
    for (const [method, path] of routes) {
      const response = await fetch(`${host.url}${path}`, {
        method,
        ...(method === "POST"
          ? { headers: { "content-type": "application/json" }, body: JSON.stringify({ days: 1 }) }
          : {}),
      });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
    expect(host.output()).not.toMatch(/\/dev\/mail/);
  });

  it("still serves the health endpoint, with every dependency reachable", async () => {
    const response = await fetch(`${host.url}/api/health`);
    const body = (await response.json()) as { status: string; checks: { name: string; status: string }[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe("ok");
    expect(body.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["cosmos", "email", "durable"]));
  });

  it("accepts a token signed by the configured issuer's key for its audience", async () => {
    const token = issuer.sign(claims());
    const response = await fetch(`${host.url}/api/partners/${randomUUID()}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(partner),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(issuer.jwksRequests()).toBeGreaterThan(0);
  });

  it("refuses other keys, issuers, audiences and expired tokens with 401", async () => {
    const { privateKey: otherKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const now = Math.floor(Date.now() / 1000);
    const refused = {
      "a key the issuer never published (like a dev token)": issuer.sign(claims(), { key: otherKey }),
      "another issuer": issuer.sign(claims({ iss: `${host.url}/dev` })),
      "another audience": issuer.sign(claims({ aud: "api://someone-else" })),
      expired: issuer.sign(claims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
    };
    for (const [why, token] of Object.entries(refused)) {
      const response = await fetch(`${host.url}/api/partners/${randomUUID()}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(partner),
      });
      expect(response.status, why).toBe(401);
    }
  });
});

const PARTNER_TENANT = randomUUID();

/** A JWT with any header, signed (or not) by the caller: forged tokens the verifier must refuse. */
function forge(
  header: Record<string, unknown>,
  body: Record<string, unknown>,
  sign: (input: string) => string,
) {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v), "utf8").toString("base64url");
  const input = `${part(header)}.${part(body)}`;
  return `${input}.${sign(input)}`;
}

describe("attacks: the JWT table (AUTH_MODE=entra)", () => {
  let issuer: LoopbackIssuer;
  let host: HostProcess;
  const call = (method: string, path: string, token: string | undefined, body?: unknown, query = "") =>
    fetch(`${host.url}${path}${query}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const partnerClaims = (overrides: Record<string, unknown> = {}) =>
    claims({ tid: PARTNER_TENANT, roles: ["SalesAgent"], ...overrides });
  const invitation = {
    kind: "reseller",
    customer: { domain: "fabrikam.example", displayName: "Fabrikam", adminEmail: "admin@fabrikam.example" },
  };

  beforeAll(async () => {
    issuer = await startLoopbackIssuer();
    host = await startHostProcess({
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
    const enrol = await call("PUT", `/api/partners/${PARTNER_TENANT}`, issuer.sign(claims()), partner);
    expect(enrol.status, await enrol.clone().text()).toBe(201);
  });

  afterAll(async () => {
    await host?.stop();
    await issuer?.close();
  });

  it("refuses every forged, foreign, expired or misplaced token with 401, and none reaches a handler", async () => {
    const now = Math.floor(Date.now() / 1000);
    const { privateKey: otherKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const operator = (overrides: Record<string, unknown> = {}) => claims(overrides);
    const hmacWithPublicKey = (input: string) =>
      createHmac("sha256", issuer.publicKeyPem).update(input).digest("base64url");
    const { tid: _tid, ...withoutTenant } = operator();
    const table: Record<string, string> = {
      "wrong audience": issuer.sign(operator({ aud: "api://someone-else" })),
      "roles from another application (its audience)": issuer.sign(
        operator({ aud: "00000000-0000-0000-0000-0000000000dd" }),
      ),
      "wrong issuer": issuer.sign(operator({ iss: "https://login.microsoftonline.test/evil/v2.0" })),
      "alg none": forge({ alg: "none", typ: "JWT" }, operator(), () => ""),
      "alg none, kid of the real key": forge(
        { alg: "none", typ: "JWT", kid: issuer.kid },
        operator(),
        () => "",
      ),
      "HS256 signed with the public key": forge(
        { alg: "HS256", typ: "JWT", kid: issuer.kid },
        operator(),
        hmacWithPublicKey,
      ),
      "a key the issuer never published": issuer.sign(operator(), { key: otherKey }),
      "unknown kid": issuer.sign(operator(), { kid: "not-a-published-key" }),
      expired: issuer.sign(operator({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
      "not yet valid": issuer.sign(operator({ iat: now + 3600, nbf: now + 3600, exp: now + 7200 })),
      "no expiry": issuer.sign(operator({ exp: undefined })),
      "tenant id missing": issuer.sign(withoutTenant),
      "signature of another token": (() => {
        const [h, p] = issuer.sign(operator()).split(".");
        const [, , sig] = issuer.sign(operator({ roles: [] })).split(".");
        return `${h}.${p}.${sig}`;
      })(),
      "payload swapped under a valid signature": (() => {
        const [h, , sig] = issuer.sign(partnerClaims()).split(".");
        return `${h}.${Buffer.from(JSON.stringify(operator())).toString("base64url")}.${sig}`;
      })(),
      truncated: issuer.sign(operator()).slice(0, -10),
      "not a JWT": "abc.def",
    };
    const target = randomUUID();
    for (const [why, token] of Object.entries(table)) {
      const response = await call("PUT", `/api/partners/${target}`, token, partner);
      const text = await response.text();
      expect({ why, status: response.status }).toEqual({ why, status: 401 });
      expect(response.headers.get("www-authenticate"), why).toMatch(/^Bearer/);
      expect(text, why).not.toContain(token);
    }
    // The token in the query string is never read: no Authorization header, 401.
    const inQuery = await call(
      "PUT",
      `/api/partners/${target}`,
      undefined,
      partner,
      `?access_token=${issuer.sign(operator())}`,
    );
    expect(inQuery.status).toBe(401);
    // Not one refused request reached the handler: the first valid PUT creates the partner (201, not 200).
    const valid = await call("PUT", `/api/partners/${target}`, issuer.sign(operator()), partner);
    expect(valid.status, await valid.clone().text()).toBe(201);
  });

  it("R1: a customer token, a token without roles or with another app's roles gets 403 on partner routes; nothing stored", async () => {
    const table: Record<string, [string, number]> = {
      "a customer's Global Administrator token on a partner route": [
        issuer.sign(partnerClaims({ roles: undefined, wids: ["62e90394-69f5-4237-9190-012177145e10"] })),
        403,
      ],
      "missing roles": [issuer.sign(partnerClaims({ roles: undefined })), 403],
      "roles that are not this app's": [issuer.sign(partnerClaims({ roles: ["Contributor", "Admin"] })), 403],
      "a read-only role on a write route": [issuer.sign(partnerClaims({ roles: ["HelpdeskAgent"] })), 403],
      "the operator role on a partner route": [issuer.sign(partnerClaims({ roles: ["Operator"] })), 403],
      "a partner role of a tenant that is not enrolled": [
        issuer.sign(partnerClaims({ tid: randomUUID() })),
        403,
      ],
      "a partner token on the operator's route": [issuer.sign(partnerClaims()), 403],
    };
    for (const [why, [token, status]] of Object.entries(table)) {
      const response =
        why === "a partner token on the operator's route"
          ? await call("PUT", `/api/partners/${randomUUID()}`, token, partner)
          : await call("POST", "/api/invitations", token, invitation);
      expect({ why, status: response.status }).toEqual({ why, status });
    }
    const list = await call("GET", "/api/invitations", issuer.sign(partnerClaims({ roles: ["AdminAgent"] })));
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
  });
});

describe("production mode needs real endpoints: the host starts no embedded service outside dev", () => {
  const entra = {
    AUTH_MODE: "entra",
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    AUTH_JWKS_URI: "http://127.0.0.1:9/keys",
    AUTH_CLIENT_ID: CLIENT_ID,
  };

  it("without COSMOS_ENDPOINT and EMAIL_ENDPOINT it refuses to start, naming both settings", async () => {
    const start = startHostProcess({
      args: ["--store", "memory"],
      env: { ...entra, COSMOS_ENDPOINT: undefined, EMAIL_ENDPOINT: undefined },
    });
    await expect(start).rejects.toThrow(
      "COSMOS_ENDPOINT is required when AUTH_MODE is not dev: the embedded Cosmos server runs only in development.",
    );
    await expect(start).rejects.toThrow(
      "EMAIL_ENDPOINT is required when AUTH_MODE is not dev: the embedded email endpoint runs only in development.",
    );
  });

  it("with Cosmos and email given but no AzureWebJobsStorage (table store) it refuses to start, naming it", async () => {
    const start = startHostProcess({
      args: ["--store", "table"],
      env: { ...entra, ...services.env, AzureWebJobsStorage: undefined },
    });
    await expect(start).rejects.toThrow(
      "AzureWebJobsStorage is required when AUTH_MODE is not dev: the embedded Azurite runs only in development.",
    );
  });

  it("refuses a virtual clock, which only /dev/clock could move", async () => {
    const start = startHostProcess({
      args: ["--store", "memory", "--clock", "virtual"],
      env: { ...entra, ...services.env },
    });
    await expect(start).rejects.toThrow("CLOCK=virtual needs AUTH_MODE=dev");
  });
});

describe("development mode, for contrast", () => {
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess({ args: ["--store", "memory", "--no-azurite"], env: { AUTH_MODE: "dev" } });
  });

  afterAll(async () => {
    await host?.stop();
  });

  it("registers /dev/token, and a dev token is not an Entra token", async () => {
    expect(
      appRoutes(host).some((line) => / \/dev\/token\b/.test(line)),
      host.output(),
    ).toBe(true);
    const response = await fetch(`${host.url}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId: randomUUID(), roles: ["Operator"] }),
    });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    const [, payload] = token.split(".");
    const devClaims = JSON.parse(Buffer.from(payload as string, "base64url").toString("utf8")) as {
      iss: string;
    };
    // Signed by the host's own key under its own issuer: the entra-mode checks above refuse both.
    expect(devClaims.iss).not.toBe(ISSUER);
  });

  it("serves the host's own /dev routes (mail, clock), which entra mode answers 404", async () => {
    for (const [method, path] of HOST_DEV_ROUTES) {
      if (method !== "GET") continue;
      const response = await fetch(`${host.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    // The clock route exists (409: the clock is real), where entra mode has no such route.
    const advance = await fetch(`${host.url}/dev/clock/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ days: 1 }),
    });
    expect(advance.status).toBe(409);
  });

  it("every /dev/* function dev mode registers is absent in entra mode, and nothing else differs", () => {
    const dev = appRoutes(host);
    const devOnly = dev.filter((line) => / \/dev\//.test(line));
    expect(devOnly.length).toBeGreaterThan(0);
    expect(entraRoutes.length, "the entra-mode test ran first").toBeGreaterThan(0);
    expect(entraRoutes.filter((line) => devOnly.includes(line))).toEqual([]);
    expect(dev.filter((line) => !devOnly.includes(line)).sort()).toEqual([...entraRoutes].sort());
  });
});
