import { z } from "zod";
import { publishAfterCommit, subscriptionsRegisteredEvent } from "../webhooks/events";
import type { WebhookPublisher } from "../webhooks/ports";
import { refuse } from "../../domain/errors";
import type { Partner, Principal } from "../../domain/model";
import { requireReadRole, requireWriteRole } from "../../domain/rules";
import { checkImportRows, importRefusal, type ImportParse } from "../../domain/subscriptions/import";
import {
  isTerminalMigrationStatus,
  subscriptionSchema,
  type Migration,
  type Subscription,
  type SubscriptionPatch,
  type SubscriptionRegistration,
} from "../../domain/subscriptions/model";
import {
  applySubscriptionPatch,
  canRegister,
  migrationPlanItem,
  type RegistrationFacts,
} from "../../domain/subscriptions/plan";
import { audit, auditedCheck, partnerActor } from "../audit";
import { updateWithRetry } from "../concurrency";
import { callerPartner } from "../partners";
import type { AuditLog, Clock, PartnerRepository, RelationshipRepository } from "../ports";
import {
  SubscriptionExists,
  type MigrationRepository,
  type MigrationWorkflows,
  type SubscriptionRepository,
} from "./ports";

/**
 * Subscriptions bought elsewhere (docs/migrations.md): registration, bulk import, reads, changes and
 * the migration plan. A partner sees only what it registered: anyone else's reads as 404 (R10).
 */

/** What a partner sees of a subscription: everything but the owner it already is. */
export const subscriptionViewSchema = subscriptionSchema
  .omit({ partnerId: true })
  .meta({ id: "Subscription" });
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;
export const toSubscriptionView = (s: Subscription): SubscriptionView => subscriptionViewSchema.parse(s);

export const subscriptionListSchema = z
  .object({ items: z.array(subscriptionViewSchema), continuationToken: z.string().optional() })
  .meta({ id: "SubscriptionList" });

export const listSubscriptionsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  continuationToken: z.string().max(8192).optional(),
});
export type ListSubscriptionsQuery = z.infer<typeof listSubscriptionsQuerySchema>;

export const importResultSchema = z
  .object({ created: z.number().int() })
  .meta({ id: "SubscriptionImportResult" });

const blockerSchema = z.object({ code: z.string(), detail: z.string(), rule: z.string().optional() });
export const migrationPlanSchema = z
  .object({
    items: z.array(
      z.object({
        subscriptionId: z.string(),
        strategy: z.enum(["atTermEnd", "newAzureSubscription", "partnerSwitch"]).optional(),
        earliestDate: z.string().optional(),
        rule: z.string(),
        blockers: z.array(blockerSchema),
        warnings: z.array(z.object({ code: z.string(), detail: z.string() })),
      }),
    ),
  })
  .meta({ id: "MigrationPlan" });
export type MigrationPlan = z.infer<typeof migrationPlanSchema>;

export interface SubscriptionDeps {
  clock: Clock;
  partners: PartnerRepository;
  relationships: RelationshipRepository;
  subscriptions: SubscriptionRepository;
  migrations: MigrationRepository;
  audit: AuditLog;
  /** Announces registrations to the partner's webhook (docs/webhooks.md); absent: none. */
  webhooks?: WebhookPublisher;
  warn?: (message: string) => void;
}

export interface SubscriptionPatchDeps extends SubscriptionDeps {
  migrationWorkflows: MigrationWorkflows;
}

/** R20 (and what R12 may know of the customer) from the customer's relationships. */
async function registrationFacts(
  deps: Pick<SubscriptionDeps, "relationships">,
  partnerId: string,
  customerTenantId: string,
): Promise<RegistrationFacts> {
  const relationships = await deps.relationships.listForCustomer(customerTenantId);
  return {
    hasActiveResellerRelationship: relationships.some(
      (r) =>
        r.type === "reseller" &&
        r.status === "active" &&
        (r.partnerId === partnerId || r.indirectResellerId === partnerId),
    ),
  };
}

function newSubscription(
  caller: Partner,
  customerTenantId: string,
  input: SubscriptionRegistration,
  now: string,
): Subscription {
  return subscriptionSchema.parse({
    ...input,
    customerTenantId,
    partnerId: caller.id,
    status: "active",
    createdAt: now,
    updatedAt: now,
  });
}

/** The caller and its write role (R1, first, audited when refused). */
async function writer(deps: SubscriptionDeps, principal: Principal, resourceId: string, action: string) {
  const caller = await callerPartner(deps.partners, principal);
  await auditedCheck(
    deps.audit,
    deps.clock,
    {
      partnerId: caller.id,
      resourceType: "subscription",
      resourceId,
      action,
      actor: partnerActor(principal),
    },
    () => requireWriteRole(principal),
  );
  return caller;
}

/** POST /api/customers/{tenantId}/subscriptions. */
export async function registerSubscription(
  deps: SubscriptionDeps,
  principal: Principal,
  customerTenantId: string,
  input: SubscriptionRegistration,
): Promise<SubscriptionView> {
  const tenantId = customerTenantId.toLowerCase();
  const caller = await writer(deps, principal, input.id, "register");
  const facts = await registrationFacts(deps, caller.id, tenantId);
  const allowed = canRegister(caller, input, facts);
  const actor = partnerActor(principal);
  const fields = { partnerId: caller.id, resourceType: "subscription" as const, resourceId: input.id, actor };
  if (!allowed.ok) {
    if (allowed.error.rule) {
      await audit(deps.audit, deps.clock, {
        ...fields,
        action: "register",
        outcome: "refused",
        rule: allowed.error.rule,
        detail: allowed.error.message,
      });
    }
    throw allowed.error;
  }
  const subscription = newSubscription(caller, tenantId, input, deps.clock.now().toISOString());
  let created;
  try {
    created = await deps.subscriptions.create(subscription);
  } catch (error) {
    if (error instanceof SubscriptionExists) {
      throw refuse.conflict(`Subscription ${input.id} is already registered for this customer.`);
    }
    throw error;
  }
  await audit(deps.audit, deps.clock, { ...fields, action: "registered", outcome: "applied" });
  await publishAfterCommit(
    deps.webhooks,
    caller.id,
    subscriptionsRegisteredEvent(caller.id, tenantId, [created.value], "registration"),
    deps.warn,
  );
  return toSubscriptionView(created.value);
}

/** POST /api/customers/{tenantId}/subscriptions/import: every row, or none (one 422 listing all). */
export async function importSubscriptions(
  deps: SubscriptionDeps,
  principal: Principal,
  customerTenantId: string,
  parsed: ImportParse,
): Promise<{ created: number }> {
  const tenantId = customerTenantId.toLowerCase();
  const caller = await writer(deps, principal, tenantId, "import");
  if (!parsed.ok) throw importRefusal(parsed.errors);
  const facts = await registrationFacts(deps, caller.id, tenantId);
  const checked = checkImportRows(caller, parsed.rows, facts);
  const actor = partnerActor(principal);
  if (!checked.ok) {
    if (checked.error.rule) {
      await audit(deps.audit, deps.clock, {
        partnerId: caller.id,
        resourceType: "subscription",
        resourceId: tenantId,
        action: "import",
        outcome: "refused",
        rule: checked.error.rule,
        detail: checked.error.message,
        actor,
      });
    }
    throw checked.error;
  }
  const now = deps.clock.now().toISOString();
  const subscriptions = parsed.rows.map((row) => newSubscription(caller, tenantId, row, now));
  try {
    await deps.subscriptions.createMany(tenantId, subscriptions);
  } catch (error) {
    if (error instanceof SubscriptionExists) {
      // A retried import converges: what it would add exists already, so it adds nothing.
      const index = parsed.rows.findIndex((r) => r.id === error.subscriptionId);
      throw refuse.conflict(
        `rows[${index}].id: subscription ${error.subscriptionId} is already registered for this customer; nothing was registered.`,
      );
    }
    throw error;
  }
  await audit(deps.audit, deps.clock, {
    partnerId: caller.id,
    resourceType: "subscription",
    resourceId: tenantId,
    action: "imported",
    outcome: "applied",
    detail: `${subscriptions.length} subscriptions`,
    actor,
  });
  await publishAfterCommit(
    deps.webhooks,
    caller.id,
    subscriptionsRegisteredEvent(caller.id, tenantId, subscriptions, "import"),
    deps.warn,
  );
  return { created: subscriptions.length };
}

async function reader(deps: Pick<SubscriptionDeps, "partners">, principal: Principal): Promise<Partner> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  return caller;
}

/** GET /api/customers/{tenantId}/subscriptions/{id}: a point read in the caller's scope only. */
export async function getSubscription(
  deps: SubscriptionDeps,
  principal: Principal,
  customerTenantId: string,
  id: string,
): Promise<SubscriptionView> {
  return (await readSubscription(deps, principal, customerTenantId, id)).view;
}

/** The view and the ETag a later PATCH may name in `If-Match`. */
export async function readSubscription(
  deps: SubscriptionDeps,
  principal: Principal,
  customerTenantId: string,
  id: string,
): Promise<{ view: SubscriptionView; etag: string }> {
  const caller = await reader(deps, principal);
  const found = await deps.subscriptions.get(caller.id, customerTenantId.toLowerCase(), id);
  if (!found) throw refuse.notFound("The subscription");
  return { view: toSubscriptionView(found.value), etag: found.etag };
}

export async function listSubscriptions(
  deps: SubscriptionDeps,
  principal: Principal,
  customerTenantId: string,
  query: ListSubscriptionsQuery,
): Promise<z.infer<typeof subscriptionListSchema>> {
  const caller = await reader(deps, principal);
  const page = await deps.subscriptions.list(caller.id, customerTenantId.toLowerCase(), {
    limit: query.limit,
    ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
  });
  return {
    items: page.items.map(toSubscriptionView),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

/**
 * PATCH /api/customers/{tenantId}/subscriptions/{id}. A moved term end or a new cancellation wakes a
 * running migration (R17); the document is written first, so the orchestration reads the truth.
 */
export async function patchSubscription(
  deps: SubscriptionPatchDeps,
  principal: Principal,
  customerTenantId: string,
  id: string,
  patch: SubscriptionPatch,
): Promise<SubscriptionView> {
  return (await patchSubscriptionVersion(deps, principal, customerTenantId, id, patch)).view;
}

/**
 * The PATCH with its precondition: `ifMatch` (the request's If-Match) is checked against the version
 * each attempt decides on, so of two writers holding the same ETag exactly one wins and the other
 * gets 409 (a lost race re-reads and then no longer matches). Answers the new ETag.
 */
export async function patchSubscriptionVersion(
  deps: SubscriptionPatchDeps,
  principal: Principal,
  customerTenantId: string,
  id: string,
  patch: SubscriptionPatch,
  ifMatch?: (etag: string) => boolean,
): Promise<{ view: SubscriptionView; etag: string }> {
  const tenantId = customerTenantId.toLowerCase();
  const caller = await callerPartner(deps.partners, principal);
  const first = await deps.subscriptions.get(caller.id, tenantId, id);
  // Another partner's subscription (or none) is 404 before any role check reveals anything.
  if (!first) throw refuse.notFound("The subscription");
  const actor = partnerActor(principal);
  await auditedCheck(
    deps.audit,
    deps.clock,
    { partnerId: caller.id, resourceType: "subscription", resourceId: id, action: "update", actor },
    () => requireWriteRole(principal),
  );
  return updateWithRetry<Subscription, { view: SubscriptionView; etag: string }>({
    first,
    read: async () => {
      const reread = await deps.subscriptions.get(caller.id, tenantId, id);
      if (!reread) throw refuse.notFound("The subscription");
      return reread;
    },
    decide: (current) => {
      if (ifMatch && !ifMatch(current.etag)) {
        throw refuse
          .conflict("The subscription changed since the version named in If-Match; read it again.")
          .because("concurrentChange");
      }
      const outcome = applySubscriptionPatch(current.value, patch, deps.clock.now());
      if (outcome.unchanged) return { done: { view: toSubscriptionView(current.value), etag: current.etag } };
      return {
        write: outcome.subscription,
        after: async (saved) => {
          await audit(deps.audit, deps.clock, {
            partnerId: caller.id,
            resourceType: "subscription",
            resourceId: id,
            action: outcome.cancelled ? "cancelledAtSource" : "updated",
            outcome: "applied",
            actor,
          });
          const migrationId = saved.value.migrationId;
          if (migrationId !== undefined) {
            const migration = await deps.migrations.get(caller.id, migrationId);
            if (migration && !isTerminalMigrationStatus(migration.value.status)) {
              if (outcome.termEndChanged && saved.value.termEnd !== undefined) {
                await deps.migrationWorkflows.signal(migrationId, {
                  kind: "termEndChanged",
                  termEnd: saved.value.termEnd,
                });
              }
              if (outcome.cancelled) {
                await deps.migrationWorkflows.signal(migrationId, { kind: "cancelledAtSource" });
              }
            }
          }
          return { view: toSubscriptionView(saved.value), etag: saved.etag };
        },
      };
    },
    replace: (next, etag) => deps.subscriptions.replace(next, etag),
    attempts: 3,
    exhausted: () =>
      refuse.conflict("The subscription kept changing; try again.").because("concurrentChange"),
  });
}

/** GET /api/customers/{tenantId}/migration-plan: one line per subscription the caller registered. */
export async function migrationPlan(
  deps: SubscriptionDeps,
  principal: Principal,
  customerTenantId: string,
): Promise<MigrationPlan> {
  const tenantId = customerTenantId.toLowerCase();
  const caller = await reader(deps, principal);
  const facts = await registrationFacts(deps, caller.id, tenantId);
  const latest = new Map<string, Migration>();
  for (const m of await deps.migrations.listForCustomer(caller.id, tenantId)) {
    const seen = latest.get(m.subscriptionId);
    if (!seen || m.attempt > seen.attempt) latest.set(m.subscriptionId, m);
  }
  const now = deps.clock.now();
  const items: MigrationPlan["items"] = [];
  let token: string | undefined;
  do {
    const page = await deps.subscriptions.list(caller.id, tenantId, {
      limit: 100,
      ...(token ? { continuationToken: token } : {}),
    });
    for (const subscription of page.items) {
      items.push(
        migrationPlanItem(subscription, {
          now,
          partner: caller,
          hasActiveResellerRelationship: facts.hasActiveResellerRelationship,
          migration: latest.get(subscription.id),
        }),
      );
    }
    token = page.continuationToken;
  } while (token);
  return migrationPlanSchema.parse({ items });
}
