import { activityFunction, orchestrationFunction } from "../src/adapters/durable/registration";
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
import { startAdminLifecycle } from "../src/application/admin-relationships";
import { adminLifecycleStartFor, type StartDeps } from "./admin-relationship-workflow";
import { webhookPublisherFor, type WebhookDependencies } from "./webhooks";
import { customerReminderEmail, invitationEmail, partnerNotificationEmail } from "../src/web";
import {
  createRelationshipsActivity,
  expireInvitationActivity,
  FIRST_REMINDER_AFTER_MS,
  INVITATION_ORCHESTRATION,
  invitationOrchestrationInputSchema,
  invitationOrchestrator,
  LAST_REMINDER_BEFORE_EXPIRY_MS,
  notifyPartnerActivity,
  readInvitationStatusActivity,
  sendCustomerEmailActivity,
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
type Deps = StartDeps & {
  invitationLifecycle: InvitationWorkflowDependencies;
  webhooks: WebhookDependencies;
};

export const invitationOrchestration = orchestrationFunction({
  name: INVITATION_ORCHESTRATION,
  input: invitationOrchestrationInputSchema,
  handler: invitationOrchestrator,
});

/** The orchestration's activities; each parses its input (its contract's schema) before touching anything. */
export const invitationActivities = [
  activityFunction(sendCustomerEmailActivity, {
    handler:
      ({ invitationLifecycle }: Deps) =>
      (input) =>
        sendCustomerEmail(invitationLifecycle, input),
  }),
  activityFunction(readInvitationStatusActivity, {
    handler:
      ({ invitationLifecycle }: Deps) =>
      (input) =>
        readInvitationStatus(invitationLifecycle, input),
  }),
  activityFunction(expireInvitationActivity, {
    handler:
      ({ invitationLifecycle }: Deps) =>
      (input) =>
        expireInvitation(invitationLifecycle, input),
  }),
  activityFunction(createRelationshipsActivity, {
    // Its first run also starts the admin lifecycles and tells the partner (and their webhooks).
    durableClient: true,
    handler: (deps: Deps) => (input, context) => {
      const start = adminLifecycleStartFor(deps, context);
      return createRelationships(
        {
          ...deps.invitationLifecycle,
          webhooks: webhookPublisherFor(deps.webhooks, context),
          followUp: {
            startAdminLifecycle: (relationship, invitation, options) =>
              startAdminLifecycle(start, relationship, invitation, options).then(() => undefined),
          },
        },
        input,
      );
    },
  }),
  activityFunction(notifyPartnerActivity, {
    // Publishes the outcome to the partner's webhook, which starts a delivery orchestration.
    durableClient: true,
    handler:
      ({ invitationLifecycle, webhooks }: Deps) =>
      (input, context) =>
        notifyPartner({ ...invitationLifecycle, webhooks: webhookPublisherFor(webhooks, context) }, input),
  }),
];

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
