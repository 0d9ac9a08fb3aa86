import { z } from "zod";
import {
  CLOUDS,
  INVITATION_KINDS,
  INVITATION_STATUSES,
  LOCALES,
  PARTNER_TYPES,
  RELATIONSHIP_TYPES,
  type AuditRecord,
  type Invitation,
  type Partner,
  type Relationship,
} from "../../domain/model";

/**
 * Documents read back from Cosmos DB are parsed, not trusted: a document written by an older or
 * buggy version fails loudly here instead of deep inside a use case. Cosmos' system properties
 * (`_etag`, `_ts`, ...) and the `docType` discriminator are stripped by the parse.
 */

export const CONTAINERS = {
  partners: "partners",
  invitations: "invitations",
  customers: "customers",
  lookups: "lookups",
} as const;

const actorSchema = z.object({
  kind: z.enum(["partner", "customer", "operator", "system"]),
  tenantId: z.string().optional(),
  userId: z.string().optional(),
});

export const partnerDocumentSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(PARTNER_TYPES),
  cloud: z.enum(CLOUDS),
  indirectProviderId: z.string().optional(),
  contactEmail: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<Partner>;

export const invitationDocumentSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  cloud: z.enum(CLOUDS),
  kind: z.enum(INVITATION_KINDS),
  status: z.enum(INVITATION_STATUSES),
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
}) satisfies z.ZodType<Invitation>;

export const relationshipDocumentSchema = z.object({
  id: z.string(),
  customerTenantId: z.string(),
  type: z.enum(RELATIONSHIP_TYPES),
  partnerId: z.string(),
  indirectResellerId: z.string().optional(),
  status: z.enum([
    "created",
    "approvalPending",
    "active",
    "expiring",
    "expired",
    "terminationRequested",
    "terminated",
  ]),
  roles: z.array(z.string()).optional(),
  durationDays: z.number().optional(),
  autoExtend: z.boolean().optional(),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  invitationId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<Relationship>;

export const auditDocumentSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  resourceType: z.enum(["partner", "invitation", "relationship"]),
  resourceId: z.string(),
  action: z.string(),
  outcome: z.enum(["applied", "refused"]),
  rule: z.custom<`R${number}`>((v) => typeof v === "string" && /^R\d+$/.test(v)).optional(),
  actor: actorSchema,
  at: z.string(),
  detail: z.string().optional(),
}) satisfies z.ZodType<AuditRecord>;

/** Lookup documents (container `lookups`, pk `/id`): secondary keys resolved by one point read. */
export const tokenLookupSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  invitationId: z.string(),
});
export const relationshipLookupSchema = z.object({ id: z.string(), customerTenantId: z.string() });

export const tokenLookupId = (tokenHash: string): string => `token:${tokenHash}`;
export const relationshipLookupId = (relationshipId: string): string => `relationship:${relationshipId}`;

/** The HTTP status of a Cosmos failure (404 not found, 409 conflict, 412 ETag mismatch), if any. */
export function cosmosStatus(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = error.code;
    if (typeof code === "number") return code;
  }
  return undefined;
}

/** Drops undefined fields: the documents stay minimal and equal whichever path wrote them. */
export function toDocument<T extends object>(
  value: T,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries({ ...value, ...extra }).filter(([, v]) => v !== undefined));
}

export function requireEtag(etag: string | undefined, what: string): string {
  if (!etag) throw new Error(`Cosmos returned ${what} without an ETag.`);
  return etag;
}
