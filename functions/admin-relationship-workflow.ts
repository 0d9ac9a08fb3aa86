import type { InvocationContext } from "@azure/functions";
import { lazyDurableClient, startIfAbsent } from "../src/adapters/durable/client";
import { activityFunction, orchestrationFunction } from "../src/adapters/durable/registration";
import {
  endAdminRelationship,
  notifyAdminExpired,
  readAdminRelationship,
  remindAdminPartner,
  startAdminLifecycles,
  type AdminLifecycleDependencies,
  type AdminRelationshipEmailRenderer,
  type AdminLifecycleStartDependencies,
} from "../src/application/admin-relationships";
import {
  sendAdminConfirmation,
  type AdminConfirmationDependencies,
  type AdminConfirmationRenderer,
} from "../src/application/customer-termination";
import { adminConfirmationEmail, adminRelationshipNoticeEmail } from "../src/web";
import {
  ADMIN_RELATIONSHIP_ORCHESTRATION,
  adminRelationshipInputSchema,
  adminRelationshipOrchestrator,
  endAdminRelationshipActivity,
  notifyAdminExpiredActivity,
  readAdminRelationshipActivity,
  remindAdminPartnerActivity,
  startAdminLifecyclesActivity,
} from "../src/workflows/admin-relationship";
import { webhookPublisherFor, type WebhookDependencies } from "./webhooks";

export {
  ADMIN_RELATIONSHIP_ORCHESTRATION,
  adminRelationshipOrchestrator,
  START_ADMIN_LIFECYCLES_ACTIVITY,
} from "../src/workflows/admin-relationship";

type Deps = { adminLifecycle: AdminLifecycleDependencies; webhooks: WebhookDependencies };
export type StartDeps = Deps & { adminConfirmation: AdminConfirmationDependencies };

/** The lifecycle's dependencies for one activity invocation, publishing to the partner's webhook. */
function withWebhooks(deps: Deps, context: InvocationContext): AdminLifecycleDependencies {
  return { ...deps.adminLifecycle, webhooks: webhookPublisherFor(deps.webhooks, context) };
}

export const adminRelationshipOrchestration = orchestrationFunction({
  name: ADMIN_RELATIONSHIP_ORCHESTRATION,
  input: adminRelationshipInputSchema,
  handler: adminRelationshipOrchestrator,
});

/** The lifecycle's own activities; each parses its input (its contract's schema) before touching anything. */
export const adminRelationshipActivities = [
  activityFunction(readAdminRelationshipActivity, {
    handler:
      ({ adminLifecycle }: Deps) =>
      (input) =>
        readAdminRelationship(adminLifecycle, input),
  }),
  activityFunction(remindAdminPartnerActivity, {
    durableClient: true,
    handler: (deps: Deps) => (input, context) => remindAdminPartner(withWebhooks(deps, context), input),
  }),
  activityFunction(endAdminRelationshipActivity, {
    durableClient: true,
    handler: (deps: Deps) => (input, context) => endAdminRelationship(withWebhooks(deps, context), input),
  }),
  activityFunction(notifyAdminExpiredActivity, {
    durableClient: true,
    handler: (deps: Deps) => (input, context) => notifyAdminExpired(withWebhooks(deps, context), input),
  }),
];

/**
 * What starting admin lifecycles takes inside an activity: instances started through the durable
 * client (by deterministic id, not awaited: a relationship outlives the invitation by years), the
 * partner's webhook, and the customer's confirmation.
 */
export function adminLifecycleStartFor(
  deps: StartDeps,
  context: InvocationContext,
): AdminLifecycleStartDependencies {
  const client = lazyDurableClient(context);
  const { webhooks } = withWebhooks(deps, context);
  return {
    start: (instanceId, lifecycleInput, options) =>
      startIfAbsent(client(), ADMIN_RELATIONSHIP_ORCHESTRATION, instanceId, lifecycleInput, options),
    ...(webhooks ? { webhooks } : {}),
    // The customer's acceptance confirmation, with the link to end it (R9).
    confirm: (relationship, invitation) =>
      sendAdminConfirmation(deps.adminConfirmation, relationship, invitation),
  };
}

/**
 * Called by the invitation orchestration after creating relationships, when the creation did not
 * start them itself (see createRelationships): reads each relationship and starts its lifecycle.
 */
export const startAdminLifecyclesActivityFunction = activityFunction(startAdminLifecyclesActivity, {
  durableClient: true,
  handler: (deps: StartDeps) => (input, context) =>
    startAdminLifecycles(
      { relationships: deps.adminLifecycle.relationships, ...adminLifecycleStartFor(deps, context) },
      input,
    ),
});

/** English partner notices, fed from the stored relationship and the invitation it came from. */
export const webAdminRelationshipEmails: AdminRelationshipEmailRenderer = {
  partnerNotice({ relationship, invitation, notice }) {
    return adminRelationshipNoticeEmail({
      event: notice.kind,
      relationshipId: relationship.id,
      customer: {
        tenantId: relationship.customerTenantId,
        ...(invitation
          ? { displayName: invitation.customer.displayName, domain: invitation.customer.domain }
          : {}),
      },
      endsAt: notice.endsAt,
      ...(notice.kind === "reminder" ? { daysLeft: notice.daysLeft } : {}),
    });
  },
};

/** The customer's acceptance confirmation, in the invitation's language, fed from the stored documents. */
export const webAdminConfirmationEmails: AdminConfirmationRenderer = {
  customerConfirmation({ relationship, invitation, partner, link }) {
    return adminConfirmationEmail({
      locale: invitation.locale,
      partnerName: partner.name,
      customerName: invitation.customer.displayName,
      roles: relationship.roles ?? [],
      endsAt: relationship.endsAt ?? relationship.startsAt,
      autoExtend: relationship.autoExtend ?? false,
      link,
    });
  },
};
