import {
  BulkOperationType,
  type Database,
  type JSONObject,
  type OperationInput,
  type OperationResponse,
} from "@azure/cosmos";
import {
  ConcurrencyConflict,
  CreationWindowFull,
  type CreationWindow,
  type DecisionIntent,
  type InvitationRepository,
  type Page,
  type StartIntent,
  type Versioned,
} from "../../application/ports";
import type { AuditRecord, Invitation, InvitationStatus, Relationship } from "../../domain/model";
import { z } from "zod";
import {
  batchFailed,
  CONTAINERS,
  CosmosRequestFailed,
  cosmosStatus,
  DECISION_INTENT,
  invitationDocumentSchema,
  relationshipIndexCopy,
  relationshipParties,
  requireEtag,
  toDocument,
  mapPage,
  queryPage,
} from "./documents";
import { deleteIntent, pendingIntents, replaceWithIntent, transactionalBatch } from "./intents";

/**
 * A lost race on the window's counter means another creation got in, so retrying while the count is
 * below the limit ends after at most `limit` losses. The cap only guards against a store that keeps
 * answering 412 without anyone counting (it is never a 429: a refusal means the window is full).
 */
const maxWindowAttempts = (limit: number): number => 2 * limit + 10;

/** Jittered backoff after a lost race, so the losers do not collide again in lockstep. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(100, 5 * 2 ** Math.min(attempt, 5));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

const windowDocumentSchema = z.object({ count: z.number().int().min(0) });

/** The counter's id: the window start names it, so a new window starts from zero without a reset. */
export const rateWindowId = (windowStart: string): string => `rate:${windowStart}`;

/** The start intent's id, in the invitation's partition. */
export const startIntentId = (invitationId: string): string => `start:${invitationId}`;

const startIntentSchema = z.object({
  partnerId: z.string(),
  invitationId: z.string(),
  createdAt: z.string(),
});

/** How long a settled intent's marker stays (Cosmos removes it; the embedded server keeps it). */
const SETTLED_INTENT_TTL_SECONDS = 3_600;

/** Audit records as upserts in the partner's partition: their ids derive from the change. */
function auditUpserts(partnerId: string, records: AuditRecord[]): OperationInput[] {
  if (records.some((r) => r.partnerId !== partnerId)) {
    throw new Error("An invitation's audit records belong to its partner's partition.");
  }
  return records.map((record) => ({
    operationType: BulkOperationType.Upsert,
    // Named per operation too: the embedded emulator reads it there.
    partitionKey: partnerId,
    resourceBody: toDocument(record, { docType: "audit" }) as JSONObject,
  }));
}

function startIntentDocument(invitation: Invitation): JSONObject {
  return {
    id: startIntentId(invitation.id),
    partnerId: invitation.partnerId,
    docType: "startIntent",
    invitationId: invitation.id,
    createdAt: invitation.createdAt,
  };
}

/** The decision intent's id, in the invitation's partition. */
export const decisionIntentId = (invitationId: string): string => `decision:${invitationId}`;

/**
 * Invitations live in their partner's partition (`invitations`, pk `/partnerId`), so the owner's
 * GET is a point read and another partner's id is simply absent. The link token names its
 * invitation (domain/invitation-token.ts), so opening a link is the same point read.
 */
const KNOWN_WINDOWS_MAX = 10_000;
const windowKey = (partnerId: string, windowStart: string): string => `${partnerId}\u001f${windowStart}`;

export class CosmosInvitationRepository implements InvitationRepository {
  /**
   * Each creation window's counter as this instance last wrote it (count and ETag): the next
   * creation in the window replaces it without reading it first (issue 11), and a stale entry only
   * costs the read it would have made anyway (the batch's ETag check fails, the window is read).
   */
  private readonly knownWindows = new Map<string, { count: number; etag: string }>();

  /**
   * This instance's creations in one window take turns at its counter. Racing for it instead, a
   * burst of N creations by one partner cost every loser a read and a failed batch per winner (on
   * the order of N² requests; 100 parallel creations took a minute on a loaded machine). In turn,
   * each replaces the counter with the ETag its predecessor left, and once the window is full the
   * rest are refused without a request. Other instances still race through the ETag check.
   */
  private readonly windowTurns = new Map<string, Promise<void>>();

  constructor(private readonly database: Database) {}

  private async inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.windowTurns.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const queue = before.then(() => mine);
    this.windowTurns.set(key, queue);
    await before;
    try {
      return await work();
    } finally {
      done();
      if (this.windowTurns.get(key) === queue) this.windowTurns.delete(key);
    }
  }

  private get invitations() {
    return this.database.container(CONTAINERS.invitations);
  }

  /**
   * The invitation and its start intent go in one transactional batch (same partition): there is
   * no stored invitation whose orchestration nobody is bound to start (docs/invitation-lifecycle.md).
   */
  async create(
    invitation: Invitation,
    window?: CreationWindow,
    also?: { audit?: AuditRecord[] },
  ): Promise<void> {
    const records = auditUpserts(invitation.partnerId, also?.audit ?? []);
    if (window) {
      const key = windowKey(invitation.partnerId, window.start);
      return this.inTurn(key, () => this.createCounted(invitation, window, records));
    }
    const results = await this.batch(
      [
        {
          operationType: BulkOperationType.Create,
          resourceBody: toDocument(invitation, { docType: "invitation" }) as JSONObject,
        },
        { operationType: BulkOperationType.Create, resourceBody: startIntentDocument(invitation) },
        ...records,
      ],
      invitation.partnerId,
    );
    const created = results[0]?.statusCode ?? 0;
    // Idempotent: a retry of the same creation finds the first one (and its intent) stored.
    if (created < 400 || created === 409) return;
    throw batchFailed("Storing an invitation", results);
  }

  /**
   * The window's counter and the invitation share the partner's partition, so one transactional
   * batch writes both or neither. The counter goes first in the batch: a lost race on it (409 on
   * create, 412 on the ETag) fails the batch before the invitation is written, and the window is
   * read again. The embedded emulator does not roll a batch back, so that order is also what keeps
   * a refused creation from leaving an invitation behind there.
   */
  private async createCounted(
    invitation: Invitation,
    window: CreationWindow,
    records: OperationInput[],
  ): Promise<void> {
    const partnerId = invitation.partnerId;
    for (let attempt = 1; attempt <= maxWindowAttempts(window.limit); attempt++) {
      if (attempt > 1) await backoff(attempt);
      // The counter this instance wrote last is as good as a read: if another writer moved it
      // since, its ETag no longer matches and the batch fails with 412 before anything is stored.
      const key = windowKey(partnerId, window.start);
      const current =
        (attempt === 1 && this.knownWindows.get(key)) || (await this.readWindow(partnerId, window.start));
      const count = current?.count ?? 0;
      // A window's count only grows: one known full stays full, and the next creation in turn is
      // refused without a request.
      if (count >= window.limit) {
        if (current) this.rememberWindow(key, current);
        throw new CreationWindowFull();
      }
      this.knownWindows.delete(key);
      const counter = {
        id: rateWindowId(window.start),
        partnerId,
        docType: "rateWindow",
        windowStart: window.start,
        count: count + 1,
        ttl: window.ttlSeconds,
      };
      const operations: OperationInput[] = [
        current
          ? {
              operationType: BulkOperationType.Replace,
              id: counter.id,
              // The batch names its partition already; the emulator still reads it per operation.
              partitionKey: partnerId,
              resourceBody: counter,
              ifMatch: current.etag,
            }
          : { operationType: BulkOperationType.Create, resourceBody: counter },
        {
          operationType: BulkOperationType.Create,
          resourceBody: toDocument(invitation, { docType: "invitation" }) as JSONObject,
        },
        { operationType: BulkOperationType.Create, resourceBody: startIntentDocument(invitation) },
        ...records,
      ];
      const results = await this.batch(operations, partnerId);
      const [counted, created] = [results[0]?.statusCode ?? 0, results[1]?.statusCode ?? 0];
      if (counted < 400 && created < 400) {
        const etag = results[0]?.eTag;
        if (etag) this.rememberWindow(key, { count: counter.count, etag });
        return;
      }
      // Idempotent: a retry of the same creation found the first one stored (and not counted again).
      if (counted < 400 || counted === 424) {
        if (created === 409) return;
        throw new CosmosRequestFailed(`Storing an invitation failed (status ${created}).`, created);
      }
      // 404: the remembered counter expired (TTL) meanwhile; the next attempt reads the window.
      if (counted !== 409 && counted !== 412 && counted !== 404) {
        throw new CosmosRequestFailed(
          `Counting an invitation in its window failed (status ${counted}).`,
          counted,
        );
      }
    }
    throw new Error("Counting an invitation in its window kept losing races without the count moving.");
  }

  private rememberWindow(key: string, window: { count: number; etag: string }): void {
    this.knownWindows.set(key, window);
    // One entry per partner and window: the oldest go first once there are many.
    if (this.knownWindows.size > KNOWN_WINDOWS_MAX)
      this.knownWindows.delete(this.knownWindows.keys().next().value!);
  }

  private batch(operations: OperationInput[], partnerId: string): Promise<OperationResponse[]> {
    return transactionalBatch(this.invitations, operations, partnerId);
  }

  private async readWindow(
    partnerId: string,
    windowStart: string,
  ): Promise<{ count: number; etag: string } | undefined> {
    try {
      const { resource, etag } = await this.invitations
        .item(rateWindowId(windowStart), partnerId)
        .read<Record<string, unknown>>();
      if (!resource) return undefined;
      return { count: windowDocumentSchema.parse(resource).count, etag: requireEtag(etag, "a rate window") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async countInWindow(partnerId: string, windowStart: string): Promise<number> {
    return (await this.readWindow(partnerId, windowStart))?.count ?? 0;
  }

  async get(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined> {
    try {
      const { resource, etag } = await this.invitations.item(id, partnerId).read<Record<string, unknown>>();
      if (!resource || resource.docType !== "invitation") return undefined;
      return { value: invitationDocumentSchema.parse(resource), etag: requireEtag(etag, "an invitation") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * One transactional batch: read the invitation, delete its start intent. When the intent is gone
   * already (a re-run, the sweep settled it) the batch fails as a whole and a point read answers.
   */
  async getSettlingStart(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined> {
    const results = await this.batch(
      [
        { operationType: BulkOperationType.Read, id, partitionKey: partnerId },
        { operationType: BulkOperationType.Delete, id: startIntentId(id), partitionKey: partnerId },
      ],
      partnerId,
    );
    const [read, settled] = results;
    if (!read || !settled || read.statusCode >= 400 || settled.statusCode >= 400)
      return this.get(partnerId, id);
    const resource = read.resourceBody as Record<string, unknown> | undefined;
    if (!resource || resource.docType !== "invitation") return undefined;
    return { value: invitationDocumentSchema.parse(resource), etag: requireEtag(read.eTag, "an invitation") };
  }

  async replace(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[]; relationshipIndex?: Relationship[]; settleDecision?: boolean },
  ): Promise<Versioned<Invitation>> {
    const records = also?.audit ?? [];
    const copies = (also?.relationshipIndex ?? []).filter((r) =>
      relationshipParties(r).includes(invitation.partnerId),
    );
    if (records.length > 0 || copies.length > 0 || also?.settleDecision)
      return this.replaceAudited(invitation, etag, records, copies, also?.settleDecision ?? false);
    try {
      const response = await this.invitations
        .item(invitation.id, invitation.partnerId)
        .replace(toDocument(invitation, { docType: "invitation" }), {
          accessCondition: { type: "IfMatch", condition: etag },
        });
      return {
        value: invitationDocumentSchema.parse(response.resource),
        etag: requireEtag(response.etag, "an invitation"),
      };
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 412 || status === 404) throw new ConcurrencyConflict(`Invitation ${invitation.id}`);
      throw error;
    }
  }

  /**
   * The replace and its audit records in one transactional batch: they share the partner's
   * partition. The replace goes first, so a lost race (412) fails the batch before any record is
   * written (the embedded emulator stops at the first failure rather than rolling back). Records are
   * upserted: their ids derive from the change, so a re-run writes the same record again. So are the
   * partner's relationship index copies that ride along (RelationshipRepository.createMany).
   */
  private async replaceAudited(
    invitation: Invitation,
    etag: string,
    records: AuditRecord[],
    copies: Relationship[] = [],
    settleDecision = false,
  ): Promise<Versioned<Invitation>> {
    if (records.some((r) => r.partnerId !== invitation.partnerId)) {
      throw new Error("An invitation's audit records belong to its partner's partition.");
    }
    const results = await this.batch(
      [
        {
          operationType: BulkOperationType.Replace,
          id: invitation.id,
          partitionKey: invitation.partnerId,
          resourceBody: toDocument(invitation, { docType: "invitation" }) as JSONObject,
          ifMatch: etag,
        },
        ...records.map((record): OperationInput => ({
          operationType: BulkOperationType.Upsert,
          // Named per operation too: the embedded emulator reads it there.
          partitionKey: invitation.partnerId,
          resourceBody: toDocument(record, { docType: "audit" }) as JSONObject,
        })),
        ...copies.map((relationship): OperationInput => ({
          operationType: BulkOperationType.Upsert,
          partitionKey: invitation.partnerId,
          resourceBody: relationshipIndexCopy(relationship, invitation.partnerId),
        })),
        // Settled by overwriting it with a marker the recovery's query does not match: a delete
        // would fail the whole batch when the intent is gone already. The marker expires (ttl).
        ...(settleDecision
          ? [
              {
                operationType: BulkOperationType.Upsert,
                partitionKey: invitation.partnerId,
                resourceBody: {
                  id: decisionIntentId(invitation.id),
                  partnerId: invitation.partnerId,
                  docType: "settledIntent",
                  invitationId: invitation.id,
                  ttl: SETTLED_INTENT_TTL_SECONDS,
                },
              } satisfies OperationInput,
            ]
          : []),
      ],
      invitation.partnerId,
    );
    const replaced = results[0];
    const status = replaced?.statusCode ?? 0;
    if (status === 412 || status === 404) throw new ConcurrencyConflict(`Invitation ${invitation.id}`);
    const failed = results.find((r) => r.statusCode >= 400);
    if (!replaced || failed) throw batchFailed("Replacing an invitation with its audit", results);
    return {
      value: invitationDocumentSchema.parse(replaced.resourceBody),
      etag: requireEtag(replaced.eTag, "an invitation"),
    };
  }

  /** The decision, its intent and its audit records in one batch (cosmos/intents.ts). */
  async replaceWithDecisionIntent(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[] },
  ): Promise<Versioned<Invitation>> {
    const records = also?.audit ?? [];
    if (records.some((r) => r.partnerId !== invitation.partnerId)) {
      throw new Error("An invitation's audit records belong to its partner's partition.");
    }
    const decidedAt = invitation.decidedAt ?? new Date().toISOString();
    const { resourceBody, eTag } = await replaceWithIntent(
      this.invitations,
      invitation.partnerId,
      {
        id: invitation.id,
        document: toDocument(invitation, { docType: "invitation" }) as JSONObject,
        etag,
      },
      [
        {
          id: decisionIntentId(invitation.id),
          partnerId: invitation.partnerId,
          docType: DECISION_INTENT,
          invitationId: invitation.id,
          createdAt: decidedAt,
        },
        ...records.map((record) => toDocument(record, { docType: "audit" }) as JSONObject),
      ],
      `Invitation ${invitation.id}`,
    );
    if (resourceBody && eTag) return { value: invitationDocumentSchema.parse(resourceBody), etag: eTag };
    const stored = await this.get(invitation.partnerId, invitation.id);
    if (!stored) throw new ConcurrencyConflict(`Invitation ${invitation.id}`);
    return stored;
  }

  /** As `pendingStarts`: a cross-partition query over the intents only, normally none. */
  async pendingDecisions(limit: number): Promise<DecisionIntent[]> {
    const found = await pendingIntents(this.invitations, {
      select: "c.partnerId, c.invitationId, c.createdAt",
      docType: DECISION_INTENT,
      limit,
    });
    return found.map((doc) => startIntentSchema.parse(doc));
  }

  async settleDecision(partnerId: string, invitationId: string): Promise<void> {
    await deleteIntent(this.invitations, decisionIntentId(invitationId), partnerId);
  }

  async list(
    partnerId: string,
    query: { status?: InvitationStatus; limit: number; continuationToken?: string },
  ): Promise<Page<Invitation>> {
    // The partition key is also a predicate: the scoping must not depend on the server honouring
    // the partition key option alone (the embedded emulator ignores it for queries).
    const filters = ["c.partnerId = @partnerId", "c.docType = 'invitation'"];
    const parameters = [{ name: "@partnerId", value: partnerId }];
    if (query.status) {
      filters.push("c.status = @status");
      parameters.push({ name: "@status", value: query.status });
    }
    const page = await queryPage<Record<string, unknown>>(
      this.invitations,
      { query: `SELECT * FROM c WHERE ${filters.join(" AND ")} ORDER BY c.createdAt DESC`, parameters },
      query,
      partnerId,
    );
    return mapPage(page, (doc) => invitationDocumentSchema.parse(doc));
  }

  async remove(partnerId: string, id: string, also?: { auditIds?: string[] }): Promise<void> {
    const found = await this.get(partnerId, id);
    if (!found) return;
    for (const doc of [id, ...(also?.auditIds ?? [])]) {
      await this.invitations
        .item(doc, partnerId)
        .delete()
        .catch((error: unknown) => {
          if (cosmosStatus(error) !== 404) throw error;
        });
    }
    await this.settleStart(partnerId, id);
  }

  /**
   * A cross-partition query, once a minute: it reads only the intents (normally none or a few, each
   * gone within a request's time), through the index on docType and createdAt. The intents live
   * beside their invitations rather than in one shared partition so that they are written in the
   * same atomic batch, and no single partition takes every partner's writes.
   */
  async pendingStarts(before: string, limit: number): Promise<StartIntent[]> {
    // One page is enough: the next run takes the rest.
    const { resources } = await this.invitations.items
      .query<Record<string, unknown>>(
        {
          query:
            "SELECT c.partnerId, c.invitationId, c.createdAt FROM c WHERE c.docType = 'startIntent' AND c.createdAt < @before",
          parameters: [{ name: "@before", value: before }],
        },
        { maxItemCount: limit },
      )
      .fetchNext();
    return resources
      .map((doc) => startIntentSchema.parse(doc))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
      .slice(0, limit);
  }

  /**
   * With audit records: the intent's delete and the records' upserts in one batch (the partner's
   * partition). An intent already gone fails that batch with 404; the records are then written alone.
   */
  async settleStart(
    partnerId: string,
    invitationId: string,
    also?: { audit?: AuditRecord[] },
  ): Promise<void> {
    const records = also?.audit ?? [];
    if (records.some((r) => r.partnerId !== partnerId)) {
      throw new Error("An invitation's audit records belong to its partner's partition.");
    }
    if (records.length > 0) {
      const documents = records.map((record) => toDocument(record, { docType: "audit" }) as JSONObject);
      const upserts = documents.map((resourceBody): OperationInput => ({
        operationType: BulkOperationType.Upsert,
        // Named per operation too: the embedded emulator reads it there.
        partitionKey: partnerId,
        resourceBody,
      }));
      const results = await this.batch(
        [
          {
            operationType: BulkOperationType.Delete,
            id: startIntentId(invitationId),
            partitionKey: partnerId,
          },
          ...upserts,
        ],
        partnerId,
      );
      if (results.every((r) => r.statusCode < 400)) return;
      if (results[0]?.statusCode !== 404) throw batchFailed("Settling a start", results);
      for (const document of documents) await this.invitations.items.upsert(document);
      return;
    }
    await deleteIntent(this.invitations, startIntentId(invitationId), partnerId);
  }
}
