import {
  RetryOptions,
  type OrchestrationContext,
  type OrchestrationHandler,
  type Task,
} from "durable-functions";
import { z } from "zod";
import { START_ADMIN_LIFECYCLES_ACTIVITY, startAdminLifecyclesResultSchema } from "./admin-relationship";

/**
 * One invitation's life: email the customer, remind them, and wait for whichever comes first — the
 * customer's decision, the partner's cancellation or expiry — then run the consequences.
 *
 * The invitation document is the truth. HTTP handlers change it first (conditional replace) and only
 * then raise an event, so whenever the orchestration wakes (event or timer) it re-reads the document
 * through an activity and acts on what is recorded there. A lost event therefore only delays the
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

/** First reminder this long after creation; the second this long before expiry (docs/rules.md, invitations step 5). */
export const FIRST_REMINDER_AFTER_MS = 7 * 86_400_000;
export const LAST_REMINDER_BEFORE_EXPIRY_MS = 3 * 86_400_000;

export const invitationOrchestrationInputSchema = z
  .object({ invitationId: z.string().min(1).max(200), partnerId: z.string().min(1).max(200) })
  .strict();
export type InvitationOrchestrationInput = z.infer<typeof invitationOrchestrationInputSchema>;

const statusSchema = z.enum(["pending", "accepted", "declined", "expired", "cancelled"]);
const outcomeSchema = z.enum(["accepted", "declined", "expired", "cancelled"]);
export type InvitationOutcome = z.infer<typeof outcomeSchema>;

const actorSchema = z.object({
  kind: z.enum(["partner", "customer", "operator", "system"]),
  tenantId: z.string().optional(),
  userId: z.string().optional(),
});

export const customerDecisionEventSchema = z.object({
  decision: z.enum(["accepted", "declined"]),
  by: actorSchema,
});
export type CustomerDecisionEvent = z.infer<typeof customerDecisionEventSchema>;

export const partnerCancelledEventSchema = z.object({
  by: actorSchema,
});
export type PartnerCancelledEvent = z.infer<typeof partnerCancelledEventSchema>;

/** The customer emails; each is one step with its own idempotent operation id. */
export const CUSTOMER_EMAIL_STEPS = ["invitation", "reminder-first", "reminder-last"] as const;
export type CustomerEmailStep = (typeof CUSTOMER_EMAIL_STEPS)[number];

export const sendCustomerEmailInputSchema = invitationOrchestrationInputSchema
  .extend({ step: z.enum(CUSTOMER_EMAIL_STEPS) })
  .strict();
export type SendCustomerEmailInput = z.infer<typeof sendCustomerEmailInputSchema>;
/** `sent: false` when the invitation was no longer pending (or past expiry): nothing went out. */
export const sendCustomerEmailResultSchema = z.object({ sent: z.boolean(), status: statusSchema });
export type SendCustomerEmailResult = z.infer<typeof sendCustomerEmailResultSchema>;

export const readInvitationStatusInputSchema = invitationOrchestrationInputSchema;
/** The status, and the dates the timers are computed from (read once at the start). */
export const readInvitationStatusResultSchema = z.object({
  status: statusSchema,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export type ReadInvitationStatusResult = z.infer<typeof readInvitationStatusResultSchema>;

export const expireInvitationInputSchema = invitationOrchestrationInputSchema;
/** The status after the attempt: `expired`, or the outcome that won the race. */
export const expireInvitationResultSchema = z.object({ status: statusSchema });
export type ExpireInvitationResult = z.infer<typeof expireInvitationResultSchema>;

export const createRelationshipsInputSchema = invitationOrchestrationInputSchema;
export const createRelationshipsResultSchema = z.object({ relationshipIds: z.array(z.string()) });
export type CreateRelationshipsResult = z.infer<typeof createRelationshipsResultSchema>;

export const notifyPartnerInputSchema = invitationOrchestrationInputSchema
  .extend({ outcome: outcomeSchema })
  .strict();
export type NotifyPartnerInput = z.infer<typeof notifyPartnerInputSchema>;
export const notifyPartnerResultSchema = z.object({ sent: z.boolean() });
export type NotifyPartnerResult = z.infer<typeof notifyPartnerResultSchema>;

export interface InvitationOrchestrationOutput {
  invitationId: string;
  outcome: InvitationOutcome;
  relationshipIds: string[];
  remindersSent: number;
}

/**
 * Activities talk to Cosmos DB and the email service, both of which throttle (ACS: 429 with
 * Retry-After): retried with backoff, on durable timers, so a retry costs nothing while it waits.
 */
export const ACTIVITY_RETRY = (() => {
  const retry = new RetryOptions(30_000, 6);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 15 * 60_000;
  return retry;
})();

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
  const distinct = ahead.filter(
    (w, i) => i === 0 || w.at.getTime() - ahead[i - 1]!.at.getTime() >= 86_400_000,
  );
  return [...distinct, { at: expiresAt, step: "expiry" }];
}

function outcomeOf(status: z.infer<typeof statusSchema>): InvitationOutcome | undefined {
  return status === "pending" ? undefined : status;
}

export const invitationOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = invitationOrchestrationInputSchema.parse(context.df.getInput());
  const ref = { invitationId: input.invitationId, partnerId: input.partnerId };
  const emailFailures: CustomerEmailStep[] = [];

  /** Reads the document: whatever woke us, it decides. */
  function* read(): Generator<Task, ReadInvitationStatusResult, unknown> {
    return readInvitationStatusResultSchema.parse(
      yield context.df.callActivityWithRetry(READ_INVITATION_STATUS_ACTIVITY, ACTIVITY_RETRY, ref),
    );
  }

  /**
   * A customer email that still fails after the retries does not end the invitation: it stays
   * answerable (and expires on time); the failure shows in the custom status for operators.
   */
  function* email(step: CustomerEmailStep): Generator<Task, SendCustomerEmailResult | undefined, unknown> {
    try {
      return sendCustomerEmailResultSchema.parse(
        yield context.df.callActivityWithRetry(SEND_CUSTOMER_EMAIL_ACTIVITY, ACTIVITY_RETRY, {
          ...ref,
          step,
        }),
      );
    } catch {
      emailFailures.push(step);
      return undefined;
    }
  }

  const start = yield* read();
  let outcome = outcomeOf(start.status);
  let remindersSent = 0;
  if (outcome === undefined) {
    context.df.setCustomStatus({ phase: "sending" });
    const sent = yield* email("invitation");
    if (sent) outcome = outcomeOf(sent.status);
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

    outcome = outcomeOf((yield* read()).status);
    // An event whose document still says pending changes nothing: keep waiting for the same wake.
    if (outcome !== undefined || winner !== timer) continue;

    next++;
    if (wake.step === "expiry") {
      const expired = expireInvitationResultSchema.parse(
        yield context.df.callActivityWithRetry(EXPIRE_INVITATION_ACTIVITY, ACTIVITY_RETRY, ref),
      );
      outcome = outcomeOf(expired.status);
      if (outcome === undefined)
        throw new Error(`Invitation ${input.invitationId} is still pending after expiry.`);
    } else {
      const sent = yield* email(wake.step);
      if (sent?.sent) remindersSent++;
      if (sent) outcome = outcomeOf(sent.status);
    }
  }

  context.df.setCustomStatus({ phase: "concluding", outcome, emailFailures });
  let relationshipIds: string[] = [];
  let lifecycleStartFailed = false;
  if (outcome === "accepted") {
    const created = createRelationshipsResultSchema.parse(
      yield context.df.callActivityWithRetry(CREATE_RELATIONSHIPS_ACTIVITY, ACTIVITY_RETRY, ref),
    );
    relationshipIds = created.relationshipIds;
    // Admin relationships live on in their own instances (started, not awaited: their lifetime is
    // the relationship's, not the invitation's). A start that keeps failing must not keep the
    // partner from being told; it shows in the custom status for operators.
    try {
      startAdminLifecyclesResultSchema.parse(
        yield context.df.callActivityWithRetry(START_ADMIN_LIFECYCLES_ACTIVITY, ACTIVITY_RETRY, {
          relationshipIds,
        }),
      );
    } catch {
      lifecycleStartFailed = true;
    }
  }
  yield context.df.callActivityWithRetry(NOTIFY_PARTNER_ACTIVITY, ACTIVITY_RETRY, { ...ref, outcome });
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
