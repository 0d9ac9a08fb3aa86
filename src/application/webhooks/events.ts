import type { Invitation, InvitationOutcome, Relationship } from "../../domain/model";
import type { Migration, Subscription } from "../../domain/subscriptions/model";
import type { WebhookEvent } from "./model";
import type { WebhookPublisher } from "./ports";
import { webhookEventId } from "./webhooks";

/**
 * The lifecycle events of invitations, admin relationships, subscriptions and migrations. Each id derives from the resource
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

/**
 * `subscription.registered`: one event per request, listing what it registered (one subscription,
 * or every row of a bulk import), so a 500-row import is one delivery, not 500. A subscription id is
 * registered once per partner and customer, so the ids make the event id stable.
 */
export function subscriptionsRegisteredEvent(
  partnerId: string,
  customerTenantId: string,
  subscriptions: Subscription[],
  source: "registration" | "import",
): WebhookEvent {
  const ids = subscriptions.map((s) => s.id).sort();
  return {
    id: webhookEventId("subscription", partnerId, customerTenantId, "registered", ...ids),
    type: "subscription.registered",
    data: {
      customerTenantId,
      source,
      subscriptions: subscriptions.map((s) => ({
        subscriptionId: s.id,
        offer: s.offer,
        billing: s.billing,
        channel: s.channel,
        status: s.status,
        ...(s.termEnd ? { termEnd: s.termEnd } : {}),
        ...(s.seats !== undefined ? { seats: s.seats } : {}),
      })),
    },
  };
}

export const MIGRATION_EVENT_KINDS = ["scheduled", "completed", "cancelled", "declined", "expired"] as const;
export type MigrationEventKind = (typeof MIGRATION_EVENT_KINDS)[number];

/**
 * `migration.{kind}`. The migration id already names one attempt of one subscription, and each kind
 * happens once per migration, so id + kind is stable: the start route and the switch's outcome
 * activity may both publish `cancelled`, and the receiver gets it once.
 */
export function migrationEvent(migration: Migration, kind: MigrationEventKind): WebhookEvent {
  return {
    id: webhookEventId("migration", migration.id, kind),
    type: `migration.${kind}`,
    data: {
      migrationId: migration.id,
      customerTenantId: migration.customerTenantId,
      subscriptionId: migration.subscriptionId,
      strategy: migration.strategy,
      status: migration.status,
      ...(migration.notBefore ? { notBefore: migration.notBefore } : {}),
      ...(migration.expiresAt ? { expiresAt: migration.expiresAt } : {}),
      ...(migration.targetSubscriptionId ? { targetSubscriptionId: migration.targetSubscriptionId } : {}),
      ...(migration.completedAt ? { completedAt: migration.completedAt } : {}),
    },
  };
}

/**
 * For request handlers, after the change is stored: the caller's request succeeded, so a failure to
 * record the event is reported to the operator (`warn`) rather than turned into an error answer that
 * a retry could not repair (the retry would find the change made and publish nothing).
 */
export async function publishAfterCommit(
  publisher: WebhookPublisher | undefined,
  partnerId: string,
  event: WebhookEvent,
  warn?: (message: string) => void,
): Promise<void> {
  if (!publisher) return;
  try {
    await publisher.publish(partnerId, event);
  } catch (error) {
    warn?.(
      `Could not publish ${event.type} (${event.id}): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
