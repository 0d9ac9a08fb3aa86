import { z } from "zod";
import { migrationEvent } from "../webhooks/events";
import type { WebhookPublisher } from "../webhooks/ports";
import type { Actor, Invitation, Locale } from "../../domain/model";
import {
  completeMigration,
  expireSwitchIfDue,
  subscriptionStatusFor,
  type ApprovalParty,
} from "../../domain/subscriptions/migration";
import { MIGRATION_STATUSES, type Migration, type Subscription } from "../../domain/subscriptions/model";
import { updateWithRetry } from "../concurrency";
import { loadMigration, loadSubscription } from "./load";
import { deterministicGuid } from "../ids";
import type {
  AuditLog,
  Clock,
  EmailSender,
  InvitationRepository,
  OutgoingEmail,
  PartnerRepository,
  RelationshipRepository,
} from "../ports";
import type { CommercePort, MigrationRepository, SubscriptionRepository } from "../subscriptions/ports";
import { approvalToken } from "./partner-switch-links";

/**
 * The partnerSwitch orchestration's activities (R19). Each may run more than once, so each is
 * idempotent: emails carry an operation id per migration, party and step; the transfer order id
 * derives from the migration id; state changes are conditional (If-Match) and no-ops when already
 * applied. Links are rebuilt here from the stored nonces, so no token reaches orchestration input,
 * history or logs.
 *
 * The customer's Global Administrator is reached at the `customer.adminEmail` of the invitation that
 * created the new partner's active reseller relationship with the customer (R20 requires one to
 * start a migration): that address already proved itself by accepting as the customer's Global
 * Administrator, and its language is the customer's. The current partner is reached at the
 * registration's `currentPartnerContactEmail`.
 */

export const SWITCH_EMAIL_STEPS = ["request", "reminder-first", "reminder-last"] as const;
export type SwitchEmailStep = (typeof SWITCH_EMAIL_STEPS)[number];
export const SWITCH_OUTCOMES = ["completed", "declined", "expired", "cancelled"] as const;
export type SwitchOutcome = (typeof SWITCH_OUTCOMES)[number];
export const SWITCH_RECIPIENTS = ["newPartner", "previousPartner", "customer"] as const;
export type SwitchRecipient = (typeof SWITCH_RECIPIENTS)[number];

const ref = { migrationId: z.string().min(1).max(200), partnerId: z.string().min(1).max(200) };
export const switchRefSchema = z.object(ref).strict();
export type SwitchRef = z.infer<typeof switchRefSchema>;

export const sendSwitchEmailInputSchema = z
  .object({
    ...ref,
    party: z.enum(["customer", "currentPartner"]),
    step: z.enum(SWITCH_EMAIL_STEPS),
  })
  .strict();
export const sendSwitchEmailResultSchema = z.object({ sent: z.boolean() });

export const readSwitchResultSchema = z.object({
  status: z.enum(MIGRATION_STATUSES),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type ReadSwitchResult = z.infer<typeof readSwitchResultSchema>;

export const switchStatusResultSchema = z.object({ status: z.enum(MIGRATION_STATUSES) });

export const notifySwitchOutcomeInputSchema = z.object({ ...ref, outcome: z.enum(SWITCH_OUTCOMES) }).strict();
export const notifySwitchOutcomeResultSchema = z.object({ sent: z.number().int() });

export type RenderedEmail = Omit<OutgoingEmail, "to">;

export interface SwitchEmailFacts {
  locale: Locale;
  newPartnerName: string;
  customerName: string;
  subscription: Pick<Subscription, "id" | "offer" | "customerTenantId">;
  expiresAt: string;
}

/** Rendering is pure and lives in src/web; recipients are decided here. */
export interface SwitchEmailRenderer {
  request(
    facts: SwitchEmailFacts & { party: ApprovalParty; step: SwitchEmailStep; link: string; daysLeft: number },
  ): RenderedEmail;
  outcome(facts: SwitchEmailFacts & { recipient: SwitchRecipient; outcome: SwitchOutcome }): RenderedEmail;
}

export interface PartnerSwitchLifecycleDependencies {
  migrations: Pick<MigrationRepository, "get" | "replace">;
  subscriptions: Pick<SubscriptionRepository, "get" | "replace">;
  partners: PartnerRepository;
  relationships: Pick<RelationshipRepository, "listForCustomer">;
  invitations: Pick<InvitationRepository, "get">;
  commerce: Pick<CommercePort, "transferPartnerOfRecord">;
  audit: AuditLog;
  email: EmailSender;
  clock: Clock;
  render: SwitchEmailRenderer;
  /** INVITATION_LINK_KEY: rebuilds the links from the stored nonces. */
  linkKey: string;
  /** PUBLIC_BASE_URL */
  publicBaseUrl: string;
  /** Announces the outcome to the new partner's webhook (docs/webhooks.md); absent: none. */
  webhooks?: WebhookPublisher;
}

const SYSTEM: Actor = { kind: "system" };
const CONFLICT_ATTEMPTS = 6;
const DAY_MS = 86_400_000;

/** The path of the approval page; the route in functions/partner-switch.ts serves it. */
export const SWITCH_LINK_PATH = "switch";

export function switchLink(
  publicBaseUrl: string,
  linkKey: string,
  migration: Migration,
  party: ApprovalParty,
) {
  const nonce = migration.approvalLinks?.[party].nonce;
  if (!nonce) throw new Error(`Migration ${migration.id} has no approval link for ${party}.`);
  const token = approvalToken(linkKey, migration.id, party, nonce);
  return `${publicBaseUrl.replace(/\/+$/, "")}/${SWITCH_LINK_PATH}/${token}`;
}

export function switchEmailOperationId(migrationId: string, party: ApprovalParty, step: SwitchEmailStep) {
  return deterministicGuid("partnerSwitch", migrationId, "request-email", party, step);
}

export function switchOutcomeOperationId(migrationId: string, outcome: SwitchOutcome, to: SwitchRecipient) {
  return deterministicGuid("partnerSwitch", migrationId, "outcome-email", outcome, to);
}

export function transferOrderId(migrationId: string): string {
  return deterministicGuid("partnerSwitch", migrationId, "transferPartnerOfRecord");
}

/** When each reminder is planned: 7 days after the request and 3 days before expiry. */
export const SWITCH_FIRST_REMINDER_AFTER_MS = 7 * DAY_MS;
export const SWITCH_LAST_REMINDER_BEFORE_EXPIRY_MS = 3 * DAY_MS;

/** The invitation behind the new partner's reseller relationship with the customer, if any. */
async function customerInvitation(
  deps: PartnerSwitchLifecycleDependencies,
  migration: Migration,
): Promise<Invitation | undefined> {
  const relationships = await deps.relationships.listForCustomer(migration.customerTenantId);
  const reseller = relationships
    .filter((r) => r.partnerId === migration.partnerId && r.type === "reseller" && r.invitationId)
    .sort((a, b) => Number(b.status === "active") - Number(a.status === "active"))[0];
  if (!reseller?.invitationId) return undefined;
  return (await deps.invitations.get(migration.partnerId, reseller.invitationId))?.value;
}

async function facts(
  deps: PartnerSwitchLifecycleDependencies,
  migration: Migration,
  subscription: Subscription,
) {
  const partner = await deps.partners.get(migration.partnerId);
  const invitation = await customerInvitation(deps, migration);
  const base: SwitchEmailFacts = {
    locale: invitation?.locale ?? "en",
    newPartnerName: partner?.name ?? migration.partnerId,
    customerName: invitation?.customer.displayName ?? migration.customerTenantId,
    subscription: {
      id: subscription.id,
      offer: subscription.offer,
      customerTenantId: subscription.customerTenantId,
    },
    expiresAt: migration.expiresAt ?? migration.createdAt,
  };
  return { base, partner, invitation };
}

export async function readSwitch(
  deps: PartnerSwitchLifecycleDependencies,
  input: SwitchRef,
): Promise<ReadSwitchResult> {
  const { value } = await loadMigration(deps, input);
  return { status: value.status, createdAt: value.createdAt, expiresAt: value.expiresAt ?? value.createdAt };
}

/** The request or a reminder to one party, unless that party answered or the switch ended. */
export async function sendSwitchEmail(
  deps: PartnerSwitchLifecycleDependencies,
  input: z.infer<typeof sendSwitchEmailInputSchema>,
): Promise<{ sent: boolean }> {
  const { value: migration } = await loadMigration(deps, input);
  const now = deps.clock.now().toISOString();
  const pending =
    migration.status === "awaitingApproval" &&
    migration.approvals?.[input.party] === "pending" &&
    (migration.expiresAt === undefined || now < migration.expiresAt);
  if (!pending) return { sent: false };
  const subscription = (await loadSubscription(deps, migration)).value;
  const { base, invitation } = await facts(deps, migration, subscription);
  const to =
    input.party === "customer" ? invitation?.customer.adminEmail : subscription.currentPartnerContactEmail;
  if (!to) {
    // Not retryable: nothing tells where to send it. The switch stays answerable through the API and expires on time.
    throw new Error(`Migration ${migration.id}: no address for the ${input.party} approval email.`);
  }
  // Days left as the schedule planned them (not "now"), so a retried activity renders the same email.
  const expires = Date.parse(base.expiresAt);
  const sendsAt =
    input.step === "request"
      ? Date.parse(migration.createdAt)
      : input.step === "reminder-first"
        ? Date.parse(migration.createdAt) + SWITCH_FIRST_REMINDER_AFTER_MS
        : expires - SWITCH_LAST_REMINDER_BEFORE_EXPIRY_MS;
  const email = deps.render.request({
    ...base,
    // The current partner reads the new partner's language only if it is the customer's: partners get English.
    locale: input.party === "customer" ? base.locale : "en",
    party: input.party,
    step: input.step,
    link: switchLink(deps.publicBaseUrl, deps.linkKey, migration, input.party),
    daysLeft: Math.max(0, Math.round((expires - sendsAt) / DAY_MS)),
  });
  await deps.email.send(
    { ...email, to: [to] },
    switchEmailOperationId(migration.id, input.party, input.step),
  );
  await deps.audit.record({
    id: deterministicGuid("audit", migration.id, "switchEmail", input.party, input.step),
    partnerId: migration.partnerId,
    resourceType: "migration",
    resourceId: migration.id,
    action: "switchEmailSent",
    outcome: "applied",
    actor: SYSTEM,
    rule: "R19",
    at: now,
    detail: `${input.step} to the ${input.party === "customer" ? "customer" : "current partner"}`,
  });
  return { sent: true };
}

/** Marks an unanswered switch expired once due; reports what the document says otherwise. */
export async function expireSwitch(
  deps: PartnerSwitchLifecycleDependencies,
  input: SwitchRef,
): Promise<{ status: Migration["status"] }> {
  return updateWithRetry<Migration, { status: Migration["status"] }>({
    read: () => loadMigration(deps, input),
    decide: ({ value }) => {
      const transition = expireSwitchIfDue(value, deps.clock.now());
      if (transition.unchanged) return { done: { status: value.status } };
      return {
        write: transition.migration,
        after: async ({ value: expired }) => {
          await auditStep(deps, expired, "expireSwitch");
          return { status: expired.status };
        },
      };
    },
    replace: (next, etag) => deps.migrations.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}

/**
 * Both approved: the commerce API moves the partner of record (idempotent by order id), then the
 * subscription records it and becomes migrated, then the migration completes. Re-running after a
 * crash at any point finishes the rest and changes nothing done.
 */
export async function completeSwitch(
  deps: PartnerSwitchLifecycleDependencies,
  input: SwitchRef,
): Promise<{ status: Migration["status"] }> {
  const { value: migration } = await loadMigration(deps, input);
  if (migration.status === "completed") return { status: "completed" };
  const approvals = migration.approvals;
  if (
    migration.status !== "awaitingApproval" ||
    approvals?.customer !== "approved" ||
    approvals.currentPartner !== "approved"
  ) {
    return { status: migration.status };
  }
  const subscription = await loadSubscription(deps, migration);
  const fromPartnerId = subscription.value.currentPartnerId;
  if (!fromPartnerId) throw new Error(`Subscription ${subscription.value.id} names no current partner.`);
  await deps.commerce.transferPartnerOfRecord({
    orderId: transferOrderId(migration.id),
    customerTenantId: migration.customerTenantId,
    subscriptionId: migration.subscriptionId,
    fromPartnerId,
    toPartnerId: migration.partnerId,
  });
  const now = deps.clock.now();
  await updateWithRetry<Subscription, void>({
    read: () => loadSubscription(deps, migration),
    first: subscription,
    decide: ({ value }) =>
      value.status === "migrated" && value.partnerOfRecord === migration.partnerId
        ? { done: undefined }
        : {
            write: {
              ...value,
              partnerOfRecord: migration.partnerId,
              status: "migrated",
              migrationId: migration.id,
              updatedAt: now.toISOString(),
            },
            after: () => undefined,
          },
    replace: (next, etag) => deps.subscriptions.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
  return updateWithRetry<Migration, { status: Migration["status"] }>({
    read: () => loadMigration(deps, input),
    decide: ({ value }) => {
      const transition = completeMigration(value, now);
      if (transition.unchanged) return { done: { status: value.status } };
      return {
        write: transition.migration,
        after: async ({ value: done }) => {
          await auditStep(deps, done, "completeSwitch");
          return { status: done.status };
        },
      };
    },
    replace: (next, etag) => deps.migrations.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}

/** Declined, expired or cancelled: the subscription is what it was before (active, or cancelled at the source). */
export async function releaseSubscription(
  deps: PartnerSwitchLifecycleDependencies,
  input: SwitchRef,
): Promise<{ status: Migration["status"] }> {
  const { value: migration } = await loadMigration(deps, input);
  if (migration.status === "completed" || migration.status === "awaitingApproval") {
    throw new Error(`Migration ${migration.id} is ${migration.status}; its subscription is not released.`);
  }
  await updateWithRetry<Subscription, void>({
    read: () => loadSubscription(deps, migration),
    decide: ({ value }) => {
      // Another migration of it took over since: leave it alone.
      if (value.migrationId !== undefined && value.migrationId !== migration.id) return { done: undefined };
      if (value.status !== "migrating") return { done: undefined };
      return {
        write: {
          ...value,
          status: subscriptionStatusFor(migration, "active"),
          updatedAt: deps.clock.now().toISOString(),
        },
        after: () => undefined,
      };
    },
    replace: (next, etag) => deps.subscriptions.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
  return { status: migration.status };
}

/** Tells the new partner, the previous partner's contact and the customer how the switch ended; each once. */
export async function notifySwitchOutcome(
  deps: PartnerSwitchLifecycleDependencies,
  input: z.infer<typeof notifySwitchOutcomeInputSchema>,
): Promise<{ sent: number }> {
  const { value: migration } = await loadMigration(deps, input);
  if (migration.status !== input.outcome) {
    throw new Error(`Migration ${migration.id} is ${migration.status}, not ${input.outcome}.`);
  }
  const subscription = (await loadSubscription(deps, migration)).value;
  const { base, partner, invitation } = await facts(deps, migration, subscription);
  const recipients: { recipient: SwitchRecipient; to: string | undefined; locale: Locale }[] = [
    { recipient: "newPartner", to: partner?.contactEmail, locale: "en" },
    { recipient: "previousPartner", to: subscription.currentPartnerContactEmail, locale: "en" },
    // A request that ends by the partner's cancellation was still seen by the customer: tell them too.
    { recipient: "customer", to: invitation?.customer.adminEmail, locale: base.locale },
  ];
  let sent = 0;
  for (const { recipient, to, locale } of recipients) {
    if (!to) continue;
    const email = deps.render.outcome({ ...base, locale, recipient, outcome: input.outcome });
    await deps.email.send(
      { ...email, to: [to] },
      switchOutcomeOperationId(migration.id, input.outcome, recipient),
    );
    sent++;
  }
  // Same event id on every run (and as the cancel route's): a retry publishes nothing new.
  await deps.webhooks?.publish(migration.partnerId, migrationEvent(migration, input.outcome));
  return { sent };
}

async function auditStep(deps: PartnerSwitchLifecycleDependencies, migration: Migration, action: string) {
  // A fixed id: a re-run writes the same record again instead of a second one.
  await deps.audit.record({
    id: deterministicGuid("audit", migration.id, action),
    partnerId: migration.partnerId,
    resourceType: "migration",
    resourceId: migration.id,
    action,
    outcome: "applied",
    actor: SYSTEM,
    at: migration.updatedAt,
  });
}
