import { deterministicGuid, relationshipIdFor } from "../ids";
import { invitationLinkToken } from "../../domain/invitation-token";
import { adminRelationshipEnd } from "../../domain/lifecycle";
import type {
  Actor,
  AuditRecord,
  Invitation,
  InvitationOutcome,
  Partner,
  Relationship,
} from "../../domain/model";
import { updateWithRetry } from "../concurrency";
import {
  type AuditLog,
  type Clock,
  type EmailSender,
  type InvitationRepository,
  type OutgoingEmail,
  type PartnerRepository,
  type RelationshipRepository,
  type Versioned,
} from "../ports";
import type {
  CreateRelationshipsResult,
  CustomerEmailStep,
  ExpireInvitationResult,
  InvitationOrchestrationInput,
  NotifyPartnerResult,
  ReadInvitationStatusResult,
  SendCustomerEmailResult,
} from "./contracts";
import { invitationEvent } from "../webhooks/events";
import type { WebhookPublisher } from "../webhooks/ports";

/**
 * The invitation orchestration's activities. Each may run more than once (a worker dies after the
 * work but before the result is recorded), so each is idempotent: emails carry an operation id
 * derived from the invitation and the step, relationship ids derive from the invitation and the
 * type, and state changes are conditional on the document still being in the state they expect.
 */

export interface InvitationEmailContent {
  invitation: Invitation;
  partner: Partner;
  reseller?: Partner;
}

export type RenderedEmail = Omit<OutgoingEmail, "to">;

/**
 * Rendering is pure and lives in src/web; the composition root passes it in. Recipients are decided
 * here, not by templates: the customer's admin, or the partner's contact.
 */
export interface InvitationEmailRenderer {
  customerEmail(content: InvitationEmailContent & { step: CustomerEmailStep; link: string }): RenderedEmail;
  partnerNotification(content: InvitationEmailContent & { outcome: InvitationOutcome }): RenderedEmail;
}

export interface LifecycleDependencies {
  invitations: InvitationRepository;
  partners: PartnerRepository;
  relationships: RelationshipRepository;
  audit: AuditLog;
  email: EmailSender;
  clock: Clock;
  render: InvitationEmailRenderer;
  /** INVITATION_LINK_KEY: rebuilds the link from the stored nonce (the token is never stored). */
  linkKey: string;
  /** PUBLIC_BASE_URL */
  publicBaseUrl: string;
  /** Tells the partner's webhook too (absent: email only). */
  webhooks?: WebhookPublisher;
}

const SYSTEM: Actor = { kind: "system" };
/** Lost races before an activity gives up (and the orchestration's retry policy takes over). */
const CONFLICT_ATTEMPTS = 6;

/** A GUID from a hash of the parts (RFC 4122 layout, version 5 bits): the same parts, the same id. */
export function customerEmailOperationId(invitationId: string, step: CustomerEmailStep): string {
  return deterministicGuid("invitation", invitationId, "customer-email", step);
}

export function partnerNotificationOperationId(invitationId: string, outcome: InvitationOutcome): string {
  return deterministicGuid("invitation", invitationId, "partner-notification", outcome);
}

/** The link the customer opens; only ever built in memory, right before it goes into an email. */
export function invitationLink(publicBaseUrl: string, linkKey: string, invitation: Invitation): string {
  const token = invitationLinkToken(linkKey, invitation.partnerId, invitation.id, invitation.linkNonce);
  return `${publicBaseUrl.replace(/\/+$/, "")}/invite/${token}`;
}

function load(
  deps: LifecycleDependencies,
  ref: InvitationOrchestrationInput,
): Promise<Versioned<Invitation>> {
  return found(deps.invitations.get(ref.partnerId, ref.invitationId), ref);
}

async function found(
  read: Promise<Versioned<Invitation> | undefined>,
  ref: InvitationOrchestrationInput,
): Promise<Versioned<Invitation>> {
  const invitation = await read;
  // Not retryable in any useful way: the orchestration was started for a document that is not there.
  if (!invitation)
    throw new Error(`Invitation ${ref.invitationId} of partner ${ref.partnerId} does not exist.`);
  return invitation;
}

async function content(
  deps: Pick<LifecycleDependencies, "partners">,
  invitation: Invitation,
): Promise<InvitationEmailContent> {
  const partner = await deps.partners.get(invitation.partnerId);
  if (!partner)
    throw new Error(`Partner ${invitation.partnerId} of invitation ${invitation.id} does not exist.`);
  const reseller = invitation.resellerPartnerId
    ? await deps.partners.get(invitation.resellerPartnerId)
    : undefined;
  return reseller ? { invitation, partner, reseller } : { invitation, partner };
}

/** Sends the invitation or a reminder, unless the invitation is no longer pending (or already past expiry). */
export async function sendCustomerEmail(
  deps: LifecycleDependencies,
  input: InvitationOrchestrationInput & { step: CustomerEmailStep },
): Promise<SendCustomerEmailResult> {
  // The first email comes from the running orchestration: the start intent stored with the
  // invitation is done with, and goes in the same request as the read.
  const { value: invitation } =
    input.step === "invitation"
      ? await found(deps.invitations.getSettlingStart(input.partnerId, input.invitationId), input)
      : await load(deps, input);
  const result = { sent: false, status: invitation.status };
  const expired = deps.clock.now().getTime() >= Date.parse(invitation.expiresAt);
  if (invitation.status !== "pending" || expired) return result;
  await sendInvitationEmail(
    deps,
    invitation,
    input.step,
    customerEmailOperationId(invitation.id, input.step),
  );
  return { ...result, sent: true };
}

/** Renders and sends one customer email with the invitation's link (rebuilt from its nonce). */
export async function sendInvitationEmail(
  deps: Pick<LifecycleDependencies, "partners" | "render" | "email" | "publicBaseUrl" | "linkKey">,
  invitation: Invitation,
  step: CustomerEmailStep,
  operationId: string,
): Promise<void> {
  const email = deps.render.customerEmail({
    ...(await content(deps, invitation)),
    step,
    link: invitationLink(deps.publicBaseUrl, deps.linkKey, invitation),
  });
  await deps.email.send({ ...email, to: [invitation.customer.adminEmail] }, operationId);
}

export async function readInvitationStatus(
  deps: LifecycleDependencies,
  input: InvitationOrchestrationInput,
): Promise<ReadInvitationStatusResult> {
  const { value } = await load(deps, input);
  return { status: value.status, createdAt: value.createdAt, expiresAt: value.expiresAt };
}

/** Marks a still-pending invitation expired; when a decision or cancellation won the race, reports that instead. */
export async function expireInvitation(
  deps: LifecycleDependencies,
  input: InvitationOrchestrationInput,
): Promise<ExpireInvitationResult> {
  return updateWithRetry<Invitation, ExpireInvitationResult>({
    read: () => load(deps, input),
    decide: async ({ value: invitation }) => {
      if (invitation.status !== "pending") {
        if (invitation.status === "expired") await auditExpiry(deps, invitation);
        return { done: { status: invitation.status } };
      }
      const now = deps.clock.now().toISOString();
      return {
        write: { ...invitation, status: "expired", decidedAt: now, decidedBy: SYSTEM },
        after: () => ({ status: "expired" }),
      };
    },
    // The expiry and its audit record: one atomic write.
    replace: (next, etag) => deps.invitations.replace(next, etag, { audit: [expiryRecord(deps, next)] }),
    attempts: CONFLICT_ATTEMPTS,
  });
}

async function auditExpiry(deps: LifecycleDependencies, invitation: Invitation): Promise<void> {
  await deps.audit.record(expiryRecord(deps, invitation));
}

function expiryRecord(deps: Pick<LifecycleDependencies, "clock">, invitation: Invitation): AuditRecord {
  // A fixed id: a re-run writes the same record again instead of a second one.
  return {
    id: deterministicGuid("audit", invitation.id, "expire"),
    partnerId: invitation.partnerId,
    resourceType: "invitation",
    resourceId: invitation.id,
    action: "expire",
    outcome: "applied",
    actor: SYSTEM,
    at: invitation.decidedAt ?? deps.clock.now().toISOString(),
  };
}

/** The relationships an accepted invitation grants; ids and dates derive from the document alone. */
export function relationshipsFor(invitation: Invitation): Relationship[] {
  const customerTenantId = invitation.customer.tenantId;
  if (!customerTenantId) throw new Error(`Accepted invitation ${invitation.id} has no customer tenant.`);
  const startsAt = invitation.decidedAt ?? invitation.createdAt;
  const common = {
    customerTenantId,
    partnerId: invitation.partnerId,
    status: "active" as const,
    startsAt,
    invitationId: invitation.id,
    createdAt: startsAt,
    updatedAt: startsAt,
  };
  const relationships: Relationship[] = [];
  if (invitation.kind === "reseller" || invitation.kind === "reseller+admin") {
    relationships.push({
      ...common,
      id: relationshipIdFor(invitation.id, "reseller"),
      type: "reseller",
      ...(invitation.resellerPartnerId ? { indirectResellerId: invitation.resellerPartnerId } : {}),
    });
  }
  if ((invitation.kind === "admin" || invitation.kind === "reseller+admin") && invitation.admin) {
    const endsAt = adminRelationshipEnd(startsAt, invitation.admin.durationDays);
    relationships.push({
      ...common,
      id: relationshipIdFor(invitation.id, "admin"),
      type: "admin",
      roles: [...invitation.admin.roles],
      durationDays: invitation.admin.durationDays,
      autoExtend: invitation.admin.autoExtend,
      endsAt,
    });
  }
  return relationships;
}

/**
 * What follows an acceptance once its relationships exist: each admin relationship's lifecycle
 * started (with the customer's confirmation). The creation does it itself when it has just written
 * them, from the documents in hand; otherwise the orchestration runs the separate activities.
 */
export interface AcceptanceFollowUp {
  /** `fresh`: the relationship was created by this run (see LifecycleStarter). */
  startAdminLifecycle(
    relationship: Relationship,
    invitation: Invitation,
    options: { fresh: boolean },
  ): Promise<void>;
}

/**
 * Creates the relationships of an accepted invitation (one transactional batch) and links them to
 * it. When this run created them and linked them (the first run, the usual case), it also starts
 * the admin lifecycles and tells the partner, from the documents it holds: no step after it reads
 * them again. A failure there is not the creation's: the result says the rest is still to do, and
 * the orchestration does it with the separate activities, each with its own retries.
 */
export async function createRelationships(
  deps: LifecycleDependencies & { followUp?: AcceptanceFollowUp },
  input: InvitationOrchestrationInput,
): Promise<CreateRelationshipsResult> {
  const loaded = await load(deps, input);
  const invitation = loaded.value;
  if (invitation.status !== "accepted") {
    throw new Error(`Invitation ${invitation.id} is ${invitation.status}, not accepted.`);
  }
  const relationships = relationshipsFor(invitation);
  // The partner's index copies go with the link below: same partition, one request.
  const { deferred, fresh } = await deps.relationships.createMany(
    invitation.customer.tenantId!,
    relationships,
    {
      deferIndexOf: invitation.partnerId,
    },
  );
  const relationshipIds = relationships.map((r) => r.id);
  // The first attempt links them on the version read above (its ETag still decides the write);
  // only a conflict reads again.
  // Fixed ids: a re-run writes the same records again instead of second ones.
  const records: AuditRecord[] = relationships.map((relationship) => ({
    id: deterministicGuid("audit", relationship.id, "create"),
    partnerId: invitation.partnerId,
    resourceType: "relationship",
    resourceId: relationship.id,
    action: "create",
    outcome: "applied",
    actor: invitation.decidedBy ?? SYSTEM,
    at: relationship.createdAt,
    detail: `${relationship.type} relationship from invitation ${invitation.id}`,
  }));
  let first: typeof loaded | undefined = loaded;
  const linked = await updateWithRetry<Invitation, Invitation | undefined>({
    read: () => {
      const known = first;
      first = undefined;
      return known ? Promise.resolve(known) : load(deps, input);
    },
    decide: ({ value: current }) =>
      sameIds(current.relationshipIds, relationshipIds)
        ? { done: undefined }
        : { write: { ...current, relationshipIds }, after: ({ value }) => value },
    // The link, the creations' audit records, the partner's index copies and the decision intent's
    // settlement: one atomic write in the partner's partition.
    replace: (next, etag) =>
      deps.invitations.replace(next, etag, {
        audit: records,
        relationshipIndex: deferred,
        // The acceptance's decision intent is carried out here: settled in the same write.
        settleDecision: true,
      }),
    attempts: CONFLICT_ATTEMPTS,
  });
  // Already linked (a re-run, or a run of an older version that linked before recording): the
  // records may be missing, and writing them again is a no-op when they are not; the copies left
  // to the link are written the way a re-run writes them (from what is stored).
  if (!linked) {
    for (const record of records) await deps.audit.record(record);
    if (deferred.length > 0)
      await deps.relationships.createMany(invitation.customer.tenantId!, relationships);
  }
  const concluded = linked && fresh && deps.followUp ? await conclude(deps, linked, relationships) : false;
  return {
    relationshipIds,
    customerTenantId: invitation.customer.tenantId!,
    adminRelationshipIds: relationships.filter((r) => r.type === "admin").map((r) => r.id),
    ...(concluded ? { concluded } : {}),
  };
}

/** The follow-up of a first run, from what it just wrote; false leaves it to the orchestration. */
async function conclude(
  deps: LifecycleDependencies & { followUp?: AcceptanceFollowUp },
  invitation: Invitation,
  relationships: Relationship[],
): Promise<boolean> {
  // Only a first run concludes: this run created the relationships, so no instance exists yet. The
  // parts do not depend on each other, so they go at once: the activity holds its slot for the
  // slowest part instead of the sum.
  const parts = await Promise.allSettled([
    ...relationships
      .filter((relationship) => relationship.type === "admin")
      .map((relationship) => deps.followUp?.startAdminLifecycle(relationship, invitation, { fresh: true })),
    tellPartner(deps, invitation, "accepted"),
  ]);
  // Every part is idempotent: on any failure the separate activities repeat what was done and
  // finish the rest.
  return parts.every((part) => part.status === "fulfilled");
}

function sameIds(a: string[] | undefined, b: string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Tells the partner's contact how the invitation ended; once per outcome, however often it runs. */
export async function notifyPartner(
  deps: LifecycleDependencies,
  input: InvitationOrchestrationInput & { outcome: InvitationOutcome },
): Promise<NotifyPartnerResult> {
  const { value: invitation } = await load(deps, input);
  if (invitation.status !== input.outcome) {
    throw new Error(`Invitation ${invitation.id} is ${invitation.status}, not ${input.outcome}.`);
  }
  await tellPartner(deps, invitation, input.outcome);
  return { sent: true };
}

async function tellPartner(
  deps: LifecycleDependencies,
  invitation: Invitation,
  outcome: InvitationOutcome,
): Promise<void> {
  const { partner, ...rest } = await content(deps, invitation);
  const email = deps.render.partnerNotification({ partner, ...rest, outcome });
  await deps.email.send(
    { ...email, to: [partner.contactEmail] },
    partnerNotificationOperationId(invitation.id, outcome),
  );
  await deps.webhooks?.publish(invitation.partnerId, invitationEvent(invitation, outcome));
}
