import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LocalCommerce } from "../../src/adapters/commerce/local-commerce";
import { CosmosMigrationRepository } from "../../src/adapters/cosmos/migration-repository";
import {
  CosmosSubscriptionRepository,
  CosmosTermEndSchedule,
} from "../../src/adapters/cosmos/subscription-repository";
import { MemoryCommerce, memoryPorts } from "../../src/adapters/memory";
import { ConcurrencyConflict, InvalidContinuationToken } from "../../src/application/ports";
import {
  MigrationExists,
  SubscriptionExists,
  type CommercePort,
  type MigrationRepository,
  type SubscriptionRepository,
  type TermEndSchedule,
} from "../../src/application/subscriptions/ports";
import type { Migration, Subscription } from "../../src/domain/subscriptions/model";
import { termEndIndexEntries } from "../../src/domain/subscriptions/sweep";
import { useCosmos } from "../support/cosmos";

/**
 * The subscription and migration ports' contract: the same assertions against the in-memory twins
 * and the Cosmos adapters on the embedded Cosmos server (docs/migrations.md "Cosmos layout").
 */

interface Ports {
  subscriptions: SubscriptionRepository;
  schedule: TermEndSchedule;
  migrations: MigrationRepository;
  commerce: CommercePort;
}

const cosmos = useCosmos();

const implementations: [string, () => Ports][] = [
  [
    "memory",
    () => {
      const ports = memoryPorts();
      return { ...ports, commerce: new MemoryCommerce() };
    },
  ],
  [
    "cosmos",
    () => ({
      subscriptions: new CosmosSubscriptionRepository(cosmos().db),
      schedule: new CosmosTermEndSchedule(cosmos().db),
      migrations: new CosmosMigrationRepository(cosmos().db),
      commerce: new LocalCommerce(cosmos().db),
    }),
  ],
];

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: `E3-${randomUUID().slice(0, 8)}`,
    customerTenantId: randomUUID(),
    partnerId: randomUUID(),
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: "2027-06-30T00:00:00.000Z",
    autoRenew: true,
    seats: 25,
    status: "active",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

function migration(overrides: Partial<Migration> = {}): Migration {
  return {
    id: `mig-${randomUUID().replace(/-/g, "")}`,
    partnerId: randomUUID(),
    customerTenantId: randomUUID(),
    subscriptionId: "AZ-1",
    strategy: "atTermEnd",
    status: "scheduled",
    keepSource: false,
    attempt: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

async function allEntries(schedule: TermEndSchedule, day: string): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await schedule.page(day, { limit: 2, ...(token ? { continuationToken: token } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(2);
    ids.push(...page.items.map((e) => e.id));
    token = page.continuationToken;
  } while (token);
  return ids.sort();
}

for (const [name, make] of implementations) {
  describe(`subscription ports contract: ${name}`, () => {
    it("R10 subscriptions: stored per partner; another partner's id reads as nothing; a second create is SubscriptionExists", async () => {
      const { subscriptions } = make();
      const sub = subscription();
      const created = await subscriptions.create(sub);
      expect(created.value).toEqual(sub);
      expect(await subscriptions.get(sub.partnerId, sub.customerTenantId, sub.id)).toEqual(created);
      expect(await subscriptions.get(randomUUID(), sub.customerTenantId, sub.id)).toBeUndefined();
      await expect(subscriptions.create({ ...sub, seats: 3 })).rejects.toBeInstanceOf(SubscriptionExists);
      expect((await subscriptions.get(sub.partnerId, sub.customerTenantId, sub.id))?.value).toEqual(sub);
      // R10: another partner registers the same source id for the same customer: its own document.
      const other = { ...sub, partnerId: randomUUID(), seats: 7 };
      await subscriptions.create(other);
      expect((await subscriptions.get(sub.partnerId, sub.customerTenantId, sub.id))?.etag).toBe(created.etag);
    });

    it("subscriptions: the term-end index entries are written with the subscription and move with its term end", async () => {
      const { subscriptions, schedule } = make();
      const sub = subscription({ termEnd: "2031-03-15T00:00:00.000Z" });
      const created = await subscriptions.create(sub);
      const before = termEndIndexEntries(sub);
      for (const entry of before) expect(await allEntries(schedule, entry.day)).toContain(entry.id);

      const moved = { ...sub, termEnd: "2031-09-15T00:00:00.000Z" };
      const replaced = await subscriptions.replace(moved, created.etag);
      expect(replaced.value).toEqual(moved);
      for (const entry of before) expect(await allEntries(schedule, entry.day)).not.toContain(entry.id);
      for (const entry of termEndIndexEntries(moved)) {
        expect(await allEntries(schedule, entry.day)).toContain(entry.id);
      }
      await expect(subscriptions.replace({ ...moved, seats: 1 }, created.etag)).rejects.toBeInstanceOf(
        ConcurrencyConflict,
      );
      await expect(subscriptions.replace(subscription(), created.etag)).rejects.toBeInstanceOf(
        ConcurrencyConflict,
      );
    });

    it("subscriptions: an import is all or nothing, over several batches; lists the partner's own, oldest first, in pages", async () => {
      const { subscriptions } = make();
      const customer = randomUUID();
      const partnerId = randomUUID();
      const rows = Array.from({ length: 130 }, (_, i) =>
        subscription({
          id: `row-${i}`,
          customerTenantId: customer,
          partnerId,
          termEnd: undefined,
          billing: "usage",
          seats: undefined,
          autoRenew: undefined,
          createdAt: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.${String(Math.floor(i / 60)).padStart(3, "0")}Z`,
        }),
      );
      // One id exists already: nothing of the import is stored.
      await subscriptions.create(rows[120]!);
      await expect(subscriptions.createMany(customer, rows)).rejects.toBeInstanceOf(SubscriptionExists);
      expect(await subscriptions.get(partnerId, customer, rows[0]!.id)).toBeUndefined();
      await expect(subscriptions.createMany(customer, [rows[0]!, subscription()])).rejects.toThrow();
      expect(await subscriptions.get(partnerId, customer, rows[0]!.id)).toBeUndefined();

      const rest = rows.filter((_, i) => i !== 120);
      await subscriptions.createMany(customer, rest);
      await subscriptions.create(subscription({ customerTenantId: customer })); // another partner's
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await subscriptions.list(partnerId, customer, {
          limit: 50,
          ...(token ? { continuationToken: token } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(50);
        seen.push(...page.items.map((s) => s.id));
        token = page.continuationToken;
      } while (token);
      expect(seen).toEqual([...rows].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1)).map((s) => s.id));
      expect((await subscriptions.list(randomUUID(), customer, { limit: 10 })).items).toEqual([]);
      await expect(
        subscriptions.list(partnerId, customer, { limit: 2, continuationToken: "not*a*token" }),
      ).rejects.toBeInstanceOf(InvalidContinuationToken);
    });

    it("subscriptions: concurrent imports of the same ids never leave a mix; each is stored whole or not at all", async () => {
      const { subscriptions } = make();
      const customer = randomUUID();
      const partnerId = randomUUID();
      const importOf = (createdAt: string) =>
        Array.from({ length: 150 }, (_, i) =>
          subscription({ id: `race-${i}`, customerTenantId: customer, partnerId, createdAt }),
        );
      const a = importOf("2026-01-01T00:00:00.000Z");
      const b = importOf("2026-01-02T00:00:00.000Z");
      const outcomes = await Promise.allSettled([
        subscriptions.createMany(customer, a),
        subscriptions.createMany(customer, b),
      ]);
      expect(outcomes.filter((o) => o.status === "fulfilled").length).toBeLessThanOrEqual(1);
      const stored = await Promise.all(a.map((s) => subscriptions.get(partnerId, customer, s.id)));
      const createdAts = new Set(stored.map((s) => s?.value.createdAt ?? "none"));
      // All rows from one import, or none at all.
      expect(createdAts.size).toBe(1);
      const winner = outcomes.findIndex((o) => o.status === "fulfilled");
      expect([...createdAts][0]).toBe(
        winner === 0 ? a[0]!.createdAt : winner === 1 ? b[0]!.createdAt : "none",
      );
    });

    it("schedule: the checkpoint is created once and replaced only with its current ETag", async () => {
      const { schedule } = make();
      const existing = await schedule.readCheckpoint();
      const first = existing
        ? await schedule.writeCheckpoint({ lastCompletedDay: "2026-01-01", updatedAt: "x" }, existing.etag)
        : await schedule.writeCheckpoint({ lastCompletedDay: "2026-01-01", updatedAt: "x" });
      await expect(schedule.writeCheckpoint({ updatedAt: "y" })).rejects.toBeInstanceOf(ConcurrencyConflict);
      const resumed = {
        lastCompletedDay: "2026-01-01",
        day: "2026-01-02",
        continuation: "c",
        updatedAt: "z",
      };
      const second = await schedule.writeCheckpoint(resumed, first.etag);
      expect(second.value).toEqual(resumed);
      expect(await schedule.readCheckpoint()).toEqual(second);
      await expect(schedule.writeCheckpoint({ updatedAt: "w" }, first.etag)).rejects.toBeInstanceOf(
        ConcurrencyConflict,
      );
    });

    it("migrations: created once per id, read in the partner's scope, found by either approval token", async () => {
      const { migrations } = make();
      const m = migration({
        strategy: "partnerSwitch",
        status: "awaitingApproval",
        approvals: { customer: "pending", currentPartner: "pending" },
        approvalLinks: {
          customer: { nonce: "n1", tokenHash: randomUUID().replace(/-/g, "") },
          currentPartner: { nonce: "n2", tokenHash: randomUUID().replace(/-/g, "") },
        },
      });
      const created = await migrations.create(m);
      expect(created.value).toEqual(m);
      await expect(migrations.create({ ...m, status: "completed" })).rejects.toBeInstanceOf(MigrationExists);
      expect((await migrations.get(m.partnerId, m.id))?.value).toEqual(m);
      expect(await migrations.get(randomUUID(), m.id)).toBeUndefined();
      const byCustomer = await migrations.findByApprovalTokenHash(m.approvalLinks!.customer.tokenHash);
      expect(byCustomer?.party).toBe("customer");
      expect(byCustomer?.migration.value.id).toBe(m.id);
      expect(
        (await migrations.findByApprovalTokenHash(m.approvalLinks!.currentPartner.tokenHash))?.party,
      ).toBe("currentPartner");
      expect(await migrations.findByApprovalTokenHash("0".repeat(32))).toBeUndefined();

      const saved = await migrations.replace({ ...m, status: "declined" }, created.etag);
      expect(saved.value.status).toBe("declined");
      await expect(migrations.replace({ ...m, status: "expired" }, created.etag)).rejects.toBeInstanceOf(
        ConcurrencyConflict,
      );
    });

    it("R19: an answer is stored with its answer intent (one per party) only when its replace wins; settling forgets the intent only", async () => {
      const { migrations } = make();
      const m = migration({
        strategy: "partnerSwitch",
        status: "awaitingApproval",
        approvals: { customer: "pending", currentPartner: "pending" },
      });
      const created = await migrations.create(m);
      const mine = async () =>
        (await migrations.pendingAnswers(1000))
          .filter((i) => i.partnerId === m.partnerId)
          .map((i) => `${i.migrationId}:${i.party}`);
      const answered = await migrations.replaceWithAnswerIntent(
        { ...m, approvals: { customer: "approved", currentPartner: "pending" } },
        created.etag,
        "customer",
      );
      expect(answered.value.approvals?.customer).toBe("approved");
      expect((await migrations.get(m.partnerId, m.id))?.etag).toBe(answered.etag);
      const both = await migrations.replaceWithAnswerIntent(
        { ...m, status: "declined", approvals: { customer: "approved", currentPartner: "declined" } },
        answered.etag,
        "currentPartner",
      );
      expect((await mine()).sort()).toEqual([`${m.id}:currentPartner`, `${m.id}:customer`]);
      // Settling one party's intent leaves the other's.
      await migrations.settleAnswer({ partnerId: m.partnerId, migrationId: m.id, party: "customer" });
      expect(await mine()).toEqual([`${m.id}:currentPartner`]);
      await migrations.settleAnswer({ partnerId: m.partnerId, migrationId: m.id, party: "currentPartner" });
      await migrations.settleAnswer({ partnerId: m.partnerId, migrationId: m.id, party: "currentPartner" });
      expect(await mine()).toEqual([]);
      // A stale ETag: nothing written, neither the answer nor an intent.
      await expect(
        migrations.replaceWithAnswerIntent(
          { ...m, approvals: { customer: "declined", currentPartner: "pending" } },
          created.etag,
          "customer",
        ),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect(await mine()).toEqual([]);
      expect((await migrations.get(m.partnerId, m.id))?.value).toEqual(both.value);
      // The intents are not migrations: the partner's lists never show them.
      expect((await migrations.listForCustomer(m.partnerId, m.customerTenantId)).map((x) => x.id)).toEqual([
        m.id,
      ]);
    });

    it("migrations: listed per partner and customer, newest first, filtered and paged", async () => {
      const { migrations } = make();
      const partnerId = randomUUID();
      const customer = randomUUID();
      const stored: Migration[] = [];
      for (let i = 0; i < 5; i++) {
        const m = migration({
          partnerId,
          customerTenantId: i < 4 ? customer : randomUUID(),
          status: i % 2 === 0 ? "scheduled" : "cancelled",
          createdAt: `2026-01-0${i + 1}T00:00:00.000Z`,
        });
        stored.push(m);
        await migrations.create(m);
      }
      await migrations.create(migration({ customerTenantId: customer })); // another partner's
      expect((await migrations.listForCustomer(partnerId, customer)).map((m) => m.id)).toEqual(
        stored
          .slice(0, 4)
          .reverse()
          .map((m) => m.id),
      );
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await migrations.list(partnerId, {
          limit: 2,
          ...(token ? { continuationToken: token } : {}),
        });
        seen.push(...page.items.map((m) => m.id));
        token = page.continuationToken;
      } while (token);
      expect(seen).toEqual([...stored].reverse().map((m) => m.id));
      const filtered = await migrations.list(partnerId, {
        status: "scheduled",
        customerTenantId: customer,
        limit: 10,
      });
      expect(filtered.items.map((m) => m.id)).toEqual([stored[2]!.id, stored[0]!.id]);
    });

    it("commerce: every call is idempotent by order id; a created subscription id is the same on a retry", async () => {
      const { commerce } = make();
      const orderId = `${randomUUID()}:order`;
      const order = {
        orderId,
        partnerId: randomUUID(),
        customerTenantId: randomUUID(),
        offer: "Azure plan",
        sourceSubscriptionId: "AZ-1",
      };
      const first = await commerce.createCspSubscription(order);
      expect(await commerce.createCspSubscription(order)).toEqual(first);
      expect(
        (await commerce.createCspSubscription({ ...order, orderId: `${orderId}-2` })).subscriptionId,
      ).not.toBe(first.subscriptionId);
      const cancel = {
        orderId: `${orderId}-c`,
        customerTenantId: order.customerTenantId,
        sourceSubscriptionId: "AZ-1",
      };
      await commerce.cancelAtSource(cancel);
      await commerce.cancelAtSource(cancel);
      const transfer = {
        orderId: `${orderId}-t`,
        customerTenantId: order.customerTenantId,
        subscriptionId: "AZ-1",
        fromPartnerId: randomUUID(),
        toPartnerId: order.partnerId,
      };
      await commerce.transferPartnerOfRecord(transfer);
      await commerce.transferPartnerOfRecord(transfer);
    });
  });
}
