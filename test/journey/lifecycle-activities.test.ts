import { randomUUID } from "node:crypto";
import { devTenantDirectory } from "../../src/adapters/tenants/dev-tenant-directory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CosmosAuditLog } from "../../src/adapters/cosmos/audit-repository";
import { CosmosInvitationRepository } from "../../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../../src/adapters/cosmos/partner-repository";
import { CosmosRelationshipRepository } from "../../src/adapters/cosmos/relationship-repository";
import { AcsEmailSender } from "../../src/adapters/email/acs-email-sender";
import {
  decideInvitation,
  type CustomerDecisionDependencies,
} from "../../src/application/invitations/customer-decision";
import {
  createRelationships,
  customerEmailOperationId,
  expireInvitation,
  notifyPartner,
  readInvitationStatus,
  relationshipsFor,
  sendCustomerEmail,
  type LifecycleDependencies,
} from "../../src/application/invitations/lifecycle";
import {
  hashInvitationToken,
  invitationLinkLocator,
  invitationLinkToken,
  invitationToken,
  isWellFormedInvitationToken,
  newLinkNonce,
} from "../../src/domain/invitation-token";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type Invitation,
  type Partner,
  type Relationship,
} from "../../src/domain/model";
import { startEmailEndpoint, type EmailEndpoint } from "../../src/localhost/services/email";
import { wakeSchedule } from "../../src/workflows/invitation";
import { webInvitationEmails } from "../../functions/invitation-workflow";
import { useCosmos } from "../support/cosmos";

/**
 * The invitation activities and the customer decision against the real adapters: the embedded
 * Cosmos DB API server and the local ACS email endpoint with the real EmailClient. Activities may
 * run twice (a worker dies after the work, before the result is recorded): each run here twice.
 */
const LINK_KEY = "test-only-invitation-link-key-0123456789abcdef";
const BASE = "https://partners.example.test";
const DAY = 86_400_000;

const cosmos = useCosmos({ database: "h3l-activities" });
let email: EmailEndpoint;
let now = Date.parse("2030-01-01T00:00:00.000Z");
const clock = { now: () => new Date(now) };

beforeAll(async () => {
  email = await startEmailEndpoint({ now: () => now });
});
afterAll(async () => {
  await email?.stop();
});

function lifecycle(): LifecycleDependencies {
  const db = cosmos().db;
  return {
    invitations: new CosmosInvitationRepository(db),
    partners: new CosmosPartnerRepository(db),
    relationships: new CosmosRelationshipRepository(db),
    audit: new CosmosAuditLog(db),
    email: new AcsEmailSender({
      EMAIL_ENDPOINT: email.endpoint,
      EMAIL_ACCESS_KEY: email.accessKey,
      EMAIL_SENDER: "donotreply@partners.example.test",
    }),
    clock,
    render: webInvitationEmails,
    linkKey: LINK_KEY,
    publicBaseUrl: BASE,
  };
}

async function seed(
  overrides: Partial<Invitation> = {},
): Promise<{ invitation: Invitation; partner: Partner; token: string }> {
  const deps = lifecycle();
  const at = clock.now().toISOString();
  const partner: Partner = {
    id: randomUUID(),
    name: "Fabrikam <Partners>",
    type: "direct",
    cloud: "global",
    contactEmail: `contact-${randomUUID().slice(0, 8)}@partner.example`,
    createdAt: at,
    updatedAt: at,
  };
  await deps.partners.put(partner);
  const id = randomUUID();
  const linkNonce = newLinkNonce();
  const token = invitationLinkToken(LINK_KEY, partner.id, id, linkNonce);
  const invitation: Invitation = {
    id,
    partnerId: partner.id,
    cloud: "global",
    kind: "reseller+admin",
    status: "pending",
    customer: {
      domain: "contoso.example",
      displayName: "Contoso",
      adminEmail: `admin-${id.slice(0, 8)}@contoso.example`,
      tenantId: randomUUID(),
    },
    locale: "en",
    admin: { roles: ["29232cdf-9323-42fd-ade2-1d097af3e4de"], durationDays: 30, autoExtend: false },
    tokenHash: hashInvitationToken(token),
    linkNonce,
    createdBy: { kind: "partner", tenantId: partner.id, userId: "u1" },
    createdAt: at,
    expiresAt: new Date(now + 90 * DAY).toISOString(),
    ...overrides,
  };
  await deps.invitations.create(invitation);
  return { invitation, partner, token };
}

const mailTo = (address: string) => email.messages().filter((m) => m.to.includes(address));

describe("invitation link token", () => {
  it("R16: 128-bit nonce, 256-bit token, only the hash stored, and the same link on every rebuild", () => {
    const nonce = newLinkNonce();
    expect(Buffer.from(nonce, "base64url")).toHaveLength(16);
    expect(newLinkNonce()).not.toBe(nonce);
    const token = invitationToken(LINK_KEY, "inv-1", nonce);
    expect(isWellFormedInvitationToken(token)).toBe(true);
    expect(invitationToken(LINK_KEY, "inv-1", nonce)).toBe(token);
    expect(invitationToken(`${LINK_KEY}x`, "inv-1", nonce)).not.toBe(token);
    expect(invitationToken(LINK_KEY, "inv-2", nonce)).not.toBe(token);
    expect(hashInvitationToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashInvitationToken(token)).not.toContain(token);
  });

  it("R16: the link names its invitation in front of the secret; anything else names nothing", () => {
    const nonce = newLinkNonce();
    const link = invitationLinkToken(LINK_KEY, "partner-1", "inv-1", nonce);
    expect(link).toBe(`partner-1.inv-1.${invitationToken(LINK_KEY, "inv-1", nonce)}`);
    expect(invitationLinkLocator(link)).toEqual({ partnerId: "partner-1", invitationId: "inv-1" });
    for (const bad of [link.slice(0, -1), `${link}x`, link.replace(".", ""), `x.${link}`, "", "B".repeat(43)])
      expect(invitationLinkLocator(bad), bad).toBeUndefined();
  });
});

describe("wake schedule", () => {
  const created = new Date("2030-01-01T00:00:00Z");
  it("reminds after 7 days and 3 days before expiry, then expires", () => {
    const expires = new Date(created.getTime() + 90 * DAY);
    expect(wakeSchedule(created, expires, created).map((w) => [w.step, w.at.toISOString()])).toEqual([
      ["reminder-first", "2030-01-08T00:00:00.000Z"],
      ["reminder-last", "2030-03-29T00:00:00.000Z"],
      ["expiry", "2030-04-01T00:00:00.000Z"],
    ]);
  });
  it("skips reminders already past (a replayed start late) and collapses ones on the same day", () => {
    const expires = new Date(created.getTime() + 10 * DAY);
    expect(wakeSchedule(created, expires, new Date(created.getTime() + 8 * DAY)).map((w) => w.step)).toEqual([
      "expiry",
    ]);
    expect(wakeSchedule(created, expires, created).map((w) => w.step)).toEqual(["reminder-first", "expiry"]);
    const short = new Date(created.getTime() + 2 * DAY);
    expect(wakeSchedule(created, short, created).map((w) => w.step)).toEqual(["expiry"]);
  });
});

describe("invitation activities (each run twice)", () => {
  it("sends the invitation email once per step, with a link that matches the stored hash", async () => {
    const deps = lifecycle();
    const { invitation, token } = await seed();
    const ref = { invitationId: invitation.id, partnerId: invitation.partnerId };
    const first = await sendCustomerEmail(deps, { ...ref, step: "invitation" });
    const second = await sendCustomerEmail(deps, { ...ref, step: "invitation" });
    expect(first).toEqual({ sent: true, status: "pending" });
    expect(second).toEqual(first);
    // Activity results are persisted in history: they must not carry the link.
    expect(JSON.stringify(first)).not.toContain(token);
    const mails = mailTo(invitation.customer.adminEmail);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.operationId).toBe(customerEmailOperationId(invitation.id, "invitation"));
    expect(mails[0]!.text).toContain(`${BASE}/invite/${token}`);
    // The partner's name is escaped in the HTML part.
    expect(mails[0]!.html).toContain("Fabrikam &lt;Partners&gt;");
    expect(mails[0]!.html).not.toContain("<Partners>");

    await sendCustomerEmail(deps, { ...ref, step: "reminder-first" });
    await sendCustomerEmail(deps, { ...ref, step: "reminder-first" });
    expect(mailTo(invitation.customer.adminEmail)).toHaveLength(2);
  });

  it("sends nothing once the invitation is no longer pending or past its expiry", async () => {
    const deps = lifecycle();
    const cancelled = await seed({ status: "cancelled" });
    const result = await sendCustomerEmail(deps, {
      invitationId: cancelled.invitation.id,
      partnerId: cancelled.invitation.partnerId,
      step: "reminder-last",
    });
    expect(result).toMatchObject({ sent: false, status: "cancelled" });
    const stale = await seed({ expiresAt: new Date(now - 1000).toISOString() });
    const late = await sendCustomerEmail(deps, {
      invitationId: stale.invitation.id,
      partnerId: stale.invitation.partnerId,
      step: "reminder-last",
    });
    expect(late.sent).toBe(false);
    expect(mailTo(cancelled.invitation.customer.adminEmail)).toHaveLength(0);
    expect(mailTo(stale.invitation.customer.adminEmail)).toHaveLength(0);
  });

  it("expires only a pending invitation, once, and reports a decision that won the race", async () => {
    const deps = lifecycle();
    const { invitation } = await seed();
    const ref = { invitationId: invitation.id, partnerId: invitation.partnerId };
    expect(await expireInvitation(deps, ref)).toEqual({ status: "expired" });
    expect(await expireInvitation(deps, ref)).toEqual({ status: "expired" });
    expect(await readInvitationStatus(deps, ref)).toEqual({
      status: "expired",
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
    });
    const audit = await deps.audit.listFor(invitation.partnerId, invitation.id);
    expect(audit.filter((a) => a.action === "expire")).toHaveLength(1);

    const accepted = await seed({ status: "accepted", decidedAt: clock.now().toISOString() });
    const acceptedRef = { invitationId: accepted.invitation.id, partnerId: accepted.invitation.partnerId };
    expect(await expireInvitation(deps, acceptedRef)).toEqual({ status: "accepted" });
    expect((await deps.invitations.get(acceptedRef.partnerId, acceptedRef.invitationId))?.value.status).toBe(
      "accepted",
    );
  });

  it("creates an accepted invitation's relationships once, with deterministic ids and end dates", async () => {
    const deps = lifecycle();
    const decidedAt = clock.now().toISOString();
    const { invitation } = await seed({ status: "accepted", decidedAt });
    const ref = { invitationId: invitation.id, partnerId: invitation.partnerId };
    const first = await createRelationships(deps, ref);
    const second = await createRelationships(deps, ref);
    expect(second).toEqual(first);
    expect(first.relationshipIds).toHaveLength(2);
    const stored = await deps.relationships.listForCustomer(invitation.customer.tenantId!);
    expect(stored.map((r) => r.id).sort()).toEqual([...first.relationshipIds].sort());
    const admin = stored.find((r) => r.type === "admin")!;
    expect(admin).toMatchObject({
      status: "active",
      roles: invitation.admin!.roles,
      durationDays: 30,
      autoExtend: false,
      startsAt: decidedAt,
      endsAt: new Date(Date.parse(decidedAt) + 30 * DAY).toISOString(),
      partnerId: invitation.partnerId,
      invitationId: invitation.id,
    });
    expect((await deps.invitations.get(ref.partnerId, ref.invitationId))?.value.relationshipIds).toEqual(
      first.relationshipIds,
    );
  });

  it("issue 11: the first run also starts the admin lifecycle and tells the partner, from what it wrote; a re-run leaves that to the activities", async () => {
    const deps = lifecycle();
    const { invitation, partner } = await seed({ status: "accepted", decidedAt: clock.now().toISOString() });
    const ref = { invitationId: invitation.id, partnerId: invitation.partnerId };
    const started: { relationship: string; invitation: string }[] = [];
    const followUp = {
      startAdminLifecycle: (relationship: Relationship, from: Invitation) => {
        started.push({ relationship: relationship.id, invitation: from.id });
        return Promise.resolve();
      },
    };
    const first = await createRelationships({ ...deps, followUp }, ref);
    expect(first.concluded).toBe(true);
    expect(started).toEqual([{ relationship: first.adminRelationshipIds![0]!, invitation: invitation.id }]);
    expect(mailTo(partner.contactEmail).map((m) => m.subject)).toEqual([expect.stringMatching(/accepted/i)]);
    // A re-run finds the relationships there: it cannot know what became of them since, so it
    // concludes nothing and the orchestration's own activities (idempotent) take over.
    const again = await createRelationships({ ...deps, followUp }, ref);
    expect(again.concluded).toBeUndefined();
    expect(again.relationshipIds).toEqual(first.relationshipIds);
    expect(started).toHaveLength(1);
    await notifyPartner(deps, { ...ref, outcome: "accepted" });
    expect(mailTo(partner.contactEmail)).toHaveLength(1);
  });

  it("R4: the relationship step settles the acceptance's decision intent in its own write, also when it is gone already", async () => {
    const deps = lifecycle();
    const { invitation } = await seed({
      customer: {
        domain: "contoso.example",
        displayName: "Contoso",
        adminEmail: "a@contoso.example",
        tenantId: randomUUID(),
      },
    });
    const stored = (await deps.invitations.get(invitation.partnerId, invitation.id))!;
    const decided = { ...stored.value, status: "accepted" as const, decidedAt: clock.now().toISOString() };
    await deps.invitations.replaceWithDecisionIntent(decided, stored.etag);
    const pending = async () =>
      (await deps.invitations.pendingDecisions(1000)).filter((i) => i.invitationId === invitation.id);
    expect(await pending()).toHaveLength(1);
    const ref = { invitationId: invitation.id, partnerId: invitation.partnerId };
    await createRelationships(deps, ref);
    expect(await pending()).toHaveLength(0);
    // Settled before the step ran (the recovery's delete): the step's write does not fail on it.
    const other = await seed({ status: "accepted", decidedAt: clock.now().toISOString() });
    await deps.invitations.settleDecision(other.invitation.partnerId, other.invitation.id);
    const created = await createRelationships(deps, {
      invitationId: other.invitation.id,
      partnerId: other.invitation.partnerId,
    });
    expect(created.relationshipIds).toHaveLength(2);
  });

  it("issue 11: a follow-up that fails leaves the relationships created and the rest to the activities; the partner is told once", async () => {
    const deps = lifecycle();
    const { invitation, partner } = await seed({ status: "accepted", decidedAt: clock.now().toISOString() });
    const ref = { invitationId: invitation.id, partnerId: invitation.partnerId };
    const failing = { startAdminLifecycle: () => Promise.reject(new Error("durable backend unavailable")) };
    const result = await createRelationships({ ...deps, followUp: failing }, ref);
    expect(result.concluded).toBeUndefined();
    expect(await deps.relationships.listForCustomer(invitation.customer.tenantId!)).toHaveLength(2);
    expect((await deps.invitations.get(ref.partnerId, ref.invitationId))?.value.relationshipIds).toEqual(
      result.relationshipIds,
    );
    // The partner's notice went out beside the failed start; the orchestration's own notice after
    // it is the same operation, so the partner still gets one.
    await notifyPartner(deps, { ...ref, outcome: "accepted" });
    expect(mailTo(partner.contactEmail)).toHaveLength(1);
  });

  it("R3/R13: an indirect provider's reseller relationship carries the reseller it was made for", () => {
    const base = {
      id: "inv-1",
      partnerId: "provider-1",
      status: "accepted" as const,
      kind: "reseller" as const,
      resellerPartnerId: "reseller-1",
      customer: { domain: "c.example", displayName: "C", adminEmail: "a@c.example", tenantId: "tenant-1" },
      createdAt: "2030-01-01T00:00:00.000Z",
      decidedAt: "2030-01-02T00:00:00.000Z",
    } as Invitation;
    const [reseller] = relationshipsFor(base);
    expect(reseller).toMatchObject({
      type: "reseller",
      partnerId: "provider-1",
      indirectResellerId: "reseller-1",
      customerTenantId: "tenant-1",
      startsAt: "2030-01-02T00:00:00.000Z",
    });
    expect(relationshipsFor(base)).toEqual(relationshipsFor(base));
    expect(() =>
      relationshipsFor({ ...base, customer: { ...base.customer, tenantId: undefined } }),
    ).toThrow();
  });

  it("notifies the partner's contact once per outcome", async () => {
    const deps = lifecycle();
    const { invitation, partner, token } = await seed({ status: "declined" });
    const ref = {
      invitationId: invitation.id,
      partnerId: invitation.partnerId,
      outcome: "declined" as const,
    };
    await notifyPartner(deps, ref);
    await notifyPartner(deps, ref);
    const mails = mailTo(partner.contactEmail);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/declined/i);
    expect(mails[0]!.text).not.toContain(token);
    await expect(notifyPartner(deps, { ...ref, outcome: "accepted" })).rejects.toThrow(/declined/);
  });
});

describe("customer decision against the stored invitation", () => {
  function decisionDeps(raised: string[]): CustomerDecisionDependencies {
    const deps = lifecycle();
    return {
      invitations: deps.invitations,
      partners: deps.partners,
      tenants: devTenantDirectory(new Map()),
      audit: deps.audit,
      clock,
      raiseDecision: (id, event) => {
        raised.push(`${id}:${event.decision}`);
        return Promise.resolve();
      },
    };
  }
  const admin = (tenantId: string) => ({ tenantId, userId: "admin-1", wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] });

  it("concurrent accept and decline: exactly one is recorded, the other is refused as R16", async () => {
    for (let round = 0; round < 5; round++) {
      const raised: string[] = [];
      const deps = decisionDeps(raised);
      const { invitation, token } = await seed();
      const identity = admin(invitation.customer.tenantId!);
      const results = await Promise.allSettled([
        decideInvitation(deps, { token, decision: "accepted", identity }),
        decideInvitation(deps, { token, decision: "declined", identity }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toMatchObject({ kind: "gone", rule: "R16" });
      const stored = await lifecycle().invitations.get(invitation.partnerId, invitation.id);
      expect(raised).toEqual([`${invitation.id}:${stored!.value.status}`]);
    }
  });

  it("records the decision before raising, and survives an event that cannot be raised", async () => {
    const deps = lifecycle();
    const { invitation, token } = await seed();
    const warnings: string[] = [];
    let attempts = 0;
    const decided = await decideInvitation(
      {
        invitations: deps.invitations,
        partners: deps.partners,
        tenants: devTenantDirectory(new Map()),
        audit: deps.audit,
        clock,
        raiseDecision: async (id) => {
          attempts++;
          // The document must already say so when the event goes out.
          expect((await deps.invitations.get(invitation.partnerId, id))?.value.status).toBe("accepted");
          throw new Error("durable backend unavailable");
        },
        warn: (message) => warnings.push(message),
      },
      { token, decision: "accepted", identity: admin(invitation.customer.tenantId!) },
    );
    expect(decided.status).toBe("accepted");
    expect(attempts).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain(token);
  });

  it("R16: an invitation past its expiry cannot be accepted even before the expiry timer ran", async () => {
    const raised: string[] = [];
    const { invitation, token } = await seed({ expiresAt: new Date(now + 1000).toISOString() });
    now += 2000;
    await expect(
      decideInvitation(decisionDeps(raised), {
        token,
        decision: "accepted",
        identity: admin(invitation.customer.tenantId!),
      }),
    ).rejects.toMatchObject({ kind: "gone", rule: "R16" });
    expect(raised).toEqual([]);
  });
});
