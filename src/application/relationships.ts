import { z } from "zod";
import { refuse } from "../domain/errors";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type Partner,
  type Principal,
  type Relationship,
} from "../domain/model";
import { relationshipSchema } from "../domain/schemas";
import { checkTerminable, isCustomerGlobalAdmin, requireReadRole, requireWriteRole } from "../domain/rules";
import { audit, auditedCheck, customerActor, partnerActor } from "./audit";
import { callerPartner, enrolledCaller } from "./partners";
import { updateWithRetry } from "./concurrency";
import {
  type AuditLog,
  type Clock,
  type PartnerRepository,
  type RelationshipRepository,
  type Versioned,
} from "./ports";

export const relationshipViewSchema = relationshipSchema
  .omit({ createdAt: true, updatedAt: true })
  .meta({ id: "Relationship" });
export type RelationshipView = z.infer<typeof relationshipViewSchema>;

export const relationshipListSchema = z
  .object({ items: z.array(relationshipViewSchema) })
  .meta({ id: "RelationshipList" });

export function toRelationshipView(r: Relationship): RelationshipView {
  return relationshipViewSchema.parse(r);
}

export interface RelationshipDeps {
  clock: Clock;
  partners: PartnerRepository;
  relationships: RelationshipRepository;
  audit: AuditLog;
}

const isParty = (r: Relationship, partnerId: string): boolean =>
  r.partnerId === partnerId || r.indirectResellerId === partnerId;

/** GET /api/customers/{tenantId}/relationships: only those the caller is party to (R10). */
export async function listCustomerRelationships(
  deps: RelationshipDeps,
  principal: Principal,
  customerTenantId: string,
): Promise<{ items: RelationshipView[] }> {
  const tenantId = customerTenantId.toLowerCase();
  // The customer's Global Administrator is party to every relationship of its own tenant.
  if (isCustomerGlobalAdmin(principal, tenantId)) {
    return { items: (await deps.relationships.listForCustomer(tenantId)).map(toRelationshipView) };
  }
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  const all = await deps.relationships.listForCustomer(tenantId);
  return { items: all.filter((r) => isParty(r, caller.id)).map(toRelationshipView) };
}

/**
 * POST /api/relationships/{id}/terminate (R9): the partner party to an admin relationship, or the
 * customer's Global Administrator, ends it at any time. Others' ids are 404, never 403.
 */
/**
 * A relationship by id, looked for only where the caller may see it: the customer's Global
 * Administrator in its own tenant's partition, a partner among the relationships it is party to.
 * Anything else (another customer's, a partner not party to it, an id that does not exist) is
 * undefined alike, so no answer tells them apart (R10).
 */
export async function findForCaller(
  deps: Pick<RelationshipDeps, "relationships" | "partners">,
  principal: Principal,
  id: string,
): Promise<
  | { found: Versioned<Relationship>; byCustomer: true }
  | { found: Versioned<Relationship>; byCustomer: false; caller: Partner }
  | undefined
> {
  if (principal.wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID)) {
    const own = await deps.relationships.get(id, { customerTenantId: principal.tenantId });
    if (own && isCustomerGlobalAdmin(principal, own.value.customerTenantId))
      return { found: own, byCustomer: true };
  }
  const caller = await enrolledCaller(deps.partners, principal);
  if (!caller) return undefined;
  const found = await deps.relationships.get(id, { partnerId: caller.id });
  return found ? { found, byCustomer: false, caller } : undefined;
}

/** The same relationship read again for a retried write: its customer's partition is known by now. */
export function rereadRelationship(
  deps: Pick<RelationshipDeps, "relationships">,
  relationship: Relationship,
): () => Promise<Versioned<Relationship>> {
  return async () => {
    const reread = await deps.relationships.get(relationship.id, {
      customerTenantId: relationship.customerTenantId,
    });
    if (!reread) throw refuse.notFound("The relationship");
    return reread;
  };
}

export async function terminateRelationship(
  deps: RelationshipDeps,
  principal: Principal,
  id: string,
): Promise<RelationshipView> {
  const scoped = await findForCaller(deps, principal, id);
  if (!scoped) throw refuse.notFound("The relationship");
  const { found } = scoped;
  let actor = customerActor(principal);
  if (!scoped.byCustomer) {
    const { caller } = scoped;
    // Whoever is neither party learns nothing, not even that the id exists; an indirect reseller
    // sees the relationship but does not end it.
    if (found.value.partnerId !== caller.id) throw refuse.notFound("The relationship");
    actor = partnerActor(principal);
    await auditedCheck(
      deps.audit,
      deps.clock,
      { partnerId: caller.id, resourceType: "relationship", resourceId: id, action: "terminate", actor },
      () => requireWriteRole(principal),
    );
  }

  return updateWithRetry<Relationship, RelationshipView>({
    first: found,
    read: rereadRelationship(deps, found.value),
    decide: (current) => {
      checkTerminable(current.value);
      const now = deps.clock.now().toISOString();
      return {
        write: { ...current.value, status: "terminated", endsAt: now, updatedAt: now },
        after: async (saved) => {
          await audit(deps.audit, deps.clock, {
            id: `${id}:terminated`,
            partnerId: saved.value.partnerId,
            resourceType: "relationship",
            resourceId: id,
            action: "terminated",
            outcome: "applied",
            actor,
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
