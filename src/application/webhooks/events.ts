import type { Invitation, InvitationOutcome, Relationship } from "../../domain/model";
import type { WebhookEvent } from "./model";
import { webhookEventId } from "./webhooks";

/**
 * The lifecycle events of invitations and admin relationships. Each id derives from the resource
 * and the step (and, for steps that repeat, the period), so the activity that publishes it can run
 * again and publish the same event.
 */

export function invitationEvent(invitation: Invitation, outcome: InvitationOutcome): WebhookEvent {
  return {
    id: webhookEventId("invitation", invitation.id, outcome),
    type: `invitation.${outcome}`,
    data: {
      invitationId: invitation.id,
      kind: invitation.kind,
      status: invitation.status,
      customer: {
        domain: invitation.customer.domain,
        displayName: invitation.customer.displayName,
        ...(invitation.customer.tenantId ? { tenantId: invitation.customer.tenantId } : {}),
      },
      ...(invitation.decidedAt ? { decidedAt: invitation.decidedAt } : {}),
      ...(invitation.relationshipIds ? { relationshipIds: invitation.relationshipIds } : {}),
    },
  };
}

export type AdminRelationshipEventKind = "activated" | "extended" | "expiring" | "expired" | "terminated";

/** `step` tells repeats apart: the period's end for extended/expiring (with the days left). */
export function adminRelationshipEvent(
  relationship: Relationship,
  kind: AdminRelationshipEventKind,
  step = "",
  extra: Record<string, unknown> = {},
): WebhookEvent {
  return {
    id: webhookEventId("admin-relationship", relationship.id, kind, step),
    type: `adminRelationship.${kind}`,
    data: {
      relationshipId: relationship.id,
      customerTenantId: relationship.customerTenantId,
      invitationId: relationship.invitationId,
      status: relationship.status,
      roles: relationship.roles ?? [],
      autoExtend: relationship.autoExtend ?? false,
      ...(relationship.endsAt ? { endsAt: relationship.endsAt } : {}),
      ...extra,
    },
  };
}
