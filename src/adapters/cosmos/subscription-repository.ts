import { isDeepStrictEqual } from "node:util";
import {
  BulkOperationType,
  type Container,
  type CreateOperationInput,
  type Database,
  type JSONObject,
} from "@azure/cosmos";
import { ConcurrencyConflict, type Page, type Versioned } from "../../application/ports";
import {
  SubscriptionExists,
  type SubscriptionRepository,
  type TermEndSchedule,
} from "../../application/subscriptions/ports";
import { subscriptionSchema, type Subscription } from "../../domain/subscriptions/model";
import {
  sweepCheckpointSchema,
  termEndIndexEntries,
  termEndIndexEntrySchema,
  TERM_END_INDEX_TTL_SECONDS,
  type SweepCheckpoint,
  type TermEndIndexEntry,
} from "../../domain/subscriptions/sweep";
import {
  batchFailed,
  CONTAINERS,
  cosmosStatus,
  requireEtag,
  toDocument,
  mapPage,
  queryPage,
} from "./documents";

/** Cosmos' limit on the operations of one transactional batch. */
const MAX_BATCH_OPERATIONS = 100;
/** Point operations an import runs at once: a 500-row import in seconds, without a request storm. */
const IMPORT_CONCURRENCY = 20;

async function inChunks<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += IMPORT_CONCURRENCY) {
    results.push(...(await Promise.all(items.slice(start, start + IMPORT_CONCURRENCY).map(work))));
  }
  return results;
}

/**
 * The partner is part of the document id, so a point read built from the caller's token never finds
 * another partner's subscription, and two partners registering one source id never collide (R10).
 */
export const subscriptionDocumentId = (partnerId: string, subscriptionId: string): string =>
  `subscription:${partnerId}:${subscriptionId}`;

/** The stored shape of a subscription (exported for seeding at scale through bulk writes). */
export function toSubscriptionDocument(subscription: Subscription): Record<string, unknown> {
  return toDocument(subscription, {
    id: subscriptionDocumentId(subscription.partnerId, subscription.id),
    subscriptionId: subscription.id,
    docType: "subscription",
  });
}

function fromSubscriptionDocument(doc: Record<string, unknown>): Subscription {
  return subscriptionSchema.parse({ ...doc, id: doc.subscriptionId });
}

/** The stored shape of a term-end index entry (exported for seeding at scale through bulk writes). */
export const termEndIndexDocument = (entry: TermEndIndexEntry): JSONObject =>
  toDocument(entry, { docType: "termEndDue", ttl: TERM_END_INDEX_TTL_SECONDS }) as JSONObject;

/**
 * Subscriptions in their customer's partition (`customers`, pk `/customerTenantId`), with their
 * term-end index entries in `schedule` (pk `/day`). Entries are written before the subscription and
 * removed after it moved on: an entry without its subscription (or with another term end) reads as
 * nothing to the sweep, whereas a subscription without its entries would be missed.
 */
export class CosmosSubscriptionRepository implements SubscriptionRepository {
  constructor(private readonly database: Database) {}

  private get customers(): Container {
    return this.database.container(CONTAINERS.customers);
  }

  private get schedule(): Container {
    return this.database.container(CONTAINERS.schedule);
  }

  private async writeEntries(subscription: Subscription): Promise<void> {
    // Ids derive from the subscription and its term end, so an upsert is idempotent.
    for (const entry of termEndIndexEntries(subscription)) {
      await this.schedule.items.upsert(termEndIndexDocument(entry));
    }
  }

  /** Removes the entries of `stale` that `current` (what is stored now, if anything) does not have. */
  private async dropEntries(stale: Subscription, current: Subscription | undefined): Promise<void> {
    const keep = new Set(current ? termEndIndexEntries(current).map((e) => e.id) : []);
    for (const entry of termEndIndexEntries(stale)) {
      if (keep.has(entry.id)) continue;
      await this.schedule
        .item(entry.id, entry.day)
        .delete()
        .catch((error: unknown) => {
          if (cosmosStatus(error) !== 404) throw error;
        });
    }
  }

  async create(subscription: Subscription): Promise<Versioned<Subscription>> {
    await this.writeEntries(subscription);
    try {
      const response = await this.customers.items.create(toSubscriptionDocument(subscription));
      return {
        value: fromSubscriptionDocument(response.resource as Record<string, unknown>),
        etag: requireEtag(response.etag, "a subscription"),
      };
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw error;
      const existing = await this.get(subscription.partnerId, subscription.customerTenantId, subscription.id);
      await this.dropEntries(subscription, existing?.value);
      throw new SubscriptionExists(subscription.id);
    }
  }

  /**
   * Every row or none. Existing ids are refused before anything is written; the rows then go in
   * transactional batches in the customer's partition. A batch that still fails (a concurrent
   * registration of one of the ids) has its own and the earlier batches' writes removed: Cosmos rolls
   * a failed batch back, the embedded emulator does not, and earlier batches are committed anyway.
   */
  async createMany(customerTenantId: string, subscriptions: Subscription[]): Promise<void> {
    if (subscriptions.some((s) => s.customerTenantId !== customerTenantId)) {
      throw new Error("Every subscription of one import must belong to the same customer.");
    }
    const existing = await inChunks(subscriptions, (s) => this.exists(s));
    const taken = subscriptions.find((_, i) => existing[i]);
    if (taken) throw new SubscriptionExists(taken.id);
    await inChunks(subscriptions, (s) => this.writeEntries(s));
    for (let start = 0; start < subscriptions.length; start += MAX_BATCH_OPERATIONS) {
      const chunk = subscriptions.slice(start, start + MAX_BATCH_OPERATIONS);
      const operations: CreateOperationInput[] = chunk.map((s) => ({
        operationType: BulkOperationType.Create,
        resourceBody: toSubscriptionDocument(s) as JSONObject,
      }));
      const response = await this.customers.items.batch(operations, customerTenantId);
      const results = response.result ?? [];
      const failed = results.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
      if (response.result && failed < 0 && results.length === chunk.length) continue;
      await this.undo(subscriptions.slice(0, start + chunk.length));
      const conflicted = failed >= 0 && results[failed]?.statusCode === 409 ? chunk[failed] : undefined;
      if (conflicted) throw new SubscriptionExists(conflicted.id);
      throw batchFailed("Storing an import", response.result, response.code);
    }
  }

  /**
   * Removes what this import wrote: a document is ours when it equals what we sent (a concurrent
   * registration of the same id has its own timestamps and is left alone), deleted with If-Match.
   */
  private async undo(written: Subscription[]): Promise<void> {
    for (const subscription of written) {
      const stored = await this.get(subscription.partnerId, subscription.customerTenantId, subscription.id);
      if (
        stored &&
        isDeepStrictEqual(toSubscriptionDocument(stored.value), toSubscriptionDocument(subscription))
      ) {
        await this.customers
          .item(
            subscriptionDocumentId(subscription.partnerId, subscription.id),
            subscription.customerTenantId,
          )
          .delete({ accessCondition: { type: "IfMatch", condition: stored.etag } })
          .catch((error: unknown) => {
            const status = cosmosStatus(error);
            if (status !== 404 && status !== 412) throw error;
          });
        await this.dropEntries(subscription, undefined);
      } else {
        await this.dropEntries(subscription, stored?.value);
      }
    }
  }

  private async exists(subscription: Subscription): Promise<boolean> {
    return (
      (await this.get(subscription.partnerId, subscription.customerTenantId, subscription.id)) !== undefined
    );
  }

  async get(
    partnerId: string,
    customerTenantId: string,
    id: string,
  ): Promise<Versioned<Subscription> | undefined> {
    try {
      const { resource, etag } = await this.customers
        .item(subscriptionDocumentId(partnerId, id), customerTenantId)
        .read<Record<string, unknown>>();
      if (!resource || resource.docType !== "subscription") return undefined;
      return { value: fromSubscriptionDocument(resource), etag: requireEtag(etag, "a subscription") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async list(
    partnerId: string,
    customerTenantId: string,
    query: { limit: number; continuationToken?: string },
  ): Promise<Page<Subscription>> {
    // The partition key is also a predicate: scoping never depends on the partition key option alone.
    const page = await queryPage<Record<string, unknown>>(
      this.customers,
      {
        query:
          "SELECT * FROM c WHERE c.customerTenantId = @customer AND c.docType = 'subscription' AND c.partnerId = @partner ORDER BY c.createdAt ASC",
        parameters: [
          { name: "@customer", value: customerTenantId },
          { name: "@partner", value: partnerId },
        ],
      },
      query,
      customerTenantId,
    );
    return mapPage(page, fromSubscriptionDocument);
  }

  async replace(subscription: Subscription, etag: string): Promise<Versioned<Subscription>> {
    const what = `Subscription ${subscription.id}`;
    const before = await this.get(subscription.partnerId, subscription.customerTenantId, subscription.id);
    if (!before || before.etag !== etag) throw new ConcurrencyConflict(what);
    const moved = before.value.termEnd !== subscription.termEnd;
    if (moved) await this.writeEntries(subscription);
    let response;
    try {
      response = await this.customers
        .item(subscriptionDocumentId(subscription.partnerId, subscription.id), subscription.customerTenantId)
        .replace(toSubscriptionDocument(subscription), {
          accessCondition: { type: "IfMatch", condition: etag },
        });
    } catch (error) {
      const status = cosmosStatus(error);
      if (status !== 412 && status !== 404) throw error;
      if (moved) {
        const current = await this.get(
          subscription.partnerId,
          subscription.customerTenantId,
          subscription.id,
        );
        await this.dropEntries(subscription, current?.value);
      }
      throw new ConcurrencyConflict(what);
    }
    if (moved) await this.dropEntries(before.value, subscription);
    return {
      value: fromSubscriptionDocument(response.resource as Record<string, unknown>),
      etag: requireEtag(response.etag, "a subscription"),
    };
  }
}

const CHECKPOINT_ID = "termEndSweep";
/** The checkpoint's partition; its own `day` (the day in progress) is stored as `dayInProgress`. */
const CHECKPOINT_PARTITION = "checkpoint";

function fromCheckpointDocument(doc: Record<string, unknown>): SweepCheckpoint {
  const { dayInProgress, ...rest } = doc;
  return sweepCheckpointSchema.parse({ ...rest, day: dayInProgress });
}

/** The sweep's due-day index (`schedule`, pk `/day`) and its checkpoint (partition `checkpoint`). */
export class CosmosTermEndSchedule implements TermEndSchedule {
  constructor(private readonly database: Database) {}

  private get schedule(): Container {
    return this.database.container(CONTAINERS.schedule);
  }

  async page(
    day: string,
    query: { limit: number; continuationToken?: string },
  ): Promise<Page<TermEndIndexEntry>> {
    const page = await queryPage<Record<string, unknown>>(
      this.schedule,
      {
        query: "SELECT * FROM c WHERE c.day = @day AND c.docType = 'termEndDue'",
        parameters: [{ name: "@day", value: day }],
      },
      query,
      day,
    );
    return mapPage(page, (doc) => termEndIndexEntrySchema.parse(doc));
  }

  async readCheckpoint(): Promise<Versioned<SweepCheckpoint> | undefined> {
    try {
      const { resource, etag } = await this.schedule
        .item(CHECKPOINT_ID, CHECKPOINT_PARTITION)
        .read<Record<string, unknown>>();
      if (!resource) return undefined;
      return { value: fromCheckpointDocument(resource), etag: requireEtag(etag, "the sweep checkpoint") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async writeCheckpoint(checkpoint: SweepCheckpoint, etag?: string): Promise<Versioned<SweepCheckpoint>> {
    const { day, ...rest } = checkpoint;
    const document = toDocument(rest, {
      id: CHECKPOINT_ID,
      day: CHECKPOINT_PARTITION,
      docType: "sweepCheckpoint",
      dayInProgress: day,
    });
    try {
      const response =
        etag === undefined
          ? await this.schedule.items.create(document)
          : await this.schedule
              .item(CHECKPOINT_ID, CHECKPOINT_PARTITION)
              .replace(document, { accessCondition: { type: "IfMatch", condition: etag } });
      return {
        value: fromCheckpointDocument(response.resource as Record<string, unknown>),
        etag: requireEtag(response.etag, "the sweep checkpoint"),
      };
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 409 || status === 412 || status === 404)
        throw new ConcurrencyConflict("The sweep checkpoint");
      throw error;
    }
  }
}
