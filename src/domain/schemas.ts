import { z } from "zod";
import {
  ACTOR_KINDS,
  CLOUDS,
  CUSTOMER_DECISIONS,
  INVITATION_OUTCOMES,
  INVITATION_KINDS,
  INVITATION_STATUSES,
  LOCALES,
  PARTNER_TYPES,
  RELATIONSHIP_STATUSES,
  RELATIONSHIP_TYPES,
  type Actor,
  type AuditRecord,
  type Invitation,
  type Partner,
  type Relationship,
} from "./model";

/**
 * The domain's records as zod schemas, written once: stored documents are parsed with them, and the
 * API's views are derived from them (omitting what a caller must not see), so the two cannot drift.
 */

export const partnerSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(PARTNER_TYPES),
  cloud: z.enum(CLOUDS),
  indirectProviderId: z.string().optional(),
  contactEmail: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<Partner>;

export const invitationStatusSchema = z.enum(INVITATION_STATUSES);
export const invitationOutcomeSchema = z.enum(INVITATION_OUTCOMES);
export const customerDecisionSchema = z.enum(CUSTOMER_DECISIONS);
export const relationshipStatusSchema = z.enum(RELATIONSHIP_STATUSES);

export const actorSchema = z.object({
  kind: z.enum(ACTOR_KINDS),
  tenantId: z.string().optional(),
  userId: z.string().optional(),
}) satisfies z.ZodType<Actor>;

export const invitationSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  cloud: z.enum(CLOUDS),
  kind: z.enum(INVITATION_KINDS),
  status: invitationStatusSchema,
  customer: z.object({
    domain: z.string(),
    displayName: z.string(),
    adminEmail: z.string(),
    tenantId: z.string().optional(),
  }),
  locale: z.enum(LOCALES),
  admin: z
    .object({ roles: z.array(z.string()), durationDays: z.number(), autoExtend: z.boolean() })
    .optional(),
  resellerPartnerId: z.string().optional(),
  tokenHash: z.string(),
  linkNonce: z.string(),
  createdBy: actorSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().optional(),
  decidedBy: actorSchema.optional(),
  relationshipIds: z.array(z.string()).optional(),
  lastResentAt: z.string().optional(),
}) satisfies z.ZodType<Invitation>;

export const relationshipSchema = z.object({
  id: z.string(),
  customerTenantId: z.string(),
  type: z.enum(RELATIONSHIP_TYPES),
  partnerId: z.string(),
  indirectResellerId: z.string().optional(),
  status: relationshipStatusSchema,
  roles: z.array(z.string()).optional(),
  durationDays: z.number().optional(),
  autoExtend: z.boolean().optional(),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  invitationId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<Relationship>;

export const auditRecordSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  resourceType: z.enum(["partner", "invitation", "relationship", "subscription", "migration"]),
  resourceId: z.string(),
  action: z.string(),
  outcome: z.enum(["applied", "refused"]),
  rule: z
    .string()
    .regex(/^R\d+$/)
    .optional(),
  actor: actorSchema,
  at: z.string(),
  detail: z.string().optional(),
}) satisfies z.ZodType<AuditRecord>;
