import { DomainError } from "../domain/errors";
import type {
  Actor,
  AuditRecord,
  Cloud,
  CustomerDecision,
  Invitation,
  InvitationStatus,
  Partner,
  Relationship,
} from "../domain/model";

/** What the application needs from the outside world; adapters implement these. */

export interface Clock {
  now(): Date;
}

/**
 * Which cloud a customer tenant lives in, from the tenant's own public directory entry (R12), never
 * from what other partners know of it: a refusal must not tell a partner that someone else serves
 * the customer. Undefined when the directory cannot tell (unknown tenant, directory unreachable).
 */
export interface TenantDirectory {
  cloudOf(tenantId: string): Promise<Cloud | undefined>;
}

export interface OutgoingEmail {
  to: string[];
  subject: string;
  html: string;
  text: string;
}

export interface EmailSender {
  /**
   * Sends one message. `operationId` makes a retried send a no-op at the email service, so an
   * activity that runs twice sends once; derive it from the orchestration instance and step.
   */
  send(email: OutgoingEmail, operationId: string): Promise<void>;
}

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

// ---- Persistence ports (Cosmos DB adapters implement them in src/adapters/cosmos) ----

/** A stored value and the ETag that a conditional replace must present. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** A conditional write lost a race (ETag mismatch); the caller re-reads and decides again. */
export class ConcurrencyConflict extends Error {
  constructor(what: string) {
    super(`${what} was changed concurrently.`);
    this.name = "ConcurrencyConflict";
  }
}

/**
 * A paging token the store did not issue (tampered, truncated, from another query). A refusal of
 * the request itself, so the one problem mapper answers 422 naming `continuationToken`.
 */
export class InvalidContinuationToken extends DomainError {
  constructor() {
    super("invalid", "The continuation token is not valid.", {
      reason: "invalidContinuationToken",
      errors: [{ field: "continuationToken", message: "is not valid" }],
    });
    this.name = "InvalidContinuationToken";
  }
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

export interface PartnerRepository {
  get(id: string): Promise<Partner | undefined>;
  /** Creates or replaces; tells which. */
  put(partner: Partner): Promise<{ created: boolean; partner: Partner }>;
  /** Ids of the indirect resellers attached to a provider (an operator-only, cross-partition query). */
  resellerIdsOf(providerId: string): Promise<string[]>;
  /**
   * Is this (customer's) tenant an enrolled partner, and which (R11 and the cloud checks)? Unlike
   * `get`, which authenticates partners, it may answer "no" from the set of enrolled ids as recently
   * as a cache allows (CachedPartnerRepository), without a read per tenant asked about.
   */
  findEnrolled(tenantId: string): Promise<Partner | undefined>;
  /** Every enrolled partner's id: a cross-partition query, for that set. */
  enrolledIds(): Promise<string[]>;
}

/**
 * A per-partner creation window (fixed, e.g. one minute): a creation stored under it counts once,
 * atomically with the invitation; a full window refuses it before anything is stored.
 */
export interface CreationWindow {
  /** Start of the window (ISO); names the counter, so each window counts from zero. */
  start: string;
  limit: number;
  /** How long the counter outlives its window before the store may drop it. */
  ttlSeconds: number;
}

/** The partner's creation window is full; nothing was stored. */
export class CreationWindowFull extends Error {
  constructor() {
    super("The creation window is full.");
    this.name = "CreationWindowFull";
  }
}

export interface InvitationRepository {
  /**
   * Stores the invitation, its start intent and the `audit` records together, idempotently.
   * With a window, the invitation is counted in it in the same write, or refused with
   * CreationWindowFull and nothing stored.
   */
  create(invitation: Invitation, window?: CreationWindow, also?: { audit?: AuditRecord[] }): Promise<void>;
  /** Creations counted so far in the partner's window (0 when none). */
  countInWindow(partnerId: string, windowStart: string): Promise<number>;
  /** Scoped to the owning partner: another partner's id reads as undefined. */
  get(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined>;
  /**
   * As `get`, and settles the start intent in the same request: the caller is the orchestration
   * the intent was there to start. A start intent already gone is no error (a re-run, a sweep).
   */
  getSettlingStart(partnerId: string, id: string): Promise<Versioned<Invitation> | undefined>;
  /**
   * Conditional on the ETag; throws ConcurrencyConflict when someone else wrote first. `audit`:
   * the records of this change (in the invitation's partner's trail), stored in the same atomic
   * write, so a change and its record exist together or not at all, at the cost of one request.
   * `settleDecision`: the change carries out the customer's decision, so its decision intent is
   * done with, and is settled in the same write (one already gone is no error).
   */
  replace(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[]; relationshipIndex?: Relationship[]; settleDecision?: boolean },
  ): Promise<Versioned<Invitation>>;
  list(
    partnerId: string,
    query: { status?: InvitationStatus; limit: number; continuationToken?: string },
  ): Promise<Page<Invitation>>;
  /**
   * Compensation only: removes an invitation whose workflow never started, its start intent, and
   * the audit records (`auditIds`) stored with it.
   */
  remove(partnerId: string, id: string, also?: { auditIds?: string[] }): Promise<void>;
  /**
   * Start intents stored (with `create`, in the same atomic write) before `before` (ISO) and not yet
   * settled: invitations whose orchestration may not have started. At most `limit`, oldest first.
   */
  pendingStarts(before: string, limit: number): Promise<StartIntent[]>;
  /**
   * The orchestration of this invitation is known to exist: forgets its start intent (idempotent).
   * `audit`: records (in the partner's trail) written in the same request; also when no intent is left.
   */
  settleStart(partnerId: string, invitationId: string, also?: { audit?: AuditRecord[] }): Promise<void>;
  /**
   * The customer's decision: `replace`, and in the same atomic write a decision intent ("tell the
   * orchestration"), so a host that dies before the event is raised leaves the intent behind.
   * `audit`: records of the decision (in the partner's trail), in the same write.
   */
  replaceWithDecisionIntent(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[]; relationshipIndex?: Relationship[] },
  ): Promise<Versioned<Invitation>>;
  /** Decision intents not yet settled (any age: raising a decision twice is harmless). At most `limit`, oldest first. */
  pendingDecisions(limit: number): Promise<DecisionIntent[]>;
  /** The orchestration was told (or has nobody left to tell): forgets the decision intent (idempotent). */
  settleDecision(partnerId: string, invitationId: string): Promise<void>;
}

/** "This invitation's orchestration must be started": written atomically with the invitation. */
export interface StartIntent {
  partnerId: string;
  invitationId: string;
  createdAt: string;
}

/** "This invitation's orchestration must hear the customer's decision": written atomically with the decision. */
export type DecisionIntent = StartIntent;

/** Where a relationship is looked for: its customer's, or a partner party to it (partner or indirect reseller). */
export type RelationshipScope = { customerTenantId: string } | { partnerId: string };

export interface CreatedRelationships {
  /** Index copies left to the caller's own write in that partner's partition (`deferIndexOf`). */
  deferred: Relationship[];
  /** This call created every one of them, as given: none existed before (not a re-run's find). */
  fresh: boolean;
}

export interface RelationshipRepository {
  /**
   * All of one customer's new relationships in one transactional batch; re-running with the same ids
   * is a no-op. `deferIndexOf`: that partner's index copies are left to the caller, who writes
   * them with its own write to that partner's partition (InvitationRepository.replace's
   * `relationshipIndex`); `deferred` says which (none when a re-run found them stored and indexed).
   */
  createMany(
    customerTenantId: string,
    relationships: Relationship[],
    options?: { deferIndexOf?: string },
  ): Promise<CreatedRelationships>;
  listForCustomer(customerTenantId: string): Promise<Relationship[]>;
  /**
   * By id, where the caller may look: in the customer's partition (one point read), or among the
   * relationships a partner is party to (its index copy names the customer, then that point read).
   * A relationship outside the scope reads as undefined, exactly like one that does not exist.
   */
  get(id: string, scope: RelationshipScope): Promise<Versioned<Relationship> | undefined>;
  replace(relationship: Relationship, etag: string): Promise<Versioned<Relationship>>;
  /**
   * One partner's relationships across all its customers (it is the partner or the indirect
   * reseller), newest first, from a per-partner index kept beside each write.
   */
  listForPartner(partnerId: string, query: PartnerRelationshipQuery): Promise<Page<Relationship>>;
}

export interface PartnerRelationshipQuery {
  status?: Relationship["status"];
  type?: Relationship["type"];
  /** ISO instant: only relationships whose end date lies before it. */
  expiringBefore?: string;
  limit: number;
  continuationToken?: string;
}

export interface AuditLog {
  record(entry: AuditRecord): Promise<void>;
  listFor(partnerId: string, resourceId: string): Promise<AuditRecord[]>;
}

/** What an `Idempotency-Key` remembers: the request it was first used with and, once done, the answer. */
export interface IdempotencyRecord {
  key: string;
  /** sha256 of the canonical request body: the same key with another body is refused. */
  requestHash: string;
  /** The resource the first request creates; a retry finishes creating that one, never another. */
  resourceId: string;
  response?: { status: number; body: unknown; location?: string };
  createdAt: string;
}

export interface IdempotencyStore {
  get(partnerId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Records the key for this partner unless it is already known; returns the stored record either way. */
  claim(
    partnerId: string,
    record: IdempotencyRecord,
  ): Promise<{ created: boolean; record: IdempotencyRecord }>;
  complete(partnerId: string, record: IdempotencyRecord): Promise<void>;
  /**
   * Forgets a claim whose request was refused before it stored anything (so a refusal leaves no
   * trace); a record that already holds an answer is kept.
   */
  release(partnerId: string, key: string): Promise<void>;
}

/** The invitation's orchestration as the partner API drives it (a durable client underneath). */
export interface InvitationWorkflow {
  /**
   * Starts the orchestration whose instance id is the invitation id; a no-op if that instance exists.
   * `fresh`: the id was generated by this request, so no instance can exist and none is looked for.
   */
  start(
    input: {
      invitationId: string;
      partnerId: string;
      createdAt?: string;
      expiresAt?: string;
      outcomeFromEvents?: true;
    },
    options?: { fresh?: boolean },
  ): Promise<void>;
  /** Tells the orchestration the partner cancelled (the document already says so). */
  raisePartnerCancelled(invitationId: string, event: { by: Actor }): Promise<void>;
  /**
   * Tells the orchestration the customer decided (the document already says so); a no-op for an
   * instance that is missing or finished.
   */
  raiseCustomerDecision(
    invitationId: string,
    event: { decision: CustomerDecision; by: Actor },
  ): Promise<void>;
}
