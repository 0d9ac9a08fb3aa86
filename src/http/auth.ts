import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { TokenVerifier } from "../adapters/auth/verifier";
import { refuse } from "../domain/errors";
import type { Principal } from "../domain/model";
import { toProblemResponse } from "./problem";

const BEARER = /^Bearer[ ]+([A-Za-z0-9_.~+/=-]+)$/i;

/** The bearer token of the Authorization header: undefined when there is none, 401 when malformed. */
export function bearerTokenOf(request: HttpRequest): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const token = BEARER.exec(header.trim())?.[1];
  if (!token) throw refuse.unauthorized();
  return token;
}

/**
 * The caller's verified identity, or a 401. The token is neither logged nor echoed: every refusal
 * carries the same generic message, whatever was wrong with the token.
 */
export async function authenticate(request: HttpRequest, verifier: TokenVerifier): Promise<Principal> {
  const token = bearerTokenOf(request);
  if (!token) throw refuse.unauthorized();
  try {
    return await verifier.verify(token);
  } catch {
    throw refuse.unauthorized("The bearer token is missing, invalid or expired.");
  }
}

/** 401 responses name the scheme (RFC 6750) without saying why the token failed. */
export const WWW_AUTHENTICATE = 'Bearer realm="csp-relationships"';

/**
 * Wraps an API handler: authenticates the caller, runs the handler, and maps every failure through
 * the one problem mapper (401s also name the scheme).
 */
export function authenticated(
  verifier: TokenVerifier,
  handler: (
    request: HttpRequest,
    context: InvocationContext,
    principal: Principal,
  ) => Promise<HttpResponseInit>,
): HttpHandler {
  return async (request, context) => {
    try {
      const principal = await authenticate(request, verifier);
      return await handler(request, context, principal);
    } catch (error) {
      const response = toProblemResponse(error, context);
      if (response.status === 401) {
        response.headers = {
          ...(response.headers as Record<string, string>),
          "www-authenticate": WWW_AUTHENTICATE,
        };
      }
      return response;
    }
  };
}

/** JSON answers of the partner API are never cached by intermediaries: they are per caller. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "cache-control": "no-store", ...headers } };
}
