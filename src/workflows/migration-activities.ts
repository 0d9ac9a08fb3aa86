import { z } from "zod";
import {
  migrationRefSchema,
  migrationStepResultSchema,
  notifyCompletedResultSchema,
  readMigrationStateResultSchema,
  sendReminderInputSchema,
  sendReminderResultSchema,
  settleServicesResultSchema,
} from "../application/migrations/contracts";
import { activityRetryOptions, defineActivity } from "./activity";

/**
 * The R17/R18 orchestrations' activities: names, schemas and retry policy in one place. Cosmos, the
 * commerce API and the email service throttle: retried with backoff on durable timers.
 */
export const readMigrationStateActivity = defineActivity({
  name: "migrationReadState",
  input: migrationRefSchema,
  result: readMigrationStateResultSchema,
  retry: activityRetryOptions(),
});
export const sendTermEndReminderActivity = defineActivity({
  name: "migrationSendTermEndReminder",
  input: sendReminderInputSchema,
  result: sendReminderResultSchema,
  retry: activityRetryOptions(),
});
export const completeAtTermEndActivity = defineActivity({
  name: "migrationCompleteAtTermEnd",
  input: migrationRefSchema,
  result: migrationStepResultSchema,
  retry: activityRetryOptions(),
});
export const orderAzureSubscriptionActivity = defineActivity({
  name: "migrationOrderAzureSubscription",
  input: migrationRefSchema,
  result: migrationStepResultSchema,
  retry: activityRetryOptions(),
});
export const settleServicesActivity = defineActivity({
  name: "migrationSettleServices",
  input: migrationRefSchema,
  result: settleServicesResultSchema,
  retry: activityRetryOptions(),
});
export const completeNewAzureActivity = defineActivity({
  name: "migrationCompleteNewAzure",
  input: migrationRefSchema,
  result: migrationStepResultSchema,
  retry: activityRetryOptions(),
});
export const notifyMigrationCompletedActivity = defineActivity({
  name: "migrationNotifyCompleted",
  input: migrationRefSchema,
  result: notifyCompletedResultSchema,
  retry: activityRetryOptions(),
});

export type MigrationActivityResult<S extends z.ZodType> = z.infer<S>;
