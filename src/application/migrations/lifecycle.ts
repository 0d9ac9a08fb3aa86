import { refuse } from "../../domain/errors";
import { migrationEvent } from "../webhooks/events";
import type { WebhookPublisher } from "../webhooks/ports";
import type { Actor, Partner } from "../../domain/model";
import {
  beginMove,
  completeMigration,
  markServiceCancelledAtSource,
  rescheduleAtTermEnd,
} from "../../domain/subscriptions/migration";
import {
  isTerminalMigrationStatus,
  type Migration,
  type Subscription,
} from "../../domain/subscriptions/model";
import { reminderDue } from "../../domain/subscriptions/term";
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
import type {
  MigrationRef,
  MigrationStepResult,
  ReadMigrationStateResult,
  SettleServicesResult,
} from "./contracts";

/**
 * The R17/R18 orchestrations' activities. Each may run more than once, so each is idempotent: the
 * commerce calls carry an order id derived from the migration and the step, emails an operation id
 * derived from the migration, the audience and the step, and state changes go through the pure
 * transitions (which answer `unchanged` when repeated) with If-Match.
 */

export type MigrationEmail = Omit<OutgoingEmail, "to">;

export interface MigrationEmailRenderer {
  reminder(input: MigrationEmailContent & { termEnd: string; daysBefore: number }): MigrationEmail;
  completed(input: MigrationEmailContent): MigrationEmail;
}

export interface MigrationEmailContent {
  locale: string;
  partnerName: string;
  customerName: string;
  offer: string;
  subscriptionId: string;
}

export interface MigrationLifecycleDeps {
  migrations: MigrationRepository;
  subscriptions: SubscriptionRepository;
  partners: PartnerRepository;
  relationships: RelationshipRepository;
  invitations: InvitationRepository;
  commerce: CommercePort;
  audit: AuditLog;
  email: EmailSender;
  clock: Clock;
  render: MigrationEmailRenderer;
  /** Announces completions to the partner's webhook (docs/webhooks.md); absent: none. */
  webhooks?: WebhookPublisher;
}

const SYSTEM: Actor = { kind: "system" };
const CONFLICT_ATTEMPTS = 6;

/** Order ids for the commerce port: one per migration and step, so a retried call is the same order. */
export const orderIdFor = (migrationId: string, step: string): string => `${migrationId}:${step}`;

/**
 * The CSP subscription that replaces the source (R17 at its term end, R18 at once): the same offer
 * and seats, ordered under the migration's order id so that a retried step is the same order.
 */
function orderInCsp(deps: MigrationLifecycleDeps, migration: Migration, subscription: Subscription) {
  return deps.commerce.createCspSubscription({
    orderId: orderIdFor(migration.id, "order"),
    partnerId: migration.partnerId,
    customerTenantId: migration.customerTenantId,
    offer: subscription.offer,
    ...(subscription.seats !== undefined ? { seats: subscription.seats } : {}),
    sourceSubscriptionId: subscription.id,
  });
}

/** Applies a transition to the migration by ETag; the result is what is stored afterwards. */
async function updateMigration(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
  apply: (current: Migration) => { migration: Migration; unchanged: boolean },
): Promise<Migration> {
  return updateWithRetry<Migration, Migration>({
    read: () => loadMigration(deps, ref),
    decide: ({ value }) => {
      const next = apply(value);
      return next.unchanged ? { done: value } : { write: next.migration, after: (saved) => saved.value };
    },
    replace: (next, etag) => deps.migrations.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}

async function updateSubscription(
  deps: MigrationLifecycleDeps,
  migration: Migration,
  apply: (current: Subscription) => Subscription | undefined,
): Promise<void> {
  await updateWithRetry<Subscription, void>({
    read: () => loadSubscription(deps, migration),
    decide: ({ value }) => {
      const next = apply(value);
      return next ? { write: next, after: () => undefined } : { done: undefined };
    },
    replace: (next, etag) => deps.subscriptions.replace(next, etag),
    attempts: CONFLICT_ATTEMPTS,
  });
}

/**
 * Reads the migration and its subscription. An atTermEnd migration follows the subscription's
 * current term end here (a renewal signalled or not), so every wake decides on the stored truth.
 */
export async function readMigrationState(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
): Promise<ReadMigrationStateResult> {
  let { value: migration } = await loadMigration(deps, ref);
  const subscription = (await loadSubscription(deps, migration)).value;
  const termEnd = subscription.termEnd;
  if (migration.strategy === "atTermEnd" && termEnd !== undefined && migration.notBefore !== termEnd) {
    const now = deps.clock.now();
    migration = await updateMigration(deps, ref, (m) => rescheduleAtTermEnd(m, termEnd, now));
    await deps.audit.record({
      id: deterministicGuid("audit", migration.id, "reschedule", termEnd),
      partnerId: migration.partnerId,
      resourceType: "migration",
      resourceId: migration.id,
      action: "reschedule",
      outcome: "applied",
      actor: SYSTEM,
      rule: "R17",
      at: now.toISOString(),
      detail: `waits for the term end ${termEnd}`,
    });
  }
  return {
    status: migration.status,
    ...(migration.notBefore ? { notBefore: migration.notBefore } : {}),
    subscriptionStatus: subscription.status,
    remindersSent: migration.remindersSent ?? [],
  };
}

/** The customer's contact: the admin the partner's reseller invitation was sent to (and its language). */
async function customerContact(
  deps: MigrationLifecycleDeps,
  migration: Migration,
): Promise<{ email: string; locale: string; name: string } | undefined> {
  const relationships = await deps.relationships.listForCustomer(migration.customerTenantId);
  const ours = relationships
    .filter((r) => r.type === "reseller" && r.partnerId === migration.partnerId)
    .sort((a, b) => (a.status === "active" ? -1 : 0) - (b.status === "active" ? -1 : 0))[0];
  if (!ours) return undefined;
  const invitation = await deps.invitations.get(migration.partnerId, ours.invitationId);
  if (!invitation) return undefined;
  const customer = invitation.value.customer;
  return { email: customer.adminEmail, locale: invitation.value.locale, name: customer.displayName };
}

async function partnerOf(deps: MigrationLifecycleDeps, migration: Migration): Promise<Partner> {
  const partner = await deps.partners.get(migration.partnerId);
  if (!partner)
    throw new Error(`Partner ${migration.partnerId} of migration ${migration.id} does not exist.`);
  return partner;
}

/** Sends to the partner's contact and the customer's admin, each once per step (operation ids). */
async function sendToBoth(
  deps: MigrationLifecycleDeps,
  migration: Migration,
  subscription: Subscription,
  step: string,
  render: (content: MigrationEmailContent) => MigrationEmail,
): Promise<number> {
  const partner = await partnerOf(deps, migration);
  const customer = await customerContact(deps, migration);
  const base = {
    partnerName: partner.name,
    customerName: customer?.name ?? migration.customerTenantId,
    offer: subscription.offer,
    subscriptionId: subscription.id,
  };
  await deps.email.send(
    { ...render({ ...base, locale: "en" }), to: [partner.contactEmail] },
    deterministicGuid("migration", migration.id, "partner", step),
  );
  if (!customer) return 1;
  await deps.email.send(
    { ...render({ ...base, locale: customer.locale }), to: [customer.email] },
    deterministicGuid("migration", migration.id, "customer", step),
  );
  return 2;
}

/** R17: the reminder due at the orchestration's time, once per key, then recorded as sent. */
export async function sendTermEndReminder(
  deps: MigrationLifecycleDeps,
  input: MigrationRef & { at: string },
): Promise<{ sent: boolean; key?: string }> {
  const { value: migration } = await loadMigration(deps, input);
  if (migration.status !== "scheduled" || migration.notBefore === undefined) return { sent: false };
  const due = reminderDue(migration.notBefore, new Date(input.at), migration.remindersSent ?? []);
  if (!due) return { sent: false };
  const subscription = (await loadSubscription(deps, migration)).value;
  await sendToBoth(deps, migration, subscription, due.key, (content) =>
    deps.render.reminder({ ...content, termEnd: due.termEnd, daysBefore: due.daysBefore }),
  );
  const now = deps.clock.now();
  await updateMigration(deps, input, (m) =>
    (m.remindersSent ?? []).includes(due.key)
      ? { migration: m, unchanged: true }
      : {
          migration: {
            ...m,
            remindersSent: [...(m.remindersSent ?? []), due.key],
            updatedAt: now.toISOString(),
          },
          unchanged: false,
        },
  );
  await auditSystemStep(deps, migration, {
    action: "termEndReminder",
    key: due.key,
    rule: "R17",
    detail: `${due.daysBefore} days before the term end ${due.termEnd}`,
  });
  return { sent: true, key: due.key };
}

/** The source now belongs to the partner: `migrated`, with it as partner of record. */
async function markMigrated(deps: MigrationLifecycleDeps, migration: Migration): Promise<void> {
  const now = deps.clock.now().toISOString();
  await updateSubscription(deps, migration, (s) =>
    s.status === "migrated" && s.partnerOfRecord === migration.partnerId
      ? undefined
      : {
          ...s,
          status: "migrated",
          partnerOfRecord: migration.partnerId,
          migrationId: migration.id,
          updatedAt: now,
        },
  );
}

/** An orchestration step in the audit trail; the fixed id makes a re-run write the same record. */
async function auditSystemStep(
  deps: MigrationLifecycleDeps,
  migration: Migration,
  step: { action: string; key?: string; rule: "R17" | "R18"; detail: string },
): Promise<void> {
  await deps.audit.record({
    id: deterministicGuid("audit", migration.id, step.action, step.key ?? ""),
    partnerId: migration.partnerId,
    resourceType: "migration",
    resourceId: migration.id,
    action: step.action,
    outcome: "applied",
    actor: SYSTEM,
    rule: step.rule,
    at: deps.clock.now().toISOString(),
    detail: step.detail,
  });
}

/**
 * The subscription is marked first and the migration completed after it, as a partner switch does:
 * whoever sees the migration completed then also sees the subscription migrated. The move has been
 * claimed (`movingSince`), so no cancellation can come between the two writes.
 */
async function complete(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
  moving: Migration,
  targetSubscriptionId: string | undefined,
  rule: "R17" | "R18",
): Promise<Migration> {
  const now = deps.clock.now();
  await markMigrated(deps, moving);
  const done = await updateMigration(deps, ref, (m) => completeMigration(m, now, targetSubscriptionId));
  await deps.audit.record({
    id: deterministicGuid("audit", done.id, "complete"),
    partnerId: done.partnerId,
    resourceType: "migration",
    resourceId: done.id,
    action: "complete",
    outcome: "applied",
    actor: SYSTEM,
    rule,
    at: done.completedAt ?? now.toISOString(),
    ...(done.targetSubscriptionId ? { detail: `CSP subscription ${done.targetSubscriptionId}` } : {}),
  });
  return done;
}

/**
 * R17 at the term end (or once cancelled at the source): orders the CSP subscription (order id from
 * the migration, so a retry is the same order), then completes the migration and the subscription.
 * A migration cancelled meanwhile is left alone.
 */
export async function completeAtTermEnd(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
): Promise<MigrationStepResult> {
  const { value: migration } = await loadMigration(deps, ref);
  if (migration.status === "completed") {
    await markMigrated(deps, migration);
    return { status: "completed" };
  }
  if (isTerminalMigrationStatus(migration.status)) return { status: migration.status };
  // Claimed by ETag before ordering: a cancellation that won first leaves nothing ordered.
  const moving = await updateMigration(deps, ref, (m) => beginMove(m, deps.clock.now()));
  if (isTerminalMigrationStatus(moving.status)) return { status: moving.status };
  const subscription = (await loadSubscription(deps, moving)).value;
  const order = await orderInCsp(deps, migration, subscription);
  const done = await complete(deps, ref, moving, order.subscriptionId, "R17");
  return { status: done.status };
}

/** R18: the Azure CSP subscription is ordered at once; its id is recorded on the migration. */
export async function orderAzureSubscription(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
): Promise<MigrationStepResult> {
  const { value: migration } = await loadMigration(deps, ref);
  if (isTerminalMigrationStatus(migration.status) || migration.targetSubscriptionId)
    return { status: migration.status };
  const subscription = (await loadSubscription(deps, migration)).value;
  const order = await orderInCsp(deps, migration, subscription);
  const now = deps.clock.now().toISOString();
  const saved = await updateMigration(deps, ref, (m) =>
    m.targetSubscriptionId || isTerminalMigrationStatus(m.status)
      ? { migration: m, unchanged: true }
      : { migration: { ...m, targetSubscriptionId: order.subscriptionId, updatedAt: now }, unchanged: false },
  );
  await auditSystemStep(deps, saved, {
    action: "azureSubscriptionOrdered",
    rule: "R18",
    detail: `CSP subscription ${order.subscriptionId}`,
  });
  return { status: saved.status };
}

/** R18: every service the partner confirmed is cancelled at the source, one order each. */
export async function settleServices(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
): Promise<SettleServicesResult> {
  let { value: migration } = await loadMigration(deps, ref);
  const allCancelled = (m: Migration) => (m.services ?? []).every((s) => s.status === "cancelledAtSource");
  if (isTerminalMigrationStatus(migration.status))
    return { status: migration.status, allCancelled: allCancelled(migration) };
  for (const service of migration.services ?? []) {
    if (service.status !== "moved") continue;
    await deps.commerce.cancelAtSource({
      orderId: orderIdFor(migration.id, `service:${service.id}`),
      customerTenantId: migration.customerTenantId,
      sourceSubscriptionId: migration.subscriptionId,
      serviceId: service.id,
    });
    const now = deps.clock.now();
    migration = await updateMigration(deps, ref, (m) => markServiceCancelledAtSource(m, service.id, now));
    await deps.audit.record({
      id: deterministicGuid("audit", migration.id, "serviceCancelledAtSource", service.id),
      partnerId: migration.partnerId,
      resourceType: "migration",
      resourceId: migration.id,
      action: "serviceCancelledAtSource",
      outcome: "applied",
      actor: SYSTEM,
      rule: "R18",
      at: now.toISOString(),
      detail: `service ${service.id}`,
    });
  }
  return { status: migration.status, allCancelled: allCancelled(migration) };
}

/** R18 once every service moved: the whole source is cancelled unless keepSource, then completed. */
export async function completeNewAzure(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
): Promise<MigrationStepResult> {
  const { value: migration } = await loadMigration(deps, ref);
  if (migration.status === "completed") {
    // Completed before the subscription came to be marked first: make sure it is marked.
    await markMigrated(deps, migration);
    return { status: "completed" };
  }
  if (isTerminalMigrationStatus(migration.status)) return { status: migration.status };
  // Claimed before the source is cancelled: from here a cancellation is refused, as at a term end.
  const moving = await updateMigration(deps, ref, (m) => beginMove(m, deps.clock.now()));
  if (isTerminalMigrationStatus(moving.status)) return { status: moving.status };
  if (!moving.keepSource) {
    await deps.commerce.cancelAtSource({
      orderId: orderIdFor(migration.id, "source"),
      customerTenantId: migration.customerTenantId,
      sourceSubscriptionId: migration.subscriptionId,
    });
    await auditSystemStep(deps, migration, {
      action: "sourceCancelled",
      rule: "R18",
      detail: `subscription ${migration.subscriptionId} cancelled at the source`,
    });
  }
  const done = await complete(deps, ref, moving, moving.targetSubscriptionId, "R18");
  return { status: done.status };
}

/** Tells partner and customer the move is done; once each, however often it runs. */
export async function notifyMigrationCompleted(
  deps: MigrationLifecycleDeps,
  ref: MigrationRef,
): Promise<{ sent: number }> {
  const { value: migration } = await loadMigration(deps, ref);
  if (migration.status !== "completed")
    throw refuse.conflict(`Migration ${migration.id} is ${migration.status}.`);
  const subscription = (await loadSubscription(deps, migration)).value;
  const sent = await sendToBoth(deps, migration, subscription, "completed", (c) => deps.render.completed(c));
  // Same event id on every run of this activity: a retry publishes nothing new.
  await deps.webhooks?.publish(migration.partnerId, migrationEvent(migration, "completed"));
  return { sent };
}
