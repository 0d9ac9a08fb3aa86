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

/**
 * The one verifier for every token, dev or Entra: signature from a key set, issuer, audience and
 * expiry (against the app clock, so a virtual clock expires tokens too). An issuer containing
 * `{tenantid}` must equal the template filled with the token's own `tid`.
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
  return {
    async verify(token) {
      const jose = await loadJose();
      let payload;
      try {
        ({ payload } = await jose.jwtVerify(token, options.keys, {
          ...(templated ? {} : { issuer: options.issuer }),
          audience: options.audience,
          algorithms: ALGORITHMS,
          currentDate: options.clock.now(),
          clockTolerance: options.clockToleranceSeconds ?? 30,
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
      return principal;
    },
  };
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
