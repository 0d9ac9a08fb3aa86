import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The invitation link's secret (R16). Nothing stores or logs the token itself: the invitation keeps
 * a random nonce and the hash of the token, and whoever needs the link (the email activity, possibly
 * on a retry) recomputes the same token from the nonce and INVITATION_LINK_KEY. Orchestration input
 * and history therefore never contain it.
 */

/** 128 random bits (R16: unguessable), base64url. */
export function newLinkNonce(): string {
  return randomBytes(16).toString("base64url");
}

/** base64url(HMAC-SHA256(key, invitationId + ":" + nonce)): 256 bits, 43 characters. */
export function invitationToken(key: string, invitationId: string, nonce: string): string {
  return createHmac("sha256", Buffer.from(key, "utf8"))
    .update(`${invitationId}:${nonce}`, "utf8")
    .digest("base64url");
}

/**
 * The invitation link's token: `{partnerId}.{invitationId}.{mac}`, where mac is
 * invitationToken(key, invitationId, nonce). The locator in front names the document, so opening a
 * link is one point read in the partner's partition, with no lookup document to write at creation
 * or to read at every visit (issue 11); only the mac is secret, and the stored hash covers the whole
 * token, so an edited locator finds nothing or a document whose hash does not match.
 */
export function invitationLinkToken(
  key: string,
  partnerId: string,
  invitationId: string,
  nonce: string,
): string {
  return `${partnerId}.${invitationId}.${invitationToken(key, invitationId, nonce)}`;
}

const LINK_TOKEN_SHAPE = /^([A-Za-z0-9-]{1,64})\.([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{43})$/;

/** The document a link token names, or undefined when it is not shaped like one (then: not found). */
export function invitationLinkLocator(
  token: string,
): { partnerId: string; invitationId: string } | undefined {
  const shape = LINK_TOKEN_SHAPE.exec(token);
  return shape?.[1] && shape[2] ? { partnerId: shape[1], invitationId: shape[2] } : undefined;
}

/** hex(sha256(token)): what is stored on the invitation (and on switch approvals, keys their lookup). */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Cheap shape check before any lookup; a malformed token is simply "not found". */
export function isWellFormedInvitationToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Constant-time comparison of two hex hashes (the lookup found a candidate; confirm without timing leaks). */
export function tokenHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks a presented token against the stored hash in constant time. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  return tokenHashesEqual(hashInvitationToken(token), storedHash);
}
