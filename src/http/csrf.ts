import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { HttpRequest } from "@azure/functions";
import { refuse } from "../domain/errors";

/**
 * Cookie-borne form posts (the customer pages) are checked three ways: the session cookie is
 * SameSite=Strict, the request must come from our own origin (Origin and Fetch metadata), and the
 * form carries a CSRF token bound to the session.
 */

/** A CSRF token bound to the session: forging one needs the session cookie (HttpOnly) and the key. */
export function csrfTokenFor(secret: string, session: string): string {
  const sessionHash = createHash("sha256").update(session, "utf8").digest("hex");
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(`csrf:${sessionHash}`).digest("base64url");
}

/** Whether the form's token is the session's, compared in constant time. */
export function isCsrfTokenValid(secret: string, session: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const left = Buffer.from(presented, "utf8");
  const right = Buffer.from(csrfTokenFor(secret, session), "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** 403 unless the post came from our own page (the request's origin, or PUBLIC_BASE_URL's behind a proxy). */
export function checkSameOrigin(request: HttpRequest, publicBaseUrl: string | undefined): void {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none")
    throw refuse.forbidden("Cross-site form posts are refused.");
  const origin = request.headers.get("origin");
  const allowed = [new URL(request.url).origin, ...(publicBaseUrl ? [new URL(publicBaseUrl).origin] : [])];
  if (origin && origin !== "null" && !allowed.includes(origin)) {
    throw refuse.forbidden("Cross-site form posts are refused.");
  }
}
