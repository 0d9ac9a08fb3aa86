import { refuse } from "../../domain/errors";
import { migrationEvent, publishAfterCommit } from "../webhooks/events";
import type { Principal } from "../../domain/model";
import { requireWriteRole } from "../../domain/rules";
import {
  cancelMigration,
  confirmServiceMoved,
  subscriptionStatusFor,
  type Transition,
} from "../../domain/subscriptions/migration";
import type { Migration, Subscription } from "../../domain/subscriptions/model";
import { audit, auditedCheck, partnerActor } from "../audit";
import { updateWithRetry } from "../concurrency";
import { callerPartner } from "../partners";
import type { Clock, Versioned } from "../ports";
import type { SubscriptionRepository } from "../subscriptions/ports";
import { signalWithOneRetry, type MigrationDeps } from "./deps";
import { toMigrationView, type MigrationView } from "./query";

const CONFLICT_ATTEMPTS = 5;

type Loaded = { caller: { id: string }; found: Versioned<Migration> };

async function load(deps: MigrationDeps, principal: Principal, id: string, action: string): Promise<Loaded> {
  const caller = await callerPartner(deps.partners, principal);
  const found = await deps.migrations.get(caller.id, id);
  if (!found) throw refuse.notFound("The migration");
  await auditedCheck(
    deps.audit,
    deps.clock,
    {
      partnerId: caller.id,
      resourceType: "migration",
      resourceId: id,
      action,
      actor: partnerActor(principal),
    },
    () => requireWriteRole(principal),
  );
  return { caller, found };
}

/** Applies a transition to the stored migration by ETag, deciding again on what won a lost race. */
function transition<R>(
  deps: MigrationDeps,
  loaded: Loaded,
  apply: (current: Migration) => Transition & R,
): Promise<{ migration: Migration; unchanged: boolean } & R> {
  const { caller, found } = loaded;
  return updateWithRetry<Migration, { migration: Migration; unchanged: boolean } & R>({
    first: found,
    read: async () => {
      const again = await deps.migrations.get(caller.id, found.value.id);
      if (!again) throw refuse.notFound("The migration");
      return again;
    },
    decide: ({ value }) => {
      const result = apply(value);
      if (result.unchanged) return { done: result };
      return { write: result.migration, after: (saved) => ({ ...result, migration: saved.value }) };
    },
    replace: (next, etag) => deps.migrations.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
    exhausted: () => refuse.conflict("The migration kept changing; try again.").because("concurrentChange"),
  });
}

/**
 * A migration that ended without moving hands the subscription back: `migrating` becomes `active`
 * again (a source cancelled meanwhile stays `cancelled`). Shared by the cancel route and the
 * orchestrations' activities.
 */
export async function releaseSubscription(
  deps: { subscriptions: SubscriptionRepository; clock: Clock },
  migration: Migration,
): Promise<void> {
  await updateWithRetry<Subscription, void>({
    read: async () => {
      const found = await deps.subscriptions.get(
        migration.partnerId,
        migration.customerTenantId,
        migration.subscriptionId,
      );
      if (!found) throw refuse.notFound("The subscription");
      return found;
    },
    decide: ({ value }) => {
      if (value.migrationId !== migration.id || value.status !== "migrating") return { done: undefined };
      const status = subscriptionStatusFor(migration, "active");
      return {
        write: { ...value, status, updatedAt: deps.clock.now().toISOString() },
        after: () => undefined,
      };
    },
    replace: (next, etag) => deps.subscriptions.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}

/** POST /api/migrations/{id}/cancel: any migration not completed stops (409 once completed). */
export async function cancelMigrationUseCase(
  deps: MigrationDeps,
  principal: Principal,
  id: string,
): Promise<MigrationView> {
  const loaded = await load(deps, principal, id, "cancel");
  const now = deps.clock.now();
  const result = await transition(deps, loaded, (current) => cancelMigration(current, now));
  const actor = partnerActor(principal);
  if (result.migration.status === "cancelled") {
    await releaseSubscription(deps, result.migration);
    await audit(deps.audit, deps.clock, {
      id: `${id}:cancelled`,
      partnerId: loaded.caller.id,
      resourceType: "migration",
      resourceId: id,
      action: "cancelled",
      outcome: "applied",
      actor,
    });
    await signalWithOneRetry(deps, id, { kind: "cancelled", by: actor });
    await publishAfterCommit(
      deps.webhooks,
      loaded.caller.id,
      migrationEvent(result.migration, "cancelled"),
      deps.log,
    );
  }
  return toMigrationView(result.migration);
}

/**
 * R18 POST /api/migrations/{id}/services/{serviceId}/moved: the partner confirms one service runs in
 * the new subscription; the orchestration then cancels it at the source.
 */
export async function confirmServiceMovedUseCase(
  deps: MigrationDeps,
  principal: Principal,
  id: string,
  serviceId: string,
): Promise<MigrationView> {
  const loaded = await load(deps, principal, id, "serviceMoved");
  const now = deps.clock.now();
  const result = await transition(deps, loaded, (current) => confirmServiceMoved(current, serviceId, now));
  if (!result.unchanged) {
    await audit(deps.audit, deps.clock, {
      id: `${id}:service:${serviceId}:moved`,
      partnerId: loaded.caller.id,
      resourceType: "migration",
      resourceId: id,
      action: "serviceMoved",
      outcome: "applied",
      actor: partnerActor(principal),
      rule: "R18",
      detail: `service ${serviceId}`,
    });
  }
  // Signalled even when unchanged: a repeated confirmation re-wakes a workflow that missed the first.
  await signalWithOneRetry(deps, id, { kind: "serviceMoved", serviceId });
  return toMigrationView(result.migration);
}
