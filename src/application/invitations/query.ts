import { z } from "zod";
import { refuse } from "../../domain/errors";
import type { AuditRecord, Invitation, Principal } from "../../domain/model";
import { auditRecordSchema, invitationSchema, invitationStatusSchema } from "../../domain/schemas";
import { requireReadRole } from "../../domain/rules";
import { callerPartner } from "../partners";
import type { AuditLog, InvitationRepository, PartnerRepository } from "../ports";

export const auditViewSchema = auditRecordSchema
  .omit({ partnerId: true, resourceType: true, resourceId: true })
  .meta({ id: "AuditRecord" });

/** What a partner sees of an invitation: never the token's hash or the link nonce. */
export const invitationViewSchema = invitationSchema
  .omit({ partnerId: true, tokenHash: true, linkNonce: true, createdBy: true, decidedBy: true })
  .extend({ audit: z.array(auditViewSchema).optional() })
  .meta({ id: "Invitation" });
export type InvitationView = z.infer<typeof invitationViewSchema>;

/** Parsing with the view schema keeps exactly the fields a partner may see, and copies them. */
export function toInvitationView(invitation: Invitation, auditTrail?: AuditRecord[]): InvitationView {
  return invitationViewSchema.parse(auditTrail ? { ...invitation, audit: auditTrail } : invitation);
}

export const invitationListSchema = z
  .object({ items: z.array(invitationViewSchema), continuationToken: z.string().optional() })
  .meta({ id: "InvitationList" });

export const listInvitationsQuerySchema = z.strictObject({
  status: invitationStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  continuationToken: z.string().max(8192).optional(),
});
export type ListInvitationsQuery = z.infer<typeof listInvitationsQuerySchema>;

export interface QueryDeps {
  partners: PartnerRepository;
  invitations: InvitationRepository;
  audit: AuditLog;
}

/** GET /api/invitations/{id}: a point read in the caller's own partition; anyone else's id is 404. */
export async function getInvitation(
  deps: QueryDeps,
  principal: Principal,
  id: string,
): Promise<InvitationView> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  const found = await deps.invitations.get(caller.id, id);
  if (!found) throw refuse.notFound("The invitation");
  return toInvitationView(found.value, await deps.audit.listFor(caller.id, id));
}

export async function listInvitations(
  deps: QueryDeps,
  principal: Principal,
  query: ListInvitationsQuery,
): Promise<z.infer<typeof invitationListSchema>> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  const page = await deps.invitations.list(caller.id, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
  });
  return {
    items: page.items.map((i) => toInvitationView(i)),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}
