import type { Clock } from "../../application/ports";
import { createDevIssuer, devIssuerName, type DevIssuer } from "./dev-issuer";
import { createEntraVerifier, createTokenVerifier, type TokenVerifier } from "./verifier";

export { TokenRejected, type TokenVerifier } from "./verifier";
export type { DevIssuer, DevTokenRequest } from "./dev-issuer";

export interface AuthSettings {
  AUTH_MODE: "dev" | "entra";
  AUTH_ISSUER?: string | undefined;
  AUTH_AUDIENCE: string;
  AUTH_JWKS_URI?: string | undefined;
  AUTH_OPERATOR_TENANT_ID?: string | undefined;
  PUBLIC_BASE_URL: string;
}

/** The verifier for the configured mode, plus the dev issuer when (and only when) AUTH_MODE=dev. */
export function createAuth(
  settings: AuthSettings,
  clock: Clock,
): { verifier: TokenVerifier; devIssuer?: DevIssuer } {
  if (settings.AUTH_MODE === "entra") {
    if (!settings.AUTH_JWKS_URI || !settings.AUTH_ISSUER)
      throw new Error("AUTH_JWKS_URI and AUTH_ISSUER are required.");
    return {
      verifier: createEntraVerifier({
        jwksUri: settings.AUTH_JWKS_URI,
        issuer: settings.AUTH_ISSUER,
        audience: settings.AUTH_AUDIENCE,
        clock,
        ...(settings.AUTH_OPERATOR_TENANT_ID ? { operatorTenantId: settings.AUTH_OPERATOR_TENANT_ID } : {}),
      }),
    };
  }
  const devIssuer = createDevIssuer({
    issuer: devIssuerName(settings.PUBLIC_BASE_URL),
    audience: settings.AUTH_AUDIENCE,
    clock,
  });
  return {
    devIssuer,
    verifier: createTokenVerifier({
      keys: devIssuer.keys,
      issuer: devIssuer.issuer,
      audience: devIssuer.audience,
      clock,
      ...(settings.AUTH_OPERATOR_TENANT_ID ? { operatorTenantId: settings.AUTH_OPERATOR_TENANT_ID } : {}),
    }),
  };
}
