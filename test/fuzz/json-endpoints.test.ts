import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import type { Database } from "@azure/cosmos";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { useApiHost } from "../api/support";
import {
  customerFor,
  eventually,
  Journey,
  linkPath,
  type Answer,
  type PartnerSetup,
} from "../journey/support";
import { SchemaArbitraries, type InvalidBody, type Schema } from "./json-schema-arbitraries";

/**
 * Issue 13, fuzzing: every JSON route the host registered (read from the OpenAPI document, which is
 * generated from the registered descriptors and their zod schemas) gets bodies derived from its own
 * schema. Never a 500; a refused body stores nothing (every container compared before and after);
 * a 422 names the field. Then the markup, header, size and slow-client attacks on the same host.
 */

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? "") || 25;
const REQUEST_TIMEOUT_MS = 1500;
const api = useApiHost({ env: { FUNCTIONS_LOCAL_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) } });

interface Operation {
  method: string;
  path: string;
  operationId: string;
  schema: Schema;
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: Schema }> } }>
  >;
  components?: { schemas?: Record<string, Schema> };
}

const CONTAINERS = ["partners", "invitations", "customers", "lookups", "migrations", "schedule"];

/** Every document of every container, system properties included: a refusal must change none. */
async function snapshot(db: Database): Promise<string> {
  const all: Record<string, unknown[]> = {};
  for (const name of CONTAINERS) {
    const { resources } = await db.container(name).items.query<{ id: string }>("SELECT * FROM c").fetchAll();
    all[name] = resources.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }
  return JSON.stringify(all);
}

/** Routes that move the shared virtual clock or mint tokens are fuzzed with refused bodies only. */
const REFUSED_ONLY = new Set(["/dev/clock/advance"]);

let journey: Journey;
let partner: PartnerSetup;
let operatorToken: string;
let customerTenant: string;
let operations: Operation[];
let arbitraries: SchemaArbitraries;
const counts: Record<string, { valid: number; invalid: number }> = {};
const countFor = (where: string) => (counts[where] ??= { valid: 0, invalid: 0 });

beforeAll(async () => {
  journey = new Journey(api().host);
  operatorToken = await journey.operatorToken();
  partner = await journey.enrolPartner();
  const customer = customerFor();
  customerTenant = customer.tenantId;
  await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  const accepted = await journey.call("POST", `${linkPath(mail!)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  expect(accepted.status).toBe(200);
  await journey.call("POST", `/api/customers/${customerTenant}/subscriptions`, {
    token: partner.token,
    json: {
      id: "E3-1",
      offer: "Microsoft 365 E3",
      billing: "license",
      channel: "ea",
      termEnd: new Date(Date.now() + 200 * 86_400_000).toISOString(),
      seats: 5,
    },
  });
  const doc = (await journey.call<OpenApi>("GET", "/api/openapi.json")).body;
  arbitraries = new SchemaArbitraries(doc.components?.schemas ?? {});
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([method, op]) => {
      const schema = op.requestBody?.content["application/json"]?.schema;
      return schema ? [{ method: method.toUpperCase(), path, operationId: op.operationId, schema }] : [];
    }),
  );
  // The dev routes are not in the published document; they take JSON too.
  for (const [path, schema] of [
    ["/dev/token", { $ref: "#/components/schemas/DevTokenInput" }],
    ["/dev/clock/advance", { type: "object", properties: { days: { type: "number" } } }],
  ] as const) {
    if (!operations.some((o) => o.path === path))
      operations.push({ method: "POST", path, operationId: path, schema });
  }
});

/** Fills path parameters with the fixture's own ids (so the body is what gets refused, not the path). */
function concretePath(template: string): string {
  return template
    .replace("{tenantId}", customerTenant)
    .replace("{partnerId}", "5b0c5c1e-5d5e-4c43-9d8f-6f0b2a3c4d5e")
    .replace(/\{id\}/g, template.includes("subscriptions") ? "E3-1" : "00000000-0000-4000-8000-000000000000")
    .replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000001");
}

function tokenFor(op: Operation): string {
  return op.path.startsWith("/api/partners/") ? operatorToken : partner.token;
}

async function send(op: Operation, body: unknown): Promise<Answer<{ errors?: { field: string }[] }>> {
  return journey.call(op.method, concretePath(op.path), {
    token: tokenFor(op),
    json: body,
  });
}

function expectProblem(op: Operation, answer: Answer, input: unknown): void {
  const where = `${op.method} ${op.path} ${answer.status} ${answer.text.slice(0, 300)} <- ${JSON.stringify(input).slice(0, 300)}`;
  expect(answer.status, where).toBeLessThan(500);
  if (answer.status >= 400)
    expect(answer.headers.get("content-type"), where).toMatch(/application\/problem\+json/);
}

/** A 422 names the broken field (or its parent object, for an extra field or a union). */
function expectNamesField(
  answer: Answer<{ errors?: { field: string }[] }>,
  bad: InvalidBody,
  where: string,
): void {
  if (answer.status !== 422) return;
  // The import names rows as `rows[0].field`; the schema's path is `0.field`.
  const fields = (answer.body.errors ?? []).map((e) =>
    e.field.replace(/^rows\[(\d+)\]/, "$1").replace(/\[(\d+)\]/g, ".$1"),
  );
  expect(fields.length, where).toBeGreaterThan(0);
  const path = bad.path.join(".");
  const named = fields.some(
    (f) =>
      f === "(body)" || path === "" || f === path || path.startsWith(`${f}.`) || f.startsWith(`${path}.`),
  );
  expect(named, `${where}: errors ${JSON.stringify(fields)} should name ${path}`).toBe(true);
}

describe("fuzzing every JSON route from its schema", () => {
  it("the routes come from the registered descriptors (a new JSON route is fuzzed the day it is added)", () => {
    const paths = operations.map((o) => `${o.method} ${o.path}`);
    for (const expected of [
      "POST /api/invitations",
      "PUT /api/partners/{partnerId}",
      "POST /api/migrations",
      "PATCH /api/customers/{tenantId}/subscriptions/{id}",
      "PUT /api/webhooks",
    ])
      expect(paths).toContain(expected);
  });

  it("bodies that break the schema: never a 500, a problem naming the field, nothing stored", async () => {
    const before = await snapshot(api().db);
    for (const op of operations) {
      const where = `${op.method} ${op.path}`;
      await fc.assert(
        fc.asyncProperty(arbitraries.invalid(op.schema), async (bad) => {
          countFor(where).invalid++;
          const answer = await send(op, bad.body);
          expectProblem(op, answer, bad);
          expect(
            answer.status,
            `${where} accepted ${bad.how} at ${bad.path.join(".")}: ${JSON.stringify(bad.body).slice(0, 300)}`,
          ).toBeGreaterThanOrEqual(400);
          expectNamesField(answer, bad, `${where} ${bad.how}`);
        }),
        { numRuns: RUNS * 2 },
      );
      // Not JSON at all.
      const garbage = await journey.call(op.method, concretePath(op.path), {
        token: tokenFor(op),
        headers: { "content-type": "application/json" },
      });
      expectProblem(op, garbage, "(no body)");
    }
    // A number inside the type but past what a clock can hold is refused, not a broken clock.
    const far = await journey.call<{ errors?: { field: string }[] }>("POST", "/dev/clock/advance", {
      json: { days: 1e300 },
    });
    expect(far.status).toBe(422);
    expect(far.body.errors?.[0]?.field).toBeTruthy();
    expect(await snapshot(api().db)).toBe(before);
  });

  it("bodies inside the schema (bounds, HTML, CR/LF, unicode): never a 500", async () => {
    for (const op of operations) {
      if (REFUSED_ONLY.has(op.path)) continue;
      const where = `${op.method} ${op.path}`;
      await fc.assert(
        fc.asyncProperty(arbitraries.valid(op.schema), async (body) => {
          countFor(where).valid++;
          expectProblem(op, await send(op, body), body);
        }),
        { numRuns: RUNS },
      );
    }
    const total = Object.values(counts).reduce((n, c) => n + c.valid + c.invalid, 0);
    console.log(`fuzzed ${total} bodies over ${operations.length} JSON routes: ${JSON.stringify(counts)}`);
  });
});

describe("markup and header injection through names", () => {
  it("HTML in a customer's and a partner's name is escaped in the email and the page; CR/LF never reaches a subject", async () => {
    const evilPartner = await journey.enrolPartner({ name: 'Evil <img src=x onerror=alert(1)> "Co"' });
    const customer = { ...customerFor(), displayName: "<script>alert('x')</script> Ltd" };
    await journey.invite(evilPartner, { kind: "reseller", customer, locale: "en" });
    const [mail] = await journey.waitForMail(customer.adminEmail, 1);
    expect(mail!.html).not.toMatch(/<img src=x|<script>alert/);
    expect(mail!.html).toMatch(/&lt;img src=x|&lt;script&gt;/);
    const page = await journey.call("GET", linkPath(mail!));
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<img src=x|<script>alert/);
    expect(page.text).toContain("&lt;img src=x");

    // A name with a line break is refused or flattened: nothing ever puts CR/LF into a subject.
    const operator = await journey.operatorToken();
    const crlf = await journey.call("PUT", `/api/partners/${randomUUID()}`, {
      token: operator,
      json: {
        name: "Fabrikam\r\nBcc: attacker@evil.example",
        type: "direct",
        cloud: "global",
        contactEmail: "c@fabrikam.example",
      },
    });
    expect(crlf.status).toBeLessThan(500);
    const invited = { ...customerFor(), displayName: "Contoso\r\nBcc: attacker@evil.example" };
    const answer = await journey.call("POST", "/api/invitations", {
      token: evilPartner.token,
      json: { kind: "reseller", customer: invited, locale: "en" },
    });
    expect(answer.status).toBeLessThan(500);
    if (answer.status === 202) await journey.waitForMail(invited.adminEmail, 1);
    for (const m of await journey.mail()) {
      expect(m.subject).not.toMatch(/[\r\n]/);
      for (const to of m.to) expect(to).not.toMatch(/[\r\n]/);
    }
  });
});

describe("request size and slow clients", () => {
  it("a body over 64 KiB is refused with 413 before any handler reads it, declared or chunked; nothing stored", async () => {
    const before = await snapshot(api().db);
    const big = JSON.stringify({
      kind: "reseller",
      customer: { ...customerFor(), displayName: "x".repeat(70 * 1024) },
    });
    const declared = await journey.call("POST", "/api/invitations", {
      token: partner.token,
      headers: { "content-type": "application/json" },
      json: JSON.parse(big) as unknown,
    });
    expect(declared.status).toBe(413);
    expect(declared.headers.get("content-type")).toMatch(/problem\+json/);

    // Chunked (no Content-Length): refused while streaming, the connection closed.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL("/api/invitations", journey.url);
      const req = httpRequest(
        url,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${partner.token}`,
            "content-type": "application/json",
            "transfer-encoding": "chunked",
          },
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 8; i++) req.write(big.slice(i * 10_000, (i + 1) * 10_000));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(await snapshot(api().db)).toBe(before);
  });

  /** Opens a raw connection, sends `start`, then trickles a byte now and then until the server closes. */
  async function slowClient(start: string): Promise<{ response: string; stillSending: boolean }> {
    const url = new URL(journey.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let response = "";
      let closed = false;
      socket.on("data", (c: Buffer) => (response += c.toString()));
      socket.on("error", () => undefined);
      socket.on("connect", () => socket.write(start));
      const trickle = setInterval(() => {
        if (!closed) socket.write("a");
      }, REQUEST_TIMEOUT_MS / 5);
      socket.on("close", () => {
        closed = true;
        clearInterval(trickle);
        resolve({ response, stillSending: true });
      });
      // The test's own bound: a server without a request timeout never closes and this fails the test.
      setTimeout(() => {
        clearInterval(trickle);
        socket.destroy();
        reject(new Error("the server kept the slow request open"));
      }, REQUEST_TIMEOUT_MS * 10).unref();
    });
  }

  it("a client that trickles its body, or never finishes its headers, is cut off at the request timeout", async () => {
    const body = await slowClient(
      `POST /api/invitations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${partner.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"kind":`,
    );
    expect(body.response).toMatch(/^HTTP\/1\.1 408/);
    const headers = await slowClient(`POST /api/invitations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
    expect(headers.response === "" || /^HTTP\/1\.1 408/.test(headers.response)).toBe(true);
    // The host still answers others.
    await eventually(
      () => journey.call("GET", "/api/health"),
      (a) => a.status === 200,
      "the host to answer after the slow clients",
    );
  });
});
