import type { Actor } from "../../domain/model";
import type { ApprovalParty } from "../../domain/subscriptions/migration";
import type { Migration, MigrationStatus, Subscription } from "../../domain/subscriptions/model";
import type { SweepCheckpoint, TermEndIndexEntry } from "../../domain/subscriptions/sweep";
import type { Page, Versioned } from "../ports";

/**
 * What the subscription and migration use cases need from the outside world. Cosmos adapters live in
 * src/adapters/cosmos, in-memory twins in src/adapters/memory (held to the same contract test).
 * Layout: docs/migrations.md ("Cosmos layout").
 */

/** A registration of an id this partner already registered for the customer (409). */
export class SubscriptionExists extends Error {
  constructor(readonly subscriptionId: string) {
    super(`Subscription ${subscriptionId} is already registered.`);
    this.name = "SubscriptionExists";
  }
}

export interface SubscriptionRepository {
  /**
   * Stores a new subscription and its term-end index entries (entries first: an entry without its
   * subscription reads as nothing). SubscriptionExists when the partner registered the id already.
   */
  create(subscription: Subscription): Promise<Versioned<Subscription>>;
  /** All or nothing (the bulk import): every subscription with its index entries, or none. */
  createMany(customerTenantId: string, subscriptions: Subscription[]): Promise<void>;
  /** Scoped to the registering partner: another partner's subscription reads as undefined (R10). */
  get(partnerId: string, customerTenantId: string, id: string): Promise<Versioned<Subscription> | undefined>;
  list(
    partnerId: string,
    customerTenantId: string,
    query: { limit: number; continuationToken?: string },
  ): Promise<Page<Subscription>>;
  /**
   * Conditional on the ETag (ConcurrencyConflict otherwise). When the term end changes, the new index
   * entries are written and the old ones removed.
   */
  replace(subscription: Subscription, etag: string): Promise<Versioned<Subscription>>;
}

/** The due-day index the term-end sweep reads (container `schedule`, partition = day). */
export interface TermEndSchedule {
  /** One single-partition page of a day's entries. */
  page(day: string, query: { limit: number; continuationToken?: string }): Promise<Page<TermEndIndexEntry>>;
  readCheckpoint(): Promise<Versioned<SweepCheckpoint> | undefined>;
  /** Create (no etag) or conditional replace; ConcurrencyConflict when another run wrote first. */
  writeCheckpoint(checkpoint: SweepCheckpoint, etag?: string): Promise<Versioned<SweepCheckpoint>>;
}

/** A migration with this id exists already (the deterministic id of a running one: 409 naming it). */
export class MigrationExists extends Error {
  constructor(readonly migrationId: string) {
    super(`Migration ${migrationId} exists already.`);
    this.name = "MigrationExists";
  }
}

/** "This migration's orchestration must hear this party's answer": written atomically with the answer. */
export interface AnswerIntent {
  partnerId: string;
  migrationId: string;
  party: ApprovalParty;
  createdAt: string;
}

export interface MigrationRepository {
  /** MigrationExists when the id is taken. */
  create(migration: Migration): Promise<Versioned<Migration>>;
  /** Scoped to the migrating partner: another partner's id reads as undefined. */
  get(partnerId: string, id: string): Promise<Versioned<Migration> | undefined>;
  replace(migration: Migration, etag: string): Promise<Versioned<Migration>>;
  /**
   * R19, one party's answer: `replace`, and in the same atomic write an answer intent ("tell the
   * orchestration"), so a host that dies before the approval signal is raised leaves the intent
   * behind for the recovery sweep (application/event-intents.ts). One intent per party: two answers
   * in flight never settle each other's.
   */
  replaceWithAnswerIntent(
    migration: Migration,
    etag: string,
    party: ApprovalParty,
  ): Promise<Versioned<Migration>>;
  /** Answer intents not yet settled (any age: signalling an answer twice is harmless). At most `limit`, oldest first. */
  pendingAnswers(limit: number): Promise<AnswerIntent[]>;
  /** The orchestration was told (or has nobody left to tell): forgets the answer intent (idempotent). */
  settleAnswer(intent: Omit<AnswerIntent, "createdAt">): Promise<void>;
  /** partnerSwitch: the migration whose approval link carries this token hash, and for which party. */
  findByApprovalTokenHash(
    tokenHash: string,
  ): Promise<{ migration: Versioned<Migration>; party: ApprovalParty } | undefined>;
  /** The partner's migrations of one customer (the plan keeps the latest per subscription). */
  listForCustomer(partnerId: string, customerTenantId: string): Promise<Migration[]>;
  list(
    partnerId: string,
    query: { status?: MigrationStatus; customerTenantId?: string; limit: number; continuationToken?: string },
  ): Promise<Page<Migration>>;
}

/**
 * The commerce API that provisions CSP subscriptions and changes the partner of record. It has no
 * public sandbox: its local implementation records each call in Cosmos and is the project's only
 * test double. Every call is idempotent by `orderId` (derive it from the migration id and step).
 */
export interface CommercePort {
  createCspSubscription(order: {
    orderId: string;
    partnerId: string;
    customerTenantId: string;
    offer: string;
    seats?: number;
    sourceSubscriptionId: string;
  }): Promise<{ subscriptionId: string }>;
  /** Records the cancellation at the source of a whole subscription or of one of its services. */
  cancelAtSource(request: {
    orderId: string;
    customerTenantId: string;
    sourceSubscriptionId: string;
    serviceId?: string;
  }): Promise<void>;
  transferPartnerOfRecord(request: {
    orderId: string;
    customerTenantId: string;
    subscriptionId: string;
    fromPartnerId: string;
    toPartnerId: string;
  }): Promise<void>;
}

/** What may wake a running migration; the orchestration re-reads its documents and decides. */
export type MigrationSignal =
  | { kind: "termEndChanged"; termEnd: string }
  | { kind: "cancelledAtSource" }
  | { kind: "serviceMoved"; serviceId: string }
  | { kind: "approval"; party: ApprovalParty; decision: "approved" | "declined" }
  | { kind: "cancelled"; by: Actor }
  | { kind: "termEndDue" };

/** The migration orchestrations as the use cases drive them (a durable client underneath). */
export interface MigrationWorkflows {
  /** Starts the strategy's orchestration with instance id = migration id; a no-op if it exists. */
  start(migration: Pick<Migration, "id" | "partnerId" | "strategy">): Promise<void>;
  /** Raises the signal; a finished or unknown instance is ignored (the documents are the truth). */
  signal(migrationId: string, signal: MigrationSignal): Promise<void>;
}
