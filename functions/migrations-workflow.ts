import { activityFunction, orchestrationFunction } from "../src/adapters/durable/registration";
import {
  completeAtTermEnd,
  completeNewAzure,
  notifyMigrationCompleted,
  orderAzureSubscription,
  readMigrationState,
  sendTermEndReminder,
  settleServices,
  type MigrationEmailRenderer,
  type MigrationLifecycleDeps,
} from "../src/application/migrations/lifecycle";
import { migrationCompletedEmail, migrationReminderEmail } from "../src/web/migration-emails";
import {
  completeAtTermEndActivity,
  completeNewAzureActivity,
  notifyMigrationCompletedActivity,
  orderAzureSubscriptionActivity,
  readMigrationStateActivity,
  sendTermEndReminderActivity,
  settleServicesActivity,
} from "../src/workflows/migration-activities";
import { migrationAtTermEndOrchestrator } from "../src/workflows/migration-at-term-end";
import {
  MIGRATION_ORCHESTRATIONS,
  migrationOrchestrationInputSchema,
} from "../src/workflows/migration-names";
import { migrationNewAzureOrchestrator } from "../src/workflows/migration-new-azure";
import { webhookPublisherFor, type WebhookDependencies } from "./webhooks";

export type { MigrationLifecycleDeps };
type Deps = { migrationLifecycle: MigrationLifecycleDeps; webhooks: WebhookDependencies };

export const migrationAtTermEndOrchestration = orchestrationFunction({
  name: MIGRATION_ORCHESTRATIONS.atTermEnd,
  input: migrationOrchestrationInputSchema,
  handler: migrationAtTermEndOrchestrator,
});

export const migrationNewAzureOrchestration = orchestrationFunction({
  name: MIGRATION_ORCHESTRATIONS.newAzureSubscription,
  input: migrationOrchestrationInputSchema,
  handler: migrationNewAzureOrchestrator,
});

/** The R17/R18 activities; each parses its input (its contract's schema) before touching anything. */
export const migrationActivities = [
  activityFunction(readMigrationStateActivity, {
    handler:
      ({ migrationLifecycle }: Deps) =>
      (input) =>
        readMigrationState(migrationLifecycle, input),
  }),
  activityFunction(sendTermEndReminderActivity, {
    handler:
      ({ migrationLifecycle }: Deps) =>
      (input) =>
        sendTermEndReminder(migrationLifecycle, input),
  }),
  activityFunction(completeAtTermEndActivity, {
    handler:
      ({ migrationLifecycle }: Deps) =>
      (input) =>
        completeAtTermEnd(migrationLifecycle, input),
  }),
  activityFunction(orderAzureSubscriptionActivity, {
    handler:
      ({ migrationLifecycle }: Deps) =>
      (input) =>
        orderAzureSubscription(migrationLifecycle, input),
  }),
  activityFunction(settleServicesActivity, {
    handler:
      ({ migrationLifecycle }: Deps) =>
      (input) =>
        settleServices(migrationLifecycle, input),
  }),
  activityFunction(completeNewAzureActivity, {
    handler:
      ({ migrationLifecycle }: Deps) =>
      (input) =>
        completeNewAzure(migrationLifecycle, input),
  }),
  activityFunction(notifyMigrationCompletedActivity, {
    // Also publishes `migration.completed`, which starts a webhook delivery orchestration.
    durableClient: true,
    handler:
      ({ migrationLifecycle, webhooks }: Deps) =>
      (input, context) =>
        notifyMigrationCompleted(
          { ...migrationLifecycle, webhooks: webhookPublisherFor(webhooks, context) },
          input,
        ),
  }),
];

/** The localized templates of src/web. */
export const webMigrationEmails: MigrationEmailRenderer = {
  reminder: (input) => migrationReminderEmail(input),
  completed: (input) => migrationCompletedEmail(input),
};
