import { createHash } from "node:crypto";
import { DomainError, refuse, type FieldError, type RuleId } from "../errors";
import type { Cloud, Partner } from "../model";
import {
  isTerminalMigrationStatus,
  type Migration,
  type MigrationStrategy,
  type Subscription,
  type SubscriptionPatch,
  type SubscriptionRegistration,
} from "./model";
import { daysUntil, renewedTermEnd, utcDay } from "./term";

/**
 * R17-R20 as pure functions. The migration plan and the start of a migration share one evaluation
 * (evaluateMigration): canStartMigration refuses exactly when the plan shows a blocker, with the
 * first blocker's rule, so the plan a partner reads never disagrees with what POST /api/migrations
 * does. Inputs are facts the use case looked up; nothing here does I/O or reads the clock.
 */

export type Result<T> = ({ ok: true } & T) | { ok: false; error: DomainError };

/** R17 license (any channel), R18 usage from a non-CSP channel, R19 usage from another CSP partner. */
export function strategyFor(subscription: Pick<Subscription, "billing" | "channel">): {
  strategy: MigrationStrategy;
  rule: RuleId;
} {
  if (subscription.billing === "license") return { strategy: "atTermEnd", rule: "R17" };
  if (subscription.channel === "csp") return { strategy: "partnerSwitch", rule: "R19" };
  return { strategy: "newAzureSubscription", rule: "R18" };
}

export interface RegistrationFacts {
  /** R20: an active reseller relationship between the caller and the customer. */
  hasActiveResellerRelationship: boolean;
  /** The customer's cloud where known (an existing relationship, an enrolled tenant), for R12. */
  customerCloud?: Cloud | undefined;
}

type RegisteringPartner = Pick<Partner, "id" | "cloud">;

/**
 * Whether a partner may register this subscription for the customer. The row's own shape is already
 * checked by subscriptionRegistrationSchema; these are the rules that depend on who registers.
 */
export function canRegister(
  partner: RegisteringPartner,
  input: Pick<SubscriptionRegistration, "channel" | "currentPartnerId">,
  facts: RegistrationFacts,
): Result<object> {
  if (!facts.hasActiveResellerRelationship) {
    return {
      ok: false,
      error: refuse.forbidden(
        "Subscriptions are registered only for a customer with an active reseller relationship with the partner.",
        "R20",
      ),
    };
  }
  const cloudError = registrationCloudError(partner, input, facts.customerCloud);
  if (cloudError) return { ok: false, error: refuse.forbidden(cloudError, "R12") };
  if (input.channel === "csp" && input.currentPartnerId === partner.id) {
    return {
      ok: false,
      error: refuse.invalid("A partner cannot register its own CSP subscription as bought elsewhere.", [
        { field: "currentPartnerId", message: "must name another partner than the caller" },
      ]),
    };
  }
  return { ok: true };
}

/** R12 for a registration: 21Vianet sells only in the china cloud, and the customer is in ours. */
export function registrationCloudError(
  partner: RegisteringPartner,
  input: Pick<SubscriptionRegistration, "channel">,
  customerCloud: Cloud | undefined,
): string | undefined {
  if (input.channel === "vianet" && partner.cloud !== "china") {
    return `Channel vianet (21Vianet) exists only in the china cloud; the partner is in ${partner.cloud}.`;
  }
  if (customerCloud !== undefined && customerCloud !== partner.cloud) {
    return `The customer is in the ${customerCloud} cloud; the partner is in ${partner.cloud}.`;
  }
  return undefined;
}

export const BLOCKER_CODES = [
  "wrongCloud",
  "advisorPartner",
  "noResellerRelationship",
  "alreadyMigrated",
  "alreadyMigrating",
  "cancelled",
] as const;
export type BlockerCode = (typeof BLOCKER_CODES)[number];

export const WARNING_CODES = [
  "autoRenewOn",
  "termEndingSoon",
  "termEndPassed",
  "noServicesRecorded",
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface Blocker {
  code: BlockerCode;
  detail: string;
  /** The DOMAIN.md rule that blocks, where one does. */
  rule?: RuleId;
}

export interface Warning {
  code: WarningCode;
  detail: string;
}

export interface MigrationPlanItem {
  subscriptionId: string;
  /** The strategy R17-R19 give this subscription (present whenever it has not moved yet). */
  strategy?: MigrationStrategy;
  /** The earliest moment it can move; absent while a blocker stands. */
  earliestDate?: string;
  /** The rule that decides the strategy (R17, R18 or R19). */
  rule: RuleId;
  blockers: Blocker[];
  warnings: Warning[];
}

export interface PlanContext {
  now: Date;
  /** The partner that would move it (the caller). */
  partner: Pick<Partner, "id" | "type" | "cloud">;
  /** R20. */
  hasActiveResellerRelationship: boolean;
  /** The subscription's latest migration, if any, whatever its state. */
  migration?: Pick<Migration, "id" | "status"> | undefined;
  /** The customer's cloud where known (R12). */
  customerCloud?: Cloud | undefined;
}

/** Reminders and warnings look this far ahead of a term end. */
export const TERM_ENDING_SOON_DAYS = 30;

/**
 * One subscription's line of the migration plan.
 *
 * `termNotEnded` is deliberately not a blocker: R17 lets an atTermEnd move be *scheduled* before the
 * term ends (POST /api/migrations answers `scheduled` with `notBefore`), so a future term end only
 * sets `earliestDate`. A license subscription cancelled at the source can move at once (R17 "or as
 * soon as the customer cancels it"); a cancelled usage subscription has nothing left to move.
 */
export function migrationPlanItem(subscription: Subscription, context: PlanContext): MigrationPlanItem {
  const { strategy, rule } = strategyFor(subscription);
  const blockers = planBlockers(subscription, context, rule);
  const item: MigrationPlanItem = {
    subscriptionId: subscription.id,
    rule,
    blockers,
    warnings: planWarnings(subscription, context, strategy),
  };
  if (subscription.status === "migrated" || context.migration?.status === "completed") return item;
  item.strategy = strategy;
  if (blockers.length === 0) item.earliestDate = earliestDate(subscription, strategy, context.now);
  return item;
}

function earliestDate(subscription: Subscription, strategy: MigrationStrategy, now: Date): string {
  const nowIso = now.toISOString();
  if (strategy !== "atTermEnd" || subscription.status === "cancelled" || subscription.termEnd === undefined) {
    return nowIso;
  }
  return subscription.termEnd > nowIso ? subscription.termEnd : nowIso;
}

function planBlockers(subscription: Subscription, context: PlanContext, rule: RuleId): Blocker[] {
  const blockers: Blocker[] = [];
  const cloudError = registrationCloudError(context.partner, subscription, context.customerCloud);
  if (cloudError) blockers.push({ code: "wrongCloud", detail: cloudError, rule: "R12" });
  if (context.partner.type === "advisor") {
    blockers.push({
      code: "advisorPartner",
      detail: "An Advisor partner cannot be partner of record, so it cannot take a subscription over.",
      rule: "R14",
    });
  }
  if (!context.hasActiveResellerRelationship) {
    blockers.push({
      code: "noResellerRelationship",
      detail: "Moving requires an active reseller relationship between the customer and the partner.",
      rule: "R20",
    });
  }
  const migration = context.migration;
  if (subscription.status === "migrated" || migration?.status === "completed") {
    blockers.push({ code: "alreadyMigrated", detail: "The subscription has already moved to the partner." });
  } else if (migration && !isTerminalMigrationStatus(migration.status)) {
    blockers.push({
      code: "alreadyMigrating",
      detail: `Migration ${migration.id} of this subscription is ${migration.status}.`,
    });
  } else if (subscription.status === "migrating") {
    blockers.push({
      code: "alreadyMigrating",
      detail: `Migration ${subscription.migrationId ?? "(unknown)"} of this subscription is under way.`,
    });
  }
  if (subscription.status === "cancelled" && subscription.billing === "usage") {
    blockers.push({
      code: "cancelled",
      detail: "The subscription was cancelled at the source; there is nothing left to move.",
      rule,
    });
  }
  return blockers;
}

function planWarnings(
  subscription: Subscription,
  context: PlanContext,
  strategy: MigrationStrategy,
): Warning[] {
  const warnings: Warning[] = [];
  if (subscription.status !== "active" && subscription.status !== "migrating") return warnings;
  const now = context.now;
  if (strategy === "atTermEnd" && subscription.termEnd !== undefined) {
    const termEnd = subscription.termEnd;
    const day = utcDay(termEnd);
    if (Date.parse(termEnd) <= now.getTime()) {
      warnings.push({
        code: "termEndPassed",
        detail: `The recorded term end ${day} has passed: if the source renewed, record its new term end; otherwise the move can happen now.`,
      });
      return warnings;
    }
    if (subscription.autoRenew === true) {
      const renewed = utcDay(renewedTermEnd(termEnd, subscription.termMonths));
      warnings.push({
        code: "autoRenewOn",
        detail: `The source auto-renews on ${day}: turn auto-renew off there before then, or the move waits until ${renewed}.`,
      });
    }
    const days = daysUntil(termEnd, now);
    if (days <= TERM_ENDING_SOON_DAYS) {
      warnings.push({
        code: "termEndingSoon",
        detail: `The term ends on ${day}, in ${days} day${days === 1 ? "" : "s"}.`,
      });
    }
  }
  if (strategy === "newAzureSubscription" && (subscription.services ?? []).length === 0) {
    warnings.push({
      code: "noServicesRecorded",
      detail:
        "No services are recorded: record them to confirm each move, or the whole source is cancelled at the end.",
    });
  }
  return warnings;
}

/** Turns the plan's first blocker into the refusal POST /api/migrations answers with. */
function blockerError(blocker: Blocker): DomainError {
  switch (blocker.code) {
    case "wrongCloud":
    case "advisorPartner":
    case "noResellerRelationship":
      return refuse.forbidden(blocker.detail, blocker.rule);
    case "alreadyMigrated":
    case "alreadyMigrating":
    case "cancelled":
      return refuse.conflict(blocker.detail, blocker.rule);
  }
}

/**
 * Whether a migration may start now; on success the strategy and, for atTermEnd, the `notBefore` it
 * waits for. Derived from migrationPlanItem, so the two agree by construction.
 */
export function canStartMigration(
  subscription: Subscription,
  context: PlanContext,
): Result<{ strategy: MigrationStrategy; rule: RuleId; notBefore?: string }> {
  const item = migrationPlanItem(subscription, context);
  const first = item.blockers[0];
  if (first) return { ok: false, error: blockerError(first) };
  const { strategy, rule } = strategyFor(subscription);
  const notBefore = strategy === "atTermEnd" ? item.earliestDate : undefined;
  return notBefore === undefined ? { ok: true, strategy, rule } : { ok: true, strategy, rule, notBefore };
}

/**
 * The migration's id, also its orchestration instance id: one per (partner, customer, subscription,
 * attempt), so a repeated start finds the existing one. A hash keeps it free of characters Cosmos ids
 * and durable instance ids refuse, whatever the subscription id holds.
 */
export function migrationIdFor(
  partnerId: string,
  customerTenantId: string,
  subscriptionId: string,
  attempt: number,
): string {
  const digest = createHash("sha256")
    .update(`${partnerId}\n${customerTenantId}\n${subscriptionId}\n${attempt}`, "utf8")
    .digest("hex");
  return `mig-${digest.slice(0, 32)}`;
}

/** The next attempt number: 1 for the first; after a migration that ended without moving, one more. */
export const nextMigrationAttempt = (latest: Pick<Migration, "attempt"> | undefined): number =>
  (latest?.attempt ?? 0) + 1;

export interface PatchOutcome {
  subscription: Subscription;
  /** The term end moved: a waiting atTermEnd migration must wait for the new one (R17). */
  termEndChanged: boolean;
  /** Newly recorded as cancelled at the source: a waiting atTermEnd migration moves now (R17). */
  cancelled: boolean;
  /** Nothing changed (a repeated PATCH): store nothing, raise nothing. */
  unchanged: boolean;
}

/**
 * Applies `PATCH .../subscriptions/{id}`. A migrated subscription is no longer the partner's to edit;
 * a cancelled one only accepts being cancelled again (idempotent). License fields on a usage
 * subscription are refused like at registration.
 */
export function applySubscriptionPatch(
  subscription: Subscription,
  patch: SubscriptionPatch,
  now: Date,
): PatchOutcome {
  if (subscription.status === "migrated") {
    throw refuse.conflict("The subscription has already moved; it is no longer tracked at the source.");
  }
  const onlyCancel = Object.entries(patch).every(([k, v]) => v === undefined || k === "status");
  if (subscription.status === "cancelled") {
    if (onlyCancel) return { subscription, termEndChanged: false, cancelled: false, unchanged: true };
    throw refuse.conflict("The subscription was cancelled at the source; it cannot be changed.");
  }
  if (subscription.billing === "usage") {
    const errors: FieldError[] = (["termEnd", "termMonths", "seats"] as const)
      .filter((f) => patch[f] !== undefined)
      .map((f) => ({ field: f, message: "is only allowed for billing license" }));
    if (errors.length > 0)
      throw refuse.invalid("The change does not fit a usage-based subscription.", errors);
  }
  const next: Subscription = { ...subscription };
  if (patch.termEnd !== undefined) next.termEnd = patch.termEnd;
  if (patch.termMonths !== undefined) next.termMonths = patch.termMonths;
  if (patch.autoRenew !== undefined) next.autoRenew = patch.autoRenew;
  if (patch.seats !== undefined) next.seats = patch.seats;
  if (patch.status !== undefined) next.status = patch.status;
  const termEndChanged = next.termEnd !== subscription.termEnd;
  const cancelled = next.status === "cancelled";
  const unchanged =
    !termEndChanged &&
    !cancelled &&
    next.termMonths === subscription.termMonths &&
    next.autoRenew === subscription.autoRenew &&
    next.seats === subscription.seats;
  if (!unchanged) next.updatedAt = now.toISOString();
  return { subscription: next, termEndChanged, cancelled, unchanged };
}
