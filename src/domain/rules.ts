import { isKnownAdminRole } from "./admin-roles";
import { refuse, refuseAll, type FieldError } from "./errors";
import { includesGlobalAdministrator, inForce } from "./lifecycle";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  OPERATOR_ROLE,
  PARTNER_READ_ROLES,
  PARTNER_WRITE_ROLES,
  type AdminRequest,
  type Cloud,
  type CustomerRef,
  type InvitationKind,
  type Partner,
  type PartnerType,
  type Principal,
  type RelationshipStatus,
} from "./model";

/**
 * The rules of docs/rules.md as pure functions: each throws the DomainError that names the
 * refusing rule, so the HTTP mapper answers with its status and `rule`, and the use case can audit
 * exactly what refused. Inputs are facts the use case looked up (point reads); nothing here does I/O.
 */

export const MIN_ADMIN_DURATION_DAYS = 1;
export const MAX_ADMIN_DURATION_DAYS = 730;

const WRITE_ROLES: readonly string[] = PARTNER_WRITE_ROLES;
const ANY_PARTNER_ROLE: readonly string[] = [...PARTNER_WRITE_ROLES, ...PARTNER_READ_ROLES];

/** R1: only GlobalAdmin, UserManagementAdmin and SalesAgent change anything. */
export function requireWriteRole(principal: Principal): void {
  if (!principal.roles.some((r) => WRITE_ROLES.includes(r))) {
    throw refuse.forbidden("Only GlobalAdmin, UserManagementAdmin or SalesAgent users may do this.", "R1");
  }
}

/** R1: the other partner roles (AdminAgent, BillingAdmin, HelpdeskAgent) may read. */
export function requireReadRole(principal: Principal): void {
  if (!principal.roles.some((r) => ANY_PARTNER_ROLE.includes(r))) {
    throw refuse.forbidden("A partner role is required to read this.", "R1");
  }
}

export function requireOperator(principal: Principal): void {
  if (!principal.roles.includes(OPERATOR_ROLE))
    throw refuse.forbidden("Only the platform operator may do this.");
}

export const includesReseller = (kind: InvitationKind): boolean =>
  kind === "reseller" || kind === "reseller+admin";
export const includesAdmin = (kind: InvitationKind): boolean => kind === "admin" || kind === "reseller+admin";

/**
 * Cloud-specific initial domains name their cloud; a custom domain (contoso.com) names none. Only
 * what is certain is used: the suffixes below exist in one cloud alone.
 */
const CLOUD_DOMAIN_SUFFIXES: readonly [string, Cloud][] = [
  [".onmschina.cn", "china"],
  [".partner.onmschina.cn", "china"],
  [".onmicrosoft.de", "germany"],
  [".onmicrosoft.us", "usgov"],
  [".onmicrosoft.com", "global"],
];

export function cloudOfDomain(domain: string): Cloud | undefined {
  const lower = domain.toLowerCase();
  return CLOUD_DOMAIN_SUFFIXES.find(([suffix]) => lower.endsWith(suffix))?.[1];
}

/** Where a customer's cloud is known from, for R12 and for the refusal's message. */
export interface KnownCloud {
  cloud: Cloud;
  source: "enrolled partner tenant" | "tenant directory" | "initial domain";
}

export interface InvitationRequest {
  kind: InvitationKind;
  customer: CustomerRef;
  admin?: AdminRequest | undefined;
  resellerPartnerId?: string | undefined;
}

export interface InvitationFacts {
  principal: Principal;
  /** The calling partner (the principal's tenant). */
  caller: Partner;
  /** The partner named by `resellerPartnerId`, if the request names one and it is enrolled. */
  reseller?: Partner | undefined;
  /** The partner whose tenant is `customer.tenantId`, if the customer tenant is enrolled (R11). */
  customerPartner?: Partner | undefined;
  /** Every cloud the customer is known to be in (R12). */
  customerClouds: KnownCloud[];
}

/** Shape of the request beyond field types: what each kind needs. 422 without a rule. */
export function checkInvitationShape(request: InvitationRequest): void {
  const errors: FieldError[] = [];
  if (includesAdmin(request.kind) && !request.admin) {
    errors.push({ field: "admin", message: `is required for kind ${request.kind}` });
  }
  if (!includesAdmin(request.kind) && request.admin) {
    errors.push({ field: "admin", message: "is only allowed when the kind includes admin" });
  }
  if (request.admin) {
    request.admin.roles.forEach((role, i) => {
      if (!isKnownAdminRole(role)) {
        errors.push({
          field: `admin.roles.${i}`,
          message: "is not a known Microsoft Entra role template id",
        });
      }
    });
    if (new Set(request.admin.roles.map((r) => r.toLowerCase())).size !== request.admin.roles.length) {
      errors.push({ field: "admin.roles", message: "must not repeat a role" });
    }
  }
  if (errors.length > 0) throw refuse.invalid("The invitation request is not valid.", errors);
}

/** R4: an admin relationship lasts 1 to 730 days. */
export function checkAdminDuration(admin: AdminRequest): void {
  const d = admin.durationDays;
  if (!Number.isInteger(d) || d < MIN_ADMIN_DURATION_DAYS || d > MAX_ADMIN_DURATION_DAYS) {
    throw refuse.invalid(
      `An admin relationship lasts ${MIN_ADMIN_DURATION_DAYS} to ${MAX_ADMIN_DURATION_DAYS} days.`,
      [
        {
          field: "admin.durationDays",
          message: `must be between ${MIN_ADMIN_DURATION_DAYS} and ${MAX_ADMIN_DURATION_DAYS}`,
        },
      ],
      "R4",
    );
  }
}

/** R6: no auto-extend when the roles include Global Administrator. */
export function checkAutoExtend(admin: AdminRequest): void {
  if (admin.autoExtend && includesGlobalAdministrator(admin.roles)) {
    throw refuse.invalid(
      "Auto-extend is not allowed for an admin relationship that includes Global Administrator.",
      [{ field: "admin.autoExtend", message: "must be false when the roles include Global Administrator" }],
      "R6",
    );
  }
}

/** R14: an advisor cannot be partner of record, so it requests admin relationships only. */
export function checkAdvisor(caller: Partner, kind: InvitationKind): void {
  if (caller.type === "advisor" && includesReseller(kind)) {
    throw refuse.forbidden("Advisor partners may request admin relationships only.", "R14");
  }
}

/**
 * R3/R13, the indirect model: an indirect reseller never creates reseller invitations (its provider
 * does); a provider's reseller invitation names one of its own resellers; nobody else names one.
 */
export function checkIndirectModel(
  caller: Partner,
  request: InvitationRequest,
  reseller: Partner | undefined,
): void {
  const reselling = includesReseller(request.kind);
  if (caller.type === "indirectReseller" && reselling) {
    throw refuse.forbidden(
      "An indirect reseller cannot create reseller invitations; its indirect provider creates them.",
      "R13",
    );
  }
  if (request.resellerPartnerId === undefined) {
    if (caller.type === "indirectProvider" && reselling) {
      throw refuse.invalid(
        "An indirect provider's reseller invitation names the reseller it is for.",
        [
          {
            field: "resellerPartnerId",
            message: "is required for an indirect provider's reseller invitation",
          },
        ],
        "R13",
      );
    }
    return;
  }
  if (caller.type !== "indirectProvider") {
    throw refuse.forbidden("Only an indirect provider names a reseller on an invitation.", "R13");
  }
  if (!reselling) {
    throw refuse.invalid(
      "A reseller is named only on an invitation that includes a reseller relationship.",
      [{ field: "resellerPartnerId", message: "is only allowed when the kind includes reseller" }],
      "R13",
    );
  }
  if (!reseller || reseller.type !== "indirectReseller" || reseller.indirectProviderId !== caller.id) {
    throw refuse.forbidden(
      "The named reseller is not an indirect reseller attached to this provider.",
      "R13",
    );
  }
}

/** R11: a CSP partner cannot resell to another CSP partner. */
export function checkNotResellingToPartner(kind: InvitationKind, customerPartner: Partner | undefined): void {
  if (customerPartner && includesReseller(kind)) {
    throw refuse.forbidden(
      "The customer tenant is an enrolled CSP partner; partners cannot resell to partners.",
      "R11",
    );
  }
}

/** R12: partner and customer are in the same cloud (where the customer's cloud is known). */
export function checkSameCloud(partnerCloud: Cloud, customerClouds: KnownCloud[]): void {
  const differing = customerClouds.filter((c) => c.cloud !== partnerCloud);
  if (differing.length === 0) return;
  // The initial domain is the caller's own input, so naming its cloud tells nothing new. A cloud
  // learned from the tenant's enrolment or its directory entry is not the partner's to read back:
  // the refusal says only that the clouds differ.
  const byDomain = differing.find((c) => c.source === "initial domain");
  throw refuse.forbidden(
    byDomain
      ? `The customer's initial domain is in the ${byDomain.cloud} cloud and the partner in ${partnerCloud}; both must be in the same cloud.`
      : `The customer's tenant and the partner (${partnerCloud}) are in different clouds; both must be in the same cloud.`,
    "R12",
  );
}

/**
 * Every rule an invitation request must pass. R1 comes first and alone: a caller who may not create
 * invitations learns nothing about its request. The others are all checked, and every one that
 * refuses is answered together (refuseAll: the first, in this order, gives the status and `rule`).
 */
export function checkInvitation(request: InvitationRequest, facts: InvitationFacts): void {
  requireWriteRole(facts.principal);
  const admin = request.admin;
  refuseAll([
    () => checkInvitationShape(request),
    ...(admin ? [() => checkAdminDuration(admin), () => checkAutoExtend(admin)] : []),
    () => checkAdvisor(facts.caller, request.kind),
    () => checkIndirectModel(facts.caller, request, facts.reseller),
    () => checkNotResellingToPartner(request.kind, facts.customerPartner),
    () => checkSameCloud(facts.caller.cloud, facts.customerClouds),
  ]);
}

export interface PartnerEnrolment {
  type: PartnerType;
  cloud: Cloud;
  indirectProviderId?: string | undefined;
}

/** R3 (an indirect reseller sells through one indirect provider) and R12 (in the provider's cloud). */
export function checkEnrolment(enrolment: PartnerEnrolment, provider: Partner | undefined): void {
  if (enrolment.type !== "indirectReseller") {
    if (enrolment.indirectProviderId !== undefined) {
      throw refuse.invalid("Only an indirect reseller is attached to an indirect provider.", [
        { field: "indirectProviderId", message: "is only allowed for type indirectReseller" },
      ]);
    }
    return;
  }
  if (enrolment.indirectProviderId === undefined) {
    throw refuse.invalid(
      "An indirect reseller sells through an indirect provider.",
      [{ field: "indirectProviderId", message: "is required for type indirectReseller" }],
      "R3",
    );
  }
  if (!provider || provider.type !== "indirectProvider") {
    throw refuse.invalid(
      "The indirect provider is not an enrolled indirect provider.",
      [{ field: "indirectProviderId", message: "must name an enrolled indirect provider" }],
      "R3",
    );
  }
  if (provider.cloud !== enrolment.cloud) {
    throw refuse.invalid(
      "An indirect reseller is in its provider's cloud.",
      [{ field: "cloud", message: `must be ${provider.cloud}, the indirect provider's cloud` }],
      "R12",
    );
  }
}

/** Whether a principal is a customer's Global Administrator of the given tenant (R2, R9). */
export function isCustomerGlobalAdmin(principal: Principal, customerTenantId: string): boolean {
  return principal.tenantId === customerTenantId && principal.wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID);
}

/** R9: an admin relationship can be terminated while it is in force; R8: an expired one stays expired. */
export function checkTerminable(relationship: { type: string; status: RelationshipStatus }): void {
  if (relationship.type !== "admin") {
    throw refuse.conflict("Only admin relationships are terminated here.");
  }
  if (relationship.status === "expired") {
    throw refuse
      .conflict("The relationship has expired and cannot be revived; send the customer a new request.", "R8")
      .because("relationshipNotInForce");
  }
  if (!inForce(relationship.status)) {
    throw refuse
      .conflict(`The relationship is ${relationship.status}; only an active one can be terminated.`)
      .because("relationshipNotInForce");
  }
}
