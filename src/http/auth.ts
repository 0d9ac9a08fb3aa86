import type { HttpRequest } from "@azure/functions";
import type { TokenVerifier } from "../adapters/auth/verifier";
import { refuse } from "../domain/errors";
import type { Principal } from "../domain/model";

const BEARER = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)$/i;

/**
 * The caller's verified identity, or a 401. The token is neither logged nor echoed: every refusal
 * carries the same generic message, whatever was wrong with the token.
 */
export async function authenticate(request: HttpRequest, verifier: TokenVerifier): Promise<Principal> {
  const header = request.headers.get("authorization");
  const token = header ? BEARER.exec(header.trim())?.[1] : undefined;
  if (!token) throw refuse.unauthorized();
  try {
    return await verifier.verify(token);
  } catch {
    throw refuse.unauthorized("The bearer token is missing, invalid or expired.");
  }
}

/** 401 responses name the scheme (RFC 6750) without saying why the token failed. */
export const WWW_AUTHENTICATE = 'Bearer realm="csp-relationships"';
