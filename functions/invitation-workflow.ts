import type { ActivityHandler } from "durable-functions";
import {
  createRelationships,
  expireInvitation,
  notifyPartner,
  readInvitationStatus,
  sendCustomerEmail,
  type LifecycleDependencies,
} from "../src/application/invitations/lifecycle";
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
