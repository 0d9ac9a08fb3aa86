import { z } from "zod";

/**
 * Subscriptions a customer bought through another channel, and their migration to the partner
 * (DOMAIN.md "Subscriptions bought elsewhere", R17-R20). One zod schema per record: stored documents
 * and API views derive from these, so they cannot drift. docs/migrations.md explains the rules.
 */

export const CHANNELS = ["direct", "advisor", "open", "ea", "thirdParty", "vianet", "csp"] as const;
export type Channel = (typeof CHANNELS)[number];

export const BILLINGS = ["license", "usage"] as const;
export type Billing = (typeof BILLINGS)[number];

/**
 * `migrating` while a migration of it is under way; `migrated` once the partner is partner of record;
 * `cancelled` when the partner records that the customer cancelled it at the source.
 */
export const SUBSCRIPTION_STATUSES = ["active", "migrating", "migrated", "cancelled"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export const MIGRATION_STRATEGIES = ["atTermEnd", "newAzureSubscription", "partnerSwitch"] as const;
export type MigrationStrategy = (typeof MIGRATION_STRATEGIES)[number];

export const MIGRATION_STATUSES = [
  "scheduled",
  "waitingForServices",
  "awaitingApproval",
  "completed",
  "cancelled",
  "declined",
  "expired",
  "failed",
] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

/** A migration in one of these states is over; the subscription may be migrated again (new attempt). */
export const TERMINAL_MIGRATION_STATUSES = [
  "completed",
  "cancelled",
  "declined",
  "expired",
  "failed",
] as const satisfies readonly MigrationStatus[];

export function isTerminalMigrationStatus(status: MigrationStatus): boolean {
  return (TERMINAL_MIGRATION_STATUSES as readonly MigrationStatus[]).includes(status);
}

export const APPROVAL_STATUSES = ["pending", "approved", "declined"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** R18: a service is `moved` once the partner confirms it, `cancelledAtSource` once cancelled there. */
export const SERVICE_MOVE_STATUSES = ["pending", "moved", "cancelledAtSource"] as const;
export type ServiceMoveStatus = (typeof SERVICE_MOVE_STATUSES)[number];

/** Assumed term length when none is recorded (most license subscriptions are annual). */
export const DEFAULT_TERM_MONTHS = 12;
/** R19: an unanswered partner switch expires after 30 days. */
export const PARTNER_SWITCH_EXPIRY_DAYS = 30;
/** API.md: a bulk import holds at most 500 rows. */
export const MAX_IMPORT_ROWS = 500;

// Control characters never belong in an identifier or a name (forged log lines, broken headers).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A subscription id as the other channel shows it. Cosmos ids forbid `/ \ ? #`, and stored ids are
 * derived from this one, so those are refused here rather than failing at the store.
 */
export const subscriptionIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^/\\?#]+$/, { message: "must not contain / \\ ? or #" })
  .refine((v) => !CONTROL_CHARS.test(v), { message: "must not contain control characters" });

const textSchema = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine((v) => !CONTROL_CHARS.test(v), { message: "must not contain control characters" });

/**
 * A term end is given as a calendar date (`2027-06-30`, meaning 00:00 UTC that day) or an instant with
 * an offset; it is stored as a UTC instant so every comparison is plain string/Date ordering.
 */
export const termEndInputSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    message: "must be a date (YYYY-MM-DD) or an ISO 8601 date-time",
  })
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v).toISOString());

export const serviceSchema = z.object({ id: subscriptionIdSchema, name: textSchema });
export type Service = z.infer<typeof serviceSchema>;

export const subscriptionSchema = z.object({
  id: z.string(),
  customerTenantId: z.string(),
  /** The partner that registered it; the only partner that sees it (R10). */
  partnerId: z.string(),
  offer: z.string(),
  billing: z.enum(BILLINGS),
  channel: z.enum(CHANNELS),
  /** Channel `csp`: the partner that sells it today, and whom R19 asks to release it. */
  currentPartnerId: z.string().optional(),
  currentPartnerContactEmail: z.string().optional(),
  /** License-based: the end of the current term (UTC instant). */
  termEnd: z.string().optional(),
  /** License-based: the term length; DEFAULT_TERM_MONTHS when absent. */
  termMonths: z.number().int().optional(),
  autoRenew: z.boolean().optional(),
  seats: z.number().int().optional(),
  /** Usage-based: the Azure services to move one by one (R18). */
  services: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
  /** Set by a completed migration: the partner now selling it. */
  partnerOfRecord: z.string().optional(),
  status: z.enum(SUBSCRIPTION_STATUSES),
  /** The latest migration of it (see migrationIdFor), whatever its state. */
  migrationId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const approvalsSchema = z.object({
  customer: z.enum(APPROVAL_STATUSES),
  currentPartner: z.enum(APPROVAL_STATUSES),
});
export type Approvals = z.infer<typeof approvalsSchema>;

export const migrationSchema = z.object({
  id: z.string(),
  /** The partner moving it (and the only one that sees the migration). */
  partnerId: z.string(),
  customerTenantId: z.string(),
  subscriptionId: z.string(),
  strategy: z.enum(MIGRATION_STRATEGIES),
  status: z.enum(MIGRATION_STATUSES),
  /** atTermEnd: the term end it waits for (moves when the source renews). */
  notBefore: z.string().optional(),
  /** partnerSwitch (R19). */
  approvals: approvalsSchema.optional(),
  /**
   * partnerSwitch: each party's approval link, as invitations keep theirs (R15, R16): a random nonce
   * the email activity rebuilds the link from, and the hash of the token the lookup is keyed by.
   */
  approvalLinks: z
    .object({
      customer: z.object({ nonce: z.string(), tokenHash: z.string() }),
      currentPartner: z.object({ nonce: z.string(), tokenHash: z.string() }),
    })
    .optional(),
  /** partnerSwitch: unanswered requests expire then (R19). */
  expiresAt: z.string().optional(),
  /** newAzureSubscription (R18). */
  services: z.array(z.object({ id: z.string(), status: z.enum(SERVICE_MOVE_STATUSES) })).optional(),
  /** The CSP subscription created through the commerce port. */
  targetSubscriptionId: z.string().optional(),
  /**
   * atTermEnd: when the move began (the CSP order is about to be placed). Written by ETag before the
   * order, so a cancellation racing the term end either wins before it (no order) or is refused.
   */
  movingSince: z.string().optional(),
  /** R18: keep the source subscription when all services moved (CSP coexists with other channels). */
  keepSource: z.boolean(),
  /** Keys of reminders already sent (termEndReminderKey), so each goes out once. */
  remindersSent: z.array(z.string()).optional(),
  /** Which attempt for this subscription (1 for the first); part of the deterministic id. */
  attempt: z.number().int(),
  failureReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
});
export type Migration = z.infer<typeof migrationSchema>;

const emailSchema = z.email({ message: "must be an email address" }).max(254);
const guidSchema = z.guid({ message: "must be a GUID" });

/** One subscription as a partner registers it (API.md fields, plus the optional `termMonths`). */
export const subscriptionRegistrationFieldsSchema = z.strictObject({
  id: subscriptionIdSchema,
  offer: textSchema,
  billing: z.enum(BILLINGS),
  channel: z.enum(CHANNELS),
  currentPartnerId: guidSchema.optional(),
  currentPartnerContactEmail: emailSchema.optional(),
  termEnd: termEndInputSchema.optional(),
  termMonths: z.number().int().min(1).max(60).optional(),
  autoRenew: z.boolean().optional(),
  seats: z.number().int().min(1).max(1_000_000).optional(),
  services: z.array(serviceSchema).max(200).optional(),
});

/**
 * What each billing and channel needs, beyond field types: a license has a term and seats, only usage
 * has services; only a `csp` source names its current partner, and it must.
 */
export const subscriptionRegistrationSchema = subscriptionRegistrationFieldsSchema.superRefine((v, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (v.billing === "license") {
    if (v.termEnd === undefined) issue("termEnd", "is required for billing license");
    if (v.seats === undefined) issue("seats", "is required for billing license");
    if (v.services !== undefined) issue("services", "is only allowed for billing usage");
  } else {
    if (v.termEnd !== undefined) issue("termEnd", "is only allowed for billing license");
    if (v.seats !== undefined) issue("seats", "is only allowed for billing license");
    if (v.termMonths !== undefined) issue("termMonths", "is only allowed for billing license");
  }
  if (v.channel === "csp") {
    if (v.currentPartnerId === undefined) issue("currentPartnerId", "is required for channel csp");
    if (v.currentPartnerContactEmail === undefined)
      issue("currentPartnerContactEmail", "is required for channel csp");
  } else {
    if (v.currentPartnerId !== undefined) issue("currentPartnerId", "is only allowed for channel csp");
    if (v.currentPartnerContactEmail !== undefined)
      issue("currentPartnerContactEmail", "is only allowed for channel csp");
  }
  if (v.services) {
    const seen = new Set<string>();
    v.services.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: "custom", path: ["services", i, "id"], message: "repeats a service id" });
      seen.add(s.id);
    });
  }
});
export type SubscriptionRegistration = z.infer<typeof subscriptionRegistrationSchema>;

/** `PATCH /api/customers/{tenantId}/subscriptions/{id}`: at least one field. */
export const subscriptionPatchSchema = z
  .strictObject({
    termEnd: termEndInputSchema.optional(),
    termMonths: z.number().int().min(1).max(60).optional(),
    autoRenew: z.boolean().optional(),
    seats: z.number().int().min(1).max(1_000_000).optional(),
    status: z.literal("cancelled").optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: "must change at least one of termEnd, termMonths, autoRenew, seats, status",
  });
export type SubscriptionPatch = z.infer<typeof subscriptionPatchSchema>;

/** `POST /api/migrations`. */
export const startMigrationInputSchema = z.strictObject({
  customerTenantId: guidSchema,
  subscriptionId: subscriptionIdSchema,
  keepSource: z.boolean().optional(),
});
export type StartMigrationInput = z.infer<typeof startMigrationInputSchema>;
