import type { DurableClient } from "durable-functions";
import type { MigrationWorkflows } from "../../application/subscriptions/ports";
import {
  MIGRATION_ORCHESTRATIONS,
  MIGRATION_SIGNAL_EVENT,
  migrationOrchestrationInputSchema,
  migrationSignalSchema,
} from "../../workflows/migration-names";
import { raiseEventIfListening, startIfAbsent } from "./client";

/**
 * The migration orchestrations through the durable client: instance id = migration id, so starting
 * twice is a no-op, and a signal to an instance that ended is dropped (the documents are the truth).
 */
export function durableMigrationWorkflows(client: DurableClient): MigrationWorkflows {
  return {
    async start(migration) {
      const input = migrationOrchestrationInputSchema.parse({
        migrationId: migration.id,
        partnerId: migration.partnerId,
        strategy: migration.strategy,
      });
      await startIfAbsent(client, MIGRATION_ORCHESTRATIONS[input.strategy], input.migrationId, input);
    },
    async signal(migrationId, signal) {
      await raiseEventIfListening(
        client,
        migrationId,
        MIGRATION_SIGNAL_EVENT,
        migrationSignalSchema.parse(signal),
      );
    },
  };
}
