import {
  RetryOptions,
  type OrchestrationContext,
  type OrchestrationHandler,
  type Task,
} from "durable-functions";
import { z } from "zod";

/**
 * One admin relationship's life after acceptance (docs/rules.md R6, R7, R9): remind the partner before
 * the end (without auto-extend), then at the end date either extend it by 180 days and start over
 * (`continueAsNew`, so history stays one period long) or mark it expired and tell the partner.
 *
 * As with invitations, the relationship document is the truth: the terminate route changes it
 * first and only then raises the event, and every activity re-reads it and does nothing once the
 * relationship is no longer in force. A lost event only means the next timer finds it terminated.
 *
 * Exactly one instance per relationship: its id derives from the relationship id.
 */
export const ADMIN_RELATIONSHIP_ORCHESTRATION = "adminRelationship";
/** Raised by the terminate route after the document records the termination. */
export const ADMIN_RELATIONSHIP_TERMINATED_EVENT = "AdminRelationshipTerminated";

export const READ_ADMIN_RELATIONSHIP_ACTIVITY = "adminRelationshipRead";
export const REMIND_ADMIN_PARTNER_ACTIVITY = "adminRelationshipRemindPartner";
export const END_ADMIN_RELATIONSHIP_ACTIVITY = "adminRelationshipEnd";
export const NOTIFY_ADMIN_EXPIRED_ACTIVITY = "adminRelationshipNotifyExpired";
/** Run by the invitation orchestration: starts the lifecycle of each new admin relationship. */
export const START_ADMIN_LIFECYCLES_ACTIVITY = "adminRelationshipStartLifecycles";

/** Cosmos DB and the email service throttle: retried with backoff on durable timers (as invitations do). */
const ACTIVITY_RETRY = (() => {
  const retry = new RetryOptions(30_000, 6);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 15 * 60_000;
  return retry;
})();

const DAY_MS = 86_400_000;
/** R6 */
export const AUTO_EXTEND_DAYS = 180;
/** R7 */
export const REMINDER_DAYS_BEFORE_END = [30, 7, 1] as const;
export type ReminderDays = (typeof REMINDER_DAYS_BEFORE_END)[number];

export function adminRelationshipInstanceId(relationshipId: string): string {
  return `admin-relationship:${relationshipId}`;
}

export const adminRelationshipInputSchema = z.object({ relationshipId: z.string().min(1).max(200) }).strict();
export type AdminRelationshipInput = z.infer<typeof adminRelationshipInputSchema>;

const relationshipStatusSchema = z.enum([
  "created",
  "approvalPending",
  "active",
  "expiring",
  "expired",
  "terminationRequested",
  "terminated",
]);
export type AdminRelationshipStatus = z.infer<typeof relationshipStatusSchema>;

export function inForce(status: AdminRelationshipStatus): boolean {
  return status === "active" || status === "expiring";
}

export const readAdminRelationshipInputSchema = adminRelationshipInputSchema;
/** `autoExtend` is the effective one: never with Global Administrator (R6), whatever was stored. */
export const readAdminRelationshipResultSchema = z.object({
  status: relationshipStatusSchema,
  endsAt: z.iso.datetime(),
  autoExtend: z.boolean(),
});
export type ReadAdminRelationshipResult = z.infer<typeof readAdminRelationshipResultSchema>;

/** The period (its `endsAt`) is part of every step: a step of one period never acts on another. */
export const remindAdminPartnerInputSchema = adminRelationshipInputSchema
  .extend({
    endsAt: z.iso.datetime(),
    daysBefore: z.union([z.literal(30), z.literal(7), z.literal(1)]),
  })
  .strict();
export type RemindAdminPartnerInput = z.infer<typeof remindAdminPartnerInputSchema>;
export const remindAdminPartnerResultSchema = z.object({
  sent: z.boolean(),
  status: relationshipStatusSchema,
});
export type RemindAdminPartnerResult = z.infer<typeof remindAdminPartnerResultSchema>;

export const endAdminRelationshipInputSchema = adminRelationshipInputSchema
  .extend({ endsAt: z.iso.datetime() })
  .strict();
export type EndAdminRelationshipInput = z.infer<typeof endAdminRelationshipInputSchema>;
/** `extended` (with the new end), `expired`, or the status that won the race (e.g. `terminated`). */
export const endAdminRelationshipResultSchema = z.object({
  outcome: z.union([z.literal("extended"), relationshipStatusSchema]),
  endsAt: z.iso.datetime(),
});
export type EndAdminRelationshipResult = z.infer<typeof endAdminRelationshipResultSchema>;

export const notifyAdminExpiredInputSchema = adminRelationshipInputSchema;
export const notifyAdminExpiredResultSchema = z.object({ sent: z.boolean() });
export type NotifyAdminExpiredResult = z.infer<typeof notifyAdminExpiredResultSchema>;

export const startAdminLifecyclesInputSchema = z
  .object({ relationshipIds: z.array(z.string().min(1).max(200)).max(10) })
  .strict();
export type StartAdminLifecyclesInput = z.infer<typeof startAdminLifecyclesInputSchema>;
export const startAdminLifecyclesResultSchema = z.object({ instanceIds: z.array(z.string()) });
export type StartAdminLifecyclesResult = z.infer<typeof startAdminLifecyclesResultSchema>;

export interface AdminRelationshipOutput {
  relationshipId: string;
  /** `expired`, `terminated`, or whatever other status the relationship left force with. */
  outcome: AdminRelationshipStatus;
  remindersSent: number;
}

export interface LifecycleWake {
  at: Date;
  step: ReminderDays | "end";
}

/** Reminders (only without auto-extend) still ahead, then the end itself; from stored dates only. */
export function lifecycleSchedule(endsAt: Date, autoExtend: boolean, now: Date): LifecycleWake[] {
  const reminders: LifecycleWake[] = autoExtend
    ? []
    : REMINDER_DAYS_BEFORE_END.map((days) => ({
        at: new Date(endsAt.getTime() - days * DAY_MS),
        step: days,
      }));
  return [...reminders.filter((w) => w.at.getTime() > now.getTime()), { at: endsAt, step: "end" }];
}

export function extendedEnd(endsAt: string): string {
  return new Date(Date.parse(endsAt) + AUTO_EXTEND_DAYS * DAY_MS).toISOString();
}

export const adminRelationshipOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = adminRelationshipInputSchema.parse(context.df.getInput());
  const ref = { relationshipId: input.relationshipId };
  let remindersSent = 0;

  function* read(): Generator<Task, ReadAdminRelationshipResult, unknown> {
    return readAdminRelationshipResultSchema.parse(
      yield context.df.callActivityWithRetry(READ_ADMIN_RELATIONSHIP_ACTIVITY, ACTIVITY_RETRY, ref),
    );
  }
  function finish(outcome: AdminRelationshipStatus): AdminRelationshipOutput {
    context.df.setCustomStatus({ phase: "done", outcome });
    return { relationshipId: input.relationshipId, outcome, remindersSent };
  }

  const start = yield* read();
  if (!inForce(start.status)) return finish(start.status);

  const schedule = lifecycleSchedule(new Date(start.endsAt), start.autoExtend, context.df.currentUtcDateTime);
  let next = 0;
  for (;;) {
    const wake = schedule[Math.min(next, schedule.length - 1)]!;
    context.df.setCustomStatus({
      phase: "waiting",
      next: wake.step === "end" ? "end" : `reminder-${wake.step}`,
      at: wake.at.toISOString(),
      endsAt: start.endsAt,
      autoExtend: start.autoExtend,
    });
    // A fresh event task each round: the SDK hands a raised event to the newest waiter.
    const terminated = context.df.waitForExternalEvent(ADMIN_RELATIONSHIP_TERMINATED_EVENT);
    const timer = context.df.createTimer(wake.at);
    const winner = (yield context.df.Task.any([terminated, timer])) as Task;
    if (winner !== timer) {
      timer.cancel();
      const now = yield* read();
      if (!inForce(now.status)) return finish(now.status);
      // The document still says in force: the event was stale. Keep waiting for the same wake.
      continue;
    }
    next++;

    if (wake.step !== "end") {
      // Woken so late that the next wake is due too (a host down for days, a clock moved far):
      // an older reminder would only precede a more accurate one, so it is skipped.
      const following = schedule[next];
      if (following && context.df.currentUtcDateTime.getTime() >= following.at.getTime()) continue;
      const reminded = remindAdminPartnerResultSchema.parse(
        yield context.df.callActivityWithRetry(REMIND_ADMIN_PARTNER_ACTIVITY, ACTIVITY_RETRY, {
          ...ref,
          endsAt: start.endsAt,
          daysBefore: wake.step,
        }),
      );
      if (reminded.sent) remindersSent++;
      if (!inForce(reminded.status)) return finish(reminded.status);
      continue;
    }

    const ended = endAdminRelationshipResultSchema.parse(
      yield context.df.callActivityWithRetry(END_ADMIN_RELATIONSHIP_ACTIVITY, ACTIVITY_RETRY, {
        ...ref,
        endsAt: start.endsAt,
      }),
    );
    if (ended.outcome === "extended") {
      context.df.setCustomStatus({ phase: "extended", endsAt: ended.endsAt });
      // A new execution per period: the schedule is recomputed from the stored (new) end date.
      context.df.continueAsNew(input);
      return undefined;
    }
    if (ended.outcome === "expired") {
      yield context.df.callActivityWithRetry(NOTIFY_ADMIN_EXPIRED_ACTIVITY, ACTIVITY_RETRY, ref);
    }
    if (inForce(ended.outcome)) {
      throw new Error(`Admin relationship ${input.relationshipId} is still in force after its end.`);
    }
    return finish(ended.outcome);
  }
};
