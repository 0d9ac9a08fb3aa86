import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryInvitationRepository, MemoryInvitationWorkflow, memoryPorts } from "../../src/adapters/memory";
import { createInvitation, createInvitationInputSchema } from "../../src/application/invitations/create";
import { decideInvitation } from "../../src/application/invitations/customer-decision";
import {
  recoverInvitationDecisions,
  recoverInvitationStarts,
  START_RECOVERY_GRACE_MS,
} from "../../src/application/invitations/start-recovery";
import { invitationLinkToken } from "../../src/domain/invitation-token";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type AuditRecord,
  type Partner,
  type Principal,
} from "../../src/domain/model";

/**
 * A host that dies between storing an invitation and starting its orchestration: modelled on the
 * memory ports by a workflow whose start fails and a store that can no longer compensate (the
 * process is gone). The recovery sweep must start what was stored, once.
 */

const LINK_KEY = "test-only-invitation-link-key-0123456789abcdef";
const T0 = Date.parse("2030-01-01T00:00:00.000Z");

class HostDied extends Error {}

/** The next `start` fails as if the process died right before it. */
class DyingWorkflow extends MemoryInvitationWorkflow {
  dieOnNextStart = false;
  override start(input: { invitationId: string; partnerId: string }): Promise<void> {
    if (this.dieOnNextStart) {
      this.dieOnNextStart = false;
      return Promise.reject(new HostDied("SIGKILL"));
    }
    return super.start(input);
  }
}

/** Nothing written after the crash: compensation never happens. */
class DeadAfterCrash extends MemoryInvitationRepository {
  dead = false;
  override remove(partnerId: string, id: string): Promise<void> {
    if (this.dead) return Promise.reject(new HostDied("SIGKILL"));
    return super.remove(partnerId, id);
  }
  override settleStart(
    partnerId: string,
    invitationId: string,
    also?: { audit?: AuditRecord[] },
  ): Promise<void> {
    if (this.dead) return Promise.reject(new HostDied("SIGKILL"));
    return super.settleStart(partnerId, invitationId, also);
  }
}

async function world() {
  let now = T0;
  const clock = { now: () => new Date(now) };
  const ports = memoryPorts();
  const invitations = new DeadAfterCrash(ports.audit);
  const workflow = new DyingWorkflow();
  const partner: Partner = {
    id: randomUUID(),
    name: "Fabrikam Partners",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@fabrikam.example",
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
  };
  await ports.partners.put(partner);
  const principal: Principal = {
    tenantId: partner.id,
    userId: randomUUID(),
    roles: ["GlobalAdmin"],
    wids: [],
  };
  const deps = { ...ports, invitations, workflow, clock, invitationTtlDays: 90, linkKey: LINK_KEY };
  const create = (idempotencyKey?: string) =>
    createInvitation(
      deps,
      principal,
      createInvitationInputSchema.parse({
        kind: "reseller",
        customer: {
          domain: `contoso-${randomUUID().slice(0, 6)}.example`,
          displayName: "Contoso",
          adminEmail: "admin@contoso.example",
        },
      }),
      idempotencyKey,
    );
  const recover = () => recoverInvitationStarts({ clock, invitations, workflow });
  const advance = (ms: number) => void (now += ms);
  return { ports, invitations, workflow, partner, create, recover, advance };
}

describe("R5: an invitation stored before a crash still gets its orchestration", () => {
  it("R5: the host dies after the store, before the start (with or without an Idempotency-Key): the sweep starts each stored invitation once", async () => {
    const w = await world();
    for (const key of [undefined, randomUUID()]) {
      w.workflow.dieOnNextStart = true;
      w.invitations.dead = true;
      await expect(w.create(key)).rejects.toBeInstanceOf(HostDied);
    }
    w.invitations.dead = false;
    const stored = (await w.invitations.list(w.partner.id, { limit: 10 })).items;
    expect(stored).toHaveLength(2);
    expect(w.workflow.started.size).toBe(0);

    // Within the grace period the creating request may still be running: left to it.
    expect(await w.recover()).toEqual({ started: 0, dropped: 0, failed: 0 });
    expect(w.workflow.started.size).toBe(0);

    w.advance(START_RECOVERY_GRACE_MS + 1);
    expect(await w.recover()).toEqual({ started: 2, dropped: 0, failed: 0 });
    expect([...w.workflow.started.keys()].sort()).toEqual(stored.map((i) => i.id).sort());
    // Settled: the next sweep has nothing to do.
    expect(await w.recover()).toEqual({ started: 0, dropped: 0, failed: 0 });
  });

  it("R5: an orchestration's first email settles the start intent: nothing is left for the sweep", async () => {
    const w = await world();
    await w.create();
    await w.create(randomUUID());
    // What the orchestration's first email activity does: read the invitation, settle the intent.
    for (const [invitationId, input] of w.workflow.started) {
      expect((await w.invitations.getSettlingStart(input.partnerId, invitationId))?.value.id).toBe(
        invitationId,
      );
    }
    w.advance(START_RECOVERY_GRACE_MS + 1);
    expect(await w.recover()).toEqual({ started: 0, dropped: 0, failed: 0 });
    expect(w.workflow.started.size).toBe(2);
  });

  it("R5: an orchestration started but not yet at its first email is found running, not started twice", async () => {
    const w = await world();
    await w.create();
    w.advance(START_RECOVERY_GRACE_MS + 1);
    expect(await w.recover()).toEqual({ started: 1, dropped: 0, failed: 0 });
    expect(w.workflow.started.size).toBe(1);
    // Settled by the sweep: the email's read then finds no intent, and still reads the invitation.
    expect(await w.recover()).toEqual({ started: 0, dropped: 0, failed: 0 });
    const [invitationId, input] = [...w.workflow.started][0]!;
    expect((await w.invitations.getSettlingStart(input.partnerId, invitationId))?.value.status).toBe(
      "pending",
    );
  });

  it("R5: a failed start that was compensated (invitation removed) leaves nothing to start", async () => {
    const w = await world();
    w.workflow.dieOnNextStart = true;
    await expect(w.create()).rejects.toBeInstanceOf(HostDied);
    expect((await w.invitations.list(w.partner.id, { limit: 10 })).items).toEqual([]);
    w.advance(START_RECOVERY_GRACE_MS + 1);
    expect(await w.recover()).toEqual({ started: 0, dropped: 0, failed: 0 });
    expect(w.workflow.started.size).toBe(0);
  });

  it("R5: an intent that cannot be carried out now stays for the next run without holding up the others", async () => {
    const w = await world();
    for (let i = 0; i < 2; i++) {
      w.workflow.dieOnNextStart = true;
      w.invitations.dead = true;
      await expect(w.create(randomUUID())).rejects.toBeInstanceOf(HostDied);
    }
    w.invitations.dead = false;
    w.advance(START_RECOVERY_GRACE_MS + 1);
    w.workflow.dieOnNextStart = true;
    expect(await w.recover()).toEqual({ started: 1, dropped: 0, failed: 1 });
    expect(await w.recover()).toEqual({ started: 1, dropped: 0, failed: 0 });
    expect(w.workflow.started.size).toBe(2);
  });
});

describe("R4: a customer's decision stored before a crash still reaches its orchestration", () => {
  /** Accepts through the link; `raised` false: the event never got out (the host died, or the backend refused it). */
  async function decided(
    w: Awaited<ReturnType<typeof world>>,
    raised: boolean,
    decision: "accepted" | "declined" = "accepted",
  ) {
    const id = (await w.create()).body.id;
    const invitation = (await w.invitations.get(w.partner.id, id))!.value;
    const token = invitationLinkToken(LINK_KEY, invitation.partnerId, id, invitation.linkNonce);
    const identity = { tenantId: randomUUID(), userId: randomUUID(), wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] };
    const warnings: string[] = [];
    await decideInvitation(
      {
        ...w.ports,
        invitations: w.invitations,
        clock: { now: () => new Date(T0) },
        raiseDecision: () => (raised ? Promise.resolve() : Promise.reject(new HostDied("SIGKILL"))),
        warn: (m) => warnings.push(m),
      },
      { token, decision, identity },
    );
    return { id, identity, warnings };
  }

  it("R4: the event never got out after the decision was stored: the recovery raises it, once, with who decided", async () => {
    const w = await world();
    const { id, identity, warnings } = await decided(w, false);
    expect(warnings).toHaveLength(1);
    // No grace period: raising a decision twice is harmless, and the customer's retry would get 410.
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: w.workflow })).toEqual({
      raised: 1,
      dropped: 0,
      failed: 0,
    });
    expect(w.workflow.decisions).toEqual([
      {
        invitationId: id,
        decision: "accepted",
        by: { kind: "customer", tenantId: identity.tenantId.toLowerCase(), userId: identity.userId },
      },
    ]);
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: w.workflow })).toEqual({
      raised: 0,
      dropped: 0,
      failed: 0,
    });
  });

  it("R4: a decline whose event was raised leaves nothing for the recovery", async () => {
    const w = await world();
    await decided(w, true, "declined");
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: w.workflow })).toEqual({
      raised: 0,
      dropped: 0,
      failed: 0,
    });
    expect(w.workflow.decisions).toEqual([]);
  });

  it("R4: an acceptance's intent is settled by the relationship step's write; a sweep before that raises it again, harmlessly", async () => {
    const w = await world();
    const early = await decided(w, true);
    // The orchestration has not written the relationships yet: the sweep tells it once more.
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: w.workflow })).toEqual({
      raised: 1,
      dropped: 0,
      failed: 0,
    });
    expect(w.workflow.decisions.map((d) => d.invitationId)).toEqual([early.id]);
    const { id } = await decided(w, true);
    // What the relationship step writes (the link), with the intent's settlement in the same write.
    const stored = (await w.invitations.get(w.partner.id, id))!;
    await w.invitations.replace({ ...stored.value, relationshipIds: [] }, stored.etag, {
      settleDecision: true,
    });
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: w.workflow })).toEqual({
      raised: 0,
      dropped: 0,
      failed: 0,
    });
  });

  it("R4: a raise that fails during recovery keeps its intent for the next run", async () => {
    const w = await world();
    await decided(w, false);
    const failing = {
      raiseCustomerDecision: () => Promise.reject(new Error("durable backend unavailable")),
    };
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: failing })).toEqual({
      raised: 0,
      dropped: 0,
      failed: 1,
    });
    expect(await recoverInvitationDecisions({ invitations: w.invitations, workflow: w.workflow })).toEqual({
      raised: 1,
      dropped: 0,
      failed: 0,
    });
  });
});
