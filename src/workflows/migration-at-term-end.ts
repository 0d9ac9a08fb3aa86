import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import { isTerminalMigrationStatus } from "../domain/subscriptions/model";
import { nextWakeUp } from "../domain/subscriptions/term";
import {
  migrationStepResultSchema,
  readMigrationStateResultSchema,
  sendReminderResultSchema,
} from "../application/migrations/contracts";
import { callActivity } from "./activity";
import {
  completeAtTermEndActivity,
  notifyMigrationCompletedActivity,
  readMigrationStateActivity,
  sendTermEndReminderActivity,
} from "./migration-activities";
import { MIGRATION_SIGNAL_EVENT, migrationOrchestrationInputSchema } from "./migration-names";

/**
 * R17: a license subscription moves at its term end, or as soon as it is cancelled at the source.
 * Each execution is one wake: read the documents (the activity follows a changed term end), send
 * the reminder due now (30 or 7 days before, each once: the keys are stored), move if the term has
 * ended or the source was cancelled, else wait for the next wake-up or a MigrationSignal, whichever
 * first, and start over with continueAsNew, so months of waiting keep a history of a few events.
 * Every signal only means "look again": the documents decide.
 */
export const migrationAtTermEndOrchestrator: OrchestrationHandler = function* (
  context: OrchestrationContext,
) {
  const input = migrationOrchestrationInputSchema.parse(context.df.getInput());
  const ref = { migrationId: input.migrationId, partnerId: input.partnerId };
  const now = context.df.currentUtcDateTime;

  const state = readMigrationStateResultSchema.parse(
    yield callActivity(context, readMigrationStateActivity, ref),
  );
  if (isTerminalMigrationStatus(state.status)) {
    context.df.setCustomStatus({ phase: "done", status: state.status });
    return { migrationId: input.migrationId, status: state.status };
  }
  const termEnd = state.notBefore;
  const due = termEnd === undefined || now.getTime() >= Date.parse(termEnd);
  if (due || state.subscriptionStatus === "cancelled") {
    const moved = migrationStepResultSchema.parse(
      yield callActivity(context, completeAtTermEndActivity, ref),
    );
    if (moved.status === "completed") yield callActivity(context, notifyMigrationCompletedActivity, ref);
    context.df.setCustomStatus({ phase: "done", status: moved.status });
    return { migrationId: input.migrationId, status: moved.status };
  }

  sendReminderResultSchema.parse(
    yield callActivity(context, sendTermEndReminderActivity, { ...ref, at: now.toISOString() }),
  );

  const wakeAt = nextWakeUp(termEnd, now);
  context.df.setCustomStatus({ phase: "waiting", until: wakeAt, termEnd });
  const signal = context.df.waitForExternalEvent(MIGRATION_SIGNAL_EVENT);
  const timer = context.df.createTimer(new Date(wakeAt));
  const winner = (yield context.df.Task.any([signal, timer])) as Task;
  if (winner !== timer) timer.cancel();
  // Whatever woke it, the next execution re-reads and decides; history starts afresh.
  context.df.continueAsNew(input);
  return undefined;
};
