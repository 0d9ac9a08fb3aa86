import { hashInvitationToken, invitationToken, tokenHashesEqual } from "../domain/invitation-token";
import { inForce } from "../domain/lifecycle";
import { DomainError, refuse } from "../domain/errors";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type Actor,
  type Invitation,
  type Partner,
  type Principal,
  type Relationship,
} from "../domain/model";
import { audit } from "./audit";
import { deterministicGuid } from "./ids";
import type { CustomerIdentity } from "./invitations/customer-decision";
import type { EmailSender, InvitationRepository, OutgoingEmail, PartnerRepository } from "./ports";
import { terminateRelationship, type RelationshipDeps, type RelationshipView } from "./relationships";

/**
 * The customer's way to end an admin relationship (R9): the acceptance confirmation email carries a
 * link to a page where a Global Administrator of the customer's tenant terminates it.
 *
 * The link follows the invitation link rules (R15, R16): its secret is
 * HMAC(INVITATION_LINK_KEY, "{relationshipId}/terminate:{invitation's link nonce}"), 256 bits, never
 * stored, logged or put in orchestration history; whoever needs it (the email activity, the page)
 * recomputes it from the stored nonce. The token is "{customerTenantId}.{relationshipId}.{secret}" so
 * the page reads the relationship in its customer's partition (one point read, no lookup) and then
 * checks the whole token in constant time. The "/terminate" purpose keeps it
 * apart from the invitation's own token (same nonce, another message). Reading the page changes
 * nothing; the link dies with the relationship (terminated or expired: the generic 410).
 */

const PURPOSE = "terminate";
const TOKEN_SHAPE = /^([A-Za-z0-9-]{1,64})\.([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{43})$/;

/** Used, ended, tampered or unknown answer alike to whoever holds the link (R16). */
export const TERMINATION_LINK_NOT_VALID = "This link is no longer valid.";

export function terminationLinkNotValid(): DomainError {
  return refuse.gone(TERMINATION_LINK_NOT_VALID, "R16").because("linkNotValid");
}

type LinkedRelationship = Pick<Relationship, "id" | "customerTenantId">;

export function terminationToken(
  linkKey: string,
  relationship: LinkedRelationship,
  invitation: Pick<Invitation, "linkNonce">,
): string {
  const secret = invitationToken(linkKey, `${relationship.id}/${PURPOSE}`, invitation.linkNonce);
  return `${relationship.customerTenantId}.${relationship.id}.${secret}`;
}

/** The link the customer opens; only ever built in memory, right before it goes into an email. */
export function terminationLink(
  publicBaseUrl: string,
  linkKey: string,
  relationship: LinkedRelationship,
  invitation: Pick<Invitation, "linkNonce">,
): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/terminate/${terminationToken(linkKey, relationship, invitation)}`;
}

export interface TerminationLinkDependencies {
  relationships: RelationshipDeps["relationships"];
  invitations: Pick<InvitationRepository, "get">;
  partners: PartnerRepository;
  /** INVITATION_LINK_KEY */
  linkKey: string;
}

export type TerminationLinkLookup =
  | { state: "open"; relationship: Relationship; invitation: Invitation; partner: Partner }
  /** Never existed, malformed or tampered. */
  | { state: "unknown" }
  /** A genuine link whose admin relationship is no longer in force. */
  | { state: "closed"; relationship: Relationship; invitation: Invitation };

/** Resolves a termination link's token. Reads only (R15). */
export async function lookUpTerminationLink(
  deps: TerminationLinkDependencies,
  token: string,
): Promise<TerminationLinkLookup> {
  const shape = TOKEN_SHAPE.exec(token);
  if (!shape?.[1] || !shape[2]) return { state: "unknown" };
  const found = await deps.relationships.get(shape[2], { customerTenantId: shape[1] });
  if (!found || found.value.type !== "admin") return { state: "unknown" };
  const relationship = found.value;
  const invitation = (await deps.invitations.get(relationship.partnerId, relationship.invitationId))?.value;
  if (!invitation) return { state: "unknown" };
  const expected = terminationToken(deps.linkKey, relationship, invitation);
  // Compared as hashes: equal lengths, constant time, whatever was presented.
  if (!tokenHashesEqual(hashInvitationToken(token), hashInvitationToken(expected)))
    return { state: "unknown" };
  if (!inForce(relationship.status)) return { state: "closed", relationship, invitation };
  const partner = await deps.partners.get(relationship.partnerId);
  if (!partner) return { state: "unknown" };
  return { state: "open", relationship, invitation, partner };
}

function sameTenant(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export type CustomerTerminationDependencies = RelationshipDeps & TerminationLinkDependencies;

export interface CustomerTermination {
  relationship: RelationshipView;
  partner: Partner;
  invitation: Invitation;
}

/**
 * R9 from the link: only a Global Administrator of the relationship's customer tenant (R2) ends it,
 * through the same use case as the API (audited with the customer as actor). A refusal is audited
 * and changes nothing.
 */
export async function terminateByCustomerLink(
  deps: CustomerTerminationDependencies,
  request: { token: string; identity: CustomerIdentity },
): Promise<CustomerTermination> {
  const link = await lookUpTerminationLink(deps, request.token);
  if (link.state === "unknown") throw refuse.notFound("The link");
  if (link.state === "closed") throw terminationLinkNotValid();
  const { relationship, invitation, partner } = link;
  const { identity } = request;
  const actor: Actor = { kind: "customer", tenantId: identity.tenantId, userId: identity.userId };
  const refusal = !identity.wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID)
    ? refuse
        .forbidden(
          "Only a Global Administrator of the customer's tenant may end this admin relationship.",
          "R2",
        )
        .because("notGlobalAdmin")
    : !sameTenant(identity.tenantId, relationship.customerTenantId)
      ? refuse.forbidden("This admin relationship belongs to another tenant.", "R2").because("wrongTenant")
      : undefined;
  if (refusal) {
    await audit(deps.audit, deps.clock, {
      partnerId: relationship.partnerId,
      resourceType: "relationship",
      resourceId: relationship.id,
      action: "terminate",
      outcome: "refused",
      rule: "R2",
      actor,
      detail: refusal.message,
    });
    throw refusal;
  }
  // The identity is the customer's Global Administrator; the shared use case sees it as such.
  const principal: Principal = {
    tenantId: relationship.customerTenantId,
    userId: identity.userId,
    roles: [],
    wids: identity.wids,
    ...(identity.email ? { email: identity.email } : {}),
  };
  try {
    return {
      relationship: await terminateRelationship(deps, principal, relationship.id),
      partner,
      invitation,
    };
  } catch (error) {
    // Ended meanwhile (by the partner, or at its end date): the link is as dead as any other.
    if (error instanceof DomainError && error.reason === "relationshipNotInForce") {
      throw terminationLinkNotValid();
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The acceptance confirmation to the customer

export interface AdminConfirmationContent {
  relationship: Relationship;
  invitation: Invitation;
  partner: Partner;
  link: string;
}

export interface AdminConfirmationRenderer {
  customerConfirmation(content: AdminConfirmationContent): Omit<OutgoingEmail, "to">;
}

export interface AdminConfirmationDependencies {
  invitations: Pick<InvitationRepository, "get">;
  partners: PartnerRepository;
  email: EmailSender;
  render: AdminConfirmationRenderer;
  linkKey: string;
  publicBaseUrl: string;
}

export function adminConfirmationOperationId(relationshipId: string): string {
  return deterministicGuid("admin-relationship", relationshipId, "customer-confirmation");
}

/**
 * Tells the customer's admin that the admin relationship is active, with the link to end it (R9).
 * Once per relationship, however often it runs (the operation id derives from the relationship).
 */
export async function sendAdminConfirmation(
  deps: AdminConfirmationDependencies,
  relationship: Relationship,
  /** The invitation it came from, when the caller holds it already (as read or just written). */
  known?: Invitation,
): Promise<void> {
  const invitation =
    known?.id === relationship.invitationId
      ? known
      : (await deps.invitations.get(relationship.partnerId, relationship.invitationId))?.value;
  if (!invitation)
    throw new Error(`Invitation ${relationship.invitationId} of ${relationship.id} does not exist.`);
  const partner = await deps.partners.get(relationship.partnerId);
  if (!partner) throw new Error(`Partner ${relationship.partnerId} of ${relationship.id} does not exist.`);
  const email = deps.render.customerConfirmation({
    relationship,
    invitation,
    partner,
    link: terminationLink(deps.publicBaseUrl, deps.linkKey, relationship, invitation),
  });
  await deps.email.send(
    { ...email, to: [invitation.customer.adminEmail] },
    adminConfirmationOperationId(relationship.id),
  );
}
