import type { Container, JSONObject, SqlQuerySpec } from "@azure/cosmos";
import { z } from "zod";
import { InvalidContinuationToken, type Page } from "../../application/ports";
import type { Relationship } from "../../domain/model";

/**
 * Documents read back from Cosmos DB are parsed, not trusted: a document written by an older or
 * buggy version fails loudly here instead of deep inside a use case. Cosmos' system properties
 * (`_etag`, `_ts`, ...) and the `docType` discriminator are stripped by the parse.
 */

/** An acceptance or decline not yet carried out: written with the decision, settled with its effect. */
export const DECISION_INTENT = "decisionIntent";

export const CONTAINERS = {
  partners: "partners",
  invitations: "invitations",
  customers: "customers",
  lookups: "lookups",
  migrations: "migrations",
  schedule: "schedule",
} as const;

export {
  auditRecordSchema as auditDocumentSchema,
  invitationSchema as invitationDocumentSchema,
  partnerSchema as partnerDocumentSchema,
  relationshipSchema as relationshipDocumentSchema,
} from "../../domain/schemas";

/** Lookup documents (container `lookups`, pk `/id`): secondary keys resolved by one point read. */

/** A partner switch's approval link (R19): its own prefix, so it never resolves to an invitation. */
export const approvalLookupId = (tokenHash: string): string => `approval:${tokenHash}`;
export const approvalLookupSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  migrationId: z.string(),
  party: z.enum(["customer", "currentPartner"]),
});

/**
 * A relationship's copy in the partition of a partner party to it (`invitations`, pk `/partnerId`):
 * the per-partner index, and what a partner's lookup by id reads first.
 */
export const relationshipIndexId = (relationshipId: string): string => `relationship-index:${relationshipId}`;

/** The partners party to a relationship: its partner and, for an indirect one, the reseller. */
export function relationshipParties(relationship: Relationship): string[] {
  return [relationship.partnerId, relationship.indirectResellerId].filter(
    (p): p is string => typeof p === "string",
  );
}

export function relationshipIndexCopy(relationship: Relationship, partnerId: string): JSONObject {
  return toDocument(relationship, {
    id: relationshipIndexId(relationship.id),
    relationshipId: relationship.id,
    partnerId,
    ownerPartnerId: relationship.partnerId,
    docType: "relationshipIndex",
  }) as JSONObject;
}

/**
 * A Cosmos request, or an operation of a transactional batch, that failed with `statusCode`. The
 * status travels with it: a 429 or 503 the SDK's own retries did not clear reaches an HTTP caller as
 * "retry later" (http/problem.ts) rather than as an unexplained 500. It is not `code`, which
 * `cosmosStatus` reads as the SDK's own answer to a single request: a failed batch is not a 404 or
 * 409 of the document the caller asked for.
 */
export class CosmosRequestFailed extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = "CosmosRequestFailed";
  }
}

/**
 * Why a batch failed: the first operation's own status (the ones after it answer 424, failed
 * because of it), else the batch's.
 */
export function batchFailed(
  what: string,
  results: readonly { statusCode: number }[] | undefined,
  batchStatus?: number,
): CosmosRequestFailed {
  const own = results?.find((r) => r.statusCode >= 400 && r.statusCode !== 424)?.statusCode;
  const status = own ?? results?.find((r) => r.statusCode >= 400)?.statusCode ?? batchStatus ?? 0;
  return new CosmosRequestFailed(`${what} failed (status ${status}).`, status);
}

/** The HTTP status of a Cosmos failure (404 not found, 409 conflict, 412 ETag mismatch), if any. */
export function cosmosStatus(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = error.code;
    if (typeof code === "number") return code;
  }
  return undefined;
}

/** Drops undefined fields: the documents stay minimal and equal whichever path wrote them. */
export function toDocument<T extends object>(
  value: T,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries({ ...value, ...extra }).filter(([, v]) => v !== undefined));
}

export function requireEtag(etag: string | undefined, what: string): string {
  if (!etag) throw new Error(`Cosmos returned ${what} without an ETag.`);
  return etag;
}

// Cosmos' continuation is an opaque JSON string; base64url keeps it URL-safe for the query string.
export function encodeContinuation(token: string): string {
  return Buffer.from(token, "utf8").toString("base64url");
}

/** The store's own token back, or InvalidContinuationToken for anything it did not issue. */
export function decodeContinuation(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw new InvalidContinuationToken();
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  try {
    JSON.parse(decoded);
  } catch {
    throw new InvalidContinuationToken();
  }
  return decoded;
}

/**
 * One page of a query, in one partition or (without `partitionKey`) across them. Every list the API
 * pages goes through here, so all their tokens behave alike: the caller's token is decoded in, the
 * store's is encoded out (opaque and URL-safe; Cosmos' own carries `+`, `#` and `=`, which a query
 * string mangles), and a token the store refuses is InvalidContinuationToken: a 422 naming the field,
 * not a 500.
 */
export async function queryPage<R>(
  container: Container,
  spec: SqlQuerySpec,
  page: { limit: number; continuationToken?: string | undefined },
  partitionKey?: string,
): Promise<Page<R>> {
  const iterator = container.items.query<R>(spec, {
    ...(partitionKey === undefined ? {} : { partitionKey }),
    maxItemCount: page.limit,
    ...(page.continuationToken ? { continuationToken: decodeContinuation(page.continuationToken) } : {}),
  });
  let fetched;
  try {
    fetched = await iterator.fetchNext();
  } catch (error) {
    if (page.continuationToken && cosmosStatus(error) === 400) throw new InvalidContinuationToken();
    throw error;
  }
  return fetched.continuationToken
    ? { items: fetched.resources, continuationToken: encodeContinuation(fetched.continuationToken) }
    : { items: fetched.resources };
}

/** The same page with its items turned into what the port promises. */
export function mapPage<R, T>(page: Page<R>, toItem: (resource: R) => T): Page<T> {
  return { ...page, items: page.items.map(toItem) };
}
