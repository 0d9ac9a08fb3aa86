import { z } from "zod";
import { relationshipStatusSchema } from "../domain/schemas";

/**
 * What the admin relationship use cases and its orchestration exchange: each activity's input and
 * result, and the one-instance-per-relationship id. Defined beside the use cases so the application
 * needs nothing from the workflows; the orchestration imports them.
 */

export function adminRelationshipInstanceId(relationshipId: string): string {
  return `admin-relationship:${relationshipId}`;
}

/** `customerTenantId` (the relationship's partition) makes every read one point read. */
/** Which relationship an instance or step is about. */
export const adminRelationshipRefSchema = z
  .object({
    relationshipId: z.string().min(1).max(200),
    customerTenantId: z.string().min(1).max(200),
  })
  .strict();
export type AdminRelationshipRef = z.infer<typeof adminRelationshipRefSchema>;

/**
 * A lifecycle's input. `period` is what the starter had just written (the relationship in force, its
 * end and effective auto-extend): it spares the first execution a read. Later executions
 * (continueAsNew after an extension or a change) and instances started without it read the document.
 */
export const adminRelationshipInputSchema = adminRelationshipRefSchema
  .extend({
    period: z.object({ endsAt: z.iso.datetime(), autoExtend: z.boolean() }).strict().optional(),
  })
  .strict();
export type AdminRelationshipInput = z.infer<typeof adminRelationshipInputSchema>;

export const readAdminRelationshipInputSchema = adminRelationshipRefSchema;
/** `autoExtend` is the effective one: never with Global Administrator (R6), whatever was stored. */
export const readAdminRelationshipResultSchema = z.object({
  status: relationshipStatusSchema,
  endsAt: z.iso.datetime(),
  autoExtend: z.boolean(),
});
export type ReadAdminRelationshipResult = z.infer<typeof readAdminRelationshipResultSchema>;

/** The period (its `endsAt`) is part of every step: a step of one period never acts on another. */
export const remindAdminPartnerInputSchema = adminRelationshipRefSchema
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

export const endAdminRelationshipInputSchema = adminRelationshipRefSchema
  .extend({ endsAt: z.iso.datetime() })
  .strict();
export type EndAdminRelationshipInput = z.infer<typeof endAdminRelationshipInputSchema>;
/** `extended` (with the new end), `expired`, or the status that won the race (e.g. `terminated`). */
export const endAdminRelationshipResultSchema = z.object({
  outcome: z.union([z.literal("extended"), relationshipStatusSchema]),
  endsAt: z.iso.datetime(),
});
export type EndAdminRelationshipResult = z.infer<typeof endAdminRelationshipResultSchema>;

export const notifyAdminExpiredInputSchema = adminRelationshipRefSchema;
export const notifyAdminExpiredResultSchema = z.object({ sent: z.boolean() });
export type NotifyAdminExpiredResult = z.infer<typeof notifyAdminExpiredResultSchema>;

export const startAdminLifecyclesInputSchema = z
  .object({
    relationshipIds: z.array(z.string().min(1).max(200)).max(10),
    /** The customer of all of them (one invitation's relationships); absent in older histories. */
    customerTenantId: z.string().min(1).max(200).optional(),
  })
  .strict();
export type StartAdminLifecyclesInput = z.infer<typeof startAdminLifecyclesInputSchema>;
export const startAdminLifecyclesResultSchema = z.object({ instanceIds: z.array(z.string()) });
export type StartAdminLifecyclesResult = z.infer<typeof startAdminLifecyclesResultSchema>;
