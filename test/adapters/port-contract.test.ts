import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CosmosAuditLog } from "../../src/adapters/cosmos/audit-repository";
import { CosmosIdempotencyStore } from "../../src/adapters/cosmos/idempotency-repository";
import { CosmosInvitationRepository } from "../../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../../src/adapters/cosmos/partner-repository";
import { CosmosRelationshipRepository } from "../../src/adapters/cosmos/relationship-repository";
import { memoryPorts } from "../../src/adapters/memory";
import {
  ConcurrencyConflict,
  CreationWindowFull,
  InvalidContinuationToken,
  type AuditLog,
  type IdempotencyStore,
  type InvitationRepository,
  type PartnerRepository,
  type RelationshipRepository,
} from "../../src/application/ports";
import type { AuditRecord, Invitation, Partner, Relationship } from "../../src/domain/model";
import { useCosmos } from "../support/cosmos";

/**
 * The persistence ports' contract: the same assertions against the in-memory adapters and the
 * Cosmos adapters (on the embedded Cosmos server), so use-case tests on the memory ports test what
 * production does.
 */

interface Ports {
  partners: PartnerRepository;
  invitations: InvitationRepository;
  relationships: RelationshipRepository;
  audit: AuditLog;
  idempotency: IdempotencyStore;
}

const cosmos = useCosmos();

const implementations: [string, () => Ports][] = [
  ["memory", () => memoryPorts()],
  [
    "cosmos",
    () => ({
      partners: new CosmosPartnerRepository(cosmos().db),
      invitations: new CosmosInvitationRepository(cosmos().db),
      relationships: new CosmosRelationshipRepository(cosmos().db),
      audit: new CosmosAuditLog(cosmos().db),
      idempotency: new CosmosIdempotencyStore(cosmos().db),
    }),
  ],
];

function partner(overrides: Partial<Partner> = {}): Partner {
  return {
    id: randomUUID(),
    name: "Contoso Partners",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@contoso-partners.example",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

function invitation(overrides: Partial<Invitation> = {}): Invitation {
  const id = randomUUID();
  return {
    id,
    partnerId: randomUUID(),
    cloud: "global",
    kind: "reseller",
    status: "pending",
    customer: { domain: "fabrikam.example", displayName: "Fabrikam", adminEmail: "admin@fabrikam.example" },
    locale: "en",
    tokenHash: randomUUID().replaceAll("-", "") + randomUUID().replaceAll("-", ""),
    linkNonce: "nonce-" + id,
    createdBy: { kind: "partner", tenantId: "t", userId: "u" },
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-04-01T00:00:00.000Z",
    ...overrides,
  };
}

function relationship(customerTenantId: string, overrides: Partial<Relationship> = {}): Relationship {
  return {
    id: randomUUID(),
    customerTenantId,
    type: "admin",
    partnerId: randomUUID(),
    status: "active",
    roles: ["729827e3-9c14-49f7-bb1b-9608f156bbb8"],
    durationDays: 30,
    autoExtend: false,
    startsAt: "2026-01-01T00:00:00.000Z",
    endsAt: "2026-01-31T00:00:00.000Z",
    invitationId: randomUUID(),
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

for (const [name, make] of implementations) {
  describe(`persistence ports contract: ${name}`, () => {
    it("partners: creates, replaces, reads back by tenant id, and lists a provider's resellers", async () => {
      const { partners } = make();
      const provider = partner({ type: "indirectProvider" });
      const reseller = partner({ type: "indirectReseller", indirectProviderId: provider.id });
      expect((await partners.put(provider)).created).toBe(true);
      expect((await partners.put(reseller)).created).toBe(true);
      const renamed = { ...provider, name: "Contoso Partners Ltd" };
      expect(await partners.put(renamed)).toEqual({ created: false, partner: renamed });
      expect(await partners.get(provider.id)).toEqual(renamed);
      expect(await partners.get(randomUUID())).toBeUndefined();
      expect(await partners.resellerIdsOf(provider.id)).toEqual([reseller.id]);
    });

    it("invitations: a retried creation is a no-op; found by owner and token hash, never by another partner", async () => {
      const { invitations } = make();
      const inv = invitation({ admin: { roles: ["r"], durationDays: 10, autoExtend: false } });
      await invitations.create(inv);
      await invitations.create({ ...inv, status: "cancelled" });
      const stored = await invitations.get(inv.partnerId, inv.id);
      expect(stored?.value).toEqual(inv);
      expect(typeof stored?.etag).toBe("string");
      expect(await invitations.get(randomUUID(), inv.id)).toBeUndefined();
    });

    it("invitations: what a reader changes in a returned value is not stored", async () => {
      const { invitations } = make();
      const inv = invitation();
      await invitations.create(inv);
      const read = await invitations.get(inv.partnerId, inv.id);
      if (!read) throw new Error("not stored");
      read.value.status = "accepted";
      read.value.customer.displayName = "changed";
      expect((await invitations.get(inv.partnerId, inv.id))?.value).toEqual(inv);
    });

    it("invitations: replace needs the current ETag; of concurrent replaces exactly one wins", async () => {
      const { invitations } = make();
      const inv = invitation();
      await invitations.create(inv);
      const current = await invitations.get(inv.partnerId, inv.id);
      if (!current) throw new Error("not stored");
      const outcomes = await Promise.allSettled(
        (["accepted", "cancelled", "declined"] as const).map((status) =>
          invitations.replace({ ...current.value, status }, current.etag),
        ),
      );
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o) => o.status === "rejected");
      expect(won).toHaveLength(1);
      for (const l of lost) expect(l.reason).toBeInstanceOf(ConcurrencyConflict);
      const stored = await invitations.get(inv.partnerId, inv.id);
      expect(stored?.value.status).toBe(won[0]?.value.value.status);
      expect(stored?.etag).toBe(won[0]?.value.etag);
      expect(stored?.etag).not.toBe(current.etag);
      // An invitation that is not there cannot be replaced either.
      await expect(invitations.replace(invitation(), current.etag)).rejects.toBeInstanceOf(
        ConcurrencyConflict,
      );
    });

    it("invitations: lists one partner's newest first, by status, in pages; refuses a token it did not issue", async () => {
      const { invitations } = make();
      const partnerId = randomUUID();
      const stored: Invitation[] = [];
      for (let i = 0; i < 5; i++) {
        const inv = invitation({
          partnerId,
          status: i % 2 === 0 ? "pending" : "cancelled",
          createdAt: `2026-01-0${i + 1}T00:00:00.000Z`,
        });
        stored.push(inv);
        await invitations.create(inv);
      }
      await invitations.create(invitation()); // another partner's

      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await invitations.list(partnerId, {
          limit: 2,
          ...(token ? { continuationToken: token } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.id));
        token = page.continuationToken;
      } while (token);
      expect(seen).toEqual([...stored].reverse().map((i) => i.id));

      const pending = await invitations.list(partnerId, { status: "pending", limit: 10 });
      expect(pending.items.map((i) => i.id)).toEqual(
        stored
          .filter((i) => i.status === "pending")
          .reverse()
          .map((i) => i.id),
      );
      expect(pending.continuationToken).toBeUndefined();
      expect((await invitations.list(randomUUID(), { limit: 10 })).items).toEqual([]);
      for (const bad of ["not*a*token", "bm90LWpzb24"]) {
        await expect(
          invitations.list(partnerId, { limit: 2, continuationToken: bad }),
        ).rejects.toBeInstanceOf(InvalidContinuationToken);
      }
    });

    it("invitations: removal is idempotent", async () => {
      const { invitations } = make();
      const inv = invitation();
      await invitations.create(inv);
      await invitations.remove(inv.partnerId, inv.id);
      expect(await invitations.get(inv.partnerId, inv.id)).toBeUndefined();
      await invitations.remove(inv.partnerId, inv.id);
    });

    it("R5: a creation stores its start intent with it (with or without a window) until it is settled or removed", async () => {
      const { invitations } = make();
      const partnerId = randomUUID();
      const window = { start: "2026-01-01T00:00:00.000Z", limit: 5, ttlSeconds: 120 };
      const plain = invitation({ partnerId });
      const counted = invitation({ partnerId });
      const removed = invitation({ partnerId });
      await invitations.create(plain);
      await invitations.create(counted, window);
      await invitations.create(removed);
      const mine = async (before: string) =>
        (await invitations.pendingStarts(before, 1000))
          .filter((i) => i.partnerId === partnerId)
          .map((i) => i.invitationId)
          .sort();
      expect(await mine("9999-01-01T00:00:00.000Z")).toEqual([plain.id, counted.id, removed.id].sort());
      // Only intents older than the cut-off are due.
      expect(await mine(plain.createdAt)).toEqual([]);
      await invitations.settleStart(partnerId, plain.id);
      await invitations.settleStart(partnerId, plain.id);
      await invitations.remove(partnerId, removed.id);
      expect(await mine("9999-01-01T00:00:00.000Z")).toEqual([counted.id]);
      // Settling forgets the intent only: the invitation stays.
      expect(await invitations.get(partnerId, plain.id)).toBeDefined();
    });

    it("R4: a decision is stored with its decision intent only when its replace wins; settling forgets the intent only", async () => {
      const { invitations } = make();
      const inv = invitation();
      await invitations.create(inv);
      const current = await invitations.get(inv.partnerId, inv.id);
      if (!current) throw new Error("not stored");
      const mine = async () =>
        (await invitations.pendingDecisions(1000))
          .filter((i) => i.partnerId === inv.partnerId)
          .map((i) => i.invitationId);
      const decidedAt = "2026-01-02T00:00:00.000Z";
      const accepted = await invitations.replaceWithDecisionIntent(
        { ...current.value, status: "accepted", decidedAt },
        current.etag,
      );
      expect(accepted.value.status).toBe("accepted");
      expect((await invitations.get(inv.partnerId, inv.id))?.etag).toBe(accepted.etag);
      expect(await mine()).toEqual([inv.id]);
      // A stale ETag: nothing written, neither the decision nor another intent.
      await invitations.settleDecision(inv.partnerId, inv.id);
      await expect(
        invitations.replaceWithDecisionIntent(
          { ...current.value, status: "declined", decidedAt },
          current.etag,
        ),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect(await mine()).toEqual([]);
      expect((await invitations.get(inv.partnerId, inv.id))?.value.status).toBe("accepted");
      await invitations.settleDecision(inv.partnerId, inv.id);
    });

    it("invitations: a creation window counts each creation once and refuses a full one, storing nothing", async () => {
      const { invitations } = make();
      const partnerId = randomUUID();
      const window = { start: "2026-01-01T00:00:00.000Z", limit: 2, ttlSeconds: 120 };
      // Not asserted here: that a retried creation is not counted again. Cosmos rolls the failed
      // batch back, but the embedded emulator does not, so there the retry counts twice.
      await invitations.create(invitation({ partnerId }), window);
      expect(await invitations.countInWindow(partnerId, window.start)).toBe(1);
      await invitations.create(invitation({ partnerId }), window);
      expect(await invitations.countInWindow(partnerId, window.start)).toBe(2);

      const refused = invitation({ partnerId });
      await expect(invitations.create(refused, window)).rejects.toBeInstanceOf(CreationWindowFull);
      expect(await invitations.get(partnerId, refused.id)).toBeUndefined();
      expect(await invitations.countInWindow(partnerId, window.start)).toBe(2);
      // The next window counts from zero; another partner's window is its own.
      expect(await invitations.countInWindow(partnerId, "2026-01-01T00:01:00.000Z")).toBe(0);
      expect(await invitations.countInWindow(randomUUID(), window.start)).toBe(0);
    });

    it("relationships: one customer's in one batch, idempotently; a re-run never undoes a change", async () => {
      const { relationships } = make();
      const customer = randomUUID();
      const admin = relationship(customer);
      const reseller = relationship(customer, {
        type: "reseller",
        roles: undefined,
        endsAt: undefined,
        createdAt: "2026-01-02T00:00:00.000Z",
      });
      await relationships.createMany(customer, [admin, reseller]);
      const got = await relationships.get(admin.id, { customerTenantId: customer });
      expect(got?.value).toEqual(admin);
      await relationships.replace({ ...admin, status: "terminated" }, got?.etag ?? "");
      await relationships.createMany(customer, [admin, reseller]);
      expect((await relationships.get(admin.id, { customerTenantId: customer }))?.value.status).toBe(
        "terminated",
      );
      expect((await relationships.listForCustomer(customer)).map((r) => r.id)).toEqual([
        admin.id,
        reseller.id,
      ]);
      expect(await relationships.listForCustomer(randomUUID())).toEqual([]);
      expect(await relationships.get(randomUUID(), { customerTenantId: customer })).toBeUndefined();
    });

    it("R10: relationships: found by id only in their customer's scope or a party's, alike absent elsewhere", async () => {
      const { relationships } = make();
      const customer = randomUUID();
      const reseller = randomUUID();
      const direct = relationship(customer);
      const indirect = relationship(customer, { type: "reseller", indirectResellerId: reseller });
      await relationships.createMany(customer, [direct, indirect]);
      expect((await relationships.get(direct.id, { partnerId: direct.partnerId }))?.value).toEqual(direct);
      expect((await relationships.get(indirect.id, { partnerId: reseller }))?.value).toEqual(indirect);
      expect((await relationships.get(indirect.id, { partnerId: indirect.partnerId }))?.value).toEqual(
        indirect,
      );
      expect(await relationships.get(direct.id, { partnerId: reseller })).toBeUndefined();
      expect(await relationships.get(direct.id, { partnerId: indirect.partnerId })).toBeUndefined();
      expect(await relationships.get(direct.id, { customerTenantId: randomUUID() })).toBeUndefined();
      expect(await relationships.get(randomUUID(), { partnerId: direct.partnerId })).toBeUndefined();
      // A change shows through the partner's scope as the document says, not as a copy was.
      const got = await relationships.get(direct.id, { customerTenantId: customer });
      await relationships.replace({ ...direct, status: "terminated" }, got?.etag ?? "");
      expect((await relationships.get(direct.id, { partnerId: direct.partnerId }))?.value.status).toBe(
        "terminated",
      );
    });

    it("relationships: a batch mixing customers is refused and stores nothing", async () => {
      const { relationships } = make();
      const customer = randomUUID();
      const mine = relationship(customer);
      await expect(relationships.createMany(customer, [mine, relationship(randomUUID())])).rejects.toThrow();
      expect(await relationships.get(mine.id, { customerTenantId: customer })).toBeUndefined();
      expect(await relationships.listForCustomer(customer)).toEqual([]);
    });

    it("relationships: concurrent runs of the same batch store each once; a stale ETag is refused", async () => {
      const { relationships } = make();
      const customer = randomUUID();
      const rels = [relationship(customer), relationship(customer, { type: "reseller" })];
      await Promise.all([
        relationships.createMany(customer, rels),
        relationships.createMany(customer, rels),
        relationships.createMany(customer, rels),
      ]);
      expect((await relationships.listForCustomer(customer)).map((r) => r.id).sort()).toEqual(
        rels.map((r) => r.id).sort(),
      );
      const r = rels[0]!;
      const first = await relationships.get(r.id, { customerTenantId: customer });
      const saved = await relationships.replace({ ...r, status: "terminated" }, first?.etag ?? "");
      expect(saved.value.status).toBe("terminated");
      expect(saved.etag).not.toBe(first?.etag);
      await expect(
        relationships.replace({ ...r, status: "expired" }, first?.etag ?? ""),
      ).rejects.toBeInstanceOf(ConcurrencyConflict);
    });

    it("audit: a retried record is stored once; each partner reads only its own trail, oldest first", async () => {
      const { audit } = make();
      const partnerId = randomUUID();
      const resourceId = randomUUID();
      const entry = (at: string): AuditRecord => ({
        id: randomUUID(),
        partnerId,
        resourceType: "invitation",
        resourceId,
        action: "create",
        outcome: "refused",
        rule: "R11",
        actor: { kind: "partner", tenantId: partnerId, userId: "u" },
        at,
      });
      const later = entry("2026-01-02T00:00:00.000Z");
      const earlier = entry("2026-01-01T00:00:00.000Z");
      await audit.record(later);
      await audit.record(earlier);
      await audit.record(later);
      expect(await audit.listFor(partnerId, resourceId)).toEqual([earlier, later]);
      expect(await audit.listFor(randomUUID(), resourceId)).toEqual([]);
    });

    it("idempotency: a key is claimed once per partner; release forgets only an unanswered claim", async () => {
      const { idempotency } = make();
      const partnerId = randomUUID();
      const record = {
        key: "key/with?odd#chars",
        requestHash: "h1",
        resourceId: "inv-1",
        createdAt: "2026-01-01T00:00:00.000Z",
      };
      expect(await idempotency.get(partnerId, record.key)).toBeUndefined();
      expect(await idempotency.claim(partnerId, record)).toEqual({ created: true, record });
      expect(await idempotency.get(partnerId, record.key)).toEqual(record);
      expect(await idempotency.claim(partnerId, { ...record, requestHash: "h2" })).toEqual({
        created: false,
        record,
      });
      expect((await idempotency.claim(randomUUID(), { ...record, resourceId: "other" })).created).toBe(true);

      await idempotency.release(partnerId, record.key);
      expect(await idempotency.get(partnerId, record.key)).toBeUndefined();

      await idempotency.claim(partnerId, record);
      const answered = { ...record, response: { status: 202, body: { id: "inv-1" }, location: "/x" } };
      await idempotency.complete(partnerId, answered);
      await idempotency.release(partnerId, record.key);
      expect(await idempotency.get(partnerId, record.key)).toEqual(answered);
    });
  });
}
