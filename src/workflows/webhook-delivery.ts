import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import {
  attemptDeliveryResultSchema,
  giveUpDeliveryResultSchema,
  webhookDeliveryInputSchema,
} from "../application/webhooks/contracts";
import { activityRetryOptions, callActivity, defineActivity } from "./activity";

/**
 * One event's delivery to the partner's endpoint, at least once: an attempt, then on failure a
 * durable timer before the next (no worker waits), with growing gaps adding up to about a day; after
 * the last the delivery is marked failed and waits for a redelivery. Every attempt sends the same
 * `webhook-id` (the event id), so a receiver that got an earlier attempt drops the repeat.
 *
 * The instance id derives from the event id (webhook-delivery:{eventId}), so publishing the same
 * event twice starts one instance.
 */
export const WEBHOOK_DELIVERY_ORCHESTRATION = "webhookDelivery";
export const ATTEMPT_WEBHOOK_DELIVERY_ACTIVITY = "webhookDeliveryAttempt";
export const GIVE_UP_WEBHOOK_DELIVERY_ACTIVITY = "webhookDeliveryGiveUp";

export { webhookDeliveryInputSchema } from "../application/webhooks/contracts";

/**
 * Gaps before attempts 2..11: 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h, 8 h (about 32 h
 * in all), so a receiver down for a whole day still gets the event. Ending at 23 h 42 min, the
 * schedule gave up on a receiver that was down for exactly a day.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000, 28_800_000,
];

/** The attempt itself is not retried by the SDK (its failures are answers); only storage errors are. */
export const attemptWebhookDeliveryActivity = defineActivity({
  name: ATTEMPT_WEBHOOK_DELIVERY_ACTIVITY,
  input: webhookDeliveryInputSchema,
  result: attemptDeliveryResultSchema,
  retry: activityRetryOptions(),
});
export const giveUpWebhookDeliveryActivity = defineActivity({
  name: GIVE_UP_WEBHOOK_DELIVERY_ACTIVITY,
  input: webhookDeliveryInputSchema,
  result: giveUpDeliveryResultSchema,
  retry: activityRetryOptions(),
});

export interface WebhookDeliveryOutput {
  eventId: string;
  outcome: "delivered" | "failed" | "gone";
  attempts: number;
}

export const webhookDeliveryOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = webhookDeliveryInputSchema.parse(context.df.getInput());
  let attempts = 0;
  for (;;) {
    attempts++;
    context.df.setCustomStatus({ phase: "attempting", attempt: attempts });
    const result = attemptDeliveryResultSchema.parse(
      yield callActivity(context, attemptWebhookDeliveryActivity, input),
    );
    if (result.outcome !== "retry") {
      const output: WebhookDeliveryOutput = { eventId: input.eventId, outcome: result.outcome, attempts };
      context.df.setCustomStatus({ phase: "done", outcome: result.outcome, attempts });
      return output;
    }
    const delay = WEBHOOK_RETRY_DELAYS_MS[attempts - 1];
    if (delay === undefined) break;
    const at = new Date(context.df.currentUtcDateTime.getTime() + delay);
    context.df.setCustomStatus({ phase: "waiting", attempt: attempts, next: at.toISOString() });
    yield context.df.createTimer(at);
  }
  yield callActivity(context, giveUpWebhookDeliveryActivity, input);
  context.df.setCustomStatus({ phase: "done", outcome: "failed", attempts });
  const output: WebhookDeliveryOutput = { eventId: input.eventId, outcome: "failed", attempts };
  return output;
};
