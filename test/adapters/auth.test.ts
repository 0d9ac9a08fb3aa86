import { describe, expect, it } from "vitest";
import { createAuth, TokenRejected } from "../../src/adapters/auth";
import { createDevIssuer } from "../../src/adapters/auth/dev-issuer";
import { loadJose } from "../../src/adapters/auth/jose";
import { createTokenVerifier, VERIFIED_TOKEN_CACHE_SIZE } from "../../src/adapters/auth/verifier";

function movableClock(start = new Date("2026-03-01T10:00:00Z")) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

const ISSUER = "http://127.0.0.1:7071/dev";
const AUDIENCE = "api://csp-relationships";

async function rejection(promise: Promise<unknown>): Promise<TokenRejected["reason"]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenRejected) return error.reason;
    throw error;
  }
  throw new Error("the token was accepted");
}

describe("token verification (one verifier for dev and Entra tokens)", () => {
  it("accepts a dev token and maps its claims to the principal", async () => {
    const clock = movableClock();
    const { verifier, devIssuer } = createAuth(
      { AUTH_MODE: "dev", AUTH_AUDIENCE: AUDIENCE, PUBLIC_BASE_URL: "http://127.0.0.1:7071/" },
      clock,
    );
    if (!devIssuer) throw new Error("dev mode has a dev issuer");
    expect(devIssuer.issuer).toBe(ISSUER);
    const { token, expiresIn } = await devIssuer.issue({
      tenantId: "t1",
      userId: "u1",
      roles: ["SalesAgent"],
      wids: ["w"],
      email: "a@b.example",
      name: "Ann",
    });
    expect(expiresIn).toBe(3600);
    expect(await verifier.verify(token)).toEqual({
      tenantId: "t1",
      userId: "u1",
      roles: ["SalesAgent"],
      wids: ["w"],
      email: "a@b.example",
      name: "Ann",
    });
  });

  it("rejects an expired token by the app clock", async () => {
    const clock = movableClock();
    const issuer = createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, clock });
    const verifier = createTokenVerifier({ keys: issuer.keys, issuer: ISSUER, audience: AUDIENCE, clock });
    const { token } = await issuer.issue({ tenantId: "t", expiresInSeconds: 60 });
    await verifier.verify(token);
    clock.advance(2 * 60 * 60 * 1000);
    expect(await rejection(verifier.verify(token))).toBe("expired");
  });

  it("rejects a wrong issuer and a wrong audience", async () => {
    const clock = movableClock();
    const issuer = createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, clock });
    const { token } = await issuer.issue({ tenantId: "t" });
    const otherIssuer = createTokenVerifier({
      keys: issuer.keys,
      issuer: "https://elsewhere/dev",
      audience: AUDIENCE,
      clock,
    });
    const otherAudience = createTokenVerifier({
      keys: issuer.keys,
      issuer: ISSUER,
      audience: "api://other",
      clock,
    });
    expect(await rejection(otherIssuer.verify(token))).toBe("claims");
    expect(await rejection(otherAudience.verify(token))).toBe("claims");
  });

  it("rejects a token signed by another key, a tampered one, an unsigned one and garbage", async () => {
    const clock = movableClock();
    const issuer = createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, clock });
    const stranger = createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, clock });
    const verifier = createTokenVerifier({ keys: issuer.keys, issuer: ISSUER, audience: AUDIENCE, clock });

    const foreign = (await stranger.issue({ tenantId: "t" })).token;
    expect(await rejection(verifier.verify(foreign))).toBe("signature");

    const genuine = (await issuer.issue({ tenantId: "t", roles: ["HelpdeskAgent"] })).token;
    const [header, payload, signature] = genuine.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ["GlobalAdmin"] })).toString("base64url");
    expect(await rejection(verifier.verify(`${header}.${elevated}.${signature}`))).toBe("signature");

    const jose = await loadJose();
    const unsigned = new jose.UnsecuredJWT({ tid: "t", oid: "u" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("1h")
      .encode();
    expect(await rejection(verifier.verify(unsigned))).not.toBeUndefined();
    expect(await rejection(verifier.verify("not-a-jwt"))).toBe("malformed");
  });

  it("requires the tid and oid claims", async () => {
    const clock = movableClock();
    const jose = await loadJose();
    const { privateKey, publicKey } = await jose.generateKeyPair("ES256");
    const keys = jose.createLocalJWKSet({ keys: [{ ...(await jose.exportJWK(publicKey)), alg: "ES256" }] });
    const verifier = createTokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE, clock });
    const sign = (claims: Record<string, unknown>) =>
      new jose.SignJWT(claims)
        .setProtectedHeader({ alg: "ES256" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
        .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
        .sign(privateKey);
    expect(await rejection(verifier.verify(await sign({ oid: "u" })))).toBe("claims");
    expect(await rejection(verifier.verify(await sign({ tid: "t" })))).toBe("claims");
    expect((await verifier.verify(await sign({ tid: "t", oid: "u" }))).roles).toEqual([]);
  });
});

describe("remembered verifications", () => {
  /** A verifier over the dev issuer's key set, counting how often a signature check asks it for a key. */
  function countingVerifier() {
    const clock = movableClock();
    const issuer = createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, clock });
    const asked = { count: 0 };
    const keys: Parameters<typeof createTokenVerifier>[0]["keys"] = (header, token) => {
      asked.count++;
      return issuer.keys(header, token);
    };
    const verifier = createTokenVerifier({ keys, issuer: ISSUER, audience: AUDIENCE, clock });
    return { clock, issuer, verifier, asked };
  }

  it("checks a repeated token's signature once, and hands each caller its own principal", async () => {
    const { clock, issuer, verifier, asked } = countingVerifier();
    const { token } = await issuer.issue({ tenantId: "t", roles: ["HelpdeskAgent"] });

    const first = await verifier.verify(token);
    first.roles.push("GlobalAdmin");
    clock.advance(60_000);
    const second = await verifier.verify(token);
    expect(asked.count).toBe(1);
    expect(second).toEqual({ ...first, roles: ["HelpdeskAgent"] });
    expect(second.tenantId).toBe("t");
  });

  it("remembers only acceptances, and only the exact token", async () => {
    const { issuer, verifier, asked } = countingVerifier();
    const genuine = (await issuer.issue({ tenantId: "t", roles: ["HelpdeskAgent"] })).token;
    await verifier.verify(genuine);

    const [header, payload, signature] = genuine.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ["GlobalAdmin"] })).toString("base64url");
    const tampered = `${header}.${elevated}.${signature}`;
    for (let i = 0; i < 2; i++) expect(await rejection(verifier.verify(tampered))).toBe("signature");
    expect(asked.count).toBe(3);
  });

  it("stops at the token's expiry by the app clock, and checks afresh when that clock runs back", async () => {
    const { clock, issuer, verifier, asked } = countingVerifier();
    const { token } = await issuer.issue({ tenantId: "t", expiresInSeconds: 120 });
    await verifier.verify(token);

    // Issued "now", so with the clock wound back an hour it is not yet valid.
    clock.advance(-60 * 60_000);
    expect(await rejection(verifier.verify(token))).toBe("claims");
    clock.advance(60 * 60_000 + 119_000);
    await verifier.verify(token);
    clock.advance(60_000);
    expect(await rejection(verifier.verify(token))).toBe("expired");
    expect(asked.count).toBe(4);
  });

  it("is bounded: past its size the oldest verification is checked afresh", async () => {
    const { issuer, verifier, asked } = countingVerifier();
    const tokens = await Promise.all(
      Array.from({ length: VERIFIED_TOKEN_CACHE_SIZE + 1 }, (_, i) => issuer.issue({ tenantId: `t${i}` })),
    );
    for (const { token } of tokens) await verifier.verify(token);
    await verifier.verify(tokens.at(-1)!.token);
    expect(asked.count).toBe(VERIFIED_TOKEN_CACHE_SIZE + 1);
    await verifier.verify(tokens[0]!.token);
    expect(asked.count).toBe(VERIFIED_TOKEN_CACHE_SIZE + 2);
  });
});

describe("multi-tenant Entra issuer", () => {
  it("accepts an issuer template only when filled with the token's own tid", async () => {
    const clock = movableClock();
    const jose = await loadJose();
    const { privateKey, publicKey } = await jose.generateKeyPair("RS256");
    const keys = jose.createLocalJWKSet({ keys: [{ ...(await jose.exportJWK(publicKey)), alg: "RS256" }] });
    const verifier = createTokenVerifier({
      keys,
      issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
      audience: AUDIENCE,
      clock,
    });
    const sign = (tid: string, iss: string) =>
      new jose.SignJWT({ tid, oid: "u", roles: ["SalesAgent"] })
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer(iss)
        .setAudience(AUDIENCE)
        .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
        .sign(privateKey);
    const tid = "6b3f2c1e-0000-4000-8000-000000000001";
    const ok = await verifier.verify(await sign(tid, `https://login.microsoftonline.com/${tid}/v2.0`));
    expect(ok.tenantId).toBe(tid);
    const otherTenant = await sign(
      tid,
      "https://login.microsoftonline.com/6b3f2c1e-0000-4000-8000-000000000002/v2.0",
    );
    expect(await rejection(verifier.verify(otherTenant))).toBe("claims");
    expect(await rejection(verifier.verify(await sign(tid, "https://evil.example/v2.0")))).toBe("claims");
  });
});

describe("the Operator role with a multi-tenant issuer", () => {
  it("counts only in tokens of the operator's tenant: another tenant's admin cannot grant it", async () => {
    const clock = movableClock();
    const jose = await loadJose();
    const { privateKey, publicKey } = await jose.generateKeyPair("RS256");
    const keys = jose.createLocalJWKSet({ keys: [{ ...(await jose.exportJWK(publicKey)), alg: "RS256" }] });
    const operatorTenant = "6b3f2c1e-0000-4000-8000-00000000000a";
    const partnerTenant = "6b3f2c1e-0000-4000-8000-00000000000b";
    const verifier = createTokenVerifier({
      keys,
      issuer: "https://login.microsoftonline.com/{tenantid}/v2.0",
      audience: AUDIENCE,
      clock,
      operatorTenantId: operatorTenant,
    });
    const sign = (tid: string) =>
      new jose.SignJWT({ tid, oid: "u", roles: ["Operator", "GlobalAdmin"] })
        .setProtectedHeader({ alg: "RS256" })
        .setIssuer(`https://login.microsoftonline.com/${tid}/v2.0`)
        .setAudience(AUDIENCE)
        .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
        .sign(privateKey);
    expect((await verifier.verify(await sign(operatorTenant))).roles).toEqual(["Operator", "GlobalAdmin"]);
    expect((await verifier.verify(await sign(partnerTenant))).roles).toEqual(["GlobalAdmin"]);
  });
});
