import { randomUUID } from "node:crypto";
import { DomainError, refuse, type RuleId } from "../../domain/errors";
import { isPastExpiry } from "../../domain/lifecycle";
import { invitationLinkLocator, tokenMatchesHash } from "../../domain/invitation-token";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type Actor,
  type AuditRecord,
  type CustomerDecision,
  type Cloud,
  type Invitation,
  type Partner,
} from "../../domain/model";
import { checkNotResellingToPartner, checkSameCloud, type KnownCloud } from "../../domain/rules";
import { updateWithRetry } from "../concurrency";
import {
  type AuditLog,
  type Clock,
  type InvitationRepository,
  type PartnerRepository,
  type TenantDirectory,
} from "../ports";
import { raiseThenSettle } from "../event-intents";
import type { CustomerDecisionEvent } from "./contracts";

/**
 * What the customer's link can do: show the invitation (never changing anything, R15) and record the
 * customer's Global Administrator's decision (R2, R11, R12 when the tenant binds, R16).
 */

/** Who is deciding, from a verified token (bearer, or the page's sign-in session). */
export interface CustomerIdentity {
  tenantId: string;
  userId: string;
  /** Directory role template ids (`wids`). */
  wids: string[];
  /** The cloud the token was issued in; undefined when the token does not say (dev and API tokens). */
  cloud?: Cloud;
  email?: string;
  name?: string;
}

export type Decision = CustomerDecision;

export interface CustomerDecisionDependencies {
  invitations: InvitationRepository;
  partners: PartnerRepository;
  /** The binding tenant's cloud, from its own directory entry (R12). */
  tenants: TenantDirectory;
  audit: AuditLog;
  clock: Clock;
  /** Raises CUSTOMER_DECISION_EVENT on the invitation's orchestration. */
  raiseDecision(invitationId: string, event: CustomerDecisionEvent): Promise<void>;
  /** For the one message worth an operator's attention: an event that could not be raised. */
  warn?(message: string): void;
}

/** Used, expired, cancelled, tampered or unknown: one answer for all, so the link reveals nothing (R16). */
export const LINK_NOT_VALID_MESSAGE = "This invitation link is no longer valid.";

export function linkNotValid(): DomainError {
  return refuse.gone(LINK_NOT_VALID_MESSAGE, "R16").because("linkNotValid");
}

export type LinkLookup =
  | { state: "open"; invitation: Invitation; etag: string; partner: Partner; reseller?: Partner }
  /** Never existed, malformed or tampered. */
  | { state: "unknown" }
  /** Existed, but decided, cancelled or expired. */
  | { state: "closed"; invitation: Invitation };

/** Resolves a link's token to its invitation. Reads only (R15). */
export async function lookUpLink(deps: CustomerDecisionDependencies, token: string): Promise<LinkLookup> {
  const locator = invitationLinkLocator(token);
  if (!locator) return { state: "unknown" };
  const found = await deps.invitations.get(locator.partnerId, locator.invitationId);
  // The locator only says where to look; the stored hash, compared in constant time, decides.
  if (!found || !tokenMatchesHash(token, found.value.tokenHash)) return { state: "unknown" };
  const invitation = found.value;
  if (invitation.status !== "pending" || isPastExpiry(invitation, deps.clock.now())) {
    return { state: "closed", invitation };
  }
  const partner = await deps.partners.get(invitation.partnerId);
  if (!partner) return { state: "unknown" };
  const reseller = invitation.resellerPartnerId
    ? await deps.partners.get(invitation.resellerPartnerId)
    : undefined;
  return reseller
    ? { state: "open", invitation, etag: found.etag, partner, reseller }
    : { state: "open", invitation, etag: found.etag, partner };
}

function sameTenant(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The rules for this identity deciding this invitation; undefined when allowed. Returns the tenant id
 * the invitation is bound to after the decision.
 */
async function check(
  deps: CustomerDecisionDependencies,
  invitation: Invitation,
  identity: CustomerIdentity,
): Promise<{ refusal: DomainError } | { tenantId: string }> {
  if (!identity.wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID)) {
    return {
      refusal: refuse
        .forbidden("Only a Global Administrator of the customer's tenant may answer this invitation.", "R2")
        .because("notGlobalAdmin"),
    };
  }
  const invited = invitation.customer.tenantId;
  if (invited) {
    if (!sameTenant(invited, identity.tenantId)) {
      return {
        refusal: refuse.forbidden("This invitation was sent to another tenant.", "R2").because("wrongTenant"),
      };
    }
    return { tenantId: invited };
  }
  // No tenant named at invitation time: the accepting tenant binds it, under the rules creation
  // would have applied had the partner named it (domain/rules.ts).
  const tenantId = identity.tenantId.trim().toLowerCase();
  const customerPartner = await deps.partners.findEnrolled(tenantId);
  const clouds: KnownCloud[] = [];
  if (identity.cloud) clouds.push({ cloud: identity.cloud, source: "initial domain" });
  if (customerPartner) clouds.push({ cloud: customerPartner.cloud, source: "enrolled partner tenant" });
  else {
    // The tenant's own directory entry, never other partners' relationships with it (R10, R12).
    const cloud = await deps.tenants.cloudOf(tenantId);
    if (cloud) clouds.push({ cloud, source: "tenant directory" });
  }
  try {
    checkNotResellingToPartner(invitation.kind, customerPartner);
    checkSameCloud(invitation.cloud, clouds);
  } catch (error) {
    if (error instanceof DomainError) return { refusal: error };
    throw error;
  }
  return { tenantId };
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Records the decision with a conditional replace (so of a concurrent accept and cancel exactly one
 * wins), together with a decision intent, then tells the orchestration and settles the intent. The
 * document is the truth; the intent makes sure the orchestration hears of it soon even when the
 * host dies (or the event cannot be raised) in between: the start-up and timer recovery raises it
 * again (start-recovery.ts). The customer's retry cannot: it gets 410.
 */
export async function decideInvitation(
  deps: CustomerDecisionDependencies,
  request: { token: string; decision: Decision; identity: CustomerIdentity },
): Promise<Invitation> {
  const { identity, decision } = request;
  const actor: Actor = { kind: "customer", tenantId: identity.tenantId, userId: identity.userId };
  // The record of the decision being written; a fresh one (new id) on every attempt.
  let applied: AuditRecord | undefined;
  // Someone else wrote first: decide again on what is there now (usually: no longer pending -> 410).
  return updateWithRetry<Invitation, Invitation>({
    read: async () => {
      const link = await lookUpLink(deps, request.token);
      if (link.state !== "open") throw linkNotValid();
      return { value: link.invitation, etag: link.etag };
    },
    decide: async ({ value: invitation }) => {
      const verdict = await check(deps, invitation, identity);
      if ("refusal" in verdict) {
        await audit(deps, invitation, decision, actor, "refused", verdict.refusal.rule);
        throw verdict.refusal;
      }
      const now = deps.clock.now().toISOString();
      applied = auditRecord(deps, invitation, decision, actor, "applied");
      return {
        write: {
          ...invitation,
          status: decision,
          customer: { ...invitation.customer, tenantId: verdict.tenantId },
          decidedAt: now,
          decidedBy: actor,
        },
        after: async ({ value }) => {
          await raiseThenSettle(
            () => deps.raiseDecision(value.id, { decision, by: actor }),
            // An acceptance's intent is settled by the relationship step's own write (one request
            // less here); should that never come, the recovery raises it again, harmlessly.
            () =>
              decision === "accepted"
                ? Promise.resolve()
                : deps.invitations.settleDecision(value.partnerId, value.id),
            (error) =>
              deps.warn?.(
                `Could not raise the decision on invitation ${value.id} (${(error as Error).name}); ` +
                  "the decision recovery raises it again from its intent.",
              ),
          );
          return value;
        },
      };
    },
    // The decision, its audit record and the intent to tell the orchestration: one atomic write.
    replace: (next, etag) =>
      deps.invitations.replaceWithDecisionIntent(next, etag, applied ? { audit: [applied] } : undefined),
    attempts: MAX_CONFLICT_RETRIES + 1,
  });
}

async function audit(
  deps: CustomerDecisionDependencies,
  invitation: Invitation,
  decision: Decision,
  actor: Actor,
  outcome: "applied" | "refused",
  rule?: RuleId,
): Promise<void> {
  await deps.audit.record(auditRecord(deps, invitation, decision, actor, outcome, rule));
}

function auditRecord(
  deps: Pick<CustomerDecisionDependencies, "clock">,
  invitation: Invitation,
  decision: Decision,
  actor: Actor,
  outcome: "applied" | "refused",
  rule?: RuleId,
): AuditRecord {
  return {
    id: randomUUID(),
    partnerId: invitation.partnerId,
    resourceType: "invitation",
    resourceId: invitation.id,
    action: decision === "accepted" ? "accept" : "decline",
    outcome,
    ...(rule ? { rule } : {}),
    actor,
    at: deps.clock.now().toISOString(),
  };
}
