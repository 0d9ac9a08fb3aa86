import { createHash } from "node:crypto";
import type { Database } from "@azure/cosmos";
import { z } from "zod";
import type { IdempotencyRecord, IdempotencyStore } from "../../application/ports";
import { CONTAINERS, cosmosStatus, toDocument } from "./documents";

/** Keys are remembered for a day (Cosmos' per-item TTL removes them). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const recordSchema = z.object({
  key: z.string(),
  requestHash: z.string(),
  resourceId: z.string(),
  response: z.object({ status: z.number(), body: z.unknown(), location: z.string().optional() }).optional(),
  createdAt: z.string(),
});

// Client keys may hold characters Cosmos ids cannot (`/`, `\`, `?`, `#`); the hash never does.
const documentId = (key: string): string =>
  `idempotency:${createHash("sha256").update(key, "utf8").digest("hex")}`;

/**
 * `Idempotency-Key` records in the partner's partition of `invitations`: keys are per partner, so
 * two partners using the same key never meet.
 */
export class CosmosIdempotencyStore implements IdempotencyStore {
  constructor(private readonly database: Database) {}

  private get container() {
    return this.database.container(CONTAINERS.invitations);
  }

  async get(partnerId: string, key: string): Promise<IdempotencyRecord | undefined> {
    try {
      const { resource } = await this.container
        .item(documentId(key), partnerId)
        .read<Record<string, unknown>>();
      return resource ? recordSchema.parse(resource) : undefined;
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async claim(
    partnerId: string,
    record: IdempotencyRecord,
  ): Promise<{ created: boolean; record: IdempotencyRecord }> {
    const id = documentId(record.key);
    try {
      await this.container.items.create(
        toDocument(record, { id, partnerId, docType: "idempotency", ttl: IDEMPOTENCY_TTL_SECONDS }),
      );
      return { created: true, record };
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw error;
    }
    const { resource } = await this.container.item(id, partnerId).read<Record<string, unknown>>();
    if (!resource) throw new Error("An idempotency record vanished between its conflict and its read.");
    return { created: false, record: recordSchema.parse(resource) };
  }

  async release(partnerId: string, key: string): Promise<void> {
    const item = this.container.item(documentId(key), partnerId);
    try {
      const { resource, etag } = await item.read<Record<string, unknown>>();
      if (!resource || !etag || recordSchema.parse(resource).response) return;
      // Conditional: a concurrent request with the same key may have finished and stored its answer.
      await item.delete({ accessCondition: { type: "IfMatch", condition: etag } });
    } catch (error) {
      const status = cosmosStatus(error);
      if (status !== 404 && status !== 412) throw error;
    }
  }

  async complete(partnerId: string, record: IdempotencyRecord): Promise<void> {
    await this.container.items.upsert(
      toDocument(record, {
        id: documentId(record.key),
        partnerId,
        docType: "idempotency",
        ttl: IDEMPOTENCY_TTL_SECONDS,
      }),
    );
  }
}
