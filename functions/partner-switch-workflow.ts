import { activityFunction, orchestrationFunction } from "../src/adapters/durable/registration";
import {
  completeSwitch,
  expireSwitch,
  notifySwitchOutcome,
  readSwitch,
  releaseSubscription,
  sendSwitchEmail,
  type PartnerSwitchLifecycleDependencies,
  type SwitchEmailRenderer,
} from "../src/application/migrations/partner-switch-lifecycle";
import { switchOutcomeEmail, switchRequestEmail } from "../src/web/switch-emails";
import { migrationOrchestrationInputSchema } from "../src/workflows/migration-names";
import {
  completeSwitchActivity,
  expireSwitchActivity,
  notifySwitchOutcomeActivity,
  PARTNER_SWITCH_ORCHESTRATION,
  partnerSwitchOrchestrator,
  readSwitchActivity,
  releaseSubscriptionActivity,
  sendSwitchEmailActivity,
} from "../src/workflows/migration-partner-switch";

import { webhookPublisherFor, type WebhookDependencies } from "./webhooks";

export { PARTNER_SWITCH_ORCHESTRATION } from "../src/workflows/migration-partner-switch";

export type PartnerSwitchWorkflowDependencies = PartnerSwitchLifecycleDependencies;
type Deps = { partnerSwitchLifecycle: PartnerSwitchWorkflowDependencies; webhooks: WebhookDependencies };

/** R19's orchestration (instance id = migration id), started by the migration start use case. */
export const partnerSwitchOrchestration = orchestrationFunction({
  name: PARTNER_SWITCH_ORCHESTRATION,
  input: migrationOrchestrationInputSchema,
  handler: partnerSwitchOrchestrator,
});

/** Its activities; each parses its input (its contract's schema) before touching anything. */
export const partnerSwitchActivities = [
  activityFunction(readSwitchActivity, {
    handler:
      ({ partnerSwitchLifecycle }: Deps) =>
      (input) =>
        readSwitch(partnerSwitchLifecycle, input),
  }),
  activityFunction(sendSwitchEmailActivity, {
    handler:
      ({ partnerSwitchLifecycle }: Deps) =>
      (input) =>
        sendSwitchEmail(partnerSwitchLifecycle, input),
  }),
  activityFunction(expireSwitchActivity, {
    handler:
      ({ partnerSwitchLifecycle }: Deps) =>
      (input) =>
        expireSwitch(partnerSwitchLifecycle, input),
  }),
  activityFunction(completeSwitchActivity, {
    handler:
      ({ partnerSwitchLifecycle }: Deps) =>
      (input) =>
        completeSwitch(partnerSwitchLifecycle, input),
  }),
  activityFunction(releaseSubscriptionActivity, {
    handler:
      ({ partnerSwitchLifecycle }: Deps) =>
      (input) =>
        releaseSubscription(partnerSwitchLifecycle, input),
  }),
  activityFunction(notifySwitchOutcomeActivity, {
    // Also publishes `migration.{outcome}`, which starts a webhook delivery orchestration.
    durableClient: true,
    handler:
      ({ partnerSwitchLifecycle, webhooks }: Deps) =>
      (input, context) =>
        notifySwitchOutcome(
          { ...partnerSwitchLifecycle, webhooks: webhookPublisherFor(webhooks, context) },
          input,
        ),
  }),
];

/** The localized templates of src/web. */
export const webSwitchEmails: SwitchEmailRenderer = {
  request: (facts) => switchRequestEmail(facts),
  outcome: (facts) => switchOutcomeEmail(facts),
};
