import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import { DomainError, type ErrorKind } from "../domain/errors";

const STATUS: Record<ErrorKind, number> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  gone: 410,
  tooLarge: 413,
  invalid: 422,
  rateLimited: 429,
};

const TITLE: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  413: "Payload too large",
  422: "Unprocessable content",
  429: "Too many requests",
  500: "Internal server error",
};

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problem(
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
): HttpResponseInit {
  return {
    status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE },
    jsonBody: {
      type: typeof extra.rule === "string" ? `urn:csp-relationships:rule:${extra.rule}` : "about:blank",
      title: TITLE[status] ?? "Error",
      status,
      detail,
      ...extra,
    },
  };
}

/**
 * The one mapper from errors to responses. Domain refusals keep their status and rule; anything
 * else is a bug: logged with its stack for operators, answered with a body that reveals nothing.
 */
export function toProblemResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof DomainError) {
    const status = STATUS[error.kind];
    const extra: Record<string, unknown> = { ...error.options.extensions };
    if (error.options.rule) extra.rule = error.options.rule;
    // A stable code for clients that tell refusals apart; the detail text may change, this will not.
    if (error.options.reason) extra.reason = error.options.reason;
    if (error.options.errors) extra.errors = error.options.errors;
    if (error.options.violations) {
      extra.violations = error.options.violations.map((v) => ({
        status: STATUS[v.kind],
        ...(v.rule ? { rule: v.rule } : {}),
        detail: v.detail,
        ...(v.errors ? { errors: v.errors } : {}),
      }));
    }
    const response = problem(status, error.message, extra);
    if (error.options.retryAfterSeconds !== undefined) {
      response.headers = {
        ...(response.headers as Record<string, string>),
        "retry-after": String(error.options.retryAfterSeconds),
      };
    }
    return response;
  }
  if (dependencyUnavailable(error)) {
    // Cosmos still throttling or unavailable after the SDK's own retries, or a connection to it lost:
    // the client may send the same request again (with its Idempotency-Key where it has one).
    context.warn("A dependency is unavailable", error);
    const response = problem(503, "A service this request needs is busy or unavailable. Retry later.");
    response.headers = { ...(response.headers as Record<string, string>), "retry-after": "5" };
    return response;
  }
  context.error("Unhandled error", error);
  return problem(500, "The request could not be completed. It has been logged.");
}

/**
 * Connection failures as Node and the Azure SDKs' pipeline name them. The SDKs retry them for reads
 * only: a write whose connection was reset (an idle kept-alive socket closed by the other side, a
 * load balancer's idle reset) reaches the mapper with its outcome unknown. Retrying it with its
 * Idempotency-Key is safe; a 500 would tell the client the request itself was at fault.
 */
const CONNECTION_FAILURES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "REQUEST_SEND_ERROR",
]);

/**
 * A storage or service client's answer of 429 or 503 (its `code` or `statusCode`), or a connection
 * to it that failed, passed through, also when wrapped: the Cosmos SDK reports a failed
 * transactional batch as a plain Error whose `cause` holds the service's answer or the socket error.
 */
function dependencyUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const { code, statusCode, cause } = current as { code?: unknown; statusCode?: unknown; cause?: unknown };
    const status = typeof code === "number" ? code : statusCode;
    if (status === 429 || status === 503) return true;
    if (typeof code === "string" && CONNECTION_FAILURES.has(code)) return true;
    current = cause;
  }
  return false;
}
