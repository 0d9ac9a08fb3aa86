import { createHash } from "node:crypto";
import { z } from "zod";
import {
  ConcurrencyConflict,
  CreationWindowFull,
  InvalidContinuationToken,
  type AuditLog,
  type CreationWindow,
  type IdempotencyRecord,
  type IdempotencyStore,
  type InvitationRepository,
  type InvitationWorkflow,
  type Page,
  type PartnerRelationshipQuery,
  type PartnerRepository,
  type RelationshipRepository,
  type Versioned,
} from "../../application/ports";
import type {
  Actor,
  AuditRecord,
  Invitation,
  InvitationStatus,
  Partner,
  Relationship,
} from "../../domain/model";

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
}

/** Keyset paging: the token names the last item returned, so items stored meanwhile never shift a page. */
const pageCursorSchema = z.object({ createdAt: z.string(), id: z.string() }).strict();
type PageCursor = z.infer<typeof pageCursorSchema>;

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

function decodeCursor(token: string): PageCursor {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw new InvalidContinuationToken();
  try {
    return pageCursorSchema.parse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
  } catch {
    throw new InvalidContinuationToken();
  }
}

/** Newest first, as the Cosmos query orders them; the id breaks ties so paging is total. */
function newestFirst(a: PageCursor, b: PageCursor): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class MemoryInvitationRepository implements InvitationRepository {
  /** By partner, then id: another partner's id is simply absent, as in its own Cosmos partition. */
  private readonly invitations = new Map<string, Map<string, Stored<Invitation>>>();
  private readonly tokenLookups = new Map<string, { partnerId: string; invitationId: string }>();
  private readonly windows = new Map<string, number>();

  private partition(partnerId: string): Map<string, Stored<Invitation>> {
    let partition = this.invitations.get(partnerId);
    if (!partition) {
      partition = new Map();
      this.invitations.set(partnerId, partition);
    }
    return partition;
  }

  create(invitation: Invitation, window?: CreationWindow): Promise<void> {
    const partition = this.partition(invitation.partnerId);
    // Idempotent: a retry of the same creation finds the first one stored (and not counted again).
    if (partition.has(invitation.id)) return Promise.resolve();
    if (window) {
      const key = `${invitation.partnerId}\u001f${window.start}`;
      const count = this.windows.get(key) ?? 0;
      if (count >= window.limit) return Promise.reject(new CreationWindowFull());
      this.windows.set(key, count + 1);
    }
    this.tokenLookups.set(invitation.tokenHash, {
      partnerId: invitation.partnerId,
      invitationId: invitation.id,
    });
    partition.set(invitation.id, { value: copy(invitation), etag: nextEtag() });
    return Promise.resolve();
  }

  countInWindow(partnerId: string, windowStart: string): Promise<number> {
    return Promise.resolve(this.windows.get(`${partnerId}\u001f${windowStart}`) ?? 0);
  }

  get(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined> {
    const stored = this.invitations.get(partnerId)?.get(id);
    return Promise.resolve(stored ? versioned(stored) : undefined);
  }

  async findByTokenHash(tokenHash: string): Promise<Versioned<Invitation> | undefined> {
    const lookup = this.tokenLookups.get(tokenHash);
    if (!lookup) return undefined;
    const found = await this.get(lookup.partnerId, lookup.invitationId);
    // The stored invitation is the authority on its own token.
    return found && found.value.tokenHash === tokenHash ? found : undefined;
  }

  replace(invitation: Invitation, etag: string): Promise<Versioned<Invitation>> {
    const partition = this.invitations.get(invitation.partnerId);
    const stored = partition?.get(invitation.id);
    if (!partition || !stored || stored.etag !== etag) {
      return Promise.reject(new ConcurrencyConflict(`Invitation ${invitation.id}`));
    }
    const next = { value: copy(invitation), etag: nextEtag() };
    partition.set(invitation.id, next);
    return Promise.resolve(versioned(next));
  }

  list(
    partnerId: string,
    query: { status?: InvitationStatus; limit: number; continuationToken?: string },
  ): Promise<Page<Invitation>> {
    let after: PageCursor | undefined;
    try {
      after = query.continuationToken ? decodeCursor(query.continuationToken) : undefined;
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
        ? { items, continuationToken: encodeCursor({ createdAt: last.createdAt, id: last.id }) }
        : { items },
    );
  }

  remove(partnerId: string, id: string): Promise<void> {
    const partition = this.invitations.get(partnerId);
    const stored = partition?.get(id);
    if (!partition || !stored) return Promise.resolve();
    partition.delete(id);
    this.tokenLookups.delete(stored.value.tokenHash);
    return Promise.resolve();
  }
}

export class MemoryRelationshipRepository implements RelationshipRepository {
  private readonly relationships = new Map<string, Stored<Relationship>>();

  createMany(customerTenantId: string, relationships: Relationship[]): Promise<void> {
    if (relationships.some((r) => r.customerTenantId !== customerTenantId)) {
      return Promise.reject(new Error("Every relationship of one batch must belong to the same customer."));
    }
    // All or none (checked above, before any write); a re-run never overwrites one that moved on.
    for (const relationship of relationships) {
      if (!this.relationships.has(relationship.id)) {
        this.relationships.set(relationship.id, { value: copy(relationship), etag: nextEtag() });
      }
    }
    return Promise.resolve();
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

  get(id: string): Promise<Versioned<Relationship> | undefined> {
    const stored = this.relationships.get(id);
    return Promise.resolve(stored ? versioned(stored) : undefined);
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

  start(input: { invitationId: string; partnerId: string }): Promise<void> {
    if (!this.started.has(input.invitationId)) this.started.set(input.invitationId, { ...input });
    return Promise.resolve();
  }

  raisePartnerCancelled(invitationId: string, event: { by: Actor }): Promise<void> {
    this.cancellations.push({ invitationId, by: copy(event.by) });
    return Promise.resolve();
  }
}

export interface MemoryPorts {
  partners: MemoryPartnerRepository;
  invitations: MemoryInvitationRepository;
  relationships: MemoryRelationshipRepository;
  audit: MemoryAuditLog;
  idempotency: MemoryIdempotencyStore;
}

/** A fresh, empty set of persistence ports. */
export function memoryPorts(): MemoryPorts {
  return {
    partners: new MemoryPartnerRepository(),
    invitations: new MemoryInvitationRepository(),
    relationships: new MemoryRelationshipRepository(),
    audit: new MemoryAuditLog(),
    idempotency: new MemoryIdempotencyStore(),
  };
}
