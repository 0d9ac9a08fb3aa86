import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import {
  notifySwitchOutcomeInputSchema,
  notifySwitchOutcomeResultSchema,
  readSwitchResultSchema,
  sendSwitchEmailInputSchema,
  sendSwitchEmailResultSchema,
  SWITCH_FIRST_REMINDER_AFTER_MS,
  SWITCH_LAST_REMINDER_BEFORE_EXPIRY_MS,
  SWITCH_OUTCOMES,
  switchRefSchema,
  switchStatusResultSchema,
  type ReadSwitchResult,
  type SwitchEmailStep,
  type SwitchOutcome,
} from "../application/migrations/partner-switch-lifecycle";
import type { ApprovalParty } from "../domain/subscriptions/migration";
import type { MigrationStatus } from "../domain/subscriptions/model";
import { activityRetryOptions, callActivity, defineActivity } from "./activity";
import {
  MIGRATION_ORCHESTRATIONS,
  MIGRATION_SIGNAL_EVENT,
  migrationOrchestrationInputSchema,
} from "./migration-names";

/**
 * R19: a usage subscription moves from another CSP partner when the current partner releases it and
 * the customer's Global Administrator approves. Both get an email with their link, reminders 7 days
 * after the request and 3 days before expiry, and the request expires 30 days after it was made.
 *
 * The migration document is the truth: whatever wakes the orchestration (an approval signal, a
 * cancellation, a timer) it re-reads the document through an activity and decides from what is
 * recorded there. The links' tokens never pass through here (activities rebuild them from nonces).
 * The wait is at most 30 days with three timers, so history stays small without continueAsNew.
 */
export const PARTNER_SWITCH_ORCHESTRATION = MIGRATION_ORCHESTRATIONS.partnerSwitch;

export const READ_SWITCH_ACTIVITY = "partnerSwitchRead";
export const SEND_SWITCH_EMAIL_ACTIVITY = "partnerSwitchSendEmail";
export const EXPIRE_SWITCH_ACTIVITY = "partnerSwitchExpire";
export const COMPLETE_SWITCH_ACTIVITY = "partnerSwitchComplete";
export const RELEASE_SUBSCRIPTION_ACTIVITY = "partnerSwitchReleaseSubscription";
export const NOTIFY_SWITCH_OUTCOME_ACTIVITY = "partnerSwitchNotifyOutcome";

export const readSwitchActivity = defineActivity({
  name: READ_SWITCH_ACTIVITY,
  input: switchRefSchema,
  result: readSwitchResultSchema,
  retry: activityRetryOptions(),
});
export const sendSwitchEmailActivity = defineActivity({
  name: SEND_SWITCH_EMAIL_ACTIVITY,
  input: sendSwitchEmailInputSchema,
  result: sendSwitchEmailResultSchema,
  retry: activityRetryOptions(),
});
export const expireSwitchActivity = defineActivity({
  name: EXPIRE_SWITCH_ACTIVITY,
  input: switchRefSchema,
  result: switchStatusResultSchema,
  retry: activityRetryOptions(),
});
export const completeSwitchActivity = defineActivity({
  name: COMPLETE_SWITCH_ACTIVITY,
  input: switchRefSchema,
  result: switchStatusResultSchema,
  retry: activityRetryOptions(),
});
export const releaseSubscriptionActivity = defineActivity({
  name: RELEASE_SUBSCRIPTION_ACTIVITY,
  input: switchRefSchema,
  result: switchStatusResultSchema,
  retry: activityRetryOptions(),
});
export const notifySwitchOutcomeActivity = defineActivity({
  name: NOTIFY_SWITCH_OUTCOME_ACTIVITY,
  input: notifySwitchOutcomeInputSchema,
  result: notifySwitchOutcomeResultSchema,
  retry: activityRetryOptions(),
});

const PARTIES: readonly ApprovalParty[] = ["customer", "currentPartner"];

interface Wake {
  at: Date;
  step: Exclude<SwitchEmailStep, "request"> | "expiry";
}

/** Reminders still ahead (7 days after, 3 days before expiry), then expiry; from stored dates only. */
export function switchWakeSchedule(createdAt: Date, expiresAt: Date, now: Date): Wake[] {
  const reminders: Wake[] = [
    { at: new Date(createdAt.getTime() + SWITCH_FIRST_REMINDER_AFTER_MS), step: "reminder-first" },
    { at: new Date(expiresAt.getTime() - SWITCH_LAST_REMINDER_BEFORE_EXPIRY_MS), step: "reminder-last" },
  ];
  const ahead = reminders
    .filter((w) => w.at.getTime() > now.getTime() && w.at.getTime() < expiresAt.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  return [...ahead, { at: expiresAt, step: "expiry" }];
}

/** The ends the three parties are told of; `failed` is for operators (custom status). */
function outcomeOf(status: MigrationStatus): SwitchOutcome | undefined {
  return (SWITCH_OUTCOMES as readonly string[]).includes(status) ? (status as SwitchOutcome) : undefined;
}

export interface PartnerSwitchOutput {
  migrationId: string;
  outcome: MigrationStatus;
  remindersSent: number;
}

export const partnerSwitchOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = migrationOrchestrationInputSchema.parse(context.df.getInput());
  const ref = { migrationId: input.migrationId, partnerId: input.partnerId };
  const emailFailures: string[] = [];

  function* read(): Generator<Task, ReadSwitchResult, unknown> {
    return readSwitchResultSchema.parse(yield callActivity(context, readSwitchActivity, ref));
  }

  /** An email that keeps failing does not end the switch: it stays answerable and expires on time. */
  function* email(step: SwitchEmailStep): Generator<Task, number, unknown> {
    let sent = 0;
    for (const party of PARTIES) {
      try {
        const result = sendSwitchEmailResultSchema.parse(
          yield callActivity(context, sendSwitchEmailActivity, { ...ref, party, step }),
        );
        if (result.sent) sent++;
      } catch {
        emailFailures.push(`${party}:${step}`);
      }
    }
    return sent;
  }

  /** Both approved is not a status of its own: completing tells whether the document says so. */
  function* tryComplete(): Generator<Task, MigrationStatus, unknown> {
    return switchStatusResultSchema.parse(yield callActivity(context, completeSwitchActivity, ref)).status;
  }

  const start = yield* read();
  let status: MigrationStatus = start.status;
  let remindersSent = 0;
  if (status === "awaitingApproval") {
    context.df.setCustomStatus({ phase: "sending" });
    yield* email("request");
    status = yield* tryComplete();
  }

  const schedule = switchWakeSchedule(
    new Date(start.createdAt),
    new Date(start.expiresAt),
    context.df.currentUtcDateTime,
  );
  let next = 0;
  while (status === "awaitingApproval") {
    const wake = schedule[Math.min(next, schedule.length - 1)]!;
    context.df.setCustomStatus({
      phase: "waiting",
      next: wake.step,
      at: wake.at.toISOString(),
      emailFailures,
    });
    // Fresh tasks each round: the SDK hands a raised event to the newest waiter.
    const signal = context.df.waitForExternalEvent(MIGRATION_SIGNAL_EVENT);
    const timer = context.df.createTimer(wake.at);
    const winner = (yield context.df.Task.any([signal, timer])) as Task;
    if (winner !== timer) timer.cancel();

    // Whatever woke us, the document decides: both approved completes, anything ended ends.
    status = yield* tryComplete();
    if (status !== "awaitingApproval" || winner !== timer) continue;

    next++;
    if (wake.step === "expiry") {
      status = switchStatusResultSchema.parse(yield callActivity(context, expireSwitchActivity, ref)).status;
      if (status === "awaitingApproval")
        throw new Error(`Migration ${input.migrationId} is still awaiting after expiry.`);
    } else {
      remindersSent += yield* email(wake.step);
    }
  }

  const outcome = outcomeOf(status);
  context.df.setCustomStatus({ phase: "concluding", status, emailFailures });
  if (outcome !== undefined) {
    if (outcome !== "completed") yield callActivity(context, releaseSubscriptionActivity, ref);
    notifySwitchOutcomeResultSchema.parse(
      yield callActivity(context, notifySwitchOutcomeActivity, { ...ref, outcome }),
    );
  }
  context.df.setCustomStatus({ phase: "done", status, emailFailures });
  const output: PartnerSwitchOutput = { migrationId: input.migrationId, outcome: status, remindersSent };
  return output;
};
