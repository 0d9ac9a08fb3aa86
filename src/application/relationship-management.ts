import { z } from "zod";
import { refuse } from "../domain/errors";
import { includesGlobalAdministrator, inForce } from "../domain/lifecycle";
import { RELATIONSHIP_STATUSES, type Principal, type Relationship } from "../domain/model";
import { requireReadRole, requireWriteRole } from "../domain/rules";
import { audit, auditedCheck, partnerActor } from "./audit";
import { updateWithRetry } from "./concurrency";
import {
  adminRequestSchema,
  createInvitation,
  type CreateInvitationDeps,
  type CreateInvitationResult,
} from "./invitations/create";
import { callerPartner, enrolledCaller } from "./partners";
import type { InvitationRepository } from "./ports";
import {
  findForCaller,
  relationshipViewSchema,
  rereadRelationship,
  toRelationshipView,
  type RelationshipDeps,
  type RelationshipView,
} from "./relationships";

/**
 * Admin relationships over their whole life (issue 10; docs/rules.md R6, R8, R10): read one, list
 * the caller's across all its customers, change auto-extend while active, and renew or replace one
 * that ends by a new invitation (the old relationship is never revived).
 */

export const listPartnerRelationshipsQuerySchema = z
  .object({
    status: z.enum(RELATIONSHIP_STATUSES).optional(),
    type: z.enum(["reseller", "admin"]).optional(),
    expiringBefore: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("Only those ending before this instant."),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    continuationToken: z.string().max(8192).optional(),
  })
  .strict();
export type ListPartnerRelationshipsQuery = z.infer<typeof listPartnerRelationshipsQuerySchema>;

export const relationshipPageSchema = z
  .object({ items: z.array(relationshipViewSchema), continuationToken: z.string().optional() })
  .meta({ id: "RelationshipPage" });

export const patchRelationshipInputSchema = z
  .strictObject({
    autoExtend: z.boolean().describe("R6: not allowed when the roles include Global Administrator."),
  })
  .meta({ id: "PatchRelationshipInput" });

export const renewRelationshipInputSchema = z
  .strictObject({
    roles: adminRequestSchema.shape.roles.optional(),
    durationDays: adminRequestSchema.shape.durationDays.optional(),
    autoExtend: z.boolean().optional(),
  })
  .meta({ id: "RenewRelationshipInput" });

const isParty = (r: Relationship, partnerId: string): boolean =>
  r.partnerId === partnerId || r.indirectResellerId === partnerId;

/** GET /api/relationships/{id}: a party (partner or indirect reseller) or the customer's Global Administrator. */
export async function getRelationship(
  deps: RelationshipDeps,
  principal: Principal,
  id: string,
): Promise<RelationshipView> {
  const scoped = await findForCaller(deps, principal, id);
  if (!scoped) throw refuse.notFound("The relationship");
  if (scoped.byCustomer) return toRelationshipView(scoped.found.value);
  if (!isParty(scoped.found.value, scoped.caller.id)) throw refuse.notFound("The relationship");
  requireReadRole(principal);
  return toRelationshipView(scoped.found.value);
}

/** GET /api/relationships: the caller's, across all its customers, newest first, paged. */
export async function listPartnerRelationships(
  deps: RelationshipDeps,
  principal: Principal,
  query: ListPartnerRelationshipsQuery,
): Promise<z.infer<typeof relationshipPageSchema>> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  const page = await deps.relationships.listForPartner(caller.id, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.type ? { type: query.type } : {}),
    ...(query.expiringBefore ? { expiringBefore: new Date(query.expiringBefore).toISOString() } : {}),
    ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
  });
  return {
    items: page.items.map(toRelationshipView),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

/** The owning partner's admin relationship, for a write; anyone else's id is 404. */
async function owned(deps: RelationshipDeps, principal: Principal, id: string) {
  const caller = await enrolledCaller(deps.partners, principal);
  const found = caller ? await deps.relationships.get(id, { partnerId: caller.id }) : undefined;
  if (!found || !caller || found.value.partnerId !== caller.id) throw refuse.notFound("The relationship");
  return { found, caller };
}

/**
 * PATCH /api/relationships/{id} {autoExtend}: only an active admin relationship (its roles never
 * change, as in Graph); R6 refuses auto-extend with Global Administrator.
 */
export async function patchRelationship(
  deps: RelationshipDeps,
  principal: Principal,
  id: string,
  input: z.infer<typeof patchRelationshipInputSchema>,
): Promise<RelationshipView> {
  const { found, caller } = await owned(deps, principal, id);
  const actor = partnerActor(principal);
  await auditedCheck(
    deps.audit,
    deps.clock,
    { partnerId: caller.id, resourceType: "relationship", resourceId: id, action: "patch", actor },
    () => {
      requireWriteRole(principal);
      if (found.value.type !== "admin") throw refuse.conflict("Only an admin relationship has auto-extend.");
      if (input.autoExtend && includesGlobalAdministrator(found.value.roles)) {
        throw refuse.invalid(
          "Auto-extend is not allowed when the roles include Global Administrator.",
          [{ field: "autoExtend", message: "must be false when the roles include Global Administrator" }],
          "R6",
        );
      }
    },
  );
  return updateWithRetry<Relationship, RelationshipView>({
    first: found,
    read: rereadRelationship(deps, found.value),
    decide: (current) => {
      if (!inForce(current.value.status)) {
        throw refuse.conflict(
          `The relationship is ${current.value.status}; only an active one changes.`,
          "R8",
        );
      }
      if (current.value.autoExtend === input.autoExtend) return { done: toRelationshipView(current.value) };
      const now = deps.clock.now().toISOString();
      return {
        write: { ...current.value, autoExtend: input.autoExtend, updatedAt: now },
        after: async (saved) => {
          await audit(deps.audit, deps.clock, {
            partnerId: caller.id,
            resourceType: "relationship",
            resourceId: id,
            action: "patch",
            outcome: "applied",
            actor,
            detail: `autoExtend ${String(input.autoExtend)}`,
          });
          return toRelationshipView(saved.value);
        },
      };
    },
    replace: (next, etag) => deps.relationships.replace(next, etag),
    attempts: 3,
    exhausted: () =>
      refuse.conflict("The relationship kept changing; try again.").because("concurrentChange"),
  });
}

/** Statuses a renewal starts from (R8): the old relationship ends or has ended; it stays as it is. */
const RENEWABLE: readonly Relationship["status"][] = ["expiring", "expired", "terminated"];

/**
 * POST /api/relationships/{id}/renew: a new admin invitation to the same customer with the given or
 * the same roles and duration; every invitation rule applies (through the one create use case).
 * An active relationship with auto-extend off counts as expiring once inside its last 30 days.
 */
export async function renewRelationship(
  deps: RelationshipDeps & CreateInvitationDeps & { invitations: InvitationRepository },
  principal: Principal,
  id: string,
  input: z.infer<typeof renewRelationshipInputSchema>,
  idempotencyKey?: string,
): Promise<CreateInvitationResult> {
  const { found, caller } = await owned(deps, principal, id);
  // R1 before the state checks: a read-only user must not learn the relationship's state from a 409.
  requireWriteRole(principal);
  const old = found.value;
  if (old.type !== "admin") throw refuse.conflict("Only an admin relationship is renewed.");
  const endsSoon =
    old.status === "active" &&
    old.endsAt !== undefined &&
    Date.parse(old.endsAt) - deps.clock.now().getTime() <= 30 * 86_400_000;
  if (!RENEWABLE.includes(old.status) && !endsSoon) {
    throw refuse.conflict("Only an expiring, expired or terminated admin relationship is renewed.", "R8");
  }
  const invitation = (await deps.invitations.get(caller.id, old.invitationId))?.value;
  if (!invitation)
    throw refuse.conflict("The invitation this relationship came from is gone; invite afresh.");
  const roles = input.roles ?? old.roles ?? [];
  return createInvitation(
    deps,
    principal,
    {
      kind: "admin",
      customer: { ...invitation.customer, tenantId: old.customerTenantId },
      locale: invitation.locale,
      admin: {
        roles,
        durationDays: input.durationDays ?? old.durationDays ?? 730,
        // Without an answer: as before, unless the roles now forbid it (R6).
        autoExtend: input.autoExtend ?? ((old.autoExtend ?? false) && !includesGlobalAdministrator(roles)),
      },
    },
    idempotencyKey,
  );
}
