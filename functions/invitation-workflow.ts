import type { ActivityHandler } from "durable-functions";
import {
  createRelationships,
  expireInvitation,
  notifyPartner,
  readInvitationStatus,
  sendCustomerEmail,
  type InvitationEmailRenderer,
  type LifecycleDependencies,
} from "../src/application/invitations/lifecycle";
import { DAY_MS } from "../src/domain/time";
import { customerReminderEmail, invitationEmail, partnerNotificationEmail } from "../src/web";
import {
  createRelationshipsInputSchema,
  expireInvitationInputSchema,
  notifyPartnerInputSchema,
  readInvitationStatusInputSchema,
  sendCustomerEmailInputSchema,
} from "../src/workflows/invitation";
import {
  CREATE_RELATIONSHIPS_ACTIVITY,
  EXPIRE_INVITATION_ACTIVITY,
  FIRST_REMINDER_AFTER_MS,
  LAST_REMINDER_BEFORE_EXPIRY_MS,
  NOTIFY_PARTNER_ACTIVITY,
  READ_INVITATION_STATUS_ACTIVITY,
  SEND_CUSTOMER_EMAIL_ACTIVITY,
} from "../src/workflows/invitation";

export {
  CREATE_RELATIONSHIPS_ACTIVITY,
  CUSTOMER_DECISION_EVENT,
  EXPIRE_INVITATION_ACTIVITY,
  INVITATION_ORCHESTRATION,
  invitationOrchestrationInputSchema,
  invitationOrchestrator,
  NOTIFY_PARTNER_ACTIVITY,
  PARTNER_CANCELLED_EVENT,
  READ_INVITATION_STATUS_ACTIVITY,
  SEND_CUSTOMER_EMAIL_ACTIVITY,
} from "../src/workflows/invitation";

export type InvitationWorkflowDependencies = LifecycleDependencies;

/** The invitation orchestration's activities by name; each parses its input before touching anything. */
export function makeInvitationActivities(
  deps: InvitationWorkflowDependencies,
): Record<string, ActivityHandler> {
  return {
    [SEND_CUSTOMER_EMAIL_ACTIVITY]: (input: unknown) =>
      sendCustomerEmail(deps, sendCustomerEmailInputSchema.parse(input)),
    [READ_INVITATION_STATUS_ACTIVITY]: (input: unknown) =>
      readInvitationStatus(deps, readInvitationStatusInputSchema.parse(input)),
    [EXPIRE_INVITATION_ACTIVITY]: (input: unknown) =>
      expireInvitation(deps, expireInvitationInputSchema.parse(input)),
    [CREATE_RELATIONSHIPS_ACTIVITY]: (input: unknown) =>
      createRelationships(deps, createRelationshipsInputSchema.parse(input)),
    [NOTIFY_PARTNER_ACTIVITY]: (input: unknown) => notifyPartner(deps, notifyPartnerInputSchema.parse(input)),
  };
}

/** The localized templates of src/web, fed from the stored invitation. */
export const webInvitationEmails: InvitationEmailRenderer = {
  customerEmail({ invitation, partner, reseller, step, link }) {
    const input = {
      locale: invitation.locale,
      partnerName: partner.name,
      ...(reseller ? { resellerName: reseller.name } : {}),
      kind: invitation.kind,
      customer: { displayName: invitation.customer.displayName, domain: invitation.customer.domain },
      ...(invitation.admin ? { admin: invitation.admin } : {}),
      link,
      expiresAt: invitation.expiresAt,
    };
    if (step === "invitation") return invitationEmail(input);
    // Days left as the schedule planned it (not "now"), so a retried activity renders the same email.
    const expires = Date.parse(invitation.expiresAt);
    const sendsAt =
      step === "reminder-first"
        ? Date.parse(invitation.createdAt) + FIRST_REMINDER_AFTER_MS
        : expires - LAST_REMINDER_BEFORE_EXPIRY_MS;
    return customerReminderEmail({ ...input, daysLeft: Math.round((expires - sendsAt) / DAY_MS) });
  },
  partnerNotification({ invitation, outcome }) {
    return partnerNotificationEmail({
      event: outcome,
      invitationId: invitation.id,
      customer: {
        displayName: invitation.customer.displayName,
        domain: invitation.customer.domain,
        ...(invitation.customer.tenantId ? { tenantId: invitation.customer.tenantId } : {}),
      },
      ...(invitation.decidedBy ? { decidedBy: invitation.decidedBy } : {}),
      ...(invitation.decidedAt ? { at: invitation.decidedAt } : {}),
    });
  },
};
