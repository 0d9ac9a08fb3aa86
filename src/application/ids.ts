import { createHash } from "node:crypto";
import type { RelationshipType } from "../domain/model";

/**
 * A version-5-shaped GUID from its parts: the same parts give the same id on every replay and on
 * every retry of an activity, which is what makes email operation ids, audit ids and event ids
 * idempotency keys rather than fresh values.
 */
export function deterministicGuid(...parts: string[]): string {
  const bytes = createHash("sha256").update(parts.join("\u001f"), "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of an accepted invitation's relationship of one type: re-running the creation finds the same
 * documents, and a partner's lookup can tell from an invitation id alone which relationships are its.
 */
export function relationshipIdFor(invitationId: string, type: RelationshipType): string {
  return deterministicGuid("invitation", invitationId, "relationship", type);
}
