import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { memoryPorts, type MemoryPorts } from "../../src/adapters/memory";
import { notifyPartnerOfTermination, startAdminLifecycles } from "../../src/application/admin-relationships";
import {
  adminConfirmationOperationId,
  lookUpTerminationLink,
  sendAdminConfirmation,
  terminateByCustomerLink,
  terminationLink,
  terminationToken,
} from "../../src/application/customer-termination";
import type { CustomerIdentity } from "../../src/application/invitations/customer-decision";
import { relationshipsFor } from "../../src/application/invitations/lifecycle";
import type { OutgoingEmail } from "../../src/application/ports";
import { DomainError } from "../../src/domain/errors";
import { invitationToken, newLinkNonce } from "../../src/domain/invitation-token";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Invitation, type Partner } from "../../src/domain/model";
import {
  webAdminConfirmationEmails,
  webAdminRelationshipEmails,
} from "../../functions/admin-relationship-workflow";

/**
 * R9 from the customer's side on the memory ports: the link's token (R16 rules), who may end the
 * relationship (R2), what ending it records, and the emails around it.
 */

const LINK_KEY = "test-only-invitation-link-key-0123456789abcdef";
const BASE = "https://partners.example.test";
const NOW = new Date("2030-01-01T00:00:00.000Z");
const clock = { now: () => NOW };
const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";

class RecordingEmail {
  readonly sent: { email: OutgoingEmail; operationId: string }[] = [];
  send(email: OutgoingEmail, operationId: string): Promise<void> {
    // As the email service does: an operation id already seen is a no-op.
    if (!this.sent.some((s) => s.operationId === operationId)) this.sent.push({ email, operationId });
    return Promise.resolve();
  }
}

interface World extends MemoryPorts {
  partner: Partner;
  invitation: Invitation;
  adminId: string;
  resellerId: string;
  customerTenantId: string;
  email: RecordingEmail;
}

async function world(): Promise<World> {
  const ports = memoryPorts();
  const partner: Partner = {
    id: randomUUID(),
    name: "Fabrikam <Partners>",
    type: "direct",
    cloud: "global",
    contactEmail: "ops@fabrikam.example",
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
  await ports.partners.put(partner);
  const customerTenantId = randomUUID();
  const nonce = newLinkNonce();
  const invitation: Invitation = {
    id: randomUUID(),
    partnerId: partner.id,
    cloud: "global",
    kind: "reseller+admin",
    status: "accepted",
    customer: {
      domain: "contoso.example",
      displayName: "Contoso",
      adminEmail: "admin@contoso.example",
      tenantId: customerTenantId,
    },
    locale: "pt-BR",
    admin: { roles: [EXCHANGE_ADMIN], durationDays: 90, autoExtend: false },
    tokenHash: "0".repeat(64),
    linkNonce: nonce,
    createdBy: { kind: "partner", tenantId: partner.id },
    createdAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 90 * 86_400_000).toISOString(),
    decidedAt: NOW.toISOString(),
    decidedBy: { kind: "customer", tenantId: customerTenantId },
  };
  await ports.invitations.create(invitation);
  const relationships = relationshipsFor(invitation);
  await ports.relationships.createMany(customerTenantId, relationships);
  return {
    ...ports,
    partner,
    invitation,
    adminId: relationships.find((r) => r.type === "admin")!.id,
    resellerId: relationships.find((r) => r.type === "reseller")!.id,
    customerTenantId,
    email: new RecordingEmail(),
  };
}

const deps = (w: World) => ({ ...w, clock, linkKey: LINK_KEY });

/** The admin relationship as a link names it. */
const admin = (w: { adminId: string; customerTenantId: string }) => ({
  id: w.adminId,
  customerTenantId: w.customerTenantId,
});

function ga(tenantId: string): CustomerIdentity {
  return { tenantId, userId: randomUUID(), wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] };
}

async function refusalOf(promise: Promise<unknown>): Promise<DomainError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe("the termination link (R16 rules)", () => {
  it("R16: the token is the customer, the relationship id and a 256-bit HMAC that no other link of the invitation shares", async () => {
    const w = await world();
    const token = terminationToken(LINK_KEY, admin(w), w.invitation);
    const [customer, id, secret] = token.split(".");
    expect(customer).toBe(w.customerTenantId);
    expect(id).toBe(w.adminId);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toBe(invitationToken(LINK_KEY, w.invitation.id, w.invitation.linkNonce));
    expect(terminationToken("another-key-0123456789abcdef0123456789", admin(w), w.invitation)).not.toBe(
      token,
    );
    expect(terminationLink(`${BASE}/`, LINK_KEY, admin(w), w.invitation)).toBe(`${BASE}/terminate/${token}`);
  });

  it("R15, R16: a genuine link resolves; tampered, borrowed, malformed or reseller links are unknown; reading changes nothing", async () => {
    const w = await world();
    const token = terminationToken(LINK_KEY, admin(w), w.invitation);
    const open = await lookUpTerminationLink(deps(w), token);
    expect(open.state).toBe("open");
    const [, , secret] = token.split(".");
    const flipped = `${secret!.slice(0, -1)}${secret!.endsWith("A") ? "B" : "A"}`;
    const c = w.customerTenantId;
    for (const bad of [
      `${c}.${w.adminId}.${flipped}`,
      `${c}.${w.resellerId}.${secret}`,
      terminationToken(LINK_KEY, { id: w.resellerId, customerTenantId: c }, w.invitation),
      `${c}.${randomUUID()}.${secret}`,
      `${randomUUID()}.${w.adminId}.${secret}`,
      `${w.adminId}.${secret}`,
      secret!,
      "",
      `${c}.${w.adminId}.${secret}x`,
    ]) {
      expect((await lookUpTerminationLink(deps(w), bad)).state).toBe("unknown");
    }
    expect(
      (await w.relationships.get(w.adminId, { customerTenantId: w.customerTenantId }))?.value.status,
    ).toBe("active");
    expect(await w.audit.listFor(w.partner.id, w.adminId)).toEqual([]);
  });
});

describe("terminateByCustomerLink", () => {
  it("R9: the customer's Global Administrator ends it (tenant compared without case), audited with the customer as actor; the link is then 410", async () => {
    const w = await world();
    const token = terminationToken(LINK_KEY, admin(w), w.invitation);
    const done = await terminateByCustomerLink(deps(w), {
      token,
      identity: ga(w.customerTenantId.toUpperCase()),
    });
    expect(done.relationship).toMatchObject({
      id: w.adminId,
      status: "terminated",
      endsAt: NOW.toISOString(),
    });
    expect(
      (await w.relationships.get(w.adminId, { customerTenantId: w.customerTenantId }))?.value.status,
    ).toBe("terminated");
    // The reseller relationship of the same invitation is untouched.
    expect(
      (await w.relationships.get(w.resellerId, { customerTenantId: w.customerTenantId }))?.value.status,
    ).toBe("active");
    const records = await w.audit.listFor(w.partner.id, w.adminId);
    expect(records.map((r) => [r.action, r.outcome, r.actor.kind, r.actor.tenantId])).toContainEqual([
      "terminated",
      "applied",
      "customer",
      w.customerTenantId,
    ]);
    expect((await lookUpTerminationLink(deps(w), token)).state).toBe("closed");
    const again = await refusalOf(
      terminateByCustomerLink(deps(w), { token, identity: ga(w.customerTenantId) }),
    );
    expect(again.kind).toBe("gone");
    expect(again.rule).toBe("R16");
  });

  it("R2: a user without the Global Administrator role, or a Global Administrator of another tenant, is refused; the refusal is audited and nothing else changes", async () => {
    const w = await world();
    const token = terminationToken(LINK_KEY, admin(w), w.invitation);
    const notGa = await refusalOf(
      terminateByCustomerLink(deps(w), {
        token,
        identity: { tenantId: w.customerTenantId, userId: randomUUID(), wids: [] },
      }),
    );
    expect([notGa.kind, notGa.rule, notGa.reason]).toEqual(["forbidden", "R2", "notGlobalAdmin"]);
    const other = await refusalOf(terminateByCustomerLink(deps(w), { token, identity: ga(randomUUID()) }));
    expect([other.kind, other.rule, other.reason]).toEqual(["forbidden", "R2", "wrongTenant"]);
    expect(
      (await w.relationships.get(w.adminId, { customerTenantId: w.customerTenantId }))?.value.status,
    ).toBe("active");
    const records = await w.audit.listFor(w.partner.id, w.adminId);
    expect(records.map((r) => [r.action, r.outcome, r.rule])).toEqual([
      ["terminate", "refused", "R2"],
      ["terminate", "refused", "R2"],
    ]);
  });

  it("R8: an expired admin relationship's link is dead (410), never a way to revive or end it again", async () => {
    const w = await world();
    const stored = (await w.relationships.get(w.adminId, { customerTenantId: w.customerTenantId }))!;
    await w.relationships.replace({ ...stored.value, status: "expired" }, stored.etag);
    const token = terminationToken(LINK_KEY, admin(w), w.invitation);
    expect((await lookUpTerminationLink(deps(w), token)).state).toBe("closed");
    const refused = await refusalOf(
      terminateByCustomerLink(deps(w), { token, identity: ga(w.customerTenantId) }),
    );
    expect(refused.kind).toBe("gone");
    expect(
      (await w.relationships.get(w.adminId, { customerTenantId: w.customerTenantId }))?.value.status,
    ).toBe("expired");
  });

  it("R16: an unknown token is 404 and records nothing", async () => {
    const w = await world();
    const refused = await refusalOf(
      terminateByCustomerLink(deps(w), {
        token: `${w.adminId}.${"A".repeat(43)}`,
        identity: ga(w.customerTenantId),
      }),
    );
    expect(refused.kind).toBe("notFound");
    expect(await w.audit.listFor(w.partner.id, w.adminId)).toEqual([]);
  });
});

describe("the emails around it", () => {
  it("R9: the acceptance confirmation goes once to the customer's admin, in the invitation's language, with the working link", async () => {
    const w = await world();
    const confirmation = {
      invitations: w.invitations,
      partners: w.partners,
      email: w.email,
      render: webAdminConfirmationEmails,
      linkKey: LINK_KEY,
      publicBaseUrl: BASE,
    };
    const started: string[] = [];
    const start = (instanceId: string) => {
      started.push(instanceId);
      return Promise.resolve();
    };
    const relationshipIds = [w.resellerId, w.adminId];
    const confirm = (r: Parameters<typeof sendAdminConfirmation>[1]) =>
      sendAdminConfirmation(confirmation, r);
    await startAdminLifecycles(
      { relationships: w.relationships, start, confirm },
      { relationshipIds, customerTenantId: w.customerTenantId },
    );
    // A retried activity sends nothing twice (the operation id derives from the relationship).
    await startAdminLifecycles(
      { relationships: w.relationships, start, confirm },
      { relationshipIds, customerTenantId: w.customerTenantId },
    );
    expect(w.email.sent).toHaveLength(1);
    const [{ email, operationId }] = w.email.sent as [(typeof w.email.sent)[number]];
    expect(operationId).toBe(adminConfirmationOperationId(w.adminId));
    expect(email.to).toEqual(["admin@contoso.example"]);
    expect(email.subject).toBe("A relação de administrador com Fabrikam <Partners> está ativa");
    expect(email.html).toContain("Fabrikam &lt;Partners&gt;");
    expect(email.html).not.toContain("Fabrikam <Partners>");
    const link = terminationLink(BASE, LINK_KEY, admin(w), w.invitation);
    expect(email.text).toContain(link);
    expect(email.html).toContain(link);
    const token = link.slice(`${BASE}/terminate/`.length);
    expect((await lookUpTerminationLink(deps(w), token)).state).toBe("open");
  });

  it("R9: the partner's contact is told once that the customer ended it", async () => {
    const w = await world();
    const token = terminationToken(LINK_KEY, admin(w), w.invitation);
    await terminateByCustomerLink(deps(w), { token, identity: ga(w.customerTenantId) });
    const terminated = (await w.relationships.get(w.adminId, { customerTenantId: w.customerTenantId }))!
      .value;
    const notice = { ...w, email: w.email, render: webAdminRelationshipEmails };
    await notifyPartnerOfTermination(notice, terminated);
    await notifyPartnerOfTermination(notice, terminated);
    expect(w.email.sent).toHaveLength(1);
    const [{ email }] = w.email.sent as [(typeof w.email.sent)[number]];
    expect(email.to).toEqual(["ops@fabrikam.example"]);
    expect(email.subject).toBe("Contoso ended your admin relationship");
    expect(email.text).toContain(w.adminId);
    expect(email.text).toContain("Ended: 2030-01-01");
  });
});
