import { z } from "zod";
import { refuse } from "../domain/errors";
import { CLOUDS, PARTNER_TYPES, type Partner, type Principal } from "../domain/model";
import { checkEnrolment, requireOperator } from "../domain/rules";
import { partnerSchema } from "../domain/schemas";
import { audit, auditedCheck, operatorActor } from "./audit";
import type { AuditLog, Clock, PartnerRepository } from "./ports";
import { emailSchema, guidSchema, nameSchema } from "./schemas";

export const partnerIdSchema = guidSchema.describe("The partner's directory tenant id.");

export const partnerInputSchema = z
  .strictObject({
    name: nameSchema,
    type: z.enum(PARTNER_TYPES),
    cloud: z.enum(CLOUDS),
    indirectProviderId: guidSchema.optional(),
    contactEmail: emailSchema,
  })
  .meta({ id: "PartnerInput" });
export type PartnerInput = z.infer<typeof partnerInputSchema>;

export const partnerViewSchema = partnerSchema.meta({ id: "Partner" });

export interface PartnerDeps {
  clock: Clock;
  partners: PartnerRepository;
  audit: AuditLog;
}

/** PUT /api/partners/{id}: the operator enrols (201) or replaces (200) a partner. */
export async function enrolPartner(
  deps: PartnerDeps,
  principal: Principal,
  partnerId: string,
  input: PartnerInput,
): Promise<{ created: boolean; partner: Partner }> {
  requireOperator(principal);
  const id = partnerId.toLowerCase();
  const provider = input.indirectProviderId
    ? await deps.partners.get(input.indirectProviderId.toLowerCase())
    : undefined;
  // Every refusal of this enrolment is audited under the partner it concerns.
  const enrolment = {
    partnerId: id,
    resourceType: "partner" as const,
    resourceId: id,
    action: "enrol",
    actor: operatorActor(principal),
  };
  await auditedCheck(deps.audit, deps.clock, enrolment, () => checkEnrolment(input, provider));
  if (input.indirectProviderId?.toLowerCase() === id) {
    throw refuse.invalid("A partner cannot be its own provider.", [
      { field: "indirectProviderId", message: "must differ from the partner id" },
    ]);
  }
  const existing = await deps.partners.get(id);
  if (
    existing?.type === "indirectProvider" &&
    (input.type !== existing.type || input.cloud !== existing.cloud)
  ) {
    // Its resellers would be left attached to a non-provider (R3) or to another cloud (R12).
    const resellers = await deps.partners.resellerIdsOf(id);
    await auditedCheck(deps.audit, deps.clock, enrolment, () => {
      if (resellers.length === 0) return;
      throw refuse.conflict(
        `The indirect provider has ${resellers.length} attached reseller(s); its type and cloud cannot change.`,
        input.type !== existing.type ? "R3" : "R12",
      );
    });
  }
  const now = deps.clock.now().toISOString();
  const partner: Partner = {
    id,
    name: input.name,
    type: input.type,
    cloud: input.cloud,
    contactEmail: input.contactEmail,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  if (input.indirectProviderId) partner.indirectProviderId = input.indirectProviderId.toLowerCase();
  const result = await deps.partners.put(partner);
  await audit(deps.audit, deps.clock, {
    partnerId: id,
    resourceType: "partner",
    resourceId: id,
    action: result.created ? "enrolled" : "replaced",
    outcome: "applied",
    actor: operatorActor(principal),
  });
  return result;
}

/** The enrolled partner the caller belongs to; a token from any other tenant is refused. */
export async function callerPartner(partners: PartnerRepository, principal: Principal): Promise<Partner> {
  const partner = await enrolledCaller(partners, principal);
  if (!partner) throw refuse.forbidden("The caller's tenant is not an enrolled partner.");
  return partner;
}

/**
 * The caller's partner, or undefined when its tenant is not enrolled: a lookup by id answers that
 * with the same 404 as an unknown id. A failed read is not "not enrolled": it propagates (503).
 */
export function enrolledCaller(
  partners: PartnerRepository,
  principal: Principal,
): Promise<Partner | undefined> {
  return partners.get(principal.tenantId.toLowerCase());
}
