import { z } from "zod";
import {
  actorSchema,
  customerDecisionSchema,
  invitationOutcomeSchema,
  invitationStatusSchema,
} from "../../domain/schemas";

/**
 * What the invitation's use cases and its orchestration exchange: the events the use cases raise
 * and each activity's input and result. Defined here, beside the use cases that produce them, so the
 * application needs nothing from the workflows; the orchestration imports them.
 */

export const invitationOrchestrationInputSchema = z
  .object({ invitationId: z.string().min(1).max(200), partnerId: z.string().min(1).max(200) })
  .strict();
export type InvitationOrchestrationInput = z.infer<typeof invitationOrchestrationInputSchema>;

/**
 * What the orchestration is started with: the invitation and, from the creating request, its dates
 * (never changed after creation), so the orchestration schedules its wakes without reading the
 * document first. Absent for instances started before they were passed and by the recovery sweep:
 * those read the document first, as before.
 */
export const invitationStartInputSchema = invitationOrchestrationInputSchema
  .extend({
    createdAt: z.iso.datetime().optional(),
    expiresAt: z.iso.datetime().optional(),
    /**
     * Set on every start since decision and cancellation events carry the outcome the document
     * records (each is raised only after its write, or re-raised from the stored document by
     * recovery): such an instance takes the outcome from the event instead of reading it back.
     * Absent in instances started before, which keep reading, so their replays schedule the same
     * activities.
     */
    outcomeFromEvents: z.literal(true).optional(),
  })
  .strict();
export type InvitationStartInput = z.infer<typeof invitationStartInputSchema>;

/** Raised after the document records the customer's decision. */
export const customerDecisionEventSchema = z.object({
  decision: customerDecisionSchema,
  by: actorSchema,
});
export type CustomerDecisionEvent = z.infer<typeof customerDecisionEventSchema>;

/** Raised after the document records the partner's cancellation. */
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
export const sendCustomerEmailResultSchema = z.object({ sent: z.boolean(), status: invitationStatusSchema });
export type SendCustomerEmailResult = z.infer<typeof sendCustomerEmailResultSchema>;

export const readInvitationStatusInputSchema = invitationOrchestrationInputSchema;
/** The status, and the dates the timers are computed from (read once at the start). */
export const readInvitationStatusResultSchema = z.object({
  status: invitationStatusSchema,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export type ReadInvitationStatusResult = z.infer<typeof readInvitationStatusResultSchema>;

export const expireInvitationInputSchema = invitationOrchestrationInputSchema;
/** The status after the attempt: `expired`, or the outcome that won the race. */
export const expireInvitationResultSchema = z.object({ status: invitationStatusSchema });
export type ExpireInvitationResult = z.infer<typeof expireInvitationResultSchema>;

export const createRelationshipsInputSchema = invitationOrchestrationInputSchema;
/** `customerTenantId` is absent from results recorded before it was returned (older histories). */
export const createRelationshipsResultSchema = z.object({
  relationshipIds: z.array(z.string()),
  customerTenantId: z.string().optional(),
  /** Which of them are admin relationships; absent in results recorded before it was. */
  adminRelationshipIds: z.array(z.string()).optional(),
  /** The run also started the admin lifecycles and told the partner (absent: still to do). */
  concluded: z.literal(true).optional(),
});
export type CreateRelationshipsResult = z.infer<typeof createRelationshipsResultSchema>;

export const notifyPartnerInputSchema = invitationOrchestrationInputSchema
  .extend({ outcome: invitationOutcomeSchema })
  .strict();
export type NotifyPartnerInput = z.infer<typeof notifyPartnerInputSchema>;
export const notifyPartnerResultSchema = z.object({ sent: z.boolean() });
export type NotifyPartnerResult = z.infer<typeof notifyPartnerResultSchema>;
