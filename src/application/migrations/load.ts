import type { Migration, Subscription } from "../../domain/subscriptions/model";
import type { Versioned } from "../ports";
import type { MigrationRepository, SubscriptionRepository } from "../subscriptions/ports";

/**
 * The documents a migration's steps start from. Each step is handed ids that it or an earlier step
 * stored, so a missing document is a broken invariant (an error the activity's retries surface), not
 * a refusal to answer.
 */
export async function loadMigration(
  deps: { migrations: Pick<MigrationRepository, "get"> },
  ref: { partnerId: string; migrationId: string },
): Promise<Versioned<Migration>> {
  const found = await deps.migrations.get(ref.partnerId, ref.migrationId);
  if (!found) throw new Error(`Migration ${ref.migrationId} of partner ${ref.partnerId} does not exist.`);
  return found;
}

/** The subscription a migration moves, as the partner who asked for the move registered it. */
export async function loadSubscription(
  deps: { subscriptions: Pick<SubscriptionRepository, "get"> },
  migration: Migration,
): Promise<Versioned<Subscription>> {
  const found = await deps.subscriptions.get(
    migration.partnerId,
    migration.customerTenantId,
    migration.subscriptionId,
  );
  if (!found)
    throw new Error(`Subscription ${migration.subscriptionId} of migration ${migration.id} does not exist.`);
  return found;
}
