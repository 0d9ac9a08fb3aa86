/**
 * The domain's vocabulary (docs/rules.md). Plain data: documents in Cosmos DB have these
 * shapes plus a `docType` discriminator and the container's partition key property.
 */

export const CLOUDS = ["global", "usgov", "germany", "china"] as const;
export type Cloud = (typeof CLOUDS)[number];

export const PARTNER_TYPES = ["direct", "indirectProvider", "indirectReseller", "advisor"] as const;
export type PartnerType = (typeof PARTNER_TYPES)[number];

/** Partner user roles that may invite, request admin privileges, register subscriptions, migrate (R1). */
export const PARTNER_WRITE_ROLES = ["GlobalAdmin", "UserManagementAdmin", "SalesAgent"] as const;
export const PARTNER_READ_ROLES = ["AdminAgent", "BillingAdmin", "HelpdeskAgent"] as const;
export type PartnerRole = (typeof PARTNER_WRITE_ROLES)[number] | (typeof PARTNER_READ_ROLES)[number];
export const OPERATOR_ROLE = "Operator";

/** Customer directory role template id of Global Administrator (R2, R6). */
export const GLOBAL_ADMINISTRATOR_ROLE_ID = "62e90394-69f5-4237-9190-012177145e10";

export const LOCALES = ["en", "pt-BR", "zh-CN", "hu"] as const;
export type Locale = (typeof LOCALES)[number];

export interface Partner {
  /** The partner's directory tenant id; partner tokens carry it as `tid`. */
  id: string;
  name: string;
  type: PartnerType;
  cloud: Cloud;
  /** Only for indirect resellers: the indirect provider they sell through (R3, R13). */
  indirectProviderId?: string;
  contactEmail: string;
  createdAt: string;
  updatedAt: string;
}

export const INVITATION_KINDS = ["reseller", "admin", "reseller+admin"] as const;
export type InvitationKind = (typeof INVITATION_KINDS)[number];

export const INVITATION_STATUSES = ["pending", "accepted", "declined", "expired", "cancelled"] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/** How an invitation ends: every status but `pending`. */
export const INVITATION_OUTCOMES = ["accepted", "declined", "expired", "cancelled"] as const;
export type InvitationOutcome = (typeof INVITATION_OUTCOMES)[number];

/** What the customer's Global Administrator answers (R2). */
export const CUSTOMER_DECISIONS = ["accepted", "declined"] as const;
export type CustomerDecision = (typeof CUSTOMER_DECISIONS)[number];

/** The outcome a status names, or undefined while the invitation is still pending. */
export function invitationOutcome(status: InvitationStatus): InvitationOutcome | undefined {
  return status === "pending" ? undefined : status;
}

export interface CustomerRef {
  domain: string;
  displayName: string;
  adminEmail: string;
  /** Optional at invitation time; bound by the accepting tenant when absent. */
  tenantId?: string;
}

export interface AdminRequest {
  /** Entra role template ids. */
  roles: string[];
  /** 1..730 (R4). */
  durationDays: number;
  /** Not allowed with Global Administrator (R6). */
  autoExtend: boolean;
}

export const ACTOR_KINDS = ["partner", "customer", "operator", "system"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface Actor {
  kind: ActorKind;
  tenantId?: string;
  userId?: string;
}

export interface Invitation {
  id: string;
  /** The partner that owns the invitation and sees it (for indirect: the provider). */
  partnerId: string;
  cloud: Cloud;
  kind: InvitationKind;
  status: InvitationStatus;
  customer: CustomerRef;
  locale: Locale;
  admin?: AdminRequest;
  /** Indirect model: the reseller the provider invites on behalf of (R13). */
  resellerPartnerId?: string;
  /** SHA-256 of the link's secret; the secret itself is never stored or logged (R16). */
  tokenHash: string;
  /**
   * 128 random bits; the link's token is HMAC(INVITATION_LINK_KEY, id + ":" + linkNonce), so the
   * email activity can rebuild the link without the token ever being stored (invitation-token.ts).
   */
  linkNonce: string;
  createdBy: Actor;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  decidedBy?: Actor;
  /** Ids of the relationships created on acceptance. */
  relationshipIds?: string[];
  /** When the partner last had the invitation email sent again (at most once a day). */
  lastResentAt?: string;
}

export const RELATIONSHIP_TYPES = ["reseller", "admin"] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

/** Admin relationship states follow Graph's granular admin relationship states. */
export const RELATIONSHIP_STATUSES = [
  "created",
  "approvalPending",
  "active",
  "expiring",
  "expired",
  "terminationRequested",
  "terminated",
] as const;
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

export interface Relationship {
  id: string;
  customerTenantId: string;
  type: RelationshipType;
  /** The partner party to the relationship (for an indirect reseller relationship: the provider, R3). */
  partnerId: string;
  /** Indirect model: the reseller attached to the provider's reseller relationship. */
  indirectResellerId?: string;
  status: RelationshipStatus;
  roles?: string[];
  durationDays?: number;
  autoExtend?: boolean;
  startsAt: string;
  endsAt?: string;
  invitationId: string;
  createdAt: string;
  updatedAt: string;
}

export interface AuditRecord {
  id: string;
  /** The partner whose resource this is; only that partner reads it. */
  partnerId: string;
  resourceType: "partner" | "invitation" | "relationship" | "subscription" | "migration";
  resourceId: string;
  action: string;
  outcome: "applied" | "refused";
  rule?: string;
  actor: Actor;
  at: string;
  detail?: string;
}

/** Who calls: the verified claims of a bearer token (docs/http-contract.md "Identity"). */
export interface Principal {
  /** `tid`: the caller's directory tenant (for partners, the partner id). */
  tenantId: string;
  /** `oid`. */
  userId: string;
  /** Partner roles, or `Operator`. */
  roles: string[];
  /** Customer directory role template ids (Global Administrator: GLOBAL_ADMINISTRATOR_ROLE_ID). */
  wids: string[];
  email?: string;
  name?: string;
}
