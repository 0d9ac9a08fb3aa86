import type { HttpRequest } from "@azure/functions";

/**
 * Entity tags on the partner API (RFC 9110 §8.8.3): the store's ETag, quoted when it is not already
 * (Cosmos' `_etag` carries its quotes). A client sends it back in `If-Match` to change only the
 * version it read.
 */
export function entityTag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/**
 * `If-Match` as a predicate on the stored ETag, or undefined without the header. Weak tags never
 * match (strong comparison, as If-Match requires); `*` matches whatever exists.
 */
export function ifMatchOf(request: HttpRequest): ((etag: string) => boolean) | undefined {
  const header = request.headers.get("if-match");
  if (header === null) return undefined;
  const tags = header.split(",").map((t) => t.trim());
  if (tags.includes("*")) return () => true;
  return (etag) => tags.includes(entityTag(etag));
}
