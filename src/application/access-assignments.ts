import { z } from "zod";
import { refuse } from "../domain/errors";
import { inForce } from "../domain/lifecycle";
import type { Principal, Relationship } from "../domain/model";
import { requireReadRole, requireWriteRole } from "../domain/rules";
import { audit, partnerActor } from "./audit";
import { deterministicGuid } from "./ids";
import { enrolledCaller } from "./partners";
import type { RelationshipDeps } from "./relationships";
import { guidSchema } from "./schemas";

/**
 * Access assignments, as Graph's delegatedAdminAccessAssignment: a security group of the partner's
 * tenant gets some of an active admin relationship's roles. Stored in the customer's partition beside
 * the relationship; they end with it (the terminate route and the expiry step remove them, and an
 * ended relationship neither lists nor accepts any).
 */
export interface AccessAssignment {
  id: string;
  relationshipId: string;
  customerTenantId: string;
  partnerId: string;
  securityGroupId: string;
  roles: string[];
  createdAt: string;
}

export interface AccessAssignmentRepository {
  /** False when an assignment with this id exists already. */
  create(assignment: AccessAssignment): Promise<boolean>;
  list(customerTenantId: string, relationshipId: string): Promise<AccessAssignment[]>;
  /** False when there was none. */
  remove(customerTenantId: string, id: string): Promise<boolean>;
  removeAllFor(customerTenantId: string, relationshipId: string): Promise<void>;
}

export type AccessAssignmentDeps = RelationshipDeps & { accessAssignments: AccessAssignmentRepository };

export const accessAssignmentInputSchema = z
  .strictObject({
    securityGroupId: guidSchema.describe("A security group of the partner's tenant."),
    roles: z
      .array(z.string().trim().min(1).max(64))
      .min(1)
      .max(72)
      .describe("A subset of the relationship's roles."),
  })
  .meta({ id: "AccessAssignmentInput" });

export const accessAssignmentViewSchema = z
  .object({
    id: z.string(),
    relationshipId: z.string(),
    securityGroupId: z.string(),
    roles: z.array(z.string()),
    createdAt: z.string(),
  })
  .meta({ id: "AccessAssignment" });
export const accessAssignmentListSchema = z
  .object({ items: z.array(accessAssignmentViewSchema) })
  .meta({ id: "AccessAssignmentList" });

const toView = (a: AccessAssignment): z.infer<typeof accessAssignmentViewSchema> =>
  accessAssignmentViewSchema.parse(a);

async function partyRelationship(
  deps: AccessAssignmentDeps,
  principal: Principal,
  id: string,
): Promise<{ relationship: Relationship; partnerId: string }> {
  const caller = await enrolledCaller(deps.partners, principal);
  const found = caller ? await deps.relationships.get(id, { partnerId: caller.id }) : undefined;
  if (!found || !caller || found.value.partnerId !== caller.id || found.value.type !== "admin") {
    throw refuse.notFound("The relationship");
  }
  return { relationship: found.value, partnerId: caller.id };
}

export async function createAccessAssignment(
  deps: AccessAssignmentDeps,
  principal: Principal,
  relationshipId: string,
  input: z.infer<typeof accessAssignmentInputSchema>,
): Promise<z.infer<typeof accessAssignmentViewSchema>> {
  const { relationship, partnerId } = await partyRelationship(deps, principal, relationshipId);
  requireWriteRole(principal);
  if (!inForce(relationship.status)) {
    throw refuse.conflict(
      `The relationship is ${relationship.status}; access is assigned only while it is active.`,
      "R8",
    );
  }
  const granted = new Set((relationship.roles ?? []).map((r) => r.toLowerCase()));
  const roles = [...new Set(input.roles.map((r) => r.toLowerCase()))];
  const outside = roles.filter((r) => !granted.has(r));
  if (outside.length > 0) {
    throw refuse.invalid("Access assignments may only hold roles of the relationship.", [
      { field: "roles", message: `not in the relationship: ${outside.join(", ")}` },
    ]);
  }
  const assignment: AccessAssignment = {
    id: deterministicGuid("access-assignment", relationship.id, input.securityGroupId.toLowerCase()),
    relationshipId: relationship.id,
    customerTenantId: relationship.customerTenantId,
    partnerId,
    securityGroupId: input.securityGroupId.toLowerCase(),
    roles,
    createdAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.accessAssignments.create(assignment))) {
    throw refuse.conflict("This security group already has an access assignment on the relationship.");
  }
  await audit(deps.audit, deps.clock, {
    partnerId,
    resourceType: "relationship",
    resourceId: relationship.id,
    action: "assignAccess",
    outcome: "applied",
    actor: partnerActor(principal),
    detail: `group ${assignment.securityGroupId}: ${roles.join(", ")}`,
  });
  return toView(assignment);
}

export async function listAccessAssignments(
  deps: AccessAssignmentDeps,
  principal: Principal,
  relationshipId: string,
): Promise<z.infer<typeof accessAssignmentListSchema>> {
  const { relationship } = await partyRelationship(deps, principal, relationshipId);
  requireReadRole(principal);
  if (!inForce(relationship.status)) return { items: [] };
  const items = await deps.accessAssignments.list(relationship.customerTenantId, relationship.id);
  return { items: items.map(toView) };
}

export async function deleteAccessAssignment(
  deps: AccessAssignmentDeps,
  principal: Principal,
  relationshipId: string,
  assignmentId: string,
): Promise<void> {
  const { relationship, partnerId } = await partyRelationship(deps, principal, relationshipId);
  requireWriteRole(principal);
  const existing = (await deps.accessAssignments.list(relationship.customerTenantId, relationship.id)).find(
    (a) => a.id === assignmentId,
  );
  if (!existing || !(await deps.accessAssignments.remove(relationship.customerTenantId, assignmentId))) {
    throw refuse.notFound("The access assignment");
  }
  await audit(deps.audit, deps.clock, {
    partnerId,
    resourceType: "relationship",
    resourceId: relationship.id,
    action: "removeAccess",
    outcome: "applied",
    actor: partnerActor(principal),
    detail: `group ${existing.securityGroupId}`,
  });
}
