import { z } from "zod";
import { migrationEvent, publishAfterCommit } from "../webhooks/events";
import { DomainError, refuse } from "../../domain/errors";
import type { Partner, Principal } from "../../domain/model";
import { requireWriteRole } from "../../domain/rules";
import { newMigration } from "../../domain/subscriptions/migration";
import {
  MIGRATION_STATUSES,
  MIGRATION_STRATEGIES,
  isTerminalMigrationStatus,
  type Migration,
  type StartMigrationInput,
  type Subscription,
} from "../../domain/subscriptions/model";
import { canStartMigration, migrationIdFor, nextMigrationAttempt } from "../../domain/subscriptions/plan";
import { audit, auditedCheck, partnerActor } from "../audit";
import { updateWithRetry } from "../concurrency";
import { callerPartner } from "../partners";
import type { Versioned } from "../ports";
import { MigrationExists, type MigrationRepository } from "../subscriptions/ports";
import { withApprovalLinks } from "./partner-switch-links";
import type { MigrationDeps } from "./deps";

export { startMigrationInputSchema } from "../../domain/subscriptions/model";

export const startMigrationResultSchema = z
  .object({
    id: z.string(),
    strategy: z.enum(MIGRATION_STRATEGIES),
    status: z.enum(MIGRATION_STATUSES),
    notBefore: z.string().optional(),
  })
  .meta({ id: "MigrationStarted" });
export type StartMigrationResult = z.infer<typeof startMigrationResultSchema>;

const CONFLICT_ATTEMPTS = 5;

/** R20 and R12 facts about the customer, as far as this partner knows them. */
export async function migrationFacts(
  deps: Pick<MigrationDeps, "relationships" | "partners">,
  caller: Pick<Partner, "id">,
  customerTenantId: string,
): Promise<{ hasActiveResellerRelationship: boolean; customerCloud?: Partner["cloud"] }> {
  const relationships = await deps.relationships.listForCustomer(customerTenantId);
  const hasActiveResellerRelationship = relationships.some(
    (r) =>
      r.type === "reseller" &&
      r.status === "active" &&
      (r.partnerId === caller.id || r.indirectResellerId === caller.id),
  );
  // A customer that is itself an enrolled partner tenant has a known cloud.
  const enrolled = await deps.partners.findEnrolled(customerTenantId);
  return enrolled
    ? { hasActiveResellerRelationship, customerCloud: enrolled.cloud }
    : { hasActiveResellerRelationship };
}

/**
 * The latest migration of one subscription (highest attempt), whatever its state, by point reads
 * only: attempts are numbered from 1 without gaps and never deleted, and their ids derive from the
 * attempt (migrationIdFor). The subscription points at its latest migration once a start has marked
 * it; from there (or from attempt 1 without a pointer) the next attempts are read until one is
 * missing, which also finds an attempt whose start crashed before marking the subscription, or a
 * pointer a slow repair wrote back. Usually that is one read that finds nothing: no query, so the
 * cost does not grow with the customer's or the partner's other migrations.
 */
async function latestMigration(
  migrations: Pick<MigrationRepository, "get">,
  partnerId: string,
  subscription: Pick<Subscription, "customerTenantId" | "id" | "migrationId">,
): Promise<Migration | undefined> {
  const ownAttempt = (migration: Migration | undefined): migration is Migration =>
    migration !== undefined &&
    migration.subscriptionId === subscription.id &&
    migration.customerTenantId === subscription.customerTenantId &&
    migration.id ===
      migrationIdFor(partnerId, subscription.customerTenantId, subscription.id, migration.attempt);
  const pointed = subscription.migrationId
    ? (await migrations.get(partnerId, subscription.migrationId))?.value
    : undefined;
  let latest = ownAttempt(pointed) ? pointed : undefined;
  for (;;) {
    const attempt = nextMigrationAttempt(latest);
    const next = await migrations.get(
      partnerId,
      migrationIdFor(partnerId, subscription.customerTenantId, subscription.id, attempt),
    );
    // A document under that id that is not this subscription's attempt (its id would not match its
    // own attempt) would make the walk loop: stop at it, and the create meets it as the 409 naming it.
    if (!next || !ownAttempt(next.value)) return latest;
    latest = next.value;
  }
}

const conflictNaming = (migrationId: string, message: string): DomainError =>
  new DomainError("conflict", message, { extensions: { migrationId } });

/**
 * POST /api/migrations. The migration document is the source of truth and is written first (its id
 * is deterministic, so two concurrent starts meet at the store and one answers 409 naming the
 * other); then the subscription is marked `migrating`, then the orchestration starts. A crash
 * between those steps is repaired by the next start of the same subscription, which finds the
 * running migration, finishes marking the subscription, makes sure its orchestration runs and
 * answers 409 naming it.
 */
export async function startMigration(
  deps: MigrationDeps,
  principal: Principal,
  input: StartMigrationInput,
): Promise<StartMigrationResult> {
  const caller = await callerPartner(deps.partners, principal);
  const actor = partnerActor(principal);
  const auditBase = {
    partnerId: caller.id,
    resourceType: "subscription" as const,
    resourceId: input.subscriptionId,
    action: "startMigration",
    actor,
  };
  await auditedCheck(deps.audit, deps.clock, auditBase, () => requireWriteRole(principal));

  const found = await deps.subscriptions.get(caller.id, input.customerTenantId, input.subscriptionId);
  if (!found) throw refuse.notFound("The subscription");
  const latest = await latestMigration(deps.migrations, caller.id, found.value);
  const facts = await migrationFacts(deps, caller, input.customerTenantId);
  const now = deps.clock.now();
  const decision = canStartMigration(found.value, {
    now,
    partner: caller,
    ...facts,
    migration: latest,
  });
  if (!decision.ok) {
    if (latest && !isTerminalMigrationStatus(latest.status) && decision.error.kind === "conflict") {
      await setInMotion(deps, found, latest);
      throw conflictNaming(latest.id, decision.error.message);
    }
    await auditedCheck(deps.audit, deps.clock, auditBase, () => {
      throw decision.error;
    });
  }
  if (!decision.ok) throw decision.error;

  const attempt = nextMigrationAttempt(latest);
  const id = migrationIdFor(caller.id, input.customerTenantId, input.subscriptionId, attempt);
  const migration = withApprovalLinks(
    newMigration({
      id,
      attempt,
      partnerId: caller.id,
      subscription: found.value,
      strategy: decision.strategy,
      notBefore: decision.notBefore,
      keepSource: input.keepSource,
      now,
    }),
    deps.linkKey,
  );
  try {
    await deps.migrations.create(migration);
  } catch (error) {
    if (error instanceof MigrationExists) {
      throw conflictNaming(
        error.migrationId,
        `Migration ${error.migrationId} of this subscription exists already.`,
      );
    }
    throw error;
  }
  await audit(deps.audit, deps.clock, {
    id: `${id}:started`,
    partnerId: caller.id,
    resourceType: "migration",
    resourceId: id,
    action: "start",
    outcome: "applied",
    actor,
    rule: decision.rule,
    detail: `${migration.strategy} of subscription ${input.subscriptionId}`,
  });
  await setInMotion(deps, found, migration);
  return {
    id,
    strategy: migration.strategy,
    status: migration.status,
    ...(migration.notBefore ? { notBefore: migration.notBefore } : {}),
  };
}

/**
 * What follows the stored migration: the subscription marked, the workflow started, the partner
 * told. Each step is idempotent, so a start that crashed after storing the migration runs them again.
 */
async function setInMotion(
  deps: MigrationDeps,
  found: Versioned<Subscription>,
  migration: Migration,
): Promise<void> {
  await markMigrating(deps, found, migration);
  await deps.workflows.start(migration);
  await publishAfterCommit(
    deps.webhooks,
    migration.partnerId,
    migrationEvent(migration, "scheduled"),
    deps.log,
  );
}

/**
 * The subscription points at its migration and reads `migrating`; a license already cancelled at
 * the source keeps `cancelled` (the fact the move waits on), with the migration id.
 */
async function markMigrating(
  deps: MigrationDeps,
  first: Versioned<Subscription>,
  migration: Migration,
): Promise<void> {
  const { partnerId, customerTenantId, subscriptionId } = migration;
  await updateWithRetry<Subscription, void>({
    first,
    read: async () => {
      const again = await deps.subscriptions.get(partnerId, customerTenantId, subscriptionId);
      if (!again) throw refuse.notFound("The subscription");
      return again;
    },
    decide: ({ value }) => {
      const status = value.status === "cancelled" ? "cancelled" : "migrating";
      if (value.migrationId === migration.id && value.status === status) return { done: undefined };
      if (value.status === "migrated") return { done: undefined };
      return {
        write: { ...value, status, migrationId: migration.id, updatedAt: deps.clock.now().toISOString() },
        after: () => undefined,
      };
    },
    replace: (next, etag) => deps.subscriptions.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}
