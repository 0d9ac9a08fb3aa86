import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rateWindowId } from "../../src/adapters/cosmos/invitation-repository";
import { ApiClient, customer, type EnrolledPartner } from "../support/api-client";
import { startTestCosmos, type TestCosmos } from "../support/cosmos";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { countDocuments, eventually, partitionDocuments } from "./support";

/** Small enough that a test fills a window with a handful of requests. */
const LIMIT = 3;

let cosmos: TestCosmos | undefined;
let host: HostProcess | undefined;
let client: ApiClient | undefined;

beforeAll(async () => {
  cosmos = await startTestCosmos({ database: "csp-rate-limit-test" });
  host = await startHostProcess({
    args: ["--store", "memory", "--clock", "virtual"],
    env: {
      CLOCK: "virtual",
      AUTH_MODE: "dev",
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: cosmos.database,
      INVITATIONS_PER_PARTNER_PER_MINUTE: String(LIMIT),
    },
  });
  client = new ApiClient(host.url);
});

afterAll(async () => {
  await host?.stop();
  await cosmos?.stop();
});

function api(): ApiClient {
  if (!client) throw new Error("The host is not running");
  return client;
}

function db() {
  if (!cosmos) throw new Error("Cosmos is not running");
  return cosmos.db;
}

async function hostNow(): Promise<number> {
  const answer = await api().call<{ now: string }>("GET", "/dev/clock");
  return Date.parse(answer.body.now);
}

/**
 * The virtual clock runs with real time, so a burst could straddle a minute boundary. Moving it to
 * just past the next boundary gives each test a whole fresh window (a minute of real time) to work in.
 */
async function startOfFreshWindow(): Promise<string> {
  const now = await hostNow();
  const next = Math.floor(now / 60_000) * 60_000 + 60_000;
  const answer = await api().call("POST", "/dev/clock/advance", { body: { seconds: (next - now) / 1000 } });
  expect(answer.status).toBe(200);
  return new Date(next).toISOString();
}

async function createAccepted(partner: EnrolledPartner, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await api().createInvitation(partner.token, { kind: "reseller", customer: customer() });
    expect(answer.status, answer.text).toBe(202);
    ids.push(answer.body.id);
  }
  return ids;
}

async function storedInvitationIds(partner: EnrolledPartner): Promise<string[]> {
  const docs = await partitionDocuments(db(), "invitations", partner.id, "partnerId");
  return docs.filter((d) => d.docType === "invitation").map((d) => String(d.id));
}

async function windowCount(partner: EnrolledPartner, windowStart: string): Promise<number | undefined> {
  const docs = await partitionDocuments(db(), "invitations", partner.id, "partnerId");
  const counter = docs.find((d) => d.id === rateWindowId(windowStart));
  return counter === undefined ? undefined : Number(counter.count);
}

/**
 * Waits until the accepted invitations' workflows have settled their start intents (in the
 * background, after the answer), so a refusal is compared against a partition nothing else changes.
 */
async function settled(partner: EnrolledPartner): Promise<void> {
  await eventually(
    () => partitionDocuments(db(), "invitations", partner.id, "partnerId"),
    (docs) => !docs.some((d) => d.docType === "startIntent"),
    "the accepted invitations' start intents to be settled",
  );
}

/** The partner's partition and the token lookups: what a refused request must leave as it found them. */
async function snapshot(partner: EnrolledPartner) {
  return {
    partition: await partitionDocuments(db(), "invitations", partner.id, "partnerId"),
    lookups: await countDocuments(db(), "lookups"),
  };
}

function retryAfterOf(headers: Headers): number {
  const value = headers.get("retry-after");
  expect(value).toMatch(/^\d+$/);
  return Number(value);
}

describe(`POST /api/invitations is limited to INVITATIONS_PER_PARTNER_PER_MINUTE (${LIMIT} here)`, () => {
  it("refuses the 4th creation in a minute with 429 and Retry-After, storing and sending nothing; another partner is unaffected", async () => {
    const p = await api().enrolPartner();
    const q = await api().enrolPartner();
    const windowStart = await startOfFreshWindow();
    const accepted = await createAccepted(p, LIMIT);
    await settled(p);

    const before = await snapshot(p);
    const refusedCustomer = customer();
    const refused = await api().createInvitation(p.token, { kind: "reseller", customer: refusedCustomer });
    expect(refused.status, refused.text).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: "about:blank", title: "Too many requests", status: 429 });
    expect(refused.body.detail).toEqual(expect.any(String));
    const retryAfter = retryAfterOf(refused.headers);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Time only moves forward: the window's remaining time now cannot exceed what the answer named.
    const windowEnd = Date.parse(windowStart) + 60_000;
    expect(windowEnd - (await hostNow())).toBeLessThanOrEqual(retryAfter * 1000);
    expect(await snapshot(p)).toEqual(before);
    expect(await windowCount(p, windowStart)).toBe(LIMIT);

    // Another partner has a window of its own, even while p's is full.
    await createAccepted(q, LIMIT);
    expect((await api().createInvitation(p.token, { kind: "reseller", customer: customer() })).status).toBe(
      429,
    );
    expect(await windowCount(q, windowStart)).toBe(LIMIT);

    // Nothing was sent for the refusal: once the window named by Retry-After opens, a sentinel is
    // accepted and mailed, and the refused customer never shows up in the mailbox.
    await api().call("POST", "/dev/clock/advance", { body: { seconds: retryAfter } });
    const sentinel = customer();
    const next = await api().createInvitation(p.token, { kind: "reseller", customer: sentinel });
    expect(next.status, next.text).toBe(202);
    const mail = await eventually(
      () => api().mail(),
      (items) => items.some((m) => m.to.includes(sentinel.adminEmail)),
      "the sentinel's email",
    );
    expect(mail.filter((m) => m.to.includes(refusedCustomer.adminEmail))).toEqual([]);
    expect((await storedInvitationIds(p)).sort()).toEqual([...accepted, next.body.id].sort());
  });

  it("accepts creations again once the virtual clock has moved one minute on", async () => {
    const p = await api().enrolPartner();
    const windowStart = await startOfFreshWindow();
    await createAccepted(p, LIMIT);
    expect((await api().createInvitation(p.token, { kind: "reseller", customer: customer() })).status).toBe(
      429,
    );

    await api().advanceClock({ minutes: 1 });
    const nextWindow = new Date(Date.parse(windowStart) + 60_000).toISOString();
    await createAccepted(p, LIMIT);
    expect(await windowCount(p, nextWindow)).toBe(LIMIT);
    expect(await windowCount(p, windowStart)).toBe(LIMIT);
    expect(await storedInvitationIds(p)).toHaveLength(2 * LIMIT);
  });

  it("does not count idempotent replays, which are answered even when the window is full", async () => {
    const p = await api().enrolPartner();
    const windowStart = await startOfFreshWindow();
    const body = { kind: "reseller" as const, customer: customer() };
    const key = randomUUID();
    const first = await api().createInvitation(p.token, body, key);
    expect(first.status, first.text).toBe(202);
    for (let i = 0; i < LIMIT + 2; i++) {
      const replay = await api().createInvitation(p.token, body, key);
      expect(replay.status).toBe(202);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body.id).toBe(first.body.id);
    }
    expect(await windowCount(p, windowStart)).toBe(1);

    await createAccepted(p, LIMIT - 1);
    expect(await windowCount(p, windowStart)).toBe(LIMIT);

    // A new key in a full window is refused without being claimed: after the window it still creates.
    await settled(p);
    const before = await snapshot(p);
    const laterKey = randomUUID();
    const laterBody = { kind: "reseller" as const, customer: customer() };
    const refused = await api().createInvitation(p.token, laterBody, laterKey);
    expect(refused.status).toBe(429);
    expect(await snapshot(p)).toEqual(before);

    const replay = await api().createInvitation(p.token, body, key);
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(first.body.id);

    await api().advanceClock({ minutes: 1 });
    const created = await api().createInvitation(p.token, laterBody, laterKey);
    expect(created.status, created.text).toBe(202);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
    expect(await storedInvitationIds(p)).toHaveLength(LIMIT + 1);
  });

  it("concurrent creations in one window: exactly the limit is accepted and counted, the rest leave nothing", async () => {
    const p = await api().enrolPartner();
    const windowStart = await startOfFreshWindow();
    const answers = await Promise.all(
      Array.from({ length: 4 * LIMIT }, () =>
        api().createInvitation(p.token, { kind: "reseller", customer: customer() }, randomUUID()),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(202), ...Array<number>(3 * LIMIT).fill(429)]);
    expect(await windowCount(p, windowStart)).toBe(LIMIT);
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.body.id);
    expect((await storedInvitationIds(p)).sort()).toEqual([...accepted].sort());
    // Nothing of the refused ones anywhere: not in the partner's partition (below), nor in lookups.
    expect(await partitionDocuments(db(), "lookups", p.id, "partnerId")).toEqual([]);
    // ...and one that lost it after claiming its Idempotency-Key forgot the claim.
    const partition = await partitionDocuments(db(), "invitations", p.id, "partnerId");
    expect(
      partition
        .filter((d) => d.docType === "idempotency")
        .map((d) => String(d.resourceId))
        .sort(),
    ).toEqual([...accepted].sort());
  });
});

describe("the API description", () => {
  it("lists 429 with Retry-After for POST /api/invitations", async () => {
    const doc = await api().call<{
      paths: Record<
        string,
        Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>
      >;
    }>("GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    const created = doc.body.paths["/api/invitations"]?.post;
    expect(Object.keys(created?.responses["429"]?.headers ?? {})).toEqual(["retry-after"]);
  });
});
