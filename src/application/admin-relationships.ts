import {
  adminRelationshipInstanceId,
  type AdminRelationshipInput,
  type AdminRelationshipRef,
  type EndAdminRelationshipInput,
  type EndAdminRelationshipResult,
  type NotifyAdminExpiredResult,
  type ReadAdminRelationshipResult,
  type RemindAdminPartnerInput,
  type RemindAdminPartnerResult,
  type StartAdminLifecyclesInput,
  type StartAdminLifecyclesResult,
} from "./admin-relationship-contracts";
import { effectiveAutoExtend, extendedEnd, inForce, type ReminderDays } from "../domain/lifecycle";
import type { Actor, Invitation, Partner, Relationship } from "../domain/model";
import { updateWithRetry } from "./concurrency";
import { deterministicGuid } from "./ids";
import {
  type AuditLog,
  type Clock,
  type EmailSender,
  type InvitationRepository,
  type OutgoingEmail,
  type PartnerRepository,
  type RelationshipRepository,
  type Versioned,
} from "./ports";
import { adminRelationshipEvent } from "./webhooks/events";
import type { WebhookPublisher } from "./webhooks/ports";
import type { AccessAssignmentRepository } from "./access-assignments";

/**
 * The admin relationship orchestration's activities. Each may run more than once, so each is
 * idempotent: emails carry an operation id derived from the relationship, its period (end date)
 * and the step; state changes are conditional (ETag) on the document still being what was read.
 */

export type AdminRelationshipNotice =
  | { kind: "reminder"; daysLeft: ReminderDays; endsAt: string }
  | { kind: "expired"; endsAt: string }
  /** The customer's Global Administrator ended it (R9); `endsAt` is when. */
  | { kind: "terminated"; endsAt: string };

export interface AdminRelationshipEmailContent {
  relationship: Relationship;
  partner: Partner;
  /** The invitation it came from: names the customer (the relationship only has its tenant id). */
  invitation?: Invitation;
  notice: AdminRelationshipNotice;
}

export interface AdminRelationshipEmailRenderer {
  partnerNotice(content: AdminRelationshipEmailContent): Omit<OutgoingEmail, "to">;
}

export interface AdminLifecycleDependencies {
  relationships: RelationshipRepository;
  invitations: InvitationRepository;
  partners: PartnerRepository;
  audit: AuditLog;
  email: EmailSender;
  clock: Clock;
  render: AdminRelationshipEmailRenderer;
  /** Tells the partner's webhook too (absent: email only). */
  webhooks?: WebhookPublisher;
  /** Access assignments end with the relationship. */
  accessAssignments?: Pick<AccessAssignmentRepository, "removeAllFor">;
}

const SYSTEM: Actor = { kind: "system" };
/** Lost races before an activity gives up (and the orchestration's retry policy takes over). */
const CONFLICT_ATTEMPTS = 6;

export function adminReminderOperationId(relationshipId: string, endsAt: string, days: ReminderDays): string {
  return deterministicGuid("admin-relationship", relationshipId, endsAt, "reminder", String(days));
}

export function adminExpiredOperationId(relationshipId: string): string {
  return deterministicGuid("admin-relationship", relationshipId, "expired");
}

export function adminTerminatedOperationId(relationshipId: string): string {
  return deterministicGuid("admin-relationship", relationshipId, "terminated");
}

export { effectiveAutoExtend };

type Loaded = Versioned<Relationship> & { endsAt: string };

/**
 * Every start since relationships are found by scope passes the customer; an input without it
 * (recorded before) names no partition to look in, and says so rather than reading as "gone".
 */
function customerScope(input: { customerTenantId?: string | undefined }): { customerTenantId: string } {
  if (!input.customerTenantId)
    throw new Error("This admin relationship input names no customer; start it again with customerTenantId.");
  return { customerTenantId: input.customerTenantId };
}

async function load(
  deps: Pick<AdminLifecycleDependencies, "relationships">,
  input: AdminRelationshipRef,
): Promise<Loaded> {
  const { relationshipId } = input;
  const found = await deps.relationships.get(relationshipId, { customerTenantId: input.customerTenantId });
  // Not usefully retryable: the lifecycle was started for a document that is not there.
  if (!found) throw new Error(`Relationship ${relationshipId} does not exist.`);
  if (found.value.type !== "admin" || !found.value.endsAt) {
    throw new Error(`Relationship ${relationshipId} is not an admin relationship with an end date.`);
  }
  return { ...found, endsAt: found.value.endsAt };
}

export async function readAdminRelationship(
  deps: Pick<AdminLifecycleDependencies, "relationships">,
  input: AdminRelationshipRef,
): Promise<ReadAdminRelationshipResult> {
  const { value, endsAt } = await load(deps, input);
  return { status: value.status, endsAt, autoExtend: effectiveAutoExtend(value) };
}

async function send(
  deps: Pick<AdminLifecycleDependencies, "partners" | "invitations" | "render" | "email">,
  relationship: Relationship,
  notice: AdminRelationshipNotice,
  operationId: string,
): Promise<void> {
  const partner = await deps.partners.get(relationship.partnerId);
  if (!partner)
    throw new Error(`Partner ${relationship.partnerId} of relationship ${relationship.id} does not exist.`);
  const invitation = (await deps.invitations.get(relationship.partnerId, relationship.invitationId))?.value;
  const email = deps.render.partnerNotice({
    relationship,
    partner,
    ...(invitation ? { invitation } : {}),
    notice,
  });
  await deps.email.send({ ...email, to: [partner.contactEmail] }, operationId);
}

/** R7: reminds the partner, unless the relationship left force or its period changed meanwhile. */
export async function remindAdminPartner(
  deps: AdminLifecycleDependencies,
  input: RemindAdminPartnerInput,
): Promise<RemindAdminPartnerResult> {
  const { value, endsAt } = await load(deps, input);
  if (!inForce(value.status) || endsAt !== input.endsAt) return { sent: false, status: value.status };
  await send(
    deps,
    value,
    { kind: "reminder", daysLeft: input.daysBefore, endsAt },
    adminReminderOperationId(value.id, endsAt, input.daysBefore),
  );
  await deps.webhooks?.publish(
    value.partnerId,
    adminRelationshipEvent(value, "expiring", `${endsAt}/${input.daysBefore}`, {
      daysLeft: input.daysBefore,
    }),
  );
  return { sent: true, status: value.status };
}

/**
 * At the end date: extends by 180 days with (effective) auto-extend, else marks it expired. A re-run
 * finds the work done (a later end date, or `expired`) and reports it; a relationship that left
 * force another way (terminated) is reported as it is and left alone (R8: nothing revives it).
 */
export async function endAdminRelationship(
  deps: AdminLifecycleDependencies,
  input: EndAdminRelationshipInput,
): Promise<EndAdminRelationshipResult> {
  return updateWithRetry<Relationship, EndAdminRelationshipResult, Loaded>({
    read: () => load(deps, input),
    decide: async ({ value, endsAt }) => {
      if (!inForce(value.status)) {
        if (value.status === "expired") await auditEnd(deps, value, "expire", input.endsAt);
        return { done: { outcome: value.status, endsAt } };
      }
      if (Date.parse(endsAt) > Date.parse(input.endsAt)) {
        await auditEnd(deps, value, "extend", input.endsAt);
        await publishExtended(deps, value, input.endsAt);
        return { done: { outcome: "extended", endsAt } };
      }
      const now = deps.clock.now().toISOString();
      const extend = effectiveAutoExtend(value);
      return {
        write: extend
          ? { ...value, endsAt: extendedEnd(endsAt), updatedAt: now }
          : { ...value, status: "expired", updatedAt: now },
        after: async ({ value: saved }) => {
          await auditEnd(deps, saved, extend ? "extend" : "expire", input.endsAt);
          if (extend) await publishExtended(deps, saved, input.endsAt);
          return extend
            ? { outcome: "extended", endsAt: saved.endsAt ?? endsAt }
            : { outcome: "expired", endsAt };
        },
      };
    },
    replace: (next, etag) => deps.relationships.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}

/** One event per period: its id names the end date that was extended from. */
async function publishExtended(
  deps: AdminLifecycleDependencies,
  relationship: Relationship,
  periodEnd: string,
): Promise<void> {
  await deps.webhooks?.publish(
    relationship.partnerId,
    adminRelationshipEvent(relationship, "extended", periodEnd, { previousEndsAt: periodEnd }),
  );
}

async function auditEnd(
  deps: AdminLifecycleDependencies,
  relationship: Relationship,
  action: "extend" | "expire",
  periodEnd: string,
): Promise<void> {
  // A fixed id per period: a re-run writes the same record again instead of a second one.
  await deps.audit.record({
    id: deterministicGuid("audit", relationship.id, action, periodEnd),
    partnerId: relationship.partnerId,
    resourceType: "relationship",
    resourceId: relationship.id,
    action,
    outcome: "applied",
    actor: SYSTEM,
    at: periodEnd,
    detail:
      action === "extend"
        ? `auto-extended to ${relationship.endsAt ?? "?"} (R6)`
        : "expired at its end date without auto-extend",
  });
}

/** Tells the partner's contact that the relationship expired; once, however often it runs. */
export async function notifyAdminExpired(
  deps: AdminLifecycleDependencies,
  input: AdminRelationshipRef,
): Promise<NotifyAdminExpiredResult> {
  const { value, endsAt } = await load(deps, input);
  if (value.status !== "expired")
    throw new Error(`Relationship ${value.id} is ${value.status}, not expired.`);
  await deps.accessAssignments?.removeAllFor(value.customerTenantId, value.id);
  await send(deps, value, { kind: "expired", endsAt }, adminExpiredOperationId(value.id));
  await deps.webhooks?.publish(value.partnerId, adminRelationshipEvent(value, "expired"));
  return { sent: true };
}

/** Tells the partner's contact that the customer ended the relationship (R9); once, however often it runs. */
export async function notifyPartnerOfTermination(
  deps: Pick<AdminLifecycleDependencies, "partners" | "invitations" | "render" | "email">,
  relationship: Relationship,
): Promise<void> {
  await send(
    deps,
    relationship,
    { kind: "terminated", endsAt: relationship.endsAt ?? relationship.updatedAt },
    adminTerminatedOperationId(relationship.id),
  );
}

/** Starts an orchestration instance; an instance that already exists counts as started. */
/**
 * Starts the instance unless it exists. `fresh`: the relationship did not exist before the caller
 * created it just now, so neither can its instance (ids derive from it): no need to look first.
 */
export type LifecycleStarter = (
  instanceId: string,
  input: AdminRelationshipInput,
  options?: { fresh?: boolean },
) => Promise<void>;

/** Hands each admin relationship still in force to its own lifecycle instance (one per relationship). */
export interface AdminLifecycleStartDependencies extends Pick<AdminLifecycleDependencies, "webhooks"> {
  start: LifecycleStarter;
  /**
   * Tells the customer it is active, with the link to end it (R9); idempotent per relationship. The
   * invitation it came from, when the caller holds it, spares a read.
   */
  confirm?: (relationship: Relationship, invitation?: Invitation) => Promise<void>;
}

export async function startAdminLifecycles(
  deps: Pick<AdminLifecycleDependencies, "relationships"> & AdminLifecycleStartDependencies,
  input: StartAdminLifecyclesInput,
): Promise<StartAdminLifecyclesResult> {
  const instanceIds: string[] = [];
  for (const relationshipId of input.relationshipIds) {
    const found = await deps.relationships.get(relationshipId, customerScope(input));
    if (!found || found.value.type !== "admin" || !inForce(found.value.status)) continue;
    instanceIds.push(await startAdminLifecycle(deps, found.value));
  }
  return { instanceIds };
}

/**
 * Starts one admin relationship's lifecycle from its document as read (or as just written, in
 * force): the instance (by deterministic id), the partner's "activated" event and the customer's
 * confirmation. Each part is idempotent, so a re-run repeats none of them.
 */
export async function startAdminLifecycle(
  deps: AdminLifecycleStartDependencies,
  relationship: Relationship,
  invitation?: Invitation,
  options: { fresh?: boolean } = {},
): Promise<string> {
  const instanceId = adminRelationshipInstanceId(relationship.id);
  // The customer rides along so that each of the instance's reads is one point read, no lookup; the
  // period spares its first execution the read of what the caller holds.
  await deps.start(
    instanceId,
    {
      relationshipId: relationship.id,
      customerTenantId: relationship.customerTenantId,
      ...(relationship.endsAt
        ? { period: { endsAt: relationship.endsAt, autoExtend: effectiveAutoExtend(relationship) } }
        : {}),
    },
    options,
  );
  await deps.webhooks?.publish(relationship.partnerId, adminRelationshipEvent(relationship, "activated"));
  await deps.confirm?.(relationship, invitation);
  return instanceId;
}
