import { randomUUID } from "node:crypto";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { startLoopbackIssuer, type LoopbackIssuer } from "./jwks-server";

/**
 * Production mode (AUTH_MODE=entra) through the local host: the app must not register any `/dev/*`
 * function, and must accept exactly the tokens of the configured issuer — here a loopback stand-in for
 * Entra ID serving its JWKS over http (loopback is the one place the settings allow http for keys).
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

const partner = {
  name: "Contoso Partner",
  type: "direct",
  cloud: "global",
  contactEmail: "ops@contoso.example",
};

describe("production mode (AUTH_MODE=entra)", () => {
  let issuer: LoopbackIssuer;
  let host: HostProcess;

  beforeAll(async () => {
    issuer = await startLoopbackIssuer();
    host = await startHostProcess({
      args: ["--store", "memory", "--no-azurite"],
      env: {
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
    expect(routes.length, host.output()).toBeGreaterThan(0);
    expect(routes.filter((line) => / \/dev\//.test(line))).toEqual([]);

    const response = await fetch(`${host.url}/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenantId: randomUUID(), roles: ["Operator"] }),
    });
    expect(response.status).toBe(404);
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
});
