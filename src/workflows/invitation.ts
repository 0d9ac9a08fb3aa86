import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import {
  customerDecisionEventSchema,
  createRelationshipsInputSchema,
  partnerCancelledEventSchema,
  createRelationshipsResultSchema,
  expireInvitationInputSchema,
  expireInvitationResultSchema,
  invitationStartInputSchema,
  notifyPartnerInputSchema,
  notifyPartnerResultSchema,
  readInvitationStatusInputSchema,
  readInvitationStatusResultSchema,
  sendCustomerEmailInputSchema,
  sendCustomerEmailResultSchema,
  type CustomerEmailStep,
  type ReadInvitationStatusResult,
  type SendCustomerEmailResult,
} from "../application/invitations/contracts";
import { FIRST_REMINDER_AFTER_MS, LAST_REMINDER_BEFORE_EXPIRY_MS } from "../domain/lifecycle";
import { invitationOutcome, type InvitationOutcome } from "../domain/model";
import { DAY_MS } from "../domain/time";
import { activityRetryOptions, callActivity, defineActivity } from "./activity";
import { startAdminLifecyclesResultSchema } from "../application/admin-relationship-contracts";
import { startAdminLifecyclesActivity } from "./admin-relationship";

/**
 * One invitation's life: email the customer, remind them, and wait for whichever comes first — the
 * customer's decision, the partner's cancellation or expiry — then run the consequences.
 *
 * The invitation document is the truth. HTTP handlers change it first (conditional replace) and only
 * then raise an event stating what it now records, so an event wake acts on the event's outcome and
 * a timer wake reads the document through an activity. A lost event therefore only delays the
 * outcome until the next timer, and every consequence activity is idempotent.
 *
 * Nothing here carries the link's secret: activities rebuild the link from the stored nonce.
 */
export const INVITATION_ORCHESTRATION = "invitation";

/** Raised by the customer's accept/decline handler after the document records the decision. */
export const CUSTOMER_DECISION_EVENT = "CustomerDecision";
/** Raised by the partner's cancel handler after the document records the cancellation. */
export const PARTNER_CANCELLED_EVENT = "PartnerCancelled";

export const SEND_CUSTOMER_EMAIL_ACTIVITY = "invitationSendCustomerEmail";
export const READ_INVITATION_STATUS_ACTIVITY = "invitationReadStatus";
export const EXPIRE_INVITATION_ACTIVITY = "invitationExpire";
export const CREATE_RELATIONSHIPS_ACTIVITY = "invitationCreateRelationships";
export const NOTIFY_PARTNER_ACTIVITY = "invitationNotifyPartner";

// The contracts live beside the use cases (src/application); re-exported for the functions that register them.
export {
  CUSTOMER_EMAIL_STEPS,
  createRelationshipsInputSchema,
  createRelationshipsResultSchema,
  customerDecisionEventSchema,
  expireInvitationInputSchema,
  expireInvitationResultSchema,
  invitationOrchestrationInputSchema,
  invitationStartInputSchema,
  notifyPartnerInputSchema,
  notifyPartnerResultSchema,
  partnerCancelledEventSchema,
  readInvitationStatusInputSchema,
  readInvitationStatusResultSchema,
  sendCustomerEmailInputSchema,
  sendCustomerEmailResultSchema,
  type CreateRelationshipsResult,
  type CustomerDecisionEvent,
  type CustomerEmailStep,
  type ExpireInvitationResult,
  type InvitationOrchestrationInput,
  type InvitationStartInput,
  type NotifyPartnerInput,
  type NotifyPartnerResult,
  type PartnerCancelledEvent,
  type ReadInvitationStatusResult,
  type SendCustomerEmailInput,
  type SendCustomerEmailResult,
} from "../application/invitations/contracts";
export { FIRST_REMINDER_AFTER_MS, LAST_REMINDER_BEFORE_EXPIRY_MS } from "../domain/lifecycle";
export type { InvitationOutcome } from "../domain/model";

export interface InvitationOrchestrationOutput {
  invitationId: string;
  outcome: InvitationOutcome;
  relationshipIds: string[];
  remindersSent: number;
}

/** The orchestration's activities: name, schemas and retry policy in one place (see ./activity). */
export const sendCustomerEmailActivity = defineActivity({
  name: SEND_CUSTOMER_EMAIL_ACTIVITY,
  input: sendCustomerEmailInputSchema,
  result: sendCustomerEmailResultSchema,
  retry: activityRetryOptions(),
});
export const readInvitationStatusActivity = defineActivity({
  name: READ_INVITATION_STATUS_ACTIVITY,
  input: readInvitationStatusInputSchema,
  result: readInvitationStatusResultSchema,
  retry: activityRetryOptions(),
});
export const expireInvitationActivity = defineActivity({
  name: EXPIRE_INVITATION_ACTIVITY,
  input: expireInvitationInputSchema,
  result: expireInvitationResultSchema,
  retry: activityRetryOptions(),
});
export const createRelationshipsActivity = defineActivity({
  name: CREATE_RELATIONSHIPS_ACTIVITY,
  input: createRelationshipsInputSchema,
  result: createRelationshipsResultSchema,
  retry: activityRetryOptions(),
});
export const notifyPartnerActivity = defineActivity({
  name: NOTIFY_PARTNER_ACTIVITY,
  input: notifyPartnerInputSchema,
  result: notifyPartnerResultSchema,
  retry: activityRetryOptions(),
});

interface Wake {
  at: Date;
  step: CustomerEmailStep | "expiry";
}

/** Reminders that still lie ahead and before expiry, then expiry itself; computed from stored dates only. */
export function wakeSchedule(createdAt: Date, expiresAt: Date, now: Date): Wake[] {
  const reminders: Wake[] = [
    { at: new Date(createdAt.getTime() + FIRST_REMINDER_AFTER_MS), step: "reminder-first" },
    { at: new Date(expiresAt.getTime() - LAST_REMINDER_BEFORE_EXPIRY_MS), step: "reminder-last" },
  ];
  const ahead = reminders
    .filter((w) => w.at.getTime() > now.getTime() && w.at.getTime() < expiresAt.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  // Short-lived invitations may put both reminders at nearly the same instant: one is enough.
  const distinct = ahead.filter((w, i) => i === 0 || w.at.getTime() - ahead[i - 1]!.at.getTime() >= DAY_MS);
  return [...distinct, { at: expiresAt, step: "expiry" }];
}

export const invitationOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = invitationStartInputSchema.parse(context.df.getInput());
  const ref = { invitationId: input.invitationId, partnerId: input.partnerId };
  const emailFailures: CustomerEmailStep[] = [];

  /** Reads the document: whatever woke us, it decides. */
  function* read(): Generator<Task, ReadInvitationStatusResult, unknown> {
    return readInvitationStatusResultSchema.parse(
      yield callActivity(context, readInvitationStatusActivity, ref),
    );
  }

  /**
   * A customer email that still fails after the retries does not end the invitation: it stays
   * answerable (and expires on time); the failure shows in the custom status for operators.
   */
  function* email(step: CustomerEmailStep): Generator<Task, SendCustomerEmailResult | undefined, unknown> {
    try {
      return sendCustomerEmailResultSchema.parse(
        yield callActivity(context, sendCustomerEmailActivity, {
          ...ref,
          step,
        }),
      );
    } catch {
      emailFailures.push(step);
      return undefined;
    }
  }

  // Started with the invitation's dates: no read first, the email activity reads the document and
  // reports what it says. Started without them (older instances, the recovery sweep): read first.
  // Which path an instance takes depends on its input alone, so its replays take the same one.
  let start: { createdAt: string; expiresAt: string };
  let outcome: InvitationOutcome | undefined;
  if (input.createdAt && input.expiresAt) {
    start = { createdAt: input.createdAt, expiresAt: input.expiresAt };
  } else {
    const current = yield* read();
    start = current;
    outcome = invitationOutcome(current.status);
  }
  let remindersSent = 0;
  if (outcome === undefined) {
    context.df.setCustomStatus({ phase: "sending" });
    const sent = yield* email("invitation");
    if (sent) outcome = invitationOutcome(sent.status);
  }

  const schedule = wakeSchedule(
    new Date(start.createdAt),
    new Date(start.expiresAt),
    context.df.currentUtcDateTime,
  );
  let next = 0;
  while (outcome === undefined) {
    const wake = schedule[Math.min(next, schedule.length - 1)]!;
    context.df.setCustomStatus({
      phase: "waiting",
      next: wake.step,
      at: wake.at.toISOString(),
      emailFailures,
    });
    // Fresh event tasks each round: the SDK hands a raised event to the newest waiter.
    const decision = context.df.waitForExternalEvent(CUSTOMER_DECISION_EVENT);
    const cancelled = context.df.waitForExternalEvent(PARTNER_CANCELLED_EVENT);
    const timer = context.df.createTimer(wake.at);
    const winner = (yield context.df.Task.any([decision, cancelled, timer])) as Task;
    if (winner !== timer) timer.cancel();

    // Each event states what the document records (see outcomeFromEvents); an instance started
    // without that promise, and every timer wake, reads the document.
    // A payload that does not parse is read past, like any doubt.
    const stated = !input.outcomeFromEvents
      ? undefined
      : winner === decision
        ? customerDecisionEventSchema.safeParse(decision.result).data?.decision
        : winner === cancelled && partnerCancelledEventSchema.safeParse(cancelled.result).success
          ? ("cancelled" as const)
          : undefined;
    outcome = stated ?? invitationOutcome((yield* read()).status);
    // An event whose document still says pending changes nothing: keep waiting for the same wake.
    if (outcome !== undefined || winner !== timer) continue;

    next++;
    if (wake.step === "expiry") {
      const expired = expireInvitationResultSchema.parse(
        yield callActivity(context, expireInvitationActivity, ref),
      );
      outcome = invitationOutcome(expired.status);
      if (outcome === undefined)
        throw new Error(`Invitation ${input.invitationId} is still pending after expiry.`);
    } else {
      const sent = yield* email(wake.step);
      if (sent?.sent) remindersSent++;
      if (sent) outcome = invitationOutcome(sent.status);
    }
  }

  context.df.setCustomStatus({ phase: "concluding", outcome, emailFailures });
  let relationshipIds: string[] = [];
  let lifecycleStartFailed = false;
  // The creation's first run starts the admin lifecycles and tells the partner itself (from the
  // documents it just wrote); a result without that (a re-run, a failure there, an older history)
  // leaves both to the activities below.
  let concluded = false;
  if (outcome === "accepted") {
    const created = createRelationshipsResultSchema.parse(
      yield callActivity(context, createRelationshipsActivity, ref),
    );
    relationshipIds = created.relationshipIds;
    concluded = created.concluded === true;
    // Admin relationships live on in their own instances (started, not awaited: their lifetime is
    // the relationship's, not the invitation's). A start that keeps failing must not keep the
    // partner from being told; it shows in the custom status for operators. A reseller-only
    // acceptance has none to start (known from results that list them).
    if (!concluded && created.adminRelationshipIds?.length !== 0)
      try {
        startAdminLifecyclesResultSchema.parse(
          yield callActivity(context, startAdminLifecyclesActivity, {
            // Only the admin ones have a lifecycle: the reseller relationship is not read to find that
            // out. A result recorded without the split (an older history) passes them all.
            relationshipIds: created.adminRelationshipIds ?? relationshipIds,
            // Spares the lifecycles the relationship lookup; a result recorded without it (an older
            // history) starts them the old way.
            ...(created.customerTenantId ? { customerTenantId: created.customerTenantId } : {}),
          }),
        );
      } catch {
        lifecycleStartFailed = true;
      }
  }
  if (!concluded) yield callActivity(context, notifyPartnerActivity, { ...ref, outcome });
  context.df.setCustomStatus({
    phase: "done",
    outcome,
    emailFailures,
    ...(lifecycleStartFailed ? { lifecycleStartFailed } : {}),
  });
  const output: InvitationOrchestrationOutput = {
    invitationId: input.invitationId,
    outcome,
    relationshipIds,
    remindersSent,
  };
  return output;
};
