import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { isTerminalMigrationStatus } from "../domain/subscriptions/model";
import { migrationStepResultSchema, settleServicesResultSchema } from "../application/migrations/contracts";
import { callActivity } from "./activity";
import {
  completeNewAzureActivity,
  notifyMigrationCompletedActivity,
  orderAzureSubscriptionActivity,
  settleServicesActivity,
} from "./migration-activities";
import { MIGRATION_SIGNAL_EVENT, migrationOrchestrationInputSchema } from "./migration-names";

/**
 * R18: the Azure CSP subscription is ordered at once (CSP coexists with the other channel), then
 * each service the partner confirms moved is cancelled at the source. Once all are, the whole
 * source is cancelled unless keepSource, and the migration completes. Without recorded services
 * there is nothing to confirm one by one: it completes right after the order (the plan warns about
 * that with `noServicesRecorded`). One execution per signal (continueAsNew), so a subscription with
 * many services keeps a short history.
 */
export const migrationNewAzureOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = migrationOrchestrationInputSchema.parse(context.df.getInput());
  const ref = { migrationId: input.migrationId, partnerId: input.partnerId };

  const ordered = migrationStepResultSchema.parse(
    yield callActivity(context, orderAzureSubscriptionActivity, ref),
  );
  if (isTerminalMigrationStatus(ordered.status)) {
    context.df.setCustomStatus({ phase: "done", status: ordered.status });
    return { migrationId: input.migrationId, status: ordered.status };
  }
  const settled = settleServicesResultSchema.parse(yield callActivity(context, settleServicesActivity, ref));
  if (isTerminalMigrationStatus(settled.status)) {
    context.df.setCustomStatus({ phase: "done", status: settled.status });
    return { migrationId: input.migrationId, status: settled.status };
  }
  if (settled.allCancelled) {
    const done = migrationStepResultSchema.parse(yield callActivity(context, completeNewAzureActivity, ref));
    if (done.status === "completed") yield callActivity(context, notifyMigrationCompletedActivity, ref);
    context.df.setCustomStatus({ phase: "done", status: done.status });
    return { migrationId: input.migrationId, status: done.status };
  }
  context.df.setCustomStatus({ phase: "waitingForServices" });
  yield context.df.waitForExternalEvent(MIGRATION_SIGNAL_EVENT);
  context.df.continueAsNew(input);
  return undefined;
};
