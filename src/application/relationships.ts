import { z } from "zod";
import { refuse } from "../domain/errors";
import type { Principal, Relationship } from "../domain/model";
import { relationshipSchema } from "../domain/schemas";
import { checkTerminable, isCustomerGlobalAdmin, requireReadRole, requireWriteRole } from "../domain/rules";
import { audit, auditedCheck, customerActor, partnerActor } from "./audit";
import { callerPartner } from "./partners";
import { updateWithRetry } from "./concurrency";
import { type AuditLog, type Clock, type PartnerRepository, type RelationshipRepository } from "./ports";

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
export async function terminateRelationship(
  deps: RelationshipDeps,
  principal: Principal,
  id: string,
): Promise<RelationshipView> {
  const found = await deps.relationships.get(id);
  if (!found) throw refuse.notFound("The relationship");
  const byCustomer = isCustomerGlobalAdmin(principal, found.value.customerTenantId);
  let actor = customerActor(principal);
  if (!byCustomer) {
    const caller = await callerPartner(deps.partners, principal).catch(() => undefined);
    // Whoever is neither party learns nothing, not even that the id exists.
    if (!caller || found.value.partnerId !== caller.id) throw refuse.notFound("The relationship");
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
    read: async () => {
      const reread = await deps.relationships.get(id);
      if (!reread) throw refuse.notFound("The relationship");
      return reread;
    },
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
