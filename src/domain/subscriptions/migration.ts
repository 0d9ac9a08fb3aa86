import { refuse } from "../errors";
import {
  PARTNER_SWITCH_EXPIRY_DAYS,
  isTerminalMigrationStatus,
  type ApprovalStatus,
  type Migration,
  type MigrationStatus,
  type MigrationStrategy,
  type Subscription,
  type SubscriptionStatus,
} from "./model";

/**
 * A migration's state transitions, pure: the use cases and activities apply them to the stored
 * document (replace with If-Match) and the orchestrations decide from their results. Each repeated
 * request is a no-op (`unchanged`), so retried HTTP calls and replayed activities store nothing twice.
 */

const DAY_MS = 86_400_000;

export function initialMigrationStatus(strategy: MigrationStrategy): MigrationStatus {
  switch (strategy) {
    case "atTermEnd":
      return "scheduled";
    case "newAzureSubscription":
      return "waitingForServices";
    case "partnerSwitch":
      return "awaitingApproval";
  }
}

export interface NewMigration {
  id: string;
  attempt: number;
  partnerId: string;
  subscription: Pick<Subscription, "id" | "customerTenantId" | "services">;
  strategy: MigrationStrategy;
  /** atTermEnd: the term end it waits for (canStartMigration's notBefore). */
  notBefore?: string | undefined;
  keepSource?: boolean | undefined;
  now: Date;
}

export function newMigration(input: NewMigration): Migration {
  const now = input.now.toISOString();
  const migration: Migration = {
    id: input.id,
    partnerId: input.partnerId,
    customerTenantId: input.subscription.customerTenantId,
    subscriptionId: input.subscription.id,
    strategy: input.strategy,
    status: initialMigrationStatus(input.strategy),
    keepSource: input.keepSource ?? false,
    attempt: input.attempt,
    createdAt: now,
    updatedAt: now,
  };
  if (input.strategy === "atTermEnd" && input.notBefore !== undefined) migration.notBefore = input.notBefore;
  if (input.strategy === "newAzureSubscription") {
    migration.services = (input.subscription.services ?? []).map((s) => ({ id: s.id, status: "pending" }));
  }
  if (input.strategy === "partnerSwitch") {
    migration.approvals = { customer: "pending", currentPartner: "pending" };
    migration.expiresAt = new Date(input.now.getTime() + PARTNER_SWITCH_EXPIRY_DAYS * DAY_MS).toISOString();
  }
  return migration;
}

export interface Transition {
  migration: Migration;
  /** Nothing changed (a repeated request): store nothing, signal nothing. */
  unchanged: boolean;
}

const touch = (migration: Migration, now: Date, changes: Partial<Migration>): Transition => ({
  migration: { ...migration, ...changes, updatedAt: now.toISOString() },
  unchanged: false,
});

/** `POST /api/migrations/{id}/cancel`: stops any migration not completed; 409 once completed. */
export function cancelMigration(migration: Migration, now: Date): Transition {
  if (migration.status === "completed") {
    throw refuse.conflict("The migration is completed and can no longer be cancelled.");
  }
  if (isTerminalMigrationStatus(migration.status)) return { migration, unchanged: true };
  if (migration.movingSince !== undefined) {
    throw refuse.conflict(
      "The move is under way (the CSP subscription is being ordered, or the source cancelled); it can no longer be cancelled.",
    );
  }
  return touch(migration, now, { status: "cancelled" });
}

/**
 * R17: the term end came (or the source was cancelled): the move begins. From here a cancellation is
 * refused, so the CSP order placed next never belongs to a cancelled migration.
 */
export function beginMove(migration: Migration, now: Date): Transition {
  if (isTerminalMigrationStatus(migration.status) || migration.movingSince !== undefined) {
    return { migration, unchanged: true };
  }
  return touch(migration, now, { movingSince: now.toISOString() });
}

/**
 * R18 `POST /api/migrations/{id}/services/{serviceId}/moved`. `allMoved` tells the workflow that the
 * whole source may now be cancelled (unless keepSource).
 */
export function confirmServiceMoved(
  migration: Migration,
  serviceId: string,
  now: Date,
): Transition & { allMoved: boolean } {
  if (migration.strategy !== "newAzureSubscription") {
    throw refuse.conflict("Only a move to a new Azure subscription confirms services one by one.", "R18");
  }
  const services = migration.services ?? [];
  const service = services.find((s) => s.id === serviceId);
  if (!service) throw refuse.notFound("The service");
  const allMovedAfter = (list: typeof services) => list.every((s) => s.status !== "pending");
  if (service.status !== "pending") return { migration, unchanged: true, allMoved: allMovedAfter(services) };
  if (migration.status !== "waitingForServices") {
    throw refuse.conflict(`The migration is ${migration.status}; services are no longer confirmed.`);
  }
  const next = services.map((s) => (s.id === serviceId ? { id: s.id, status: "moved" as const } : s));
  return { ...touch(migration, now, { services: next }), allMoved: allMovedAfter(next) };
}

/** R18: the source has cancelled a confirmed service. */
export function markServiceCancelledAtSource(migration: Migration, serviceId: string, now: Date): Transition {
  const services = migration.services ?? [];
  const service = services.find((s) => s.id === serviceId);
  if (!service || service.status === "cancelledAtSource") return { migration, unchanged: true };
  const next = services.map((s) =>
    s.id === serviceId ? { id: s.id, status: "cancelledAtSource" as const } : s,
  );
  return touch(migration, now, { services: next });
}

export type ApprovalParty = "customer" | "currentPartner";

/**
 * R19: the customer's Global Administrator or the current partner answers. Either decline ends the
 * switch (`declined`); `bothApproved` tells the workflow to change the partner of record. A party
 * answering again the same way is a no-op; changing its answer is a conflict.
 */
export function recordApproval(
  migration: Migration,
  party: ApprovalParty,
  decision: Exclude<ApprovalStatus, "pending">,
  now: Date,
): Transition & { bothApproved: boolean } {
  const approvals = migration.approvals;
  if (migration.strategy !== "partnerSwitch" || !approvals) {
    throw refuse.conflict("Only a switch from another CSP partner is approved.", "R19");
  }
  const bothApproved = (a: typeof approvals) => a.customer === "approved" && a.currentPartner === "approved";
  if (approvals[party] === decision)
    return { migration, unchanged: true, bothApproved: bothApproved(approvals) };
  if (approvals[party] !== "pending") {
    throw refuse.conflict(
      `This switch was already ${approvals[party]} by the ${party === "customer" ? "customer" : "current partner"}.`,
      "R19",
    );
  }
  if (migration.status !== "awaitingApproval") {
    throw refuse.conflict(`The switch is ${migration.status}; it can no longer be answered.`, "R19");
  }
  if (migration.expiresAt !== undefined && now.toISOString() >= migration.expiresAt) {
    throw refuse.gone("The switch request has expired.", "R19");
  }
  const next = { ...approvals, [party]: decision };
  const status: MigrationStatus = decision === "declined" ? "declined" : migration.status;
  return { ...touch(migration, now, { approvals: next, status }), bothApproved: bothApproved(next) };
}

/** R19: an unanswered switch expires 30 days after it was requested. */
export function expireSwitchIfDue(migration: Migration, now: Date): Transition {
  if (
    migration.strategy !== "partnerSwitch" ||
    migration.status !== "awaitingApproval" ||
    migration.expiresAt === undefined ||
    now.toISOString() < migration.expiresAt
  ) {
    return { migration, unchanged: true };
  }
  return touch(migration, now, { status: "expired" });
}

/** R17: the term end it waits for moved (renewal or correction); only a scheduled move follows it. */
export function rescheduleAtTermEnd(migration: Migration, termEnd: string, now: Date): Transition {
  if (migration.status !== "scheduled" || migration.notBefore === termEnd)
    return { migration, unchanged: true };
  return touch(migration, now, { notBefore: termEnd });
}

/** The move is done: the CSP subscription exists (or the switch took effect). */
export function completeMigration(
  migration: Migration,
  now: Date,
  targetSubscriptionId?: string,
): Transition {
  if (migration.status === "completed") return { migration, unchanged: true };
  if (isTerminalMigrationStatus(migration.status)) {
    throw refuse.conflict(`The migration is ${migration.status}; it cannot complete.`);
  }
  const changes: Partial<Migration> = { status: "completed", completedAt: now.toISOString() };
  if (targetSubscriptionId !== undefined) changes.targetSubscriptionId = targetSubscriptionId;
  return touch(migration, now, changes);
}

/**
 * What the subscription's status becomes as its migration's does: `migrating` while it runs,
 * `migrated` once completed, otherwise what it was before (`active`, or `cancelled` if the source
 * was cancelled meanwhile).
 */
export function subscriptionStatusFor(
  migration: Pick<Migration, "status">,
  before: Exclude<SubscriptionStatus, "migrating" | "migrated">,
): SubscriptionStatus {
  if (migration.status === "completed") return "migrated";
  if (!isTerminalMigrationStatus(migration.status)) return "migrating";
  return before;
}
