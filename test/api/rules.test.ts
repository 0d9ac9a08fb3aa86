import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "../../src/domain/model";
import {
  customer,
  EXCHANGE_ADMINISTRATOR,
  type ApiClient,
  type InvitationRequestBody,
} from "../support/api-client";
import { CHINA_CLOUD_TENANT, eventually, partitionDocuments, useApiHost } from "./support";

const host = useApiHost();
const admin = (o: Partial<{ roles: string[]; durationDays: number; autoExtend: boolean }> = {}) => ({
  roles: [EXCHANGE_ADMINISTRATOR],
  durationDays: 90,
  autoExtend: false,
  ...o,
});

async function expectRefusal(
  answer: Promise<{ status: number; headers: Headers; body: { rule?: string; status?: number } }>,
  status: number,
  rule: string,
) {
  const a = await answer;
  expect(a.headers.get("content-type")).toContain("application/problem+json");
  expect({ status: a.status, rule: a.body.rule }).toEqual({ status, rule });
}

/** Accepts through the customer's link (H3L's route) as the tenant's Global Administrator. */
async function acceptedRelationships(
  api: ApiClient,
  partnerToken: string,
  body: InvitationRequestBody,
  tenantId: string,
) {
  const created = await api.createInvitation(partnerToken, body);
  expect(created.status).toBe(202);
  const mail = await eventually(
    () => api.mail(),
    (items) => items.some((m) => m.to.includes(body.customer.adminEmail)),
    "the invitation email",
  );
  const link = /\/invite\/([A-Za-z0-9-]{1,64}\.[A-Za-z0-9-]{1,64}\.[A-Za-z0-9_-]{43})/.exec(
    mail.find((m) => m.to.includes(body.customer.adminEmail))?.text ?? "",
  );
  if (!link) throw new Error("no link in the email");
  const customerToken = await api.token({ tenantId, wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] });
  const accepted = await api.call("POST", `/invite/${link[1]}/accept`, {
    token: customerToken,
    headers: { accept: "application/json" },
    body: {},
  });
  expect(accepted.status).toBe(200);
  return eventually(
    () => api.relationships(partnerToken, tenantId),
    (a) =>
      a.status === 200 &&
      a.body.items.length > 0 &&
      a.body.items.some((r) => r.invitationId === created.body.id),
    "the relationships",
  );
}

describe("rules over HTTP", () => {
  it("R1: a read-only partner role cannot invite, cancel or terminate; it may read", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    for (const role of ["AdminAgent", "BillingAdmin", "HelpdeskAgent"]) {
      const token = await api.partnerToken(p.id, [role]);
      await expectRefusal(api.createInvitation(token, { kind: "reseller", customer: customer() }), 403, "R1");
    }
    const created = await api.createInvitation(p.token, { kind: "reseller", customer: customer() });
    const reader = await api.partnerToken(p.id, ["HelpdeskAgent"]);
    expect((await api.getInvitation(reader, created.body.id)).status).toBe(200);
    await expectRefusal(api.cancelInvitation(reader, created.body.id), 403, "R1");
    const noRole = await api.partnerToken(p.id, []);
    await expectRefusal(api.getInvitation(noRole, created.body.id), 403, "R1");
  });

  it("R1: a refused attempt is audited with the rule", async () => {
    const { api, db } = host();
    const p = await api.enrolPartner();
    const token = await api.partnerToken(p.id, ["BillingAdmin"]);
    await expectRefusal(api.createInvitation(token, { kind: "reseller", customer: customer() }), 403, "R1");
    const docs = await partitionDocuments(db, "invitations", p.id, "partnerId");
    expect(docs.filter((d) => d.docType === "invitation")).toEqual([]);
    expect(docs.filter((d) => d.docType === "audit" && d.outcome === "refused").map((d) => d.rule)).toEqual([
      "R1",
    ]);
  });

  it("R3: an indirect reseller is enrolled only under an enrolled indirect provider", async () => {
    const { api } = host();
    const operator = await api.operatorToken();
    const direct = await api.enrolPartner();
    const put = (body: Record<string, unknown>) =>
      api.call<{ rule?: string }>("PUT", `/api/partners/${randomUUID()}`, { token: operator, body });
    const base = {
      name: "Reseller",
      type: "indirectReseller",
      cloud: "global",
      contactEmail: "r@reseller.example",
    };
    await expectRefusal(put(base), 422, "R3");
    await expectRefusal(put({ ...base, indirectProviderId: randomUUID() }), 422, "R3");
    await expectRefusal(put({ ...base, indirectProviderId: direct.id }), 422, "R3");
    const provider = await api.enrolPartner({ type: "indirectProvider" });
    expect((await put({ ...base, indirectProviderId: provider.id })).status).toBe(201);
    // A provider with resellers cannot stop being one, nor move to another cloud (R12).
    const reenrol = (changes: Record<string, unknown>) =>
      api.call<{ rule?: string }>("PUT", `/api/partners/${provider.id}`, {
        token: operator,
        body: {
          name: provider.name,
          type: provider.type,
          cloud: provider.cloud,
          contactEmail: provider.contactEmail,
          ...changes,
        },
      });
    await expectRefusal(reenrol({ type: "direct" }), 409, "R3");
    await expectRefusal(reenrol({ cloud: "usgov" }), 409, "R12");
    expect((await reenrol({ name: "Renamed Distributor" })).status).toBe(200);
  });

  it("R3: the provider owns the reseller relationship and its reseller is attached; both see it, nobody else", async () => {
    const { api } = host();
    const provider = await api.enrolPartner({ type: "indirectProvider" });
    const reseller = await api.enrolPartner({ type: "indirectReseller", indirectProviderId: provider.id });
    const tenantId = randomUUID();
    const rels = await acceptedRelationships(
      api,
      provider.token,
      { kind: "reseller", customer: customer({ tenantId }), resellerPartnerId: reseller.id },
      tenantId,
    );
    expect(rels.body.items).toEqual([
      expect.objectContaining({ type: "reseller", partnerId: provider.id, indirectResellerId: reseller.id }),
    ]);
    const seenByReseller = await api.relationships(reseller.token, tenantId);
    expect(seenByReseller.body.items.map((r) => r.id)).toEqual([rels.body.items[0]?.id]);
    const stranger = await api.enrolPartner();
    expect((await api.relationships(stranger.token, tenantId)).body.items).toEqual([]);
  });

  it("R4: the admin duration is 1 to 730 days", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    for (const durationDays of [0, 731]) {
      await expectRefusal(
        api.createInvitation(p.token, {
          kind: "admin",
          customer: customer(),
          admin: admin({ durationDays }),
        }),
        422,
        "R4",
      );
    }
    const ok = await api.createInvitation(p.token, {
      kind: "admin",
      customer: customer(),
      admin: admin({ durationDays: 730 }),
    });
    expect(ok.status).toBe(202);
  });

  it("R6: no auto-extend with Global Administrator", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const ga = admin({ roles: [GLOBAL_ADMINISTRATOR_ROLE_ID], autoExtend: true });
    await expectRefusal(
      api.createInvitation(p.token, { kind: "admin", customer: customer(), admin: ga }),
      422,
      "R6",
    );
    const noExtend = await api.createInvitation(p.token, {
      kind: "admin",
      customer: customer(),
      admin: { ...ga, autoExtend: false },
    });
    expect(noExtend.status).toBe(202);
  });

  it("R11: a reseller invitation to an enrolled partner's tenant is refused; admin-only is allowed", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const other = await api.enrolPartner();
    await expectRefusal(
      api.createInvitation(p.token, { kind: "reseller", customer: customer({ tenantId: other.id }) }),
      403,
      "R11",
    );
    await expectRefusal(
      api.createInvitation(p.token, {
        kind: "reseller+admin",
        customer: customer({ tenantId: other.id }),
        admin: admin(),
      }),
      403,
      "R11",
    );
    const adminOnly = await api.createInvitation(p.token, {
      kind: "admin",
      customer: customer({ tenantId: other.id }),
      admin: admin(),
    });
    expect(adminOnly.status).toBe(202);
  });

  it("a body that does not parse lists every invalid field in one 422, and no rule", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const answer = await api.call<{ rule?: string; errors: { field: string }[] }>(
      "POST",
      "/api/invitations",
      {
        token: p.token,
        body: {
          kind: "friendship",
          customer: { domain: "not a domain", displayName: "", adminEmail: "nobody" },
          admin: { roles: [], durationDays: 0, autoExtend: true },
        },
      },
    );
    expect(answer.status).toBe(422);
    expect(answer.body.rule).toBeUndefined();
    expect(answer.body.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining([
        "kind",
        "customer.domain",
        "customer.displayName",
        "customer.adminEmail",
        "admin.roles",
      ]),
    );
  });

  it("R4, R6, R12: one answer names every rule the request breaks (a 422 led by the first)", async () => {
    const { api } = host();
    const p = await api.enrolPartner({ cloud: "global" });
    const answer = await api.createInvitation(p.token, {
      kind: "admin",
      customer: customer({ domain: "fabrikam.onmicrosoft.us" }),
      admin: admin({ roles: [GLOBAL_ADMINISTRATOR_ROLE_ID], durationDays: 900, autoExtend: true }),
    });
    await expectRefusal(Promise.resolve(answer), 422, "R4");
    const body = answer.body as unknown as {
      violations: { status: number; rule?: string; detail: string }[];
      errors: { field: string }[];
    };
    expect(body.violations.map((v) => [v.status, v.rule])).toEqual([
      [422, "R4"],
      [422, "R6"],
      [403, "R12"],
    ]);
    expect(body.errors.map((e) => e.field)).toEqual(["admin.durationDays", "admin.autoExtend"]);
    const listed = await api.call<{ items: unknown[] }>("GET", "/api/invitations", { token: p.token });
    expect(listed.body.items).toEqual([]);
  });

  it("R12: a customer known to be in another cloud is refused", async () => {
    const { api } = host();
    const p = await api.enrolPartner({ cloud: "global" });
    // By the customer's cloud-specific initial domain.
    await expectRefusal(
      api.createInvitation(p.token, {
        kind: "reseller",
        customer: customer({ domain: "fabrikam.partner.onmschina.cn" }),
      }),
      403,
      "R12",
    );
    // By the customer tenant being an enrolled partner tenant of another cloud (admin-only: R11 does not apply).
    const usgovPartner = await api.enrolPartner({ cloud: "usgov" });
    await expectRefusal(
      api.createInvitation(p.token, {
        kind: "admin",
        customer: customer({ tenantId: usgovPartner.id }),
        admin: admin(),
      }),
      403,
      "R12",
    );
    // A reseller is enrolled in its provider's cloud only.
    const provider = await api.enrolPartner({ type: "indirectProvider", cloud: "global" });
    const put = await api.call<{ rule?: string }>("PUT", `/api/partners/${randomUUID()}`, {
      token: await api.operatorToken(),
      body: {
        name: "R",
        type: "indirectReseller",
        cloud: "china",
        indirectProviderId: provider.id,
        contactEmail: "r@r.example",
      },
    });
    expect({ status: put.status, rule: put.body.rule }).toEqual({ status: 422, rule: "R12" });
  });

  it("R12: a customer tenant its directory puts in another cloud is refused, saying only that the clouds differ", async () => {
    const { api } = host();
    const global = await api.enrolPartner({ cloud: "global" });
    const refused = await api.createInvitation(global.token, {
      kind: "admin",
      customer: customer({ tenantId: CHINA_CLOUD_TENANT }),
      admin: admin(),
    });
    await expectRefusal(Promise.resolve(refused), 403, "R12");
    expect(refused.body.detail).toMatch(/different clouds/);
    expect(refused.body.detail).not.toMatch(/relationship|another partner|other partner|china/i);
    const china = await api.enrolPartner({ cloud: "china" });
    const accepted = await api.createInvitation(china.token, {
      kind: "reseller",
      customer: customer({ tenantId: CHINA_CLOUD_TENANT }),
    });
    expect(accepted.status, accepted.text).toBe(202);
  });

  it("R10, R12: another partner's relationship with a customer changes nothing for the next partner (knowing without seeing)", async () => {
    const { api } = host();
    const china = await api.enrolPartner({ cloud: "china" });
    const served = randomUUID();
    await acceptedRelationships(
      api,
      china.token,
      { kind: "reseller", customer: customer({ tenantId: served }) },
      served,
    );
    const global = await api.enrolPartner({ cloud: "global" });
    const answers = [];
    for (const tenantId of [served, randomUUID()]) {
      const answer = await api.createInvitation(global.token, {
        kind: "admin",
        customer: customer({ tenantId }),
        admin: admin(),
      });
      answers.push({ status: answer.status, invitationStatus: answer.body.status, rule: answer.body.rule });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.status).toBe(202);
  });

  it("R13: an indirect reseller cannot create reseller invitations; admin-only is allowed", async () => {
    const { api } = host();
    const provider = await api.enrolPartner({ type: "indirectProvider" });
    const reseller = await api.enrolPartner({ type: "indirectReseller", indirectProviderId: provider.id });
    await expectRefusal(
      api.createInvitation(reseller.token, { kind: "reseller", customer: customer() }),
      403,
      "R13",
    );
    await expectRefusal(
      api.createInvitation(reseller.token, { kind: "reseller+admin", customer: customer(), admin: admin() }),
      403,
      "R13",
    );
    const adminOnly = await api.createInvitation(reseller.token, {
      kind: "admin",
      customer: customer(),
      admin: admin(),
    });
    expect(adminOnly.status).toBe(202);
  });

  it("R13: a provider invites on behalf of its own reseller only", async () => {
    const { api } = host();
    const provider = await api.enrolPartner({ type: "indirectProvider" });
    const own = await api.enrolPartner({ type: "indirectReseller", indirectProviderId: provider.id });
    const otherProvider = await api.enrolPartner({ type: "indirectProvider" });
    const foreign = await api.enrolPartner({
      type: "indirectReseller",
      indirectProviderId: otherProvider.id,
    });
    await expectRefusal(
      api.createInvitation(provider.token, {
        kind: "reseller",
        customer: customer(),
        resellerPartnerId: foreign.id,
      }),
      403,
      "R13",
    );
    await expectRefusal(
      api.createInvitation(provider.token, { kind: "reseller", customer: customer() }),
      422,
      "R13",
    );
    const direct = await api.enrolPartner();
    await expectRefusal(
      api.createInvitation(direct.token, {
        kind: "reseller",
        customer: customer(),
        resellerPartnerId: own.id,
      }),
      403,
      "R13",
    );
    const ok = await api.createInvitation(provider.token, {
      kind: "reseller",
      customer: customer(),
      resellerPartnerId: own.id,
    });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ resellerPartnerId: own.id });
  });

  it("R14: an advisor may request admin relationships only", async () => {
    const { api } = host();
    const advisor = await api.enrolPartner({ type: "advisor" });
    await expectRefusal(
      api.createInvitation(advisor.token, { kind: "reseller", customer: customer() }),
      403,
      "R14",
    );
    await expectRefusal(
      api.createInvitation(advisor.token, { kind: "reseller+admin", customer: customer(), admin: admin() }),
      403,
      "R14",
    );
    expect(
      (await api.createInvitation(advisor.token, { kind: "admin", customer: customer(), admin: admin() }))
        .status,
    ).toBe(202);
  });

  it("R9: the partner terminates its admin relationship; once; others' ids are 404", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const tenantId = randomUUID();
    const rels = await acceptedRelationships(
      api,
      p.token,
      { kind: "reseller+admin", customer: customer({ tenantId }), admin: admin({ durationDays: 30 }) },
      tenantId,
    );
    const adminRel = rels.body.items.find((r) => r.type === "admin");
    const resellerRel = rels.body.items.find((r) => r.type === "reseller");
    expect(adminRel).toMatchObject({ status: "active", roles: [EXCHANGE_ADMINISTRATOR], autoExtend: false });
    const id = String(adminRel?.id);

    const stranger = await api.enrolPartner();
    expect(
      (await api.call("POST", `/api/relationships/${id}/terminate`, { token: stranger.token })).status,
    ).toBe(404);
    const reader = await api.partnerToken(p.id, ["AdminAgent"]);
    const refused = await api.call<{ rule?: string }>("POST", `/api/relationships/${id}/terminate`, {
      token: reader,
    });
    expect({ status: refused.status, rule: refused.body.rule }).toEqual({ status: 403, rule: "R1" });

    const done = await api.call<{ status: string }>("POST", `/api/relationships/${id}/terminate`, {
      token: p.token,
    });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe("terminated");
    expect((await api.call("POST", `/api/relationships/${id}/terminate`, { token: p.token })).status).toBe(
      409,
    );
    expect(
      (await api.call("POST", `/api/relationships/${String(resellerRel?.id)}/terminate`, { token: p.token }))
        .status,
    ).toBe(409);
  });

  it("R9: the customer's Global Administrator terminates an admin relationship too", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const tenantId = randomUUID();
    const rels = await acceptedRelationships(
      api,
      p.token,
      { kind: "admin", customer: customer({ tenantId }), admin: admin() },
      tenantId,
    );
    const id = String(rels.body.items[0]?.id);
    const notAdmin = await api.token({ tenantId, wids: [] });
    expect((await api.call("POST", `/api/relationships/${id}/terminate`, { token: notAdmin })).status).toBe(
      404,
    );
    const ga = await api.token({ tenantId, wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] });
    expect((await api.call("POST", `/api/relationships/${id}/terminate`, { token: ga })).status).toBe(200);
  });

  it("R10: a second partner's relationship with the same customer changes nothing of the first's documents", async () => {
    const { api, db } = host();
    const first = await api.enrolPartner();
    const second = await api.enrolPartner();
    const tenantId = randomUUID();
    await acceptedRelationships(
      api,
      first.token,
      { kind: "reseller+admin", customer: customer({ tenantId }), admin: admin() },
      tenantId,
    );
    const firstDocs = async () =>
      (await partitionDocuments(db, "customers", tenantId, "customerTenantId")).filter(
        (d) => d.partnerId === first.id,
      );
    const before = await firstDocs();
    expect(before).toHaveLength(2);

    const secondRels = await acceptedRelationships(
      api,
      second.token,
      { kind: "admin", customer: customer({ tenantId }), admin: admin({ durationDays: 10 }) },
      tenantId,
    );
    expect(secondRels.body.items.every((r) => r.partnerId === second.id)).toBe(true);
    // Byte for byte, ETags included: nothing of the first partner's was rewritten.
    expect(await firstDocs()).toEqual(before);
    // Each partner sees only its own relationships with the customer.
    const seenByFirst = await api.relationships(first.token, tenantId);
    expect(seenByFirst.body.items.map((r) => r.partnerId)).toEqual([first.id, first.id]);
    // The customer's Global Administrator sees both partners' relationships; a customer user without the role, none.
    const ga = await api.token({ tenantId, wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] });
    expect((await api.relationships(ga, tenantId)).body.items.map((r) => r.partnerId).sort()).toEqual(
      [first.id, first.id, second.id].sort(),
    );
    expect((await api.relationships(await api.token({ tenantId }), tenantId)).status).toBe(403);
  });
});
