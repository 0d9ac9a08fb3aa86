import {
  MemoryAuditLog,
  MemoryInvitationRepository,
  MemoryPartnerRepository,
  MemoryRelationshipRepository,
} from "../../src/adapters/memory";
import type {
  PartnerSwitchDependencies,
  SwitchIdentity,
} from "../../src/application/migrations/partner-switch";
import type { PartnerSwitchLifecycleDependencies } from "../../src/application/migrations/partner-switch-lifecycle";
import { approvalToken, withApprovalLinks } from "../../src/application/migrations/partner-switch-links";
import { ConcurrencyConflict, type OutgoingEmail, type Versioned } from "../../src/application/ports";
import type { AnswerIntent, MigrationSignal } from "../../src/application/subscriptions/ports";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Invitation } from "../../src/domain/model";
import { newMigration, type ApprovalParty } from "../../src/domain/subscriptions/migration";
import type { Migration, Subscription } from "../../src/domain/subscriptions/model";
import { switchOutcomeEmail, switchRequestEmail } from "../../src/web/switch-emails";

/**
 * R19 on in-memory ports. The migration and subscription stores here are the smallest faithful
 * twins of the ports' contract (ETag-conditional replace, token-hash lookup); the adapters of the
 * subscription layer are built elsewhere and held to that contract by their own tests.
 */

export const KEY = "k".repeat(32);
export const NEW_PARTNER = "11111111-1111-4111-8111-111111111111";
export const CURRENT_PARTNER = "22222222-2222-4222-8222-222222222222";
export const CUSTOMER = "33333333-3333-4333-8333-333333333333";
export const T0 = new Date("2030-03-01T00:00:00.000Z");
export const DAY = 86_400_000;

export class Store<T extends { id: string }> {
  readonly items = new Map<string, Versioned<T>>();
  private n = 0;
  put(value: T): Versioned<T> {
    const stored = { value: structuredClone(value), etag: `e${++this.n}` };
    this.items.set(value.id, stored);
    return structuredClone(stored);
  }
  read(id: string): Versioned<T> | undefined {
    const found = this.items.get(id);
    return found ? structuredClone(found) : undefined;
  }
  replace(value: T, etag: string): Promise<Versioned<T>> {
    const current = this.items.get(value.id);
    if (!current || current.etag !== etag) return Promise.reject(new ConcurrencyConflict(value.id));
    return Promise.resolve(this.put(value));
  }
}

export function world() {
  const clock = {
    at: T0,
    now() {
      return this.at;
    },
  };
  const migrations = new Store<Migration>();
  const subscriptions = new Store<Subscription>();
  const partners = new MemoryPartnerRepository();
  const relationships = new MemoryRelationshipRepository();
  const audit = new MemoryAuditLog();
  const invitations = new MemoryInvitationRepository(audit);
  const signals: { migrationId: string; signal: MigrationSignal }[] = [];
  /** Answers stored and not yet signalled (a host death between the two leaves them here). */
  const answerIntents = new Map<string, AnswerIntent>();
  const sent = new Map<string, OutgoingEmail>();
  const transfers: string[] = [];
  const migrationRepo = {
    get: (partnerId: string, id: string) => {
      const found = migrations.read(id);
      return Promise.resolve(found?.value.partnerId === partnerId ? found : undefined);
    },
    replace: (m: Migration, etag: string) => migrations.replace(m, etag),
    replaceWithAnswerIntent: async (m: Migration, etag: string, party: ApprovalParty) => {
      const stored = await migrations.replace(m, etag);
      answerIntents.set(`${m.id}:${party}`, {
        partnerId: m.partnerId,
        migrationId: m.id,
        party,
        createdAt: m.updatedAt,
      });
      return stored;
    },
    pendingAnswers: (limit: number) => Promise.resolve([...answerIntents.values()].slice(0, limit)),
    settleAnswer: (intent: Omit<AnswerIntent, "createdAt">) => {
      answerIntents.delete(`${intent.migrationId}:${intent.party}`);
      return Promise.resolve();
    },
    findByApprovalTokenHash: (hash: string) => {
      for (const stored of migrations.items.values()) {
        for (const party of ["customer", "currentPartner"] as ApprovalParty[]) {
          if (stored.value.approvalLinks?.[party].tokenHash === hash) {
            return Promise.resolve({ migration: structuredClone(stored), party });
          }
        }
      }
      return Promise.resolve(undefined);
    },
  };
  const subscriptionRepo = {
    get: (partnerId: string, customerTenantId: string, id: string) => {
      const found = subscriptions.read(id);
      return Promise.resolve(
        found?.value.partnerId === partnerId && found.value.customerTenantId === customerTenantId
          ? found
          : undefined,
      );
    },
    replace: (s: Subscription, etag: string) => subscriptions.replace(s, etag),
  };
  const addressedTo = (currentPartnerId: string) =>
    [...migrations.items.values()].filter(
      (m) =>
        m.value.strategy === "partnerSwitch" &&
        subscriptions.read(m.value.subscriptionId)?.value.currentPartnerId === currentPartnerId,
    );
  const answers: PartnerSwitchDependencies = {
    migrations: migrationRepo,
    subscriptions: subscriptionRepo,
    partners,
    directory: {
      listAddressedTo: (id) =>
        Promise.resolve({ items: addressedTo(id).map((m) => structuredClone(m.value)) }),
      getAddressedTo: (id, migrationId) =>
        Promise.resolve(structuredClone(addressedTo(id).find((m) => m.value.id === migrationId))),
    },
    workflows: {
      signal: (migrationId, signal) => {
        signals.push({ migrationId, signal });
        return Promise.resolve();
      },
    },
    audit,
    clock,
  };
  const lifecycle: PartnerSwitchLifecycleDependencies = {
    migrations: migrationRepo,
    subscriptions: subscriptionRepo,
    partners,
    relationships,
    invitations,
    commerce: {
      transferPartnerOfRecord: (request) => {
        if (!transfers.includes(request.orderId)) transfers.push(request.orderId);
        return Promise.resolve();
      },
    },
    audit,
    email: {
      send: (email, operationId) => {
        sent.set(operationId, email);
        return Promise.resolve();
      },
    },
    clock,
    render: {
      request: (facts) => switchRequestEmail(facts),
      outcome: (facts) => switchOutcomeEmail(facts),
    },
    linkKey: KEY,
    publicBaseUrl: "https://switch.example",
  };
  return {
    clock,
    migrations,
    subscriptions,
    partners,
    relationships,
    invitations,
    audit,
    signals,
    answerIntents,
    migrationRepo,
    sent,
    transfers,
    answers,
    lifecycle,
  };
}

export type World = ReturnType<typeof world>;

export async function seed(w: World): Promise<Migration> {
  await w.partners.put({
    id: NEW_PARTNER,
    name: "Contoso <Cloud>",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@contoso.example",
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
  });
  const invitation = {
    id: "inv-1",
    partnerId: NEW_PARTNER,
    cloud: "global",
    kind: "reseller",
    status: "accepted",
    customer: {
      displayName: "Fabrikam",
      domain: "fabrikam.example",
      adminEmail: "ga@fabrikam.example",
      tenantId: CUSTOMER,
    },
    locale: "pt-BR",
    tokenHash: "h",
    linkNonce: "n",
    createdBy: { kind: "partner" },
    createdAt: T0.toISOString(),
    expiresAt: T0.toISOString(),
  } as unknown as Invitation;
  await w.invitations.create(invitation);
  await w.relationships.createMany(CUSTOMER, [
    {
      id: "rel-1",
      customerTenantId: CUSTOMER,
      type: "reseller",
      partnerId: NEW_PARTNER,
      status: "active",
      startsAt: T0.toISOString(),
      invitationId: "inv-1",
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    },
  ]);
  w.subscriptions.put({
    id: "AZ-77",
    customerTenantId: CUSTOMER,
    partnerId: NEW_PARTNER,
    offer: "Azure plan",
    billing: "usage",
    channel: "csp",
    currentPartnerId: CURRENT_PARTNER,
    currentPartnerContactEmail: "desk@other.example",
    status: "migrating",
    migrationId: "mig-1",
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
  });
  const migration = withApprovalLinks(
    newMigration({
      id: "mig-1",
      attempt: 1,
      partnerId: NEW_PARTNER,
      subscription: { id: "AZ-77", customerTenantId: CUSTOMER },
      strategy: "partnerSwitch",
      now: T0,
    }),
    KEY,
  );
  w.migrations.put(migration);
  return migration;
}

export const tokenOf = (m: Migration, party: ApprovalParty) =>
  approvalToken(KEY, m.id, party, m.approvalLinks![party].nonce);
export const customerGA: SwitchIdentity = {
  tenantId: CUSTOMER,
  userId: "u-ga",
  roles: [],
  wids: [GLOBAL_ADMINISTRATOR_ROLE_ID],
};
export const currentPartnerUser: SwitchIdentity = {
  tenantId: CURRENT_PARTNER,
  userId: "u-p",
  roles: ["SalesAgent"],
  wids: [],
};
