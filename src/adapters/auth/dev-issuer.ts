import { randomUUID } from "node:crypto";
import type { Clock } from "../../application/ports";
import { loadJose, type JWK, type JWTVerifyGetKey } from "./jose";

export interface DevTokenRequest {
  tenantId: string;
  userId?: string;
  roles?: string[];
  wids?: string[];
  email?: string;
  name?: string;
  expiresInSeconds?: number;
}

export interface DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** Signs an access token shaped like Entra's (tid, oid, roles, wids, ...). */
  issue(request: DevTokenRequest): Promise<{ token: string; expiresIn: number }>;
  /** The public key set the verifier checks dev tokens against. */
  readonly keys: JWTVerifyGetKey;
  publicJwks(): Promise<{ keys: JWK[] }>;
}

export const DEV_TOKEN_DEFAULT_LIFETIME_SECONDS = 3600;

/** The dev issuer's name: `<PUBLIC_BASE_URL>/dev`. */
export function devIssuerName(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/dev`;
}

/**
 * AUTH_MODE=dev only: a key pair made at start-up (ES256) that never leaves the process, so dev
 * tokens stop working when the app restarts — and are checked by the same verifier as Entra's.
 */
export function createDevIssuer(options: { issuer: string; audience: string; clock: Clock }): DevIssuer {
  const keyPair = loadJose().then(async (jose) => {
    const { privateKey, publicKey } = await jose.generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: randomUUID(), alg: "ES256", use: "sig" };
    return { jose, privateKey, jwk, keySet: jose.createLocalJWKSet({ keys: [jwk] }) };
  });
  // Without a handler an unobserved failure would crash the process before the first request.
  keyPair.catch(() => undefined);

  return {
    issuer: options.issuer,
    audience: options.audience,
    keys: async (header, token) => (await keyPair).keySet(header, token),
    async publicJwks() {
      return { keys: [(await keyPair).jwk] };
    },
    async issue(request) {
      const { jose, privateKey, jwk } = await keyPair;
      const expiresIn = request.expiresInSeconds ?? DEV_TOKEN_DEFAULT_LIFETIME_SECONDS;
      const now = Math.floor(options.clock.now().getTime() / 1000);
      const claims: Record<string, unknown> = {
        tid: request.tenantId,
        oid: request.userId ?? randomUUID(),
        roles: request.roles ?? [],
        wids: request.wids ?? [],
      };
      if (request.email) claims.email = request.email;
      if (request.name) claims.name = request.name;
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", typ: "JWT", ...(jwk.kid ? { kid: jwk.kid } : {}) })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + expiresIn)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresIn };
    },
  };
}
