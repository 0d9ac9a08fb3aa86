import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MemoryInvitationRepository,
  MemoryInvitationWorkflow,
  memoryPorts,
  type MemoryPorts,
} from "../../src/adapters/memory";
import { cancelInvitation } from "../../src/application/invitations/cancel";
import { createInvitation, createInvitationInputSchema } from "../../src/application/invitations/create";
import type { CustomerDecisionEvent } from "../../src/application/invitations/contracts";
import { decideInvitation, type CustomerIdentity } from "../../src/application/invitations/customer-decision";
import type { Versioned } from "../../src/application/ports";
import { terminateRelationship } from "../../src/application/relationships";
import { DomainError } from "../../src/domain/errors";
import { invitationLinkToken } from "../../src/domain/invitation-token";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type AuditRecord,
  type Invitation,
  type Partner,
  type Principal,
  type Relationship,
} from "../../src/domain/model";

/**
 * The invitation use cases on the in-memory ports (held to the Cosmos adapters' semantics by
 * test/adapters/port-contract.test.ts): no database, no host, so each rule is checked directly.
 */

const LINK_KEY = "test-only-invitation-link-key-0123456789abcdef";
const NOW = new Date("2030-01-01T00:00:00.000Z");
const clock = { now: () => NOW };

/** An invitation store where another writer changes the document right before our next replace. */
class RacingInvitations extends MemoryInvitationRepository {
  private race: ((current: Invitation) => Invitation) | undefined;

  /** The next replace loses to `change`, applied by "someone else" just before it. */
  loseNextReplaceTo(change: (current: Invitation) => Invitation): void {
    this.race = change;
  }

  override async replace(
    invitation: Invitation,
    etag: string,
    also?: { audit?: AuditRecord[] },
  ): Promise<Versioned<Invitation>> {
    const race = this.race;
    if (race) {
      this.race = undefined;
      const current = await this.get(invitation.partnerId, invitation.id);
      if (current) await super.replace(race(current.value), current.etag);
    }
    return super.replace(invitation, etag, also);
  }
}

interface World extends MemoryPorts {
  invitations: RacingInvitations;
  workflow: MemoryInvitationWorkflow;
  partner: Partner;
  principal: Principal;
  raised: { invitationId: string; event: CustomerDecisionEvent }[];
}

async function world(options: { roles?: string[] } = {}): Promise<World> {
  const ports = memoryPorts();
  const partner: Partner = {
    id: randomUUID(),
    name: "Fabrikam Partners",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@fabrikam.example",
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
  await ports.partners.put(partner);
  return {
    ...ports,
    invitations: new RacingInvitations(ports.audit),
    workflow: new MemoryInvitationWorkflow(),
    partner,
    principal: {
      tenantId: partner.id,
      userId: randomUUID(),
      roles: options.roles ?? ["GlobalAdmin"],
      wids: [],
    },
    raised: [],
  };
}

function createDeps(w: World, extra: { invitationsPerPartnerPerMinute?: number } = {}) {
  return { ...w, clock, invitationTtlDays: 90, linkKey: LINK_KEY, ...extra };
}

const customerTenant = "1d5c6e2a-3f1b-4c8e-9a7d-2b6f0e4c1a93";

function request(overrides: Record<string, unknown> = {}) {
  return createInvitationInputSchema.parse({
    kind: "reseller+admin",
    customer: {
      domain: "contoso.onmicrosoft.com",
      displayName: "Contoso",
      adminEmail: "admin@contoso.example",
      tenantId: customerTenant,
    },
    admin: { roles: ["fe930be7-5e62-47db-91af-98c3a49a38b1"], durationDays: 30, autoExtend: true },
    ...overrides,
  });
}

async function refusalOf(promise: Promise<unknown>): Promise<DomainError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

async function stored(w: World): Promise<Invitation[]> {
  return (await w.invitations.list(w.partner.id, { limit: 100 })).items;
}

describe("createInvitation on the memory ports", () => {
  it("R1: stores a pending invitation, starts its workflow under the invitation's id and audits it", async () => {
    const w = await world();
    const created = await createInvitation(createDeps(w), w.principal, request());
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: "pending", kind: "reseller+admin" });
    expect(created.body.expiresAt).toBe("2030-04-01T00:00:00.000Z");
    expect([...w.workflow.started.keys()]).toEqual([created.body.id]);
    expect((await stored(w)).map((i) => [i.id, i.partnerId])).toEqual([[created.body.id, w.partner.id]]);
    const trail = await w.audit.listFor(w.partner.id, created.body.id);
    expect(trail.map((r) => [r.action, r.outcome])).toEqual([["created", "applied"]]);
  });

  it("R1: a read-only role is refused, the refusal audited, and nothing stored or started", async () => {
    const w = await world({ roles: ["AdminAgent"] });
    const refusal = await refusalOf(createInvitation(createDeps(w), w.principal, request()));
    expect([refusal.kind, refusal.rule]).toEqual(["forbidden", "R1"]);
    expect(await stored(w)).toEqual([]);
    expect(w.workflow.started.size).toBe(0);
  });

  it("R6: auto-extend with Global Administrator is refused naming admin.autoExtend", async () => {
    const w = await world();
    const refusal = await refusalOf(
      createInvitation(
        createDeps(w),
        w.principal,
        request({ admin: { roles: [GLOBAL_ADMINISTRATOR_ROLE_ID], durationDays: 30, autoExtend: true } }),
      ),
    );
    expect(refusal.rule).toBe("R6");
    expect(refusal.options.errors?.map((e) => e.field)).toEqual(["admin.autoExtend"]);
    expect(await stored(w)).toEqual([]);
  });

  it("Idempotency-Key: a retry replays the first answer; the key with another body is refused", async () => {
    const w = await world();
    const first = await createInvitation(createDeps(w), w.principal, request(), "key-1");
    const again = await createInvitation(createDeps(w), w.principal, request(), "key-1");
    expect(again).toEqual({ ...first, replayed: true });
    expect(w.workflow.started.size).toBe(1);
    const refusal = await refusalOf(
      createInvitation(createDeps(w), w.principal, request({ kind: "reseller", admin: undefined }), "key-1"),
    );
    expect(refusal.options.errors?.map((e) => e.field)).toEqual(["Idempotency-Key"]);
    expect((await stored(w)).length).toBe(1);
  });

  it("a workflow that cannot start fails the request and, without a key, leaves no invitation behind", async () => {
    const w = await world();
    w.workflow.start = () => Promise.reject(new Error("durable backend down"));
    await expect(createInvitation(createDeps(w), w.principal, request())).rejects.toThrow(
      "durable backend down",
    );
    expect(await stored(w)).toEqual([]);
  });

  it("rate limit: a full creation window answers 429 with Retry-After and stores nothing", async () => {
    const w = await world();
    const deps = createDeps(w, { invitationsPerPartnerPerMinute: 1 });
    await createInvitation(deps, w.principal, request());
    const refusal = await refusalOf(createInvitation(deps, w.principal, request()));
    expect(refusal.kind).toBe("rateLimited");
    expect(refusal.options.retryAfterSeconds).toBe(60);
    expect((await stored(w)).length).toBe(1);
  });
});

describe("cancelInvitation on the memory ports", () => {
  async function pending(w: World): Promise<string> {
    return (await createInvitation(createDeps(w), w.principal, request())).body.id;
  }
  const cancelDeps = (w: World) => ({ ...w, clock });

  it("cancels a pending invitation, then tells its workflow who cancelled", async () => {
    const w = await world();
    const id = await pending(w);
    const view = await cancelInvitation(cancelDeps(w), w.principal, id);
    expect(view.status).toBe("cancelled");
    expect((await w.invitations.get(w.partner.id, id))?.value.decidedBy).toEqual({
      kind: "partner",
      tenantId: w.principal.tenantId,
      userId: w.principal.userId,
    });
    expect(w.workflow.cancellations.map((c) => c.invitationId)).toEqual([id]);
  });

  it("a decided invitation is not cancelled: 409 with reason invitationNotPending, nothing raised", async () => {
    const w = await world();
    const id = await pending(w);
    await cancelInvitation(cancelDeps(w), w.principal, id);
    const refusal = await refusalOf(cancelInvitation(cancelDeps(w), w.principal, id));
    expect([refusal.kind, refusal.reason]).toEqual(["conflict", "invitationNotPending"]);
    expect(w.workflow.cancellations).toHaveLength(1);
  });

  it("of a concurrent accept and cancel exactly one wins: the cancel re-reads and refuses", async () => {
    const w = await world();
    const id = await pending(w);
    w.invitations.loseNextReplaceTo((current) => ({ ...current, status: "accepted" }));
    const refusal = await refusalOf(cancelInvitation(cancelDeps(w), w.principal, id));
    expect(refusal.reason).toBe("invitationNotPending");
    expect((await w.invitations.get(w.partner.id, id))?.value.status).toBe("accepted");
    expect(w.workflow.cancellations).toEqual([]);
  });

  it("a concurrent write that leaves it pending only costs a retry: the cancel still wins", async () => {
    const w = await world();
    const id = await pending(w);
    w.invitations.loseNextReplaceTo((current) => ({ ...current, relationshipIds: [] }));
    expect((await cancelInvitation(cancelDeps(w), w.principal, id)).status).toBe("cancelled");
  });

  it("another partner's invitation is 404, whatever its state", async () => {
    const w = await world();
    const id = await pending(w);
    const other = await world();
    const refusal = await refusalOf(
      cancelInvitation({ ...cancelDeps(other), invitations: w.invitations }, other.principal, id),
    );
    expect(refusal.kind).toBe("notFound");
  });
});

describe("decideInvitation on the memory ports", () => {
  async function link(w: World): Promise<{ id: string; token: string }> {
    const id = (await createInvitation(createDeps(w), w.principal, request())).body.id;
    const invitation = (await w.invitations.get(w.partner.id, id))?.value;
    if (!invitation) throw new Error("not stored");
    return { id, token: invitationLinkToken(LINK_KEY, invitation.partnerId, id, invitation.linkNonce) };
  }
  const decisionDeps = (w: World) => ({
    ...w,
    clock,
    raiseDecision: (invitationId: string, event: CustomerDecisionEvent) => {
      w.raised.push({ invitationId, event });
      return Promise.resolve();
    },
  });
  const admin = (overrides: Partial<CustomerIdentity> = {}): CustomerIdentity => ({
    tenantId: customerTenant,
    userId: randomUUID(),
    wids: [GLOBAL_ADMINISTRATOR_ROLE_ID],
    ...overrides,
  });

  it("R2: the invited tenant's Global Administrator accepts; the workflow is told the decision", async () => {
    const w = await world();
    const { id, token } = await link(w);
    const identity = admin();
    const accepted = await decideInvitation(decisionDeps(w), { token, decision: "accepted", identity });
    expect(accepted.status).toBe("accepted");
    expect(w.raised).toEqual([
      {
        invitationId: id,
        event: {
          decision: "accepted",
          by: { kind: "customer", tenantId: customerTenant, userId: identity.userId },
        },
      },
    ]);
  });

  it("R2: a user without Global Administrator and another tenant are refused with distinct reasons", async () => {
    const w = await world();
    const { id, token } = await link(w);
    const notAdmin = await refusalOf(
      decideInvitation(decisionDeps(w), { token, decision: "accepted", identity: admin({ wids: [] }) }),
    );
    expect([notAdmin.rule, notAdmin.reason]).toEqual(["R2", "notGlobalAdmin"]);
    const otherTenant = await refusalOf(
      decideInvitation(decisionDeps(w), {
        token,
        decision: "declined",
        identity: admin({ tenantId: randomUUID() }),
      }),
    );
    expect([otherTenant.rule, otherTenant.reason]).toEqual(["R2", "wrongTenant"]);
    expect((await w.invitations.get(w.partner.id, id))?.value.status).toBe("pending");
    const trail = await w.audit.listFor(w.partner.id, id);
    expect(trail.filter((r) => r.outcome === "refused").map((r) => r.rule)).toEqual(["R2", "R2"]);
    expect(w.raised).toEqual([]);
  });

  it("R16: the link is single-use: a second decision is 410 with reason linkNotValid", async () => {
    const w = await world();
    const { token } = await link(w);
    await decideInvitation(decisionDeps(w), { token, decision: "declined", identity: admin() });
    const refusal = await refusalOf(
      decideInvitation(decisionDeps(w), { token, decision: "accepted", identity: admin() }),
    );
    expect([refusal.kind, refusal.rule, refusal.reason]).toEqual(["gone", "R16", "linkNotValid"]);
    expect(w.raised).toHaveLength(1);
  });

  it("R16: a decision that loses its race to a cancellation re-reads the link and finds it closed", async () => {
    const w = await world();
    const { id, token } = await link(w);
    w.invitations.loseNextReplaceTo((current) => ({ ...current, status: "cancelled" }));
    const refusal = await refusalOf(
      decideInvitation(decisionDeps(w), { token, decision: "accepted", identity: admin() }),
    );
    expect(refusal.reason).toBe("linkNotValid");
    expect((await w.invitations.get(w.partner.id, id))?.value.status).toBe("cancelled");
    expect(w.raised).toEqual([]);
  });
});

describe("terminateRelationship on the memory ports", () => {
  async function adminRelationship(
    w: World,
    status: Relationship["status"] = "active",
  ): Promise<Relationship> {
    const relationship: Relationship = {
      id: randomUUID(),
      customerTenantId: customerTenant,
      type: "admin",
      partnerId: w.partner.id,
      status,
      roles: ["fe930be7-5e62-47db-91af-98c3a49a38b1"],
      durationDays: 30,
      autoExtend: false,
      startsAt: NOW.toISOString(),
      endsAt: "2030-01-31T00:00:00.000Z",
      invitationId: randomUUID(),
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    };
    await w.relationships.createMany(customerTenant, [relationship]);
    return relationship;
  }
  const deps = (w: World) => ({ ...w, clock });

  it("R9: the partner party terminates an admin relationship in force; the customer's admin may too", async () => {
    const w = await world();
    const byPartner = await adminRelationship(w);
    expect((await terminateRelationship(deps(w), w.principal, byPartner.id)).status).toBe("terminated");
    const byCustomer = await adminRelationship(w);
    const customer: Principal = {
      tenantId: customerTenant,
      userId: randomUUID(),
      roles: [],
      wids: [GLOBAL_ADMINISTRATOR_ROLE_ID],
    };
    expect((await terminateRelationship(deps(w), customer, byCustomer.id)).status).toBe("terminated");
  });

  it("R8: an expired relationship is not terminated (409); another partner's id is 404", async () => {
    const w = await world();
    const expired = await adminRelationship(w, "expired");
    const refusal = await refusalOf(terminateRelationship(deps(w), w.principal, expired.id));
    expect([refusal.kind, refusal.rule, refusal.reason]).toEqual([
      "conflict",
      "R8",
      "relationshipNotInForce",
    ]);
    const other = await world();
    const active = await adminRelationship(w);
    const hidden = await refusalOf(
      terminateRelationship({ ...deps(other), relationships: w.relationships }, other.principal, active.id),
    );
    expect(hidden.kind).toBe("notFound");
  });
});
