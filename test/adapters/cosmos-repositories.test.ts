import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CosmosAuditLog } from "../../src/adapters/cosmos/audit-repository";
import { CosmosIdempotencyStore } from "../../src/adapters/cosmos/idempotency-repository";
import { CosmosInvitationRepository } from "../../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../../src/adapters/cosmos/partner-repository";
import { CosmosRelationshipRepository } from "../../src/adapters/cosmos/relationship-repository";
import { relationshipIdFor } from "../../src/application/ids";
import {
  ConcurrencyConflict,
  CreationWindowFull,
  InvalidContinuationToken,
} from "../../src/application/ports";
import type { Invitation, Partner, Relationship } from "../../src/domain/model";
import { useCosmos } from "../support/cosmos";

const cosmos = useCosmos();

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
    createdAt: new Date().toISOString(),
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

describe("CosmosPartnerRepository", () => {
  it("creates, then replaces, and reads back by tenant id", async () => {
    const repo = new CosmosPartnerRepository(cosmos().db);
    const p = partner();
    expect((await repo.put(p)).created).toBe(true);
    const renamed = { ...p, name: "Contoso Partners Ltd" };
    const second = await repo.put(renamed);
    expect(second.created).toBe(false);
    expect(second.partner).toEqual(renamed);
    expect(await repo.get(p.id)).toEqual(renamed);
    expect(await repo.get(randomUUID())).toBeUndefined();
  });
});

describe("CosmosInvitationRepository", () => {
  it("stores an invitation, finds it by its owner, never by another partner", async () => {
    const repo = new CosmosInvitationRepository(cosmos().db);
    const inv = invitation({ admin: { roles: ["r"], durationDays: 10, autoExtend: false } });
    await repo.create(inv);
    await repo.create(inv); // a retried creation is a no-op
    expect((await repo.get(inv.partnerId, inv.id))?.value).toEqual(inv);
    expect(await repo.get(randomUUID(), inv.id)).toBeUndefined();
  });

  it("replaces only with the current ETag: of concurrent replaces exactly one wins", async () => {
    const repo = new CosmosInvitationRepository(cosmos().db);
    const inv = invitation();
    await repo.create(inv);
    const current = await repo.get(inv.partnerId, inv.id);
    if (!current) throw new Error("not stored");
    const outcomes = await Promise.allSettled(
      (["accepted", "cancelled", "declined", "accepted", "cancelled"] as const).map((status) =>
        repo.replace({ ...current.value, status }, current.etag),
      ),
    );
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o) => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(4);
    for (const l of lost) expect(l.reason).toBeInstanceOf(ConcurrencyConflict);
    const stored = await repo.get(inv.partnerId, inv.id);
    expect(stored?.value.status).toBe(won[0]?.value.value.status);
    expect(stored?.etag).toBe(won[0]?.value.etag);
  });

  it("replaces an invitation and writes its audit records atomically: a lost race writes neither", async () => {
    const repo = new CosmosInvitationRepository(cosmos().db);
    const log = new CosmosAuditLog(cosmos().db);
    const inv = invitation();
    await repo.create(inv);
    const read = await repo.get(inv.partnerId, inv.id);
    const record = (action: string) => ({
      id: randomUUID(),
      partnerId: inv.partnerId,
      resourceType: "invitation" as const,
      resourceId: inv.id,
      action,
      outcome: "applied" as const,
      actor: { kind: "system" as const },
      at: "2026-01-01T00:00:00.000Z",
    });
    const saved = await repo.replace({ ...inv, status: "cancelled" }, read!.etag, {
      audit: [record("cancel")],
    });
    expect(saved.value.status).toBe("cancelled");
    expect(saved.etag).toBe((await repo.get(inv.partnerId, inv.id))?.etag);
    // The old ETag lost: neither the change nor its record is stored.
    await expect(
      repo.replace({ ...inv, status: "expired" }, read!.etag, { audit: [record("expire")] }),
    ).rejects.toBeInstanceOf(ConcurrencyConflict);
    expect((await log.listFor(inv.partnerId, inv.id)).map((r) => r.action)).toEqual(["cancel"]);
    expect((await repo.get(inv.partnerId, inv.id))?.value.status).toBe("cancelled");
  });

  it("lists one partner's invitations newest first, by status, in pages", async () => {
    const repo = new CosmosInvitationRepository(cosmos().db);
    const partnerId = randomUUID();
    const stored: Invitation[] = [];
    for (let i = 0; i < 5; i++) {
      const inv = invitation({
        partnerId,
        status: i % 2 === 0 ? "pending" : "cancelled",
        createdAt: `2026-01-0${i + 1}T00:00:00.000Z`,
      });
      stored.push(inv);
      await repo.create(inv);
    }
    await repo.create(invitation()); // another partner's

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await repo.list(partnerId, { limit: 2, ...(token ? { continuationToken: token } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      token = page.continuationToken;
    } while (token);
    expect(seen).toEqual([...stored].reverse().map((i) => i.id));

    const pending = await repo.list(partnerId, { status: "pending", limit: 10 });
    expect(pending.items.map((i) => i.status)).toEqual(["pending", "pending", "pending"]);
    await expect(repo.list(partnerId, { limit: 2, continuationToken: "not*a*token" })).rejects.toBeInstanceOf(
      InvalidContinuationToken,
    );
  });

  it("removes an invitation together with its start intent, idempotently", async () => {
    const repo = new CosmosInvitationRepository(cosmos().db);
    const inv = invitation();
    await repo.create(inv);
    await repo.remove(inv.partnerId, inv.id);
    expect(await repo.get(inv.partnerId, inv.id)).toBeUndefined();
    expect(await repo.pendingStarts(new Date(Date.now() + 60_000).toISOString(), 100)).not.toContainEqual(
      expect.objectContaining({ invitationId: inv.id }),
    );
    await repo.remove(inv.partnerId, inv.id); // idempotent
  });
  it("counts a creation window right across instances, each replacing the counter it wrote last without reading it", async () => {
    // Two app instances on one store: each remembers the counter it wrote; the other's writes make
    // that memory stale, and the ETag check (not luck) sends it back to read the window.
    const a = new CosmosInvitationRepository(cosmos().db);
    const b = new CosmosInvitationRepository(cosmos().db);
    const partnerId = randomUUID();
    const window = { start: "2026-02-01T00:00:00.000Z", limit: 4, ttlSeconds: 120 };
    await a.create(invitation({ partnerId }), window);
    await b.create(invitation({ partnerId }), window);
    await b.create(invitation({ partnerId }), window);
    await a.create(invitation({ partnerId }), window);
    expect(await a.countInWindow(partnerId, window.start)).toBe(4);
    const refusedA = invitation({ partnerId });
    const refusedB = invitation({ partnerId });
    await expect(a.create(refusedA, window)).rejects.toBeInstanceOf(CreationWindowFull);
    await expect(b.create(refusedB, window)).rejects.toBeInstanceOf(CreationWindowFull);
    expect(await a.get(partnerId, refusedA.id)).toBeUndefined();
    expect(await b.get(partnerId, refusedB.id)).toBeUndefined();
    expect(await b.countInWindow(partnerId, window.start)).toBe(4);
  });
});

describe("CosmosRelationshipRepository", () => {
  it("stores one customer's relationships in a batch, idempotently, and finds each by id", async () => {
    const repo = new CosmosRelationshipRepository(cosmos().db);
    const customer = randomUUID();
    const admin = relationship(customer);
    const reseller = relationship(customer, { type: "reseller", roles: undefined, endsAt: undefined });
    await repo.createMany(customer, [admin, reseller]);
    const got = await repo.get(admin.id, { customerTenantId: customer });
    expect(got?.value).toEqual(admin);

    // Re-running after a change must not undo the change.
    await repo.replace({ ...admin, status: "terminated" }, got?.etag ?? "");
    await repo.createMany(customer, [admin, reseller]);
    expect((await repo.get(admin.id, { customerTenantId: customer }))?.value.status).toBe("terminated");
    expect((await repo.listForCustomer(customer)).map((r) => r.id).sort()).toEqual(
      [admin.id, reseller.id].sort(),
    );
    expect(await repo.listForCustomer(randomUUID())).toEqual([]);
    expect(await repo.get(randomUUID(), { customerTenantId: customer })).toBeUndefined();
  });

  it("leaves the partner's index copies to its link write when asked, and only on the first run", async () => {
    const repo = new CosmosRelationshipRepository(cosmos().db);
    const invitations = new CosmosInvitationRepository(cosmos().db);
    const customer = randomUUID();
    const reseller = randomUUID();
    const inv = invitation();
    await invitations.create(inv);
    // The customer accepts: the decision and its intent in one write, as the acceptance does.
    const pending = (await invitations.get(inv.partnerId, inv.id))!;
    const accepted = await invitations.replaceWithDecisionIntent(
      {
        ...pending.value,
        status: "accepted",
        customer: { ...pending.value.customer, tenantId: customer },
        decidedAt: "2026-01-01T00:00:00.000Z",
      },
      pending.etag,
    );
    const rels = [
      relationship(customer, {
        id: relationshipIdFor(inv.id, "admin"),
        partnerId: inv.partnerId,
        invitationId: inv.id,
      }),
      relationship(customer, {
        id: relationshipIdFor(inv.id, "reseller"),
        partnerId: inv.partnerId,
        invitationId: inv.id,
        type: "reseller",
        indirectResellerId: reseller,
      }),
    ];
    const { deferred } = await repo.createMany(customer, rels, { deferIndexOf: inv.partnerId });
    expect(deferred.map((r) => r.id).sort()).toEqual(rels.map((r) => r.id).sort());
    const listed = async (partnerId: string) =>
      (await repo.listForPartner(partnerId, { limit: 10 })).items.map((r) => r.id).sort();
    // The reseller's copy is written at once; the partner's waits for the link.
    expect(await listed(reseller)).toEqual([rels[1]!.id]);
    expect(await listed(inv.partnerId)).toEqual([]);
    // The customer's list shows them already, so the partner reaches them by id too: its pending
    // acceptance names the invitation they derive from. Nobody else does.
    expect((await repo.get(rels[0]!.id, { partnerId: inv.partnerId }))?.value).toEqual(rels[0]);
    expect((await repo.get(rels[1]!.id, { partnerId: reseller }))?.value).toEqual(rels[1]);
    expect(await repo.get(rels[0]!.id, { partnerId: randomUUID() })).toBeUndefined();
    expect(await repo.get(rels[0]!.id, { partnerId: reseller })).toBeUndefined();
    expect(await repo.get(randomUUID(), { partnerId: inv.partnerId })).toBeUndefined();

    await invitations.replace({ ...accepted.value, relationshipIds: rels.map((r) => r.id) }, accepted.etag, {
      relationshipIndex: deferred,
      settleDecision: true,
    });
    expect(await listed(inv.partnerId)).toEqual(rels.map((r) => r.id).sort());
    expect((await repo.get(rels[0]!.id, { partnerId: inv.partnerId }))?.value).toEqual(rels[0]);
    // A re-run finds them stored: it indexes them itself and leaves nothing to the caller.
    expect((await repo.createMany(customer, rels, { deferIndexOf: inv.partnerId })).deferred).toEqual([]);
  });

  it("finds nothing before the link for a partner without a pending acceptance of that invitation", async () => {
    const repo = new CosmosRelationshipRepository(cosmos().db);
    const invitations = new CosmosInvitationRepository(cosmos().db);
    const customer = randomUUID();
    const inv = invitation({
      status: "accepted",
      customer: { ...invitation().customer, tenantId: customer },
    });
    // Accepted but with no intent pending (settled by the recovery sweep, say): only the copy helps.
    await invitations.create(inv);
    const rel = relationship(customer, {
      id: relationshipIdFor(inv.id, "admin"),
      partnerId: inv.partnerId,
      invitationId: inv.id,
    });
    await repo.createMany(customer, [rel], { deferIndexOf: inv.partnerId });
    expect(await repo.get(rel.id, { partnerId: inv.partnerId })).toBeUndefined();
  });

  it("concurrent runs of the same batch leave each relationship stored once", async () => {
    const repo = new CosmosRelationshipRepository(cosmos().db);
    const customer = randomUUID();
    const rels = [relationship(customer), relationship(customer, { type: "reseller" })];
    await Promise.all([
      repo.createMany(customer, rels),
      repo.createMany(customer, rels),
      repo.createMany(customer, rels),
    ]);
    expect((await repo.listForCustomer(customer)).map((r) => r.id).sort()).toEqual(
      rels.map((r) => r.id).sort(),
    );
  });

  it("refuses a stale ETag", async () => {
    const repo = new CosmosRelationshipRepository(cosmos().db);
    const customer = randomUUID();
    const r = relationship(customer);
    await repo.createMany(customer, [r]);
    const first = await repo.get(r.id, { customerTenantId: customer });
    await repo.replace({ ...r, status: "terminated" }, first?.etag ?? "");
    await expect(repo.replace({ ...r, status: "expired" }, first?.etag ?? "")).rejects.toBeInstanceOf(
      ConcurrencyConflict,
    );
  });
});

describe("CosmosAuditLog and CosmosIdempotencyStore", () => {
  it("keeps each partner's audit trail apart", async () => {
    const log = new CosmosAuditLog(cosmos().db);
    const partnerId = randomUUID();
    const resourceId = randomUUID();
    const entry = {
      id: randomUUID(),
      partnerId,
      resourceType: "invitation" as const,
      resourceId,
      action: "create",
      outcome: "refused" as const,
      rule: "R11" as const,
      actor: { kind: "partner" as const, tenantId: partnerId, userId: "u" },
      at: "2026-01-01T00:00:00.000Z",
    };
    await log.record(entry);
    await log.record(entry);
    expect(await log.listFor(partnerId, resourceId)).toEqual([entry]);
    expect(await log.listFor(randomUUID(), resourceId)).toEqual([]);
  });

  it("claims a key once per partner and returns the stored record afterwards", async () => {
    const store = new CosmosIdempotencyStore(cosmos().db);
    const partnerId = randomUUID();
    const record = {
      key: "key/with?odd#chars",
      requestHash: "h1",
      resourceId: "inv-1",
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    expect(await store.get(partnerId, record.key)).toBeUndefined();
    expect((await store.claim(partnerId, record)).created).toBe(true);
    expect(await store.get(partnerId, record.key)).toEqual(record);
    const again = await store.claim(partnerId, { ...record, requestHash: "h2", resourceId: "inv-2" });
    expect(again).toEqual({ created: false, record });
    await store.complete(partnerId, {
      ...record,
      response: { status: 202, body: { id: "inv-1" }, location: "/x" },
    });
    expect((await store.claim(partnerId, record)).record.response?.status).toBe(202);
    expect((await store.claim(randomUUID(), { ...record, resourceId: "other" })).created).toBe(true);
  });
});
