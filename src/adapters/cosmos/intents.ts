import {
  BulkOperationType,
  type Container,
  type JSONObject,
  type OperationInput,
  type OperationResponse,
} from "@azure/cosmos";
import { ConcurrencyConflict } from "../../application/ports";
import { batchFailed, cosmosStatus } from "./documents";

/**
 * The Cosmos side of event intents (application/event-intents.ts), written once for the invitations'
 * decision intents and the migrations' answer intents: an intent lives beside its document, in the
 * same partition, so the change and the intent go in one transactional batch, and no single partition
 * takes every partner's writes.
 */

/** A failed atomic batch is an answer (207 with each operation's status), not an exception. */
export async function transactionalBatch(
  container: Container,
  operations: OperationInput[],
  partitionKey: string,
): Promise<OperationResponse[]> {
  const response = await container.items.batch(operations, partitionKey);
  if (!response.result) throw batchFailed("A transactional batch", undefined, response.code);
  return response.result;
}

/**
 * The conditional replace of `document`, then `upserts` (the intent, records of the change), in one
 * batch. The replace goes first: a lost race (412) fails it before anything else is written (the
 * embedded emulator does not roll a batch back). ConcurrencyConflict on 412 or 404; the replace's
 * answer (body and ETag, when the store returned them) otherwise.
 */
export async function replaceWithIntent(
  container: Container,
  partitionKey: string,
  replace: { id: string; document: JSONObject; etag: string },
  upserts: JSONObject[],
  what: string,
): Promise<{ resourceBody?: JSONObject; eTag?: string }> {
  const results = await transactionalBatch(
    container,
    [
      {
        operationType: BulkOperationType.Replace,
        id: replace.id,
        partitionKey,
        resourceBody: replace.document,
        ifMatch: replace.etag,
      },
      ...upserts.map((resourceBody): OperationInput => ({
        operationType: BulkOperationType.Upsert,
        // Named per operation too: the embedded emulator reads it there.
        partitionKey,
        resourceBody,
      })),
    ],
    partitionKey,
  );
  const replaced = results[0]?.statusCode ?? 0;
  if (replaced === 412 || replaced === 404) throw new ConcurrencyConflict(what);
  if (results.some((r) => r.statusCode >= 400)) throw batchFailed(`Storing ${what} with its intent`, results);
  const { resourceBody, eTag } = results[0] ?? {};
  return { ...(resourceBody ? { resourceBody } : {}), ...(eTag ? { eTag } : {}) };
}

/**
 * The pending intents of one docType: a cross-partition query over the intents only (normally none or
 * a few, each gone within a request's time), run by the recovery timer. One page is enough: the next
 * run takes the rest. Oldest first.
 */
export async function pendingIntents(
  container: Container,
  query: { select: string; docType: string; limit: number },
): Promise<Record<string, unknown>[]> {
  const { resources } = await container.items
    .query<Record<string, unknown>>(
      {
        query: `SELECT ${query.select} FROM c WHERE c.docType = @docType`,
        parameters: [{ name: "@docType", value: query.docType }],
      },
      { maxItemCount: query.limit },
    )
    .fetchNext();
  return resources
    .sort((a, b) => {
      const [x, y] = [String(a.createdAt), String(b.createdAt)];
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .slice(0, query.limit);
}

/** Settles an intent: deletes it; already gone is fine (settling is idempotent). */
export async function deleteIntent(container: Container, id: string, partitionKey: string): Promise<void> {
  await container
    .item(id, partitionKey)
    .delete()
    .catch((error: unknown) => {
      if (cosmosStatus(error) !== 404) throw error;
    });
}
