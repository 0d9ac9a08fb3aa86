import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadJose } from "../../src/adapters/auth/jose";
import { customer, EXCHANGE_ADMINISTRATOR, type EnrolledPartner } from "../support/api-client";
import { countDocuments, eventually, partitionDocuments, useApiHost } from "./support";

const host = useApiHost();

/** What a bad request must leave untouched: the partner's partition, the lookups, the mailbox. */
async function snapshot(partner: EnrolledPartner) {
  const { api, db } = host();
  return {
    partition: await partitionDocuments(db, "invitations", partner.id, "partnerId"),
    lookups: await countDocuments(db, "lookups"),
    mail: (await api.mail()).length,
  };
}

/**
 * Proves nothing was sent without waiting for "long enough": a valid invitation made afterwards is
 * emailed, and it is the only new email, so no earlier request had started a workflow.
 */
async function expectOnlySentinelMailed(partner: EnrolledPartner, mailBefore: number) {
  const { api } = host();
  const sentinel = customer();
  expect((await api.createInvitation(partner.token, { kind: "reseller", customer: sentinel })).status).toBe(
    202,
  );
  const items = await eventually(
    () => api.mail(),
    (all) => all.some((m) => m.to.includes(sentinel.adminEmail)),
    "the sentinel email",
  );
  const fresh = items.slice(0, items.length - mailBefore);
  expect(fresh.map((m) => m.to)).toEqual([[sentinel.adminEmail]]);
}

describe("bad input: a clear 4xx, nothing stored, nothing sent", () => {
  it("refuses malformed, mistyped, oversized and invalid bodies", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const before = await snapshot(p);
    const post = (rawBody: string) =>
      api.call<{ errors?: { field: string }[] }>("POST", "/api/invitations", { token: p.token, rawBody });
    const valid = { kind: "reseller", customer: customer() };
    const cases: [string, string, number, string?][] = [
      ["malformed JSON", '{"kind": "reseller",', 400],
      ["not an object", "[1,2,3]", 422],
      ["wrong types", JSON.stringify({ ...valid, kind: 5 }), 422, "kind"],
      ["unknown field", JSON.stringify({ ...valid, surprise: true }), 422],
      ["unknown nested field", JSON.stringify({ ...valid, customer: { ...valid.customer, extra: 1 } }), 422],
      [
        "oversized body",
        JSON.stringify({ ...valid, customer: { ...valid.customer, displayName: "x".repeat(70_000) } }),
        413,
      ],
      [
        "10,000-character name",
        JSON.stringify({ ...valid, customer: { ...valid.customer, displayName: "n".repeat(10_000) } }),
        422,
        "customer.displayName",
      ],
      [
        "control characters",
        JSON.stringify({
          ...valid,
          customer: { ...valid.customer, displayName: "Evil\u0000Corp\r\nBcc: x" },
        }),
        422,
        "customer.displayName",
      ],
      [
        "invalid email",
        JSON.stringify({ ...valid, customer: { ...valid.customer, adminEmail: "not-an-email" } }),
        422,
        "customer.adminEmail",
      ],
      [
        "invalid domain",
        JSON.stringify({ ...valid, customer: { ...valid.customer, domain: "exa mple..com" } }),
        422,
        "customer.domain",
      ],
      [
        "invalid tenant id",
        JSON.stringify({ ...valid, customer: { ...valid.customer, tenantId: "../../etc" } }),
        422,
        "customer.tenantId",
      ],
      [
        "unknown admin role",
        JSON.stringify({
          kind: "admin",
          customer: valid.customer,
          admin: { roles: ["root"], durationDays: 5, autoExtend: false },
        }),
        422,
        "admin.roles.0",
      ],
      ["empty body", "", 400],
    ];
    for (const [what, body, status, field] of cases) {
      const answer = await post(body);
      expect({
        what,
        status: answer.status,
        type: answer.headers.get("content-type")?.split(";")[0],
      }).toEqual({
        what,
        status,
        type: "application/problem+json",
      });
      if (field)
        expect(
          answer.body.errors?.map((e) => e.field),
          what,
        ).toContain(field);
    }
    const after = await snapshot(p);
    expect(after.partition).toEqual(before.partition);
    expect(after.lookups).toBe(before.lookups);
    await expectOnlySentinelMailed(p, before.mail);
  });

  it("accepts HTML in names as text (escaping is the renderers' job) and falls back to en for an unknown locale", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const c = customer({ displayName: '<script>alert("x")</script> & Co' });
    const answer = await api.createInvitation(p.token, { kind: "reseller", customer: c, locale: "xx-YY" });
    expect(answer.status).toBe(202);
    expect(answer.body.locale).toBe("en");
    expect(answer.body.customer.displayName).toBe(c.displayName);
    const ptBr = await api.createInvitation(p.token, {
      kind: "reseller",
      customer: customer(),
      locale: "pt-br",
    });
    expect(ptBr.body.locale).toBe("pt-BR");
    const mail = await eventually(
      () => api.mail(),
      (items) => items.some((m) => m.to.includes(c.adminEmail)),
      "the invitation email",
    );
    expect(mail.find((m) => m.to.includes(c.adminEmail))?.html).not.toContain("<script>");
  });

  it("refuses a bad partner enrolment with 422 and stores nothing", async () => {
    const { api, db } = host();
    const operator = await api.operatorToken();
    const id = randomUUID();
    const bad = await api.call<{ errors?: { field: string }[] }>("PUT", `/api/partners/${id}`, {
      token: operator,
      body: { name: "X", type: "wholesaler", cloud: "mars", contactEmail: "nope" },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(["cloud", "contactEmail", "type"]);
    expect((await api.call("PUT", "/api/partners/not-a-guid", { token: operator, body: {} })).status).toBe(
      422,
    );
    expect(await partitionDocuments(db, "partners", id, "id")).toEqual([]);
    // A partner cannot enrol partners.
    const p = await api.enrolPartner();
    const answer = await api.call("PUT", `/api/partners/${id}`, {
      token: p.token,
      body: { name: "X", type: "direct", cloud: "global", contactEmail: "x@x.example" },
    });
    expect(answer.status).toBe(403);
  });

  it("PUT /api/partners answers 201 on enrolment and 200 on replacement", async () => {
    const { api } = host();
    const operator = await api.operatorToken();
    const id = randomUUID();
    const body = { name: "Contoso", type: "direct", cloud: "global", contactEmail: "ops@contoso.example" };
    const first = await api.call<{ id: string; createdAt: string }>("PUT", `/api/partners/${id}`, {
      token: operator,
      body,
    });
    expect(first.status).toBe(201);
    const second = await api.call<{ name: string; createdAt: string }>("PUT", `/api/partners/${id}`, {
      token: operator,
      body: { ...body, name: "Contoso Ltd" },
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ name: "Contoso Ltd", createdAt: first.body.createdAt });
  });
});

describe("authentication: 401 for every bad token, never echoing it", () => {
  it("no token, another scheme, a tampered token, a foreign key, an expired token", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const list = (headers: Record<string, string>) => api.call("GET", "/api/invitations", { headers });

    const none = await list({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await list({ authorization: "Basic dXNlcjpwYXNz" })).status).toBe(401);

    const [h, payload, sig] = p.token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ["Operator"] })).toString("base64url");
    const tampered = `${h}.${forged}.${sig}`;
    const tamperedAnswer = await list({ authorization: `Bearer ${tampered}` });
    expect(tamperedAnswer.status).toBe(401);
    expect(tamperedAnswer.text).not.toContain(forged);

    // Same issuer, audience and claims, signed with a key the app never published.
    const jose = await loadJose();
    const { privateKey } = await jose.generateKeyPair("ES256");
    const foreign = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", typ: "JWT" })
      .sign(privateKey);
    expect((await list({ authorization: `Bearer ${foreign}` })).status).toBe(401);

    // Expiry is judged by the app's clock: move the virtual clock past the token's lifetime.
    const shortLived = await api.token({ tenantId: p.id, roles: ["SalesAgent"], expiresInSeconds: 60 });
    expect((await list({ authorization: `Bearer ${shortLived}` })).status).toBe(200);
    await api.advanceClock({ minutes: 10 });
    const expired = await list({ authorization: `Bearer ${shortLived}` });
    expect(expired.status).toBe(401);
    expect(expired.text).not.toContain(shortLived);
    // Neither the tokens nor their signatures ever reach the host's log.
    const log = host().host.output();
    for (const secret of [p.token, shortLived, tampered, foreign, sig ?? "", forged])
      expect(log).not.toContain(secret);
  });

  it("an authenticated tenant that is not an enrolled partner gets 403", async () => {
    const { api } = host();
    const stranger = await api.token({ tenantId: randomUUID(), roles: ["GlobalAdmin"] });
    expect((await api.createInvitation(stranger, { kind: "reseller", customer: customer() })).status).toBe(
      403,
    );
  });
});

describe("a partner sees only its own invitations", () => {
  it("answers 404 for another partner's invitation and for unknown ids", async () => {
    const { api } = host();
    const owner = await api.enrolPartner();
    const other = await api.enrolPartner();
    const created = await api.createInvitation(owner.token, { kind: "reseller", customer: customer() });
    expect(created.status).toBe(202);
    expect(created.headers.get("location")).toBe(`/api/invitations/${created.body.id}`);
    expect(created.body).toMatchObject({ status: "pending", kind: "reseller" });
    expect(created.text).not.toMatch(/tokenHash|linkNonce/);

    expect((await api.getInvitation(other.token, created.body.id)).status).toBe(404);
    expect((await api.cancelInvitation(other.token, created.body.id)).status).toBe(404);
    expect((await api.getInvitation(owner.token, randomUUID())).status).toBe(404);
    expect((await api.getInvitation(owner.token, "not-an-id")).status).toBe(404);
    const listed = await api.call<{ items: { id: string }[] }>("GET", "/api/invitations", {
      token: other.token,
    });
    expect(listed.body.items.map((i) => i.id)).not.toContain(created.body.id);

    const own = await api.getInvitation(owner.token, created.body.id);
    expect(own.status).toBe(200);
    expect(own.body.audit?.map((a) => a.action)).toContain("created");
  });

  it("lists in pages and by status", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await api.createInvitation(p.token, { kind: "reseller", customer: customer() })).body.id);
    }
    expect((await api.cancelInvitation(p.token, ids[0] ?? "")).status).toBe(200);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ limit: "2", ...(token ? { continuationToken: token } : {}) });
      const page = await api.call<{ items: { id: string }[]; continuationToken?: string }>(
        "GET",
        `/api/invitations?${q}`,
        {
          token: p.token,
        },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i) => i.id));
      token = page.body.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen.sort()).toEqual([...ids].sort());
    const cancelled = await api.call<{ items: { id: string }[] }>(
      "GET",
      "/api/invitations?status=cancelled",
      {
        token: p.token,
      },
    );
    expect(cancelled.body.items.map((i) => i.id)).toEqual([ids[0]]);
    expect((await api.call("GET", "/api/invitations?status=bogus", { token: p.token })).status).toBe(422);
    expect(
      (await api.call("GET", "/api/invitations?continuationToken=%25%25", { token: p.token })).status,
    ).toBe(422);
  });
});

describe("Idempotency-Key on POST /api/invitations", () => {
  it("same key and body: the first answer; same key, other body: 422; one invitation stored", async () => {
    const { api, db } = host();
    const p = await api.enrolPartner();
    const key = randomUUID();
    const body = {
      kind: "admin" as const,
      customer: customer(),
      admin: { roles: [EXCHANGE_ADMINISTRATOR], durationDays: 7, autoExtend: false },
    };
    const first = await api.createInvitation(p.token, body, key);
    expect(first.status).toBe(202);
    const again = await api.createInvitation(p.token, body, key);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    // The same JSON with its keys in another order is the same body.
    const reordered = await api.call<{ id: string }>("POST", "/api/invitations", {
      token: p.token,
      headers: { "idempotency-key": key },
      rawBody: JSON.stringify({ admin: body.admin, customer: body.customer, kind: body.kind }),
    });
    expect(reordered.body.id).toBe(first.body.id);
    const other = await api.createInvitation(
      p.token,
      { ...body, kind: "admin", admin: { ...body.admin, durationDays: 8 } },
      key,
    );
    expect(other.status).toBe(422);
    const stored = (await partitionDocuments(db, "invitations", p.id, "partnerId")).filter(
      (d) => d.docType === "invitation",
    );
    expect(stored.map((d) => d.id)).toEqual([first.body.id]);
  });

  it("concurrent requests with one key create one invitation and one email", async () => {
    const { api, db } = host();
    const p = await api.enrolPartner();
    const key = randomUUID();
    const body = { kind: "reseller" as const, customer: customer() };
    const answers = await Promise.all([1, 2, 3, 4].map(() => api.createInvitation(p.token, body, key)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const stored = (await partitionDocuments(db, "invitations", p.id, "partnerId")).filter(
      (d) => d.docType === "invitation",
    );
    expect(stored).toHaveLength(1);
    // A second partner's identical key is its own.
    const q = await api.enrolPartner();
    const theirs = await api.createInvitation(q.token, body, key);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(answers[0]?.body.id);
    const mail = await eventually(
      () => api.mail(),
      (items) => items.filter((m) => m.to.includes(body.customer.adminEmail)).length >= 2,
      "both partners' emails",
    );
    expect(mail.filter((m) => m.to.includes(body.customer.adminEmail))).toHaveLength(2);
  });

  it("refuses an unusable key", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const answer = await api.createInvitation(
      p.token,
      { kind: "reseller", customer: customer() },
      "x".repeat(300),
    );
    expect(answer.status).toBe(422);
  });
});

describe("cancellation", () => {
  it("cancels a pending invitation once (409 afterwards), records it, and the partner is notified", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const created = await api.createInvitation(p.token, { kind: "reseller", customer: customer() });
    const cancelled = await api.cancelInvitation(p.token, created.body.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect((await api.cancelInvitation(p.token, created.body.id)).status).toBe(409);
    const got = await api.getInvitation(p.token, created.body.id);
    expect(got.body.status).toBe("cancelled");
    expect(got.body.audit?.map((a) => a.action)).toEqual(expect.arrayContaining(["created", "cancelled"]));
    await eventually(
      () => api.mail(),
      (items) => items.some((m) => m.to.includes(p.contactEmail)),
      "the partner's cancellation email",
    );
  });

  it("of concurrent cancels exactly one wins", async () => {
    const { api } = host();
    const p = await api.enrolPartner();
    const created = await api.createInvitation(p.token, { kind: "reseller", customer: customer() });
    const answers = await Promise.all([1, 2, 3].map(() => api.cancelInvitation(p.token, created.body.id)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
  });
});

describe("GET /api/openapi.json", () => {
  it("is OpenAPI 3.1 generated from the request schemas, covering the routes", async () => {
    const { api } = host();
    const doc = await api.call<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: {
        schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }>;
      };
    }>("GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.body.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "PUT /api/partners/{partnerId}",
        "POST /api/invitations",
        "GET /api/invitations",
        "GET /api/invitations/{id}",
        "POST /api/invitations/{id}/cancel",
        "GET /api/customers/{tenantId}/relationships",
        "POST /api/relationships/{id}/terminate",
        "POST /api/customers/{tenantId}/subscriptions",
        "GET /api/customers/{tenantId}/subscriptions",
        "POST /api/customers/{tenantId}/subscriptions/import",
        "GET /api/customers/{tenantId}/subscriptions/{id}",
        "PATCH /api/customers/{tenantId}/subscriptions/{id}",
        "GET /api/customers/{tenantId}/migration-plan",
        "GET /invite/{token}",
        "POST /invite/{token}/accept",
        "POST /invite/{token}/decline",
        "GET /api/health",
        "GET /api/openapi.json",
        "POST /dev/token",
      ]),
    );
    const input = doc.body.components.schemas.CreateInvitationInput;
    expect(input?.additionalProperties).toBe(false);
    expect(Object.keys(input?.properties ?? {})).toEqual(
      expect.arrayContaining(["kind", "customer", "locale", "admin", "resellerPartnerId"]),
    );
    // Every reference resolves inside the document.
    const refs = [...doc.text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.body.components.schemas[ref], ref).toBeDefined();
  });

  it("documents every HTTP function the host registered, customer pages and the canary included", async () => {
    const { api, host: running } = host();
    // The local host lists what the app registered with @azure/functions: "  http  name: [GET,HEAD] /route".
    const registered = [...running.output().matchAll(/^\s+http\s+(\S+): \[([^\]]*)\] \/(\S*)$/gm)].flatMap(
      ([, name, methods, route]) =>
        (methods ?? "").split(",").map((method) => ({
          name: name ?? "",
          operation: `${method.toUpperCase()} /${(route ?? "").replace(/\{([^}:?]+)[^}]*\}/g, "{$1}")}`,
        })),
    );
    expect(registered.map((r) => r.operation)).toEqual(
      expect.arrayContaining([
        "POST /api/invitations",
        "HEAD /invite/{token}",
        "GET /auth/invite/callback",
        "POST /api/diagnostics/canary",
        "POST /dev/token",
      ]),
    );
    const doc = await api.call<{ paths: Record<string, Record<string, { operationId?: string }>> }>(
      "GET",
      "/api/openapi.json",
    );
    const documented = new Set(
      Object.entries(doc.body.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const missing = registered.filter((r) => !documented.has(r.operation));
    expect(missing, "registered functions missing from /api/openapi.json").toEqual([]);
  });
});
