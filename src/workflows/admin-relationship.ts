import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import {
  adminRelationshipInputSchema,
  endAdminRelationshipInputSchema,
  endAdminRelationshipResultSchema,
  notifyAdminExpiredInputSchema,
  notifyAdminExpiredResultSchema,
  readAdminRelationshipInputSchema,
  readAdminRelationshipResultSchema,
  remindAdminPartnerInputSchema,
  remindAdminPartnerResultSchema,
  startAdminLifecyclesInputSchema,
  startAdminLifecyclesResultSchema,
  type ReadAdminRelationshipResult,
} from "../application/admin-relationship-contracts";
import { inForce, REMINDER_DAYS_BEFORE_END, type ReminderDays } from "../domain/lifecycle";
import type { RelationshipStatus as AdminRelationshipStatus } from "../domain/model";
import { DAY_MS } from "../domain/time";
import { activityRetryOptions, callActivity, defineActivity } from "./activity";

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
/** Raised after the document records a changed auto-extend: the schedule is computed afresh. */
export const ADMIN_RELATIONSHIP_CHANGED_EVENT = "AdminRelationshipChanged";

export const READ_ADMIN_RELATIONSHIP_ACTIVITY = "adminRelationshipRead";
export const REMIND_ADMIN_PARTNER_ACTIVITY = "adminRelationshipRemindPartner";
export const END_ADMIN_RELATIONSHIP_ACTIVITY = "adminRelationshipEnd";
export const NOTIFY_ADMIN_EXPIRED_ACTIVITY = "adminRelationshipNotifyExpired";
/** Run by the invitation orchestration: starts the lifecycle of each new admin relationship. */
export const START_ADMIN_LIFECYCLES_ACTIVITY = "adminRelationshipStartLifecycles";

// The contracts live beside the use cases (src/application) and the rules in src/domain;
// re-exported for the functions that register them.
export {
  adminRelationshipInputSchema,
  adminRelationshipInstanceId,
  endAdminRelationshipInputSchema,
  endAdminRelationshipResultSchema,
  notifyAdminExpiredInputSchema,
  notifyAdminExpiredResultSchema,
  readAdminRelationshipInputSchema,
  readAdminRelationshipResultSchema,
  remindAdminPartnerInputSchema,
  remindAdminPartnerResultSchema,
  startAdminLifecyclesInputSchema,
  startAdminLifecyclesResultSchema,
  type AdminRelationshipInput,
  type EndAdminRelationshipInput,
  type EndAdminRelationshipResult,
  type NotifyAdminExpiredResult,
  type ReadAdminRelationshipResult,
  type RemindAdminPartnerInput,
  type RemindAdminPartnerResult,
  type StartAdminLifecyclesInput,
  type StartAdminLifecyclesResult,
} from "../application/admin-relationship-contracts";
export {
  AUTO_EXTEND_DAYS,
  extendedEnd,
  inForce,
  REMINDER_DAYS_BEFORE_END,
  type ReminderDays,
} from "../domain/lifecycle";
export type { RelationshipStatus as AdminRelationshipStatus } from "../domain/model";

/**
 * The lifecycle's activities: name, schemas and retry policy in one place (see ./activity).
 * Cosmos DB and the email service throttle: retried with backoff on durable timers.
 */
export const readAdminRelationshipActivity = defineActivity({
  name: READ_ADMIN_RELATIONSHIP_ACTIVITY,
  input: readAdminRelationshipInputSchema,
  result: readAdminRelationshipResultSchema,
  retry: activityRetryOptions(),
});
export const remindAdminPartnerActivity = defineActivity({
  name: REMIND_ADMIN_PARTNER_ACTIVITY,
  input: remindAdminPartnerInputSchema,
  result: remindAdminPartnerResultSchema,
  retry: activityRetryOptions(),
});
export const endAdminRelationshipActivity = defineActivity({
  name: END_ADMIN_RELATIONSHIP_ACTIVITY,
  input: endAdminRelationshipInputSchema,
  result: endAdminRelationshipResultSchema,
  retry: activityRetryOptions(),
});
export const notifyAdminExpiredActivity = defineActivity({
  name: NOTIFY_ADMIN_EXPIRED_ACTIVITY,
  input: notifyAdminExpiredInputSchema,
  result: notifyAdminExpiredResultSchema,
  retry: activityRetryOptions(),
});
/** Called by the invitation orchestration once its relationships exist. */
export const startAdminLifecyclesActivity = defineActivity({
  name: START_ADMIN_LIFECYCLES_ACTIVITY,
  input: startAdminLifecyclesInputSchema,
  result: startAdminLifecyclesResultSchema,
  retry: activityRetryOptions(),
});

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

export const adminRelationshipOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = adminRelationshipInputSchema.parse(context.df.getInput());
  const ref = { relationshipId: input.relationshipId, customerTenantId: input.customerTenantId };
  let remindersSent = 0;

  function* read(): Generator<Task, ReadAdminRelationshipResult, unknown> {
    return readAdminRelationshipResultSchema.parse(
      yield callActivity(context, readAdminRelationshipActivity, ref),
    );
  }
  function finish(outcome: AdminRelationshipStatus): AdminRelationshipOutput {
    context.df.setCustomStatus({ phase: "done", outcome });
    return { relationshipId: input.relationshipId, outcome, remindersSent };
  }

  // Started with the period just written (in force): no read first. Which path an execution takes
  // depends on its input alone, so its replays take the same one.
  const start = input.period ? { status: "active" as const, ...input.period } : yield* read();
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
    const changed = context.df.waitForExternalEvent(ADMIN_RELATIONSHIP_CHANGED_EVENT);
    const timer = context.df.createTimer(wake.at);
    const winner = (yield context.df.Task.any([terminated, changed, timer])) as Task;
    if (winner === changed) {
      timer.cancel();
      // Reminders depend on auto-extend (R7): a new execution reads the document and plans again.
      context.df.continueAsNew(ref);
      return undefined;
    }
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
        yield callActivity(context, remindAdminPartnerActivity, {
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
      yield callActivity(context, endAdminRelationshipActivity, {
        ...ref,
        endsAt: start.endsAt,
      }),
    );
    if (ended.outcome === "extended") {
      context.df.setCustomStatus({ phase: "extended", endsAt: ended.endsAt });
      // A new execution per period: the schedule is recomputed from the stored (new) end date.
      context.df.continueAsNew(ref);
      return undefined;
    }
    if (ended.outcome === "expired") {
      yield callActivity(context, notifyAdminExpiredActivity, ref);
    }
    if (inForce(ended.outcome)) {
      throw new Error(`Admin relationship ${input.relationshipId} is still in force after its end.`);
    }
    return finish(ended.outcome);
  }
};
