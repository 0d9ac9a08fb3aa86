import { RetryOptions, type OrchestrationContext, type Task } from "durable-functions";
import type { z } from "zod";

/**
 * What an orchestrator and the app agree on about one activity: its registered name, the input it
 * parses, the result the orchestrator may parse, and how the orchestrator retries it. The handler
 * lives with the composition root (functions/), which registers the activity under this name and
 * parses the input with this schema, so neither side can drift from the other.
 */
export interface ActivityContract<I extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  name: string;
  input: I;
  result: R;
  /** Absent: called once, a failure fails the orchestration's task. */
  retry?: RetryOptions;
}

export function defineActivity<I extends z.ZodType, R extends z.ZodType>(
  contract: ActivityContract<I, R>,
): ActivityContract<I, R> {
  return contract;
}

/**
 * Activities talk to Cosmos DB and the email service, both of which throttle (ACS: 429 with
 * Retry-After) and can be down for a while: retried with backoff, on durable timers, so a retry
 * costs nothing while it waits. The attempts span about a day (30 s doubling to 15 min, then every
 * 15 min): six attempts gave up after 16 minutes, and an email service down for an hour then lost
 * the invitation for good (its orchestration failed, nothing was sent, nothing retried it).
 */
export const ACTIVITY_RETRY_ATTEMPTS = 101;

export function activityRetryOptions(): RetryOptions {
  const retry = new RetryOptions(30_000, ACTIVITY_RETRY_ATTEMPTS);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 15 * 60_000;
  return retry;
}

/** Schedules the activity by its contract's name, with its contract's retry policy. */
export function callActivity<I extends z.ZodType>(
  context: OrchestrationContext,
  activity: ActivityContract<I>,
  input: z.input<I>,
): Task {
  return activity.retry
    ? context.df.callActivityWithRetry(activity.name, activity.retry, input)
    : context.df.callActivity(activity.name, input);
}
