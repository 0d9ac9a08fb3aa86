import { z } from "zod";
import type { Clock } from "../../application/ports";
import { OPERATOR_ROLE, type Principal } from "../../domain/model";
import { loadJose, type Jose, type JWTVerifyGetKey } from "./jose";

/** Why a token was refused; deliberately coarse, and never containing the token. */
export class TokenRejected extends Error {
  constructor(readonly reason: "malformed" | "signature" | "expired" | "claims" | "keys") {
    super(`The bearer token was rejected (${reason}).`);
    this.name = "TokenRejected";
  }
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

const claimsSchema = z.object({
  tid: z.string().min(1),
  oid: z.string().min(1),
  roles: z.array(z.string()).optional(),
  wids: z.array(z.string()).optional(),
  email: z.string().optional(),
  preferred_username: z.string().optional(),
  name: z.string().optional(),
});

/** Asymmetric algorithms only: an `alg: none` or HMAC token can never be accepted. */
const ALGORITHMS = ["RS256", "ES256"];

/** Multi-tenant Entra apps see one issuer per tenant: `https://login.microsoftonline.com/{tenantid}/v2.0`. */
export const TENANT_PLACEHOLDER = "{tenantid}";

/** How many verified tokens are remembered, and for how long at most (their own expiry comes first). */
export const VERIFIED_TOKEN_CACHE_SIZE = 2_000;
export const VERIFIED_TOKEN_CACHE_MS = 5 * 60_000;

interface VerifiedToken {
  principal: Principal;
  /** App-clock ms: from when the verification holds, and until when it may be reused. */
  from: number;
  until: number;
}

/**
 * The one verifier for every token, dev or Entra: signature from a key set, issuer, audience and
 * expiry (against the app clock, so a virtual clock expires tokens too). An issuer containing
 * `{tenantid}` must equal the template filled with the token's own `tid`.
 *
 * A partner's client sends the same token for its whole life (an hour for Entra's), so a verified
 * token is remembered for a few minutes, keyed by its exact text: checking a signature is the costliest
 * step of a request, and a remembered answer is the same answer. Only acceptances are remembered,
 * never past the token's `exp` by the app clock, and never when that clock runs backwards.
 */
export function createTokenVerifier(options: {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  clock: Clock;
  clockToleranceSeconds?: number;
  /** When set, the Operator role counts only in tokens of this tenant. */
  operatorTenantId?: string;
}): TokenVerifier {
  const templated = options.issuer.toLowerCase().includes(TENANT_PLACEHOLDER);
  const verified = new Map<string, VerifiedToken>();
  const toleranceSeconds = options.clockToleranceSeconds ?? 30;
  return {
    async verify(token) {
      const now = options.clock.now().getTime();
      const known = verified.get(token);
      if (known) {
        if (now >= known.from && now < known.until) return copyOf(known.principal);
        verified.delete(token);
      }
      const { principal, exp } = await verifyAfresh(token);
      // Oldest first out: a Map iterates in insertion order.
      if (verified.size >= VERIFIED_TOKEN_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, {
        principal: copyOf(principal),
        from: now,
        until: Math.min((exp + toleranceSeconds) * 1000, now + VERIFIED_TOKEN_CACHE_MS),
      });
      return principal;
    },
  };

  async function verifyAfresh(token: string): Promise<{ principal: Principal; exp: number }> {
    const jose = await loadJose();
    let payload;
    try {
      ({ payload } = await jose.jwtVerify(token, options.keys, {
        ...(templated ? {} : { issuer: options.issuer }),
        audience: options.audience,
        algorithms: ALGORITHMS,
        currentDate: options.clock.now(),
        clockTolerance: toleranceSeconds,
        requiredClaims: ["exp", "tid", "oid"],
      }));
    } catch (error) {
      throw new TokenRejected(reasonOf(jose, error));
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenRejected("claims");
    if (templated) {
      const expected = options.issuer.replace(/\{tenantid\}/i, claims.data.tid);
      if (payload.iss !== expected) throw new TokenRejected("claims");
    }
    const { tid, oid, roles, wids, email, preferred_username, name } = claims.data;
    // App roles are assigned in each tenant by that tenant's admins: the operator's only counts at home.
    const granted = (roles ?? []).filter(
      (role) => role !== OPERATOR_ROLE || !options.operatorTenantId || tid === options.operatorTenantId,
    );
    const principal: Principal = { tenantId: tid, userId: oid, roles: granted, wids: wids ?? [] };
    const mail = email ?? preferred_username;
    if (mail) principal.email = mail;
    if (name) principal.name = name;
    // jose has checked that `exp` is present and a number.
    return { principal, exp: payload.exp! };
  }
}

function copyOf(principal: Principal): Principal {
  return { ...principal, roles: [...principal.roles], wids: [...principal.wids] };
}

function reasonOf({ errors }: Jose, error: unknown): TokenRejected["reason"] {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) return "claims";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JOSEAlgNotAllowed)
    return "signature";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return "keys";
  return "malformed";
}

/** Entra ID: keys from the tenant's (or the common) JWKS endpoint, cached and refreshed by jose. */
export function createEntraVerifier(options: {
  jwksUri: string;
  issuer: string;
  audience: string;
  clock: Clock;
  operatorTenantId?: string;
}): TokenVerifier {
  // jose caches the key set and refetches it (rate limited) when a token names an unknown key id.
  const remote = loadJose().then((jose) => jose.createRemoteJWKSet(new URL(options.jwksUri)));
  remote.catch(() => undefined);
  return createTokenVerifier({
    keys: async (header, token) => (await remote)(header, token),
    issuer: options.issuer,
    audience: options.audience,
    clock: options.clock,
    ...(options.operatorTenantId ? { operatorTenantId: options.operatorTenantId } : {}),
  });
}
