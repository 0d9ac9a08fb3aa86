import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { ActivityHandler } from "durable-functions";
import {
  endAdminRelationship,
  notifyAdminExpired,
  readAdminRelationship,
  remindAdminPartner,
  startAdminLifecycles,
  type AdminLifecycleDependencies,
  type AdminRelationshipEmailRenderer,
  type LifecycleStarter,
} from "../src/application/admin-relationships";
import { adminRelationshipNoticeEmail } from "../src/web";
import {
  ADMIN_RELATIONSHIP_ORCHESTRATION,
  ADMIN_RELATIONSHIP_TERMINATED_EVENT,
  adminRelationshipInstanceId,
  endAdminRelationshipInputSchema,
  END_ADMIN_RELATIONSHIP_ACTIVITY,
  notifyAdminExpiredInputSchema,
  NOTIFY_ADMIN_EXPIRED_ACTIVITY,
  readAdminRelationshipInputSchema,
  READ_ADMIN_RELATIONSHIP_ACTIVITY,
  remindAdminPartnerInputSchema,
  REMIND_ADMIN_PARTNER_ACTIVITY,
  startAdminLifecyclesInputSchema,
} from "../src/workflows/admin-relationship";

export {
  ADMIN_RELATIONSHIP_ORCHESTRATION,
  adminRelationshipOrchestrator,
  START_ADMIN_LIFECYCLES_ACTIVITY,
} from "../src/workflows/admin-relationship";

/** The lifecycle's own activities by name; each parses its input before touching anything. */
export function makeAdminRelationshipActivities(
  deps: AdminLifecycleDependencies,
): Record<string, ActivityHandler> {
  return {
    [READ_ADMIN_RELATIONSHIP_ACTIVITY]: (input: unknown) =>
      readAdminRelationship(deps, readAdminRelationshipInputSchema.parse(input)),
    [REMIND_ADMIN_PARTNER_ACTIVITY]: (input: unknown) =>
      remindAdminPartner(deps, remindAdminPartnerInputSchema.parse(input)),
    [END_ADMIN_RELATIONSHIP_ACTIVITY]: (input: unknown) =>
      endAdminRelationship(deps, endAdminRelationshipInputSchema.parse(input)),
    [NOTIFY_ADMIN_EXPIRED_ACTIVITY]: (input: unknown) =>
      notifyAdminExpired(deps, notifyAdminExpiredInputSchema.parse(input)),
  };
}

/**
 * The activity the invitation orchestration calls after creating relationships. It needs the
 * durable client, so it is registered with `extraInputs: [df.input.durableClient()]`. It starts
 * instances and does not wait on them: a relationship outlives the invitation by years.
 */
export function makeStartAdminLifecyclesActivity(
  deps: Pick<AdminLifecycleDependencies, "relationships">,
): ActivityHandler {
  return (input: unknown, context: InvocationContext) =>
    startAdminLifecycles(
      { ...deps, start: durableStarter(df.getClient(context)) },
      startAdminLifecyclesInputSchema.parse(input),
    );
}

/**
 * Starts by instance id, idempotently: an instance that exists (running or finished) is left alone.
 * Checking first matters on Azure, where starting a finished instance's id would start it afresh.
 */
export function durableStarter(client: df.DurableClient): LifecycleStarter {
  return async (instanceId, input) => {
    if (await instanceExists(client, instanceId)) return;
    try {
      await client.startNew(ADMIN_RELATIONSHIP_ORCHESTRATION, { instanceId, input });
    } catch (error) {
      // A concurrent run of this activity started it between the check and the start.
      if (await instanceExists(client, instanceId)) return;
      throw error;
    }
  };
}

async function instanceExists(client: df.DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId);
    return Boolean(status?.runtimeStatus);
  } catch (error) {
    // The SDK reports an unknown instance as an Error naming the extension's 404.
    if (error instanceof Error && /HTTP 404/.test(error.message)) return false;
    throw error;
  }
}

/**
 * Tells a relationship's lifecycle that it was terminated. The document already says so; an
 * instance that is missing (404) or already finished (410, which the SDK treats as success) has
 * nothing left to stop.
 */
export async function raiseAdminRelationshipTerminated(
  client: df.DurableClient,
  relationshipId: string,
  event: unknown,
): Promise<void> {
  const instanceId = adminRelationshipInstanceId(relationshipId);
  try {
    await client.raiseEvent(instanceId, ADMIN_RELATIONSHIP_TERMINATED_EVENT, event);
  } catch (error) {
    if (error instanceof Error && /No instance with ID/.test(error.message)) return;
    throw error;
  }
}

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
