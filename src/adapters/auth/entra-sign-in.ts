import { createHash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { JWTPayload, JWTVerifyGetKey } from "jose" with { "resolution-mode": "import" };
import { refuse } from "../../domain/errors";
import type { CustomerIdentity } from "../../application/invitations/customer-decision";
import { loadJose } from "./jose";

/**
 * Signing the customer's administrator in with Microsoft Entra ID from the invitation page: OpenID
 * Connect authorization-code flow with PKCE against the multi-tenant `organizations` authority.
 *
 * The state, nonce, PKCE verifier and the page to return to travel in one short-lived cookie,
 * encrypted and authenticated with a key derived from INVITATION_LINK_KEY, so the callback needs no
 * server-side store and nobody can read or forge it. The verified ID token then becomes the page's
 * session (HttpOnly cookie) that the accept/decline POSTs present.
 */

export interface EntraSignInSettings {
  /** e.g. https://login.microsoftonline.com */
  authorityHost: string;
  clientId: string;
  /** A confidential client redeems its code with a secret (Entra "Web" platform). */
  clientSecret?: string;
  /** Absolute callback URL registered on the app, e.g. https://partners.example.com/auth/invite/callback */
  redirectUri: string;
  /** The secret the state cookie is sealed with (derived again per purpose). */
  sealSecret: string;
}

const jose = loadJose;

/** How long the user may take at Entra's sign-in page. */
export const SIGN_IN_STATE_TTL_SECONDS = 600;

interface SignInState {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The invitation link token to return to; sealed, never visible in the cookie. */
  returnTo: string;
}

function sealKey(secret: string): Uint8Array {
  return new Uint8Array(
    hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), "customer-oidc-state", 32),
  );
}

function random(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

function authorityBase(settings: EntraSignInSettings): string {
  return `${settings.authorityHost.replace(/\/+$/, "")}/organizations/oauth2/v2.0`;
}

/** The redirect to Entra's authorize endpoint and the sealed state cookie value to set with it. */
export async function beginEntraSignIn(
  settings: EntraSignInSettings,
  returnTo: string,
  now: Date,
): Promise<{ location: string; stateCookie: string }> {
  const sign: SignInState = { state: random(), nonce: random(), codeVerifier: random(48), returnTo };
  const url = new URL(`${authorityBase(settings)}/authorize`);
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    response_type: "code",
    redirect_uri: settings.redirectUri,
    response_mode: "query",
    scope: "openid profile email",
    state: sign.state,
    nonce: sign.nonce,
    code_challenge: pkceChallenge(sign.codeVerifier),
    code_challenge_method: "S256",
    prompt: "select_account",
  }).toString();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const { EncryptJWT } = await jose();
  const stateCookie = await new EncryptJWT({ ...sign })
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + SIGN_IN_STATE_TTL_SECONDS)
    .encrypt(sealKey(settings.sealSecret));
  return { location: url.toString(), stateCookie };
}

function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Opens the state cookie and checks the callback's `state` against it; refuses anything off. */
export async function openSignInState(
  settings: EntraSignInSettings,
  stateCookie: string | undefined,
  returnedState: string | null,
  now: Date,
): Promise<SignInState> {
  const failed = () =>
    refuse.unauthorized("The sign-in could not be completed. Open the invitation link again.");
  if (!stateCookie || !returnedState) throw failed();
  let payload: JWTPayload;
  try {
    ({ payload } = await (
      await jose()
    ).jwtDecrypt(stateCookie, sealKey(settings.sealSecret), {
      currentDate: now,
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    }));
  } catch {
    throw failed();
  }
  const { state, nonce, codeVerifier, returnTo } = payload as Partial<Record<keyof SignInState, unknown>>;
  if (
    typeof state !== "string" ||
    typeof nonce !== "string" ||
    typeof codeVerifier !== "string" ||
    typeof returnTo !== "string" ||
    !equalStrings(state, returnedState)
  ) {
    throw failed();
  }
  return { state, nonce, codeVerifier, returnTo };
}

export interface EntraSignInRuntime {
  /** Outbound HTTPS to Entra's token endpoint; injected so tests never leave loopback. */
  fetch: typeof fetch;
  /** Entra's signing keys (https://login.microsoftonline.com/common/discovery/v2.0/keys). */
  keys: JWTVerifyGetKey;
}

export async function entraSignInRuntime(settings: EntraSignInSettings): Promise<EntraSignInRuntime> {
  const { createRemoteJWKSet } = await jose();
  return {
    fetch: (input, init) => fetch(input, init),
    keys: createRemoteJWKSet(
      new URL(`${settings.authorityHost.replace(/\/+$/, "")}/common/discovery/v2.0/keys`),
    ),
  };
}

/** Redeems the code (with the PKCE verifier) and verifies the ID token; returns it as the session. */
export async function completeEntraSignIn(
  settings: EntraSignInSettings,
  runtime: EntraSignInRuntime,
  signIn: SignInState,
  code: string,
  now: Date,
): Promise<{ idToken: string; identity: CustomerIdentity }> {
  const body = new URLSearchParams({
    client_id: settings.clientId,
    grant_type: "authorization_code",
    code,
    redirect_uri: settings.redirectUri,
    code_verifier: signIn.codeVerifier,
    scope: "openid profile email",
  });
  if (settings.clientSecret) body.set("client_secret", settings.clientSecret);
  const response = await runtime.fetch(`${authorityBase(settings)}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  // The token endpoint's error body may echo request details; it is not passed on.
  if (!response.ok) throw refuse.unauthorized("The sign-in could not be completed.");
  const tokens = (await response.json()) as { id_token?: unknown };
  if (typeof tokens.id_token !== "string") throw refuse.unauthorized("The sign-in could not be completed.");
  const identity = await verifyEntraIdToken(settings, runtime.keys, tokens.id_token, now, signIn.nonce);
  return { idToken: tokens.id_token, identity };
}

/**
 * Verifies a customer's Entra ID token: signature from Entra's keys, audience = our client id, expiry,
 * and — multi-tenant — an issuer that names the token's own tenant. With `nonce`, also the nonce.
 */
export async function verifyEntraIdToken(
  settings: Pick<EntraSignInSettings, "clientId" | "authorityHost">,
  keys: JWTVerifyGetKey,
  idToken: string,
  now: Date,
  nonce?: string,
): Promise<CustomerIdentity> {
  let payload: JWTPayload;
  try {
    ({ payload } = await (
      await jose()
    ).jwtVerify(idToken, keys, {
      audience: settings.clientId,
      currentDate: now,
      algorithms: ["RS256"],
      requiredClaims: ["tid", "iss", "exp", "iat"],
    }));
  } catch {
    throw refuse.unauthorized("The sign-in is not valid any more. Sign in again.");
  }
  const tid = typeof payload.tid === "string" ? payload.tid : "";
  const host = settings.authorityHost.replace(/\/+$/, "");
  if (!tid || payload.iss !== `${host}/${tid}/v2.0`) throw refuse.unauthorized("The sign-in is not valid.");
  if (nonce !== undefined && (typeof payload.nonce !== "string" || !equalStrings(payload.nonce, nonce))) {
    throw refuse.unauthorized("The sign-in is not valid.");
  }
  const wids = Array.isArray(payload.wids)
    ? payload.wids.filter((w): w is string => typeof w === "string")
    : [];
  const identity: CustomerIdentity = {
    tenantId: tid,
    userId: typeof payload.oid === "string" ? payload.oid : (payload.sub ?? ""),
    wids,
    cloud: cloudOfAuthority(host),
  };
  if (typeof payload.email === "string") identity.email = payload.email;
  if (typeof payload.name === "string") identity.name = payload.name;
  return identity;
}

/** National clouds have their own Entra authorities; a token's cloud is its issuer's. */
export function cloudOfAuthority(authorityHost: string): CustomerIdentity["cloud"] {
  const host = new URL(authorityHost).hostname.toLowerCase();
  if (host.endsWith(".microsoftonline.us")) return "usgov";
  if (host.endsWith(".chinacloudapi.cn") || host.endsWith(".partner.microsoftonline.cn")) return "china";
  if (host.endsWith(".microsoftonline.de")) return "germany";
  return "global";
}

/** The Entra sign-in the customer pages use: settings, and the key set made once, on first use. */
export interface EntraSignIn {
  mode: "entra";
  settings: EntraSignInSettings;
  runtime: () => Promise<EntraSignInRuntime>;
}

/** Entra sign-in whose key set (remote JWKS, cached by jose) is made once, on first use. */
export function entraSignIn(settings: EntraSignInSettings): EntraSignIn {
  let runtime: Promise<EntraSignInRuntime> | undefined;
  return { mode: "entra", settings, runtime: () => (runtime ??= entraSignInRuntime(settings)) };
}
