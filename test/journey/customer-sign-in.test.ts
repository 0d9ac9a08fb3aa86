import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadJose, type JWTVerifyGetKey } from "../../src/adapters/auth/jose";
import {
  beginEntraSignIn,
  completeEntraSignIn,
  openSignInState,
  pkceChallenge,
  SIGN_IN_STATE_TTL_SECONDS,
  type EntraSignInSettings,
} from "../../src/adapters/auth/entra-sign-in";
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "../../src/domain/model";

/**
 * The customer page's Entra sign-in (OIDC code flow + PKCE), everything that can be checked without
 * real Entra: the authorize redirect, the sealed state cookie, and the code redemption against a
 * stand-in token endpoint on loopback that checks the PKCE verifier and signs ID tokens with a local
 * key. Real Entra (consent, national-cloud authorities, `wids` in ID tokens) is not exercised here.
 */
const NOW = new Date("2030-06-01T12:00:00Z");
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const INVITE_TOKEN = "A".repeat(43);

let server: Server;
let authorityHost: string;
let keys: JWTVerifyGetKey;
let sign: (claims: Record<string, unknown>) => Promise<string>;
/** What the stand-in token endpoint answers with next (an ID token's claims), and what it saw. */
let nextClaims: (form: URLSearchParams) => Record<string, unknown>;
let lastForm: URLSearchParams | undefined;
/** The challenge the authorize request carried, as Entra would remember it for the code. */
let expectedChallenge = "";

beforeAll(async () => {
  const jose = await loadJose();
  const { privateKey, publicKey } = await jose.generateKeyPair("RS256");
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: "test-key", alg: "RS256" };
  keys = jose.createLocalJWKSet({ keys: [jwk] });
  sign = (claims) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "test-key" })
      .setIssuedAt(Math.floor(NOW.getTime() / 1000))
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 3600)
      .sign(privateKey);
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const form = new URLSearchParams(raw);
      lastForm = form;
      const verifier = form.get("code_verifier") ?? "";
      if (req.url !== "/organizations/oauth2/v2.0/token" || pkceChallenge(verifier) !== expectedChallenge) {
        res
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "invalid_grant" }));
        return;
      }
      void sign(nextClaims(form)).then((idToken) => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id_token: idToken }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  authorityHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function settings(): EntraSignInSettings {
  return {
    authorityHost,
    clientId: CLIENT_ID,
    clientSecret: "test-only-client-secret",
    redirectUri: "https://partners.example.test/auth/invite/callback",
    sealSecret: "test-only-seal-secret-0123456789abcdef",
  };
}

const runtime = () => ({
  fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init),
  keys,
});

async function begin() {
  const started = await beginEntraSignIn(settings(), INVITE_TOKEN, NOW);
  const url = new URL(started.location);
  expectedChallenge = url.searchParams.get("code_challenge") ?? "";
  return {
    ...started,
    url,
    state: url.searchParams.get("state") ?? "",
    nonce: url.searchParams.get("nonce") ?? "",
  };
}

describe("customer sign-in with Entra (OIDC code flow + PKCE)", () => {
  it("redirects to the multi-tenant authorize endpoint with state, nonce and an S256 challenge", async () => {
    const { url, stateCookie, state, nonce } = await begin();
    expect(`${url.origin}${url.pathname}`).toBe(`${authorityHost}/organizations/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: "code",
      redirect_uri: "https://partners.example.test/auth/invite/callback",
      response_mode: "query",
      code_challenge_method: "S256",
    });
    expect(url.searchParams.get("scope")?.split(" ")).toContain("openid");
    expect(state.length).toBeGreaterThanOrEqual(43);
    expect(nonce.length).toBeGreaterThanOrEqual(43);
    // The verifier stays in the sealed cookie; the URL only has its hash, and the cookie hides the link.
    const opened = await openSignInState(settings(), stateCookie, state, NOW);
    expect(pkceChallenge(opened.codeVerifier)).toBe(url.searchParams.get("code_challenge"));
    expect(opened.returnTo).toBe(INVITE_TOKEN);
    expect(stateCookie).not.toContain(INVITE_TOKEN);
    expect(url.toString()).not.toContain(INVITE_TOKEN);
    const again = await begin();
    expect(again.state).not.toBe(state);
  });

  it("refuses a callback whose state does not match, or whose state cookie is tampered, missing or stale", async () => {
    const { stateCookie, state } = await begin();
    const refused = { kind: "unauthorized" };
    await expect(openSignInState(settings(), stateCookie, `${state}x`, NOW)).rejects.toMatchObject(refused);
    await expect(openSignInState(settings(), stateCookie, null, NOW)).rejects.toMatchObject(refused);
    await expect(openSignInState(settings(), undefined, state, NOW)).rejects.toMatchObject(refused);
    // Flip a character of the authentication tag (the last is partly padding bits, so the one before).
    const flipped = `${stateCookie.slice(0, -2)}${stateCookie.at(-2) === "A" ? "B" : "A"}${stateCookie.slice(-1)}`;
    expect(flipped).not.toBe(stateCookie);
    await expect(openSignInState(settings(), flipped, state, NOW)).rejects.toMatchObject(refused);
    const other = { ...settings(), sealSecret: "another-seal-secret-0123456789abcdef" };
    await expect(openSignInState(other, stateCookie, state, NOW)).rejects.toMatchObject(refused);
    const late = new Date(NOW.getTime() + (SIGN_IN_STATE_TTL_SECONDS + 60) * 1000);
    await expect(openSignInState(settings(), stateCookie, state, late)).rejects.toMatchObject(refused);
  });

  it("redeems the code with the PKCE verifier and verifies the ID token's tenant-specific issuer and nonce", async () => {
    const { stateCookie, state, nonce } = await begin();
    const signIn = await openSignInState(settings(), stateCookie, state, NOW);
    const tid = randomUUID();
    nextClaims = () => ({
      iss: `${authorityHost}/${tid}/v2.0`,
      aud: CLIENT_ID,
      tid,
      oid: "user-1",
      nonce,
      email: "admin@contoso.example",
      wids: [GLOBAL_ADMINISTRATOR_ROLE_ID],
    });
    const { identity, idToken } = await completeEntraSignIn(settings(), runtime(), signIn, "the-code", NOW);
    expect(identity).toMatchObject({
      tenantId: tid,
      userId: "user-1",
      wids: [GLOBAL_ADMINISTRATOR_ROLE_ID],
      cloud: "global",
      email: "admin@contoso.example",
    });
    expect(idToken.split(".")).toHaveLength(3);
    expect(lastForm?.get("grant_type")).toBe("authorization_code");
    expect(lastForm?.get("code")).toBe("the-code");
    expect(lastForm?.get("client_secret")).toBe("test-only-client-secret");
  });

  it("refuses ID tokens with another nonce, another tenant's issuer or another audience, and a wrong verifier", async () => {
    const { stateCookie, state, nonce } = await begin();
    const signIn = await openSignInState(settings(), stateCookie, state, NOW);
    const tid = randomUUID();
    const good = { iss: `${authorityHost}/${tid}/v2.0`, aud: CLIENT_ID, tid, oid: "u", nonce };
    const variants: Record<string, unknown>[] = [
      { ...good, nonce: "another-nonce" },
      { ...good, iss: `${authorityHost}/${randomUUID()}/v2.0` },
      { ...good, aud: "another-client" },
    ];
    for (const claims of variants) {
      nextClaims = () => claims;
      await expect(completeEntraSignIn(settings(), runtime(), signIn, "code", NOW)).rejects.toMatchObject({
        kind: "unauthorized",
      });
    }
    nextClaims = () => good;
    await expect(
      completeEntraSignIn(settings(), runtime(), { ...signIn, codeVerifier: "forged-verifier" }, "code", NOW),
    ).rejects.toMatchObject({ kind: "unauthorized" });
  });
});
