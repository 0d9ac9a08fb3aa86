import { createHash } from "node:crypto";
import { z } from "zod";
import {
  ConcurrencyConflict,
  CreationWindowFull,
  InvalidContinuationToken,
  type AuditLog,
  type CreatedRelationships,
  type CreationWindow,
  type IdempotencyRecord,
  type IdempotencyStore,
  type InvitationRepository,
  type InvitationWorkflow,
  type Page,
  type PartnerRelationshipQuery,
  type PartnerRepository,
  type RelationshipRepository,
  type RelationshipScope,
  type StartIntent,
  type TenantDirectory,
  type Versioned,
} from "../../application/ports";
import { devTenantDirectory } from "../tenants/dev-tenant-directory";
import type {
  Actor,
  AuditRecord,
  CustomerDecision,
  Invitation,
  InvitationStatus,
  Partner,
  Relationship,
} from "../../domain/model";
import {
  MigrationExists,
  SubscriptionExists,
  type AnswerIntent,
  type CommercePort,
  type MigrationRepository,
  type MigrationSignal,
  type MigrationWorkflows,
  type SubscriptionRepository,
  type TermEndSchedule,
} from "../../application/subscriptions/ports";
import type { ApprovalParty } from "../../domain/subscriptions/migration";
import type { Migration, MigrationStatus, Subscription } from "../../domain/subscriptions/model";
import {
  termEndIndexEntries,
  type SweepCheckpoint,
  type TermEndIndexEntry,
} from "../../domain/subscriptions/sweep";
import { cspSubscriptionIdFor } from "../commerce/local-commerce";

/**
 * The persistence ports in process memory, with the Cosmos adapters' semantics (the contract test
 * runs the same assertions against both): every write gets a new ETag and a replace on a stale or
 * unknown one is a ConcurrencyConflict; a customer's relationships are stored all or none; lists
 * page with opaque continuation tokens and refuse tokens they did not issue. Values are copied in
 * and out, so a caller mutating what it got back never changes what is stored. Serves use-case
 * tests and any mode that runs without a database; TTLs are not enforced (nothing here outlives
 * its process).
 */

/** One ETag sequence for every store: an ETag never names two versions. */
let etagSequence = 0;
const nextEtag = (): string => `"mem-${(++etagSequence).toString(36)}"`;

const copy = <T>(value: T): T => structuredClone(value);

interface Stored<T> {
  value: T;
  etag: string;
}

const versioned = <T>(stored: Stored<T>): Versioned<T> => ({ value: copy(stored.value), etag: stored.etag });

export class MemoryPartnerRepository implements PartnerRepository {
  private readonly partners = new Map<string, Partner>();

  get(id: string): Promise<Partner | undefined> {
    const found = this.partners.get(id);
    return Promise.resolve(found ? copy(found) : undefined);
  }

  put(partner: Partner): Promise<{ created: boolean; partner: Partner }> {
    const created = !this.partners.has(partner.id);
    this.partners.set(partner.id, copy(partner));
    return Promise.resolve({ created, partner: copy(partner) });
  }

  resellerIdsOf(providerId: string): Promise<string[]> {
    return Promise.resolve(
      [...this.partners.values()].filter((p) => p.indirectProviderId === providerId).map((p) => p.id),
    );
  }

  findEnrolled(tenantId: string): Promise<Partner | undefined> {
    return this.get(tenantId);
  }

  enrolledIds(): Promise<string[]> {
    return Promise.resolve([...this.partners.keys()]);
  }
}

/** Keyset paging: the token names the last item returned, so items stored meanwhile never shift a page. */
const pageCursorSchema = z.object({ createdAt: z.string(), id: z.string() }).strict();
type PageCursor = z.infer<typeof pageCursorSchema>;

/**
 * A page token: opaque base64url JSON that only the schema's shape decodes, so a token this store
 * did not issue is InvalidContinuationToken, as at the Cosmos adapters.
 */
function pageToken<T>(schema: z.ZodType<T>): { encode(value: T): string; decode(token: string): T } {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url"),
    decode: (token) => {
      if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw new InvalidContinuationToken();
      try {
        return schema.parse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
      } catch {
        throw new InvalidContinuationToken();
      }
    },
  };
}

const cursorToken = pageToken(pageCursorSchema);

/** Newest first, as the Cosmos query orders them; the id breaks ties so paging is total. */
function newestFirst(a: PageCursor, b: PageCursor): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Event intents as the recovery sweep reads them: oldest first, at most `limit`, copies. */
function oldestIntents<I extends { createdAt: string }>(intents: Iterable<I>, limit: number): I[] {
  return [...intents]
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
    .slice(0, limit)
    .map(copy);
}

export class MemoryInvitationRepository implements InvitationRepository {
  /** `audit`: where records written with a replace go (as one Cosmos batch writes both). */
  constructor(private readonly audit?: MemoryAuditLog) {}

  /** By partner, then id: another partner's id is simply absent, as in its own Cosmos partition. */
  private readonly invitations = new Map<string, Map<string, Stored<Invitation>>>();
  private readonly windows = new Map<string, number>();
  /** Start intents by invitation id, stored with their invitation (as in one Cosmos batch). */
  private readonly startIntents = new Map<string, StartIntent>();
  /** Decision intents by invitation id, stored with the decision (as in one Cosmos batch). */
  private readonly decisionIntents = new Map<string, StartIntent>();

  private partition(partnerId: string): Map<string, Stored<Invitation>> {
    let partition = this.invitations.get(partnerId);
    if (!partition) {
      partition = new Map();
      this.invitations.set(partnerId, partition);
    }
    return partition;
  }

  async create(
    invitation: Invitation,
    window?: CreationWindow,
    also?: { audit?: AuditRecord[] },
  ): Promise<void> {
    const records = also?.audit ?? [];
    if (records.length > 0 && !this.audit) {
      throw new Error("This invitation repository was built without the audit log its records go to.");
    }
    await this.store(invitation, window);
    for (const record of records) await this.audit!.record(record);
  }

  private store(invitation: Invitation, window?: CreationWindow): Promise<void> {
    const partition = this.partition(invitation.partnerId);
    // Idempotent: a retry of the same creation finds the first one stored (and not counted again).
    if (partition.has(invitation.id)) return Promise.resolve();
    if (window) {
      const key = `${invitation.partnerId}\u001f${window.start}`;
      const count = this.windows.get(key) ?? 0;
      if (count >= window.limit) return Promise.reject(new CreationWindowFull());
      this.windows.set(key, count + 1);
    }
    partition.set(invitation.id, { value: copy(invitation), etag: nextEtag() });
    this.startIntents.set(invitation.id, {
      partnerId: invitation.partnerId,
      invitationId: invitation.id,
      createdAt: invitation.createdAt,
    });
    return Promise.resolve();
  }

  pendingStarts(before: string, limit: number): Promise<StartIntent[]> {
    return Promise.resolve(
      [...this.startIntents.values()]
        .filter((i) => i.createdAt < before)
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
        .slice(0, limit)
        .map(copy),
    );
  }

  async settleStart(
    partnerId: string,
    invitationId: string,
    also?: { audit?: AuditRecord[] },
  ): Promise<void> {
    const records = also?.audit ?? [];
    if (records.length > 0 && !this.audit) {
      throw new Error("This invitation repository was built without the audit log its records go to.");
    }
    if (this.startIntents.get(invitationId)?.partnerId === partnerId) this.startIntents.delete(invitationId);
    for (const record of records) await this.audit!.record(record);
  }

  async replaceWithDecisionIntent(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[] },
  ): Promise<Versioned<Invitation>> {
    const replaced = await this.replace(invitation, etag, also);
    this.decisionIntents.set(invitation.id, {
      partnerId: invitation.partnerId,
      invitationId: invitation.id,
      createdAt: invitation.decidedAt ?? invitation.createdAt,
    });
    return replaced;
  }

  pendingDecisions(limit: number): Promise<StartIntent[]> {
    return Promise.resolve(oldestIntents(this.decisionIntents.values(), limit));
  }

  settleDecision(partnerId: string, invitationId: string): Promise<void> {
    if (this.decisionIntents.get(invitationId)?.partnerId === partnerId)
      this.decisionIntents.delete(invitationId);
    return Promise.resolve();
  }

  countInWindow(partnerId: string, windowStart: string): Promise<number> {
    return Promise.resolve(this.windows.get(`${partnerId}\u001f${windowStart}`) ?? 0);
  }

  get(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined> {
    const stored = this.invitations.get(partnerId)?.get(id);
    return Promise.resolve(stored ? versioned(stored) : undefined);
  }

  async replace(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[]; settleDecision?: boolean },
  ): Promise<Versioned<Invitation>> {
    const records = also?.audit ?? [];
    if (records.length > 0 && !this.audit) {
      throw new Error("This invitation repository was built without the audit log its records go to.");
    }
    const partition = this.invitations.get(invitation.partnerId);
    const stored = partition?.get(invitation.id);
    if (!partition || !stored || stored.etag !== etag) {
      throw new ConcurrencyConflict(`Invitation ${invitation.id}`);
    }
    const next = { value: copy(invitation), etag: nextEtag() };
    partition.set(invitation.id, next);
    if (also?.settleDecision) this.decisionIntents.delete(invitation.id);
    for (const record of records) await this.audit!.record(record);
    return versioned(next);
  }

  list(
    partnerId: string,
    query: { status?: InvitationStatus; limit: number; continuationToken?: string },
  ): Promise<Page<Invitation>> {
    let after: PageCursor | undefined;
    try {
      after = query.continuationToken ? cursorToken.decode(query.continuationToken) : undefined;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new InvalidContinuationToken());
    }
    const matching = [...(this.invitations.get(partnerId)?.values() ?? [])]
      .map((s) => s.value)
      .filter((i) => query.status === undefined || i.status === query.status)
      .sort(newestFirst);
    const start = after ? matching.findIndex((i) => newestFirst(i, after) > 0) : 0;
    const rest = start < 0 ? [] : matching.slice(start);
    const items = rest.slice(0, query.limit).map(copy);
    const last = items[items.length - 1];
    return Promise.resolve(
      rest.length > items.length && last
        ? { items, continuationToken: cursorToken.encode({ createdAt: last.createdAt, id: last.id }) }
        : { items },
    );
  }

  remove(partnerId: string, id: string, also?: { auditIds?: string[] }): Promise<void> {
    const partition = this.invitations.get(partnerId);
    const stored = partition?.get(id);
    if (!partition || !stored) return Promise.resolve();
    partition.delete(id);
    this.startIntents.delete(id);
    this.decisionIntents.delete(id);
    for (const recordId of also?.auditIds ?? []) this.audit?.forget(partnerId, recordId);
    return Promise.resolve();
  }

  async getSettlingStart(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined> {
    await this.settleStart(partnerId, id);
    return this.get(partnerId, id);
  }
}

export class MemoryRelationshipRepository implements RelationshipRepository {
  private readonly relationships = new Map<string, Stored<Relationship>>();

  createMany(customerTenantId: string, relationships: Relationship[]): Promise<CreatedRelationships> {
    if (relationships.some((r) => r.customerTenantId !== customerTenantId)) {
      return Promise.reject(new Error("Every relationship of one batch must belong to the same customer."));
    }
    // All or none (checked above, before any write); a re-run never overwrites one that moved on.
    let fresh = true;
    for (const relationship of relationships) {
      if (this.relationships.has(relationship.id)) fresh = false;
      else this.relationships.set(relationship.id, { value: copy(relationship), etag: nextEtag() });
    }
    // No index to defer: partners' lists here are read from the relationships themselves.
    return Promise.resolve({ deferred: [], fresh });
  }

  listForCustomer(customerTenantId: string): Promise<Relationship[]> {
    return Promise.resolve(
      [...this.relationships.values()]
        .map((s) => s.value)
        .filter((r) => r.customerTenantId === customerTenantId)
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
        .map(copy),
    );
  }

  get(id: string, scope: RelationshipScope): Promise<Versioned<Relationship> | undefined> {
    const stored = this.relationships.get(id);
    // As in Cosmos: only in its customer's partition, or through a party's index copy.
    const inScope =
      stored &&
      ("customerTenantId" in scope
        ? stored.value.customerTenantId === scope.customerTenantId
        : stored.value.partnerId === scope.partnerId || stored.value.indirectResellerId === scope.partnerId);
    return Promise.resolve(stored && inScope ? versioned(stored) : undefined);
  }

  replace(relationship: Relationship, etag: string): Promise<Versioned<Relationship>> {
    const stored = this.relationships.get(relationship.id);
    if (!stored || stored.etag !== etag || stored.value.customerTenantId !== relationship.customerTenantId) {
      return Promise.reject(new ConcurrencyConflict(`Relationship ${relationship.id}`));
    }
    const next = { value: copy(relationship), etag: nextEtag() };
    this.relationships.set(relationship.id, next);
    return Promise.resolve(versioned(next));
  }

  listForPartner(partnerId: string, query: PartnerRelationshipQuery): Promise<Page<Relationship>> {
    const all = [...this.relationships.values()]
      .map((s) => s.value)
      .filter(
        (r) =>
          (r.partnerId === partnerId || r.indirectResellerId === partnerId) &&
          (!query.status || r.status === query.status) &&
          (!query.type || r.type === query.type) &&
          (!query.expiringBefore || (r.endsAt !== undefined && r.endsAt < query.expiringBefore)),
      )
      .sort((a, b) =>
        a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1,
      );
    const start = query.continuationToken ? Number(query.continuationToken) : 0;
    if (!Number.isInteger(start) || start < 0) return Promise.reject(new InvalidContinuationToken());
    const items = all.slice(start, start + query.limit).map(copy);
    const next = start + query.limit;
    return Promise.resolve(next < all.length ? { items, continuationToken: String(next) } : { items });
  }
}

export class MemoryAuditLog implements AuditLog {
  private readonly records = new Map<string, AuditRecord>();

  record(entry: AuditRecord): Promise<void> {
    // Records have their own ids: a retried write of the same record is already there.
    const key = `${entry.partnerId}\u001f${entry.id}`;
    if (!this.records.has(key)) this.records.set(key, copy(entry));
    return Promise.resolve();
  }

  /** A compensated creation's record (the Cosmos adapter deletes it from the partition). */
  forget(partnerId: string, id: string): void {
    this.records.delete(`${partnerId}\u001f${id}`);
  }

  listFor(partnerId: string, resourceId: string): Promise<AuditRecord[]> {
    return Promise.resolve(
      [...this.records.values()]
        .filter((r) => r.partnerId === partnerId && r.resourceId === resourceId)
        .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
        .map(copy),
    );
  }
}

const idempotencyKeyOf = (partnerId: string, key: string): string =>
  `${partnerId}\u001f${createHash("sha256").update(key, "utf8").digest("hex")}`;

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord>();

  get(partnerId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const found = this.records.get(idempotencyKeyOf(partnerId, key));
    return Promise.resolve(found ? copy(found) : undefined);
  }

  claim(
    partnerId: string,
    record: IdempotencyRecord,
  ): Promise<{ created: boolean; record: IdempotencyRecord }> {
    const id = idempotencyKeyOf(partnerId, record.key);
    const existing = this.records.get(id);
    if (existing) return Promise.resolve({ created: false, record: copy(existing) });
    this.records.set(id, copy(record));
    return Promise.resolve({ created: true, record: copy(record) });
  }

  complete(partnerId: string, record: IdempotencyRecord): Promise<void> {
    this.records.set(idempotencyKeyOf(partnerId, record.key), copy(record));
    return Promise.resolve();
  }

  release(partnerId: string, key: string): Promise<void> {
    const id = idempotencyKeyOf(partnerId, key);
    // A record that already holds an answer is kept.
    if (!this.records.get(id)?.response) this.records.delete(id);
    return Promise.resolve();
  }
}

/**
 * The invitation workflow port without a durable engine: remembers which instances were started
 * and which cancellations were raised, so a caller (or a test) can see what the use case asked for.
 */
export class MemoryInvitationWorkflow implements InvitationWorkflow {
  readonly started = new Map<string, { invitationId: string; partnerId: string }>();
  readonly cancellations: { invitationId: string; by: Actor }[] = [];
  readonly decisions: { invitationId: string; decision: CustomerDecision; by: Actor }[] = [];

  start(input: { invitationId: string; partnerId: string }): Promise<void> {
    if (!this.started.has(input.invitationId)) this.started.set(input.invitationId, { ...input });
    return Promise.resolve();
  }

  raisePartnerCancelled(invitationId: string, event: { by: Actor }): Promise<void> {
    this.cancellations.push({ invitationId, by: copy(event.by) });
    return Promise.resolve();
  }

  raiseCustomerDecision(
    invitationId: string,
    event: { decision: CustomerDecision; by: Actor },
  ): Promise<void> {
    this.decisions.push({ invitationId, decision: event.decision, by: copy(event.by) });
    return Promise.resolve();
  }
}

/** Pages a sorted list with the keyset cursor above (`before(a, b) > 0` when b comes after a). */
function pageOf<T extends PageCursor>(
  sorted: T[],
  order: (a: PageCursor, b: PageCursor) => number,
  query: { limit: number; continuationToken?: string },
): Page<T> {
  const after = query.continuationToken ? cursorToken.decode(query.continuationToken) : undefined;
  const start = after ? sorted.findIndex((i) => order(i, after) > 0) : 0;
  const rest = start < 0 ? [] : sorted.slice(start);
  const items = rest.slice(0, query.limit).map(copy);
  const last = items[items.length - 1];
  return rest.length > items.length && last
    ? { items, continuationToken: cursorToken.encode({ createdAt: last.createdAt, id: last.id }) }
    : { items };
}

/** Oldest first, as the subscription list query orders them; the id breaks ties. */
function oldestFirst(a: PageCursor, b: PageCursor): number {
  return -newestFirst(a, b);
}

const settle = <T>(work: () => T): Promise<T> => {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
};

/** The term-end index and the sweep checkpoint; the subscription twin writes the entries. */
export class MemoryTermEndSchedule implements TermEndSchedule {
  /** By entry id (the ids are unique across days, as they include the kind and term end). */
  readonly entries = new Map<string, TermEndIndexEntry>();
  private checkpoint: Stored<SweepCheckpoint> | undefined;

  put(entry: TermEndIndexEntry): void {
    this.entries.set(entry.id, copy(entry));
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  page(day: string, query: { limit: number; continuationToken?: string }): Promise<Page<TermEndIndexEntry>> {
    return settle(() => {
      const offset = query.continuationToken ? offsetToken.decode(query.continuationToken).offset : 0;
      const all = [...this.entries.values()]
        .filter((e) => e.day === day)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const items = all.slice(offset, offset + query.limit).map(copy);
      const next = offset + items.length;
      return next < all.length
        ? { items, continuationToken: offsetToken.encode({ offset: next }) }
        : { items };
    });
  }

  readCheckpoint(): Promise<Versioned<SweepCheckpoint> | undefined> {
    return Promise.resolve(this.checkpoint ? versioned(this.checkpoint) : undefined);
  }

  writeCheckpoint(checkpoint: SweepCheckpoint, etag?: string): Promise<Versioned<SweepCheckpoint>> {
    return settle(() => {
      if (etag === undefined ? this.checkpoint !== undefined : this.checkpoint?.etag !== etag) {
        throw new ConcurrencyConflict("The sweep checkpoint");
      }
      this.checkpoint = { value: copy(checkpoint), etag: nextEtag() };
      return versioned(this.checkpoint);
    });
  }
}

const offsetToken = pageToken(z.object({ offset: z.number().int().min(0) }).strict());

export class MemorySubscriptionRepository implements SubscriptionRepository {
  /** By customer, partner and id, like the Cosmos document id. */
  private readonly subscriptions = new Map<string, Stored<Subscription>>();

  constructor(readonly schedule: MemoryTermEndSchedule = new MemoryTermEndSchedule()) {}

  private key = (partnerId: string, customerTenantId: string, id: string): string =>
    `${customerTenantId}\u001f${partnerId}\u001f${id}`;

  private keyOf = (s: Subscription): string => this.key(s.partnerId, s.customerTenantId, s.id);

  private store(subscription: Subscription): Versioned<Subscription> {
    const next = { value: copy(subscription), etag: nextEtag() };
    this.subscriptions.set(this.keyOf(subscription), next);
    return versioned(next);
  }

  private moveEntries(before: Subscription | undefined, after: Subscription | undefined): void {
    const keep = new Set(after ? termEndIndexEntries(after).map((e) => e.id) : []);
    if (after) for (const entry of termEndIndexEntries(after)) this.schedule.put(entry);
    if (before)
      for (const entry of termEndIndexEntries(before))
        if (!keep.has(entry.id)) this.schedule.delete(entry.id);
  }

  create(subscription: Subscription): Promise<Versioned<Subscription>> {
    return settle(() => {
      if (this.subscriptions.has(this.keyOf(subscription))) throw new SubscriptionExists(subscription.id);
      this.moveEntries(undefined, subscription);
      return this.store(subscription);
    });
  }

  createMany(customerTenantId: string, subscriptions: Subscription[]): Promise<void> {
    return settle(() => {
      if (subscriptions.some((s) => s.customerTenantId !== customerTenantId)) {
        throw new Error("Every subscription of one import must belong to the same customer.");
      }
      // All or none: every check before any write.
      const seen = new Set<string>();
      for (const s of subscriptions) {
        if (this.subscriptions.has(this.keyOf(s)) || seen.has(this.keyOf(s)))
          throw new SubscriptionExists(s.id);
        seen.add(this.keyOf(s));
      }
      for (const s of subscriptions) {
        this.moveEntries(undefined, s);
        this.store(s);
      }
    });
  }

  get(partnerId: string, customerTenantId: string, id: string): Promise<Versioned<Subscription> | undefined> {
    const stored = this.subscriptions.get(this.key(partnerId, customerTenantId, id));
    return Promise.resolve(stored ? versioned(stored) : undefined);
  }

  list(
    partnerId: string,
    customerTenantId: string,
    query: { limit: number; continuationToken?: string },
  ): Promise<Page<Subscription>> {
    return settle(() => {
      const mine = [...this.subscriptions.values()]
        .map((s) => s.value)
        .filter((s) => s.partnerId === partnerId && s.customerTenantId === customerTenantId)
        .sort(oldestFirst);
      return pageOf(mine, oldestFirst, query);
    });
  }

  replace(subscription: Subscription, etag: string): Promise<Versioned<Subscription>> {
    return settle(() => {
      const stored = this.subscriptions.get(this.keyOf(subscription));
      if (!stored || stored.etag !== etag) throw new ConcurrencyConflict(`Subscription ${subscription.id}`);
      if (stored.value.termEnd !== subscription.termEnd) this.moveEntries(stored.value, subscription);
      return this.store(subscription);
    });
  }
}

export class MemoryMigrationRepository implements MigrationRepository {
  /** By partner, then id, as in the partner's Cosmos partition. */
  private readonly migrations = new Map<string, Stored<Migration>>();
  private readonly approvalLookups = new Map<
    string,
    { partnerId: string; migrationId: string; party: ApprovalParty }
  >();

  /** Answer intents by migration and party, stored with the answer (as in one Cosmos batch). */
  private readonly answerIntents = new Map<string, AnswerIntent>();

  private key = (partnerId: string, id: string): string => `${partnerId}\u001f${id}`;

  async replaceWithAnswerIntent(
    migration: Migration,
    etag: string,
    party: ApprovalParty,
  ): Promise<Versioned<Migration>> {
    const replaced = await this.replace(migration, etag);
    this.answerIntents.set(this.key(migration.id, party), {
      partnerId: migration.partnerId,
      migrationId: migration.id,
      party,
      createdAt: migration.updatedAt,
    });
    return replaced;
  }

  pendingAnswers(limit: number): Promise<AnswerIntent[]> {
    return Promise.resolve(oldestIntents(this.answerIntents.values(), limit));
  }

  settleAnswer(intent: Omit<AnswerIntent, "createdAt">): Promise<void> {
    const key = this.key(intent.migrationId, intent.party);
    if (this.answerIntents.get(key)?.partnerId === intent.partnerId) this.answerIntents.delete(key);
    return Promise.resolve();
  }

  create(migration: Migration): Promise<Versioned<Migration>> {
    return settle(() => {
      const key = this.key(migration.partnerId, migration.id);
      if (this.migrations.has(key)) throw new MigrationExists(migration.id);
      const links = migration.approvalLinks;
      if (links) {
        for (const party of ["customer", "currentPartner"] as const) {
          this.approvalLookups.set(links[party].tokenHash, {
            partnerId: migration.partnerId,
            migrationId: migration.id,
            party,
          });
        }
      }
      const next = { value: copy(migration), etag: nextEtag() };
      this.migrations.set(key, next);
      return versioned(next);
    });
  }

  get(partnerId: string, id: string): Promise<Versioned<Migration> | undefined> {
    const stored = this.migrations.get(this.key(partnerId, id));
    return Promise.resolve(stored ? versioned(stored) : undefined);
  }

  replace(migration: Migration, etag: string): Promise<Versioned<Migration>> {
    return settle(() => {
      const key = this.key(migration.partnerId, migration.id);
      const stored = this.migrations.get(key);
      if (!stored || stored.etag !== etag) throw new ConcurrencyConflict(`Migration ${migration.id}`);
      const next = { value: copy(migration), etag: nextEtag() };
      this.migrations.set(key, next);
      return versioned(next);
    });
  }

  async findByApprovalTokenHash(
    tokenHash: string,
  ): Promise<{ migration: Versioned<Migration>; party: ApprovalParty } | undefined> {
    const lookup = this.approvalLookups.get(tokenHash);
    if (!lookup) return undefined;
    const found = await this.get(lookup.partnerId, lookup.migrationId);
    if (!found || found.value.approvalLinks?.[lookup.party].tokenHash !== tokenHash) return undefined;
    return { migration: found, party: lookup.party };
  }

  listForCustomer(partnerId: string, customerTenantId: string): Promise<Migration[]> {
    return Promise.resolve(
      [...this.migrations.values()]
        .map((s) => s.value)
        .filter((m) => m.partnerId === partnerId && m.customerTenantId === customerTenantId)
        .sort(newestFirst)
        .map(copy),
    );
  }

  list(
    partnerId: string,
    query: { status?: MigrationStatus; customerTenantId?: string; limit: number; continuationToken?: string },
  ): Promise<Page<Migration>> {
    return settle(() => {
      const matching = [...this.migrations.values()]
        .map((s) => s.value)
        .filter(
          (m) =>
            m.partnerId === partnerId &&
            (query.status === undefined || m.status === query.status) &&
            (query.customerTenantId === undefined || m.customerTenantId === query.customerTenantId),
        )
        .sort(newestFirst);
      return pageOf(matching, newestFirst, query);
    });
  }
}

/** The commerce port in memory: each call recorded once by order id, as LocalCommerce does in Cosmos. */
export class MemoryCommerce implements CommercePort {
  readonly orders = new Map<string, { kind: string; request: Record<string, unknown> }>();

  private record(orderId: string, kind: string, request: Record<string, unknown>): void {
    if (!this.orders.has(orderId)) this.orders.set(orderId, { kind, request: copy(request) });
  }

  createCspSubscription(order: Parameters<CommercePort["createCspSubscription"]>[0]) {
    this.record(order.orderId, "createCspSubscription", order);
    return Promise.resolve({ subscriptionId: cspSubscriptionIdFor(order.orderId) });
  }

  cancelAtSource(request: Parameters<CommercePort["cancelAtSource"]>[0]): Promise<void> {
    this.record(request.orderId, "cancelAtSource", request);
    return Promise.resolve();
  }

  transferPartnerOfRecord(request: Parameters<CommercePort["transferPartnerOfRecord"]>[0]): Promise<void> {
    this.record(request.orderId, "transferPartnerOfRecord", request);
    return Promise.resolve();
  }
}

/** The migration orchestrations without a durable engine: remembers what was started and signalled. */
export class MemoryMigrationWorkflows implements MigrationWorkflows {
  readonly started = new Map<string, Pick<Migration, "id" | "partnerId" | "strategy">>();
  readonly signals: { migrationId: string; signal: MigrationSignal }[] = [];

  start(migration: Pick<Migration, "id" | "partnerId" | "strategy">): Promise<void> {
    if (!this.started.has(migration.id)) {
      this.started.set(migration.id, {
        id: migration.id,
        partnerId: migration.partnerId,
        strategy: migration.strategy,
      });
    }
    return Promise.resolve();
  }

  signal(migrationId: string, signal: MigrationSignal): Promise<void> {
    this.signals.push({ migrationId, signal: copy(signal) });
    return Promise.resolve();
  }
}

export interface MemoryPorts {
  partners: MemoryPartnerRepository;
  invitations: MemoryInvitationRepository;
  relationships: MemoryRelationshipRepository;
  audit: MemoryAuditLog;
  idempotency: MemoryIdempotencyStore;
  subscriptions: MemorySubscriptionRepository;
  schedule: MemoryTermEndSchedule;
  migrations: MemoryMigrationRepository;
  /** No tenant's cloud is known unless a test names it (R12). */
  tenants: TenantDirectory;
}

/** A fresh, empty set of persistence ports. */
export function memoryPorts(): MemoryPorts {
  const schedule = new MemoryTermEndSchedule();
  const audit = new MemoryAuditLog();
  return {
    partners: new MemoryPartnerRepository(),
    invitations: new MemoryInvitationRepository(audit),
    relationships: new MemoryRelationshipRepository(),
    audit,
    idempotency: new MemoryIdempotencyStore(),
    subscriptions: new MemorySubscriptionRepository(schedule),
    schedule,
    migrations: new MemoryMigrationRepository(),
    tenants: devTenantDirectory(new Map()),
  };
}
