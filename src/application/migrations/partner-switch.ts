import { randomUUID } from "node:crypto";
import { DomainError, refuse, type RuleId } from "../../domain/errors";
import {
  hashInvitationToken,
  isWellFormedInvitationToken,
  tokenMatchesHash,
} from "../../domain/invitation-token";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, PARTNER_WRITE_ROLES, type Actor } from "../../domain/model";
import { recordApproval, type ApprovalParty } from "../../domain/subscriptions/migration";
import type { Migration, Subscription } from "../../domain/subscriptions/model";
import { updateWithRetry } from "../concurrency";
import { raiseThenSettle, recoverIntents, type IntentRecoveryResult } from "../event-intents";
import type { AuditLog, Clock, Page, PartnerRepository, Versioned } from "../ports";
import type { MigrationRepository, MigrationWorkflows, SubscriptionRepository } from "../subscriptions/ports";

/**
 * R19's answers: the customer's Global Administrator and the current partner each approve or
 * decline a partnerSwitch, through the link in their email (R15, R16: reading never changes
 * anything, one answer for every unusable link) or, for an enrolled current partner, through the
 * API. The migration document is changed (If-Match) together with an answer intent, in one atomic
 * write; the orchestration is told afterwards, and re-reads the document whenever it wakes. A host
 * that dies before the signal is raised leaves the intent, which the recovery sweep at start-up and
 * on its timer raises again (application/event-intents.ts): the party's retry is a no-op and cannot.
 *
 * Who may answer (verifiable from the token alone):
 * - customer: a Global Administrator (`wids`) of the subscription's customer tenant (`tid`).
 * - currentPartner: a user of the current partner's tenant (`tid = currentPartnerId`) holding a
 *   partner write role (R1) or, since a partner that never enrolled here has no app roles, the
 *   Global Administrator directory role of that tenant.
 */

export type SwitchDecision = "approved" | "declined";

/** Who answers, from a verified token (bearer, or the page's sign-in session). */
export interface SwitchIdentity {
  tenantId: string;
  userId: string;
  /** App roles (partner tokens). */
  roles: string[];
  /** Directory role template ids. */
  wids: string[];
  email?: string;
}

/** The switch requests addressed to a current partner (its tenant id), for the API. */
export interface SwitchRequestDirectory {
  listAddressedTo(
    currentPartnerId: string,
    query: { limit: number; continuationToken?: string },
  ): Promise<Page<Migration>>;
  /** The migration if it is a partnerSwitch away from this partner; undefined otherwise (404). */
  getAddressedTo(currentPartnerId: string, migrationId: string): Promise<Versioned<Migration> | undefined>;
}

export interface PartnerSwitchDependencies {
  migrations: Pick<
    MigrationRepository,
    "findByApprovalTokenHash" | "get" | "replaceWithAnswerIntent" | "settleAnswer"
  >;
  subscriptions: Pick<SubscriptionRepository, "get">;
  partners: PartnerRepository;
  directory: SwitchRequestDirectory;
  workflows: Pick<MigrationWorkflows, "signal">;
  audit: AuditLog;
  clock: Clock;
  warn?(message: string): void;
}

/** What reading needs (the page, the list): nothing that signals. */
export type SwitchReadDependencies = Omit<PartnerSwitchDependencies, "workflows" | "warn">;

/** Used, expired, tampered or unknown: one answer for all, so the link reveals nothing (R16). */
export const SWITCH_LINK_NOT_VALID_MESSAGE = "This link is no longer valid.";

export function switchLinkNotValid(): DomainError {
  return refuse.gone(SWITCH_LINK_NOT_VALID_MESSAGE, "R16").because("linkNotValid");
}

export interface SwitchContext {
  migration: Migration;
  etag: string;
  party: ApprovalParty;
  subscription: Subscription;
  /** The partner asking to take the subscription over. */
  newPartnerName: string;
}

export type SwitchLinkLookup =
  | ({ state: "open" } & SwitchContext)
  | { state: "unknown" }
  /** Existed, but answered by this party, ended or expired. */
  | ({ state: "closed" } & SwitchContext);

function isOpenFor(migration: Migration, party: ApprovalParty, now: Date): boolean {
  return (
    migration.status === "awaitingApproval" &&
    migration.approvals?.[party] === "pending" &&
    (migration.expiresAt === undefined || now.toISOString() < migration.expiresAt)
  );
}

async function contextOf(
  deps: SwitchReadDependencies,
  found: Versioned<Migration>,
  party: ApprovalParty,
): Promise<SwitchContext | undefined> {
  const migration = found.value;
  const subscription = await deps.subscriptions.get(
    migration.partnerId,
    migration.customerTenantId,
    migration.subscriptionId,
  );
  if (!subscription) return undefined;
  const partner = await deps.partners.get(migration.partnerId);
  return {
    migration,
    etag: found.etag,
    party,
    subscription: subscription.value,
    newPartnerName: partner?.name ?? migration.partnerId,
  };
}

/** Resolves a link's token to its switch and party. Reads only (R15). */
export async function lookUpSwitchLink(
  deps: SwitchReadDependencies,
  token: string,
): Promise<SwitchLinkLookup> {
  if (!isWellFormedInvitationToken(token)) return { state: "unknown" };
  const found = await deps.migrations.findByApprovalTokenHash(hashInvitationToken(token));
  const stored = found?.migration.value.approvalLinks?.[found.party].tokenHash;
  if (!found || !stored || !tokenMatchesHash(token, stored)) return { state: "unknown" };
  const context = await contextOf(deps, found.migration, found.party);
  if (!context) return { state: "unknown" };
  const open = isOpenFor(context.migration, found.party, deps.clock.now());
  return { state: open ? "open" : "closed", ...context };
}

function sameTenant(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

const WRITE_ROLES: readonly string[] = PARTNER_WRITE_ROLES;

/** The rule for this identity answering for this party; undefined when allowed. */
export function switchRefusal(
  party: ApprovalParty,
  subscription: Pick<Subscription, "customerTenantId" | "currentPartnerId">,
  identity: SwitchIdentity,
): DomainError | undefined {
  const isGlobalAdmin = identity.wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID);
  if (party === "customer") {
    if (!isGlobalAdmin) {
      return refuse
        .forbidden("Only a Global Administrator of the customer's tenant may answer this request.", "R2")
        .because("notGlobalAdmin");
    }
    if (!sameTenant(subscription.customerTenantId, identity.tenantId)) {
      return refuse.forbidden("This request was sent to another tenant.", "R2").because("wrongTenant");
    }
    return undefined;
  }
  if (!sameTenant(subscription.currentPartnerId, identity.tenantId)) {
    return refuse
      .forbidden("Only the current partner of the subscription may answer this request.", "R19")
      .because("wrongTenant");
  }
  if (!isGlobalAdmin && !identity.roles.some((r) => WRITE_ROLES.includes(r))) {
    return refuse.forbidden(
      "Only GlobalAdmin, UserManagementAdmin or SalesAgent users of the current partner may answer.",
      "R1",
    );
  }
  return undefined;
}

const CONFLICT_ATTEMPTS = 6;

export interface SwitchAnswer {
  migration: Migration;
  party: ApprovalParty;
  decision: SwitchDecision;
  newPartnerName: string;
  subscription: Subscription;
}

/**
 * Records one party's answer. `read` finds the switch (by link, or by id for the API) or throws the
 * caller's generic refusal; a party repeating its answer is a no-op, changing it is 409, answering
 * after the 30 days is 410 (recordApproval).
 */
async function answer(
  deps: PartnerSwitchDependencies,
  read: () => Promise<SwitchContext & { open: boolean }>,
  decision: SwitchDecision,
  identity: SwitchIdentity,
  closed: (migration: Migration) => DomainError,
): Promise<SwitchAnswer> {
  const actor: Actor = { kind: "partner", tenantId: identity.tenantId, userId: identity.userId };
  // The party whose answer is being written (the link or route decides it, on every attempt).
  let answering: ApprovalParty | undefined;
  return updateWithRetry<
    Migration,
    SwitchAnswer,
    Versioned<Migration> & { context: SwitchContext; open: boolean }
  >({
    read: async () => {
      const found = await read();
      return { value: found.migration, etag: found.etag, context: found, open: found.open };
    },
    decide: async ({ value: migration, context: current, open }) => {
      answering = current.party;
      const who: Actor =
        current.party === "customer"
          ? { kind: "customer", tenantId: identity.tenantId, userId: identity.userId }
          : actor;
      const refusal = switchRefusal(current.party, current.subscription, identity);
      if (refusal) {
        await audit(deps, migration, decision, who, "refused", refusal.rule);
        throw refusal;
      }
      const repeated = migration.approvals?.[current.party] !== "pending";
      // A party that answered may hear its answer again (or a 409); anything else closed is the generic answer.
      if (!open && !repeated) throw closed(migration);
      const transition = recordApproval(migration, current.party, decision, deps.clock.now());
      const result = (m: Migration): SwitchAnswer => ({
        migration: m,
        party: current.party,
        decision,
        newPartnerName: current.newPartnerName,
        subscription: current.subscription,
      });
      if (transition.unchanged) return { done: result(migration) };
      return {
        write: transition.migration,
        after: async ({ value }) => {
          await audit(deps, value, decision, who, "applied");
          const intent = { partnerId: value.partnerId, migrationId: value.id, party: current.party };
          await raiseThenSettle(
            () => deps.workflows.signal(value.id, { kind: "approval", party: current.party, decision }),
            () => deps.migrations.settleAnswer(intent),
            (error) =>
              deps.warn?.(
                `Migration ${value.id} was not told of an approval (${error instanceof Error ? error.name : "error"}); ` +
                  "the answer recovery raises it again from its intent.",
              ),
          );
          return result(value);
        },
      };
    },
    // The answer and the intent to tell the orchestration: one atomic write.
    replace: (next, etag) => {
      if (!answering) throw new Error("An answer is written only after it was decided.");
      return deps.migrations.replaceWithAnswerIntent(next, etag, answering);
    },
    attempts: CONFLICT_ATTEMPTS,
    exhausted: () => refuse.conflict("The switch changed concurrently; try again.", "R19"),
  });
}

/** POST /switch/{token}/approve|decline. */
export async function answerSwitchByLink(
  deps: PartnerSwitchDependencies,
  request: { token: string; decision: SwitchDecision; identity: SwitchIdentity },
): Promise<SwitchAnswer> {
  return answer(
    deps,
    async () => {
      const link = await lookUpSwitchLink(deps, request.token);
      if (link.state === "unknown") throw switchLinkNotValid();
      const { state, ...context } = link;
      return { ...context, open: state === "open" };
    },
    request.decision,
    request.identity,
    switchLinkNotValid,
  );
}

/** The view of a switch request the current partner's API answers with (nothing secret). */
export interface SwitchRequestView {
  migrationId: string;
  customerTenantId: string;
  subscriptionId: string;
  newPartnerId: string;
  status: Migration["status"];
  approvals: NonNullable<Migration["approvals"]>;
  expiresAt?: string;
  createdAt: string;
}

export function switchRequestView(migration: Migration): SwitchRequestView {
  return {
    migrationId: migration.id,
    customerTenantId: migration.customerTenantId,
    subscriptionId: migration.subscriptionId,
    newPartnerId: migration.partnerId,
    status: migration.status,
    approvals: migration.approvals ?? { customer: "pending", currentPartner: "pending" },
    ...(migration.expiresAt ? { expiresAt: migration.expiresAt } : {}),
    createdAt: migration.createdAt,
  };
}

/** GET /api/switch-requests: the requests addressed to the caller's tenant as current partner. */
export async function listSwitchRequests(
  deps: SwitchReadDependencies,
  identity: SwitchIdentity,
  query: { limit: number; continuationToken?: string },
): Promise<Page<SwitchRequestView>> {
  const page = await deps.directory.listAddressedTo(identity.tenantId, query);
  return {
    items: page.items.map(switchRequestView),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

/** POST /api/switch-requests/{migrationId}/approve|decline: the caller must be the current partner (404 otherwise). */
export async function answerSwitchAsCurrentPartner(
  deps: PartnerSwitchDependencies,
  request: { migrationId: string; decision: SwitchDecision; identity: SwitchIdentity },
): Promise<SwitchAnswer> {
  const notFound = () => refuse.notFound("The switch request");
  return answer(
    deps,
    async () => {
      const found = await deps.directory.getAddressedTo(request.identity.tenantId, request.migrationId);
      if (!found) throw notFound();
      const context = await contextOf(deps, found, "currentPartner");
      if (!context || !sameTenant(context.subscription.currentPartnerId, request.identity.tenantId)) {
        throw notFound();
      }
      const open = isOpenFor(context.migration, "currentPartner", deps.clock.now());
      return { ...context, open };
    },
    request.decision,
    request.identity,
    // Through the API the caller knows the request: say what happened to it (410 after the 30 days).
    (migration) =>
      migration.status === "awaitingApproval"
        ? refuse.gone("The switch request has expired.", "R19")
        : refuse.conflict(`The switch request is ${migration.status}; it can no longer be answered.`, "R19"),
  );
}

export interface SwitchAnswerRecoveryDeps {
  migrations: Pick<MigrationRepository, "get" | "pendingAnswers" | "settleAnswer">;
  workflows: Pick<MigrationWorkflows, "signal">;
}

/**
 * R19: raises again each answer a host death (or an unreachable durable store) left untold, from
 * what the migration document records for that party; run with the invitations' recovery at host
 * start-up and on its timer. No grace period: the orchestration reads the document on every signal.
 */
export async function recoverSwitchAnswers(deps: SwitchAnswerRecoveryDeps): Promise<IntentRecoveryResult> {
  return recoverIntents({
    pending: (limit) => deps.migrations.pendingAnswers(limit),
    tell: async (intent) => {
      const migration = (await deps.migrations.get(intent.partnerId, intent.migrationId))?.value;
      const decision = migration?.approvals?.[intent.party];
      if (decision === undefined || decision === "pending") return false;
      await deps.workflows.signal(intent.migrationId, { kind: "approval", party: intent.party, decision });
      return true;
    },
    settle: (intent) => deps.migrations.settleAnswer(intent),
  });
}

async function audit(
  deps: PartnerSwitchDependencies,
  migration: Migration,
  decision: SwitchDecision,
  actor: Actor,
  outcome: "applied" | "refused",
  rule?: RuleId,
): Promise<void> {
  await deps.audit.record({
    id: randomUUID(),
    partnerId: migration.partnerId,
    resourceType: "migration",
    resourceId: migration.id,
    action: decision === "approved" ? "approveSwitch" : "declineSwitch",
    outcome,
    ...(rule ? { rule } : {}),
    actor,
    at: deps.clock.now().toISOString(),
  });
}
