import { z } from "zod";
import { refuse } from "../../domain/errors";
import {
  CLOUDS,
  INVITATION_KINDS,
  INVITATION_STATUSES,
  LOCALES,
  type AuditRecord,
  type Invitation,
  type Principal,
} from "../../domain/model";
import { requireReadRole } from "../../domain/rules";
import { callerPartner } from "../partners";
import type { AuditLog, InvitationRepository, PartnerRepository } from "../ports";

const actorViewSchema = z.object({
  kind: z.enum(["partner", "customer", "operator", "system"]),
  tenantId: z.string().optional(),
  userId: z.string().optional(),
});

export const auditViewSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    outcome: z.enum(["applied", "refused"]),
    rule: z.string().optional(),
    actor: actorViewSchema,
    at: z.string(),
    detail: z.string().optional(),
  })
  .meta({ id: "AuditRecord" });

/** What a partner sees of an invitation: never the token's hash or the link nonce. */
export const invitationViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(INVITATION_STATUSES),
    kind: z.enum(INVITATION_KINDS),
    cloud: z.enum(CLOUDS),
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
    createdAt: z.string(),
    expiresAt: z.string(),
    decidedAt: z.string().optional(),
    relationshipIds: z.array(z.string()).optional(),
    audit: z.array(auditViewSchema).optional(),
  })
  .meta({ id: "Invitation" });
export type InvitationView = z.infer<typeof invitationViewSchema>;

export function toInvitationView(invitation: Invitation, auditTrail?: AuditRecord[]): InvitationView {
  const view: InvitationView = {
    id: invitation.id,
    status: invitation.status,
    kind: invitation.kind,
    cloud: invitation.cloud,
    customer: { ...invitation.customer },
    locale: invitation.locale,
    createdAt: invitation.createdAt,
    expiresAt: invitation.expiresAt,
  };
  if (invitation.admin) view.admin = { ...invitation.admin, roles: [...invitation.admin.roles] };
  if (invitation.resellerPartnerId) view.resellerPartnerId = invitation.resellerPartnerId;
  if (invitation.decidedAt) view.decidedAt = invitation.decidedAt;
  if (invitation.relationshipIds) view.relationshipIds = [...invitation.relationshipIds];
  if (auditTrail) {
    view.audit = auditTrail.map((a) => {
      const entry: z.infer<typeof auditViewSchema> = {
        id: a.id,
        action: a.action,
        outcome: a.outcome,
        actor: a.actor,
        at: a.at,
      };
      if (a.rule) entry.rule = a.rule;
      if (a.detail) entry.detail = a.detail;
      return entry;
    });
  }
  return view;
}

export const invitationListSchema = z
  .object({ items: z.array(invitationViewSchema), continuationToken: z.string().optional() })
  .meta({ id: "InvitationList" });

export const listInvitationsQuerySchema = z.strictObject({
  status: z.enum(INVITATION_STATUSES).optional(),
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
