import { describe, expect, it } from "vitest";
import { CachedWebhookRepository } from "../../src/adapters/cached-webhook-repository";
import type { WebhookEndpoint } from "../../src/application/webhooks/model";
import type { WebhookRepository } from "../../src/application/webhooks/ports";

const endpoint = (partnerId: string, url = "https://hooks.contoso.example/csp"): WebhookEndpoint => ({
  partnerId,
  url,
  sealedSecret: "sealed",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

/** A map-backed store counting the endpoint reads that reach it (deliveries are not used here). */
function store(): { repo: WebhookRepository; reads: () => number; failNext: () => void } {
  const endpoints = new Map<string, WebhookEndpoint>();
  let reads = 0;
  let fail = false;
  const unused = (): never => {
    throw new Error("not used by this test");
  };
  return {
    repo: {
      getEndpoint: (partnerId) => {
        reads++;
        if (fail) {
          fail = false;
          return Promise.reject(new Error("unavailable"));
        }
        return Promise.resolve(endpoints.get(partnerId));
      },
      putEndpoint: (e) => Promise.resolve(void endpoints.set(e.partnerId, e)),
      deleteEndpoint: (partnerId) => Promise.resolve(endpoints.delete(partnerId)),
      createDelivery: unused,
      getDelivery: unused,
      saveDelivery: unused,
      listDeliveries: unused,
    },
    reads: () => reads,
    failNext: () => (fail = true),
  };
}

describe("CachedWebhookRepository (issue 11: one endpoint read per TTL, not per event)", () => {
  it("answers repeated and concurrent reads within the TTL with one read, absence included", async () => {
    const s = store();
    await s.repo.putEndpoint(endpoint("p1"));
    let now = 0;
    const cache = new CachedWebhookRepository(s.repo, { ttlMs: 1000, now: () => now });
    const [a, b] = await Promise.all([cache.getEndpoint("p1"), cache.getEndpoint("p1")]);
    expect(a).toEqual(endpoint("p1"));
    expect(b).toEqual(endpoint("p1"));
    expect(await cache.getEndpoint("p2")).toBeUndefined();
    expect(await cache.getEndpoint("p2")).toBeUndefined();
    expect(s.reads()).toBe(2);
    now = 1000;
    await cache.getEndpoint("p1");
    expect(s.reads(), "read again once the TTL is over").toBe(3);
  });

  it("a registration, a change or a deletion through it is seen at once, without a read", async () => {
    const s = store();
    const cache = new CachedWebhookRepository(s.repo, { ttlMs: 60_000, now: () => 0 });
    expect(await cache.getEndpoint("p1")).toBeUndefined();
    await cache.putEndpoint(endpoint("p1"));
    expect(await cache.getEndpoint("p1")).toEqual(endpoint("p1"));
    await cache.putEndpoint(endpoint("p1", "https://hooks.contoso.example/v2"));
    expect((await cache.getEndpoint("p1"))?.url).toBe("https://hooks.contoso.example/v2");
    expect(await cache.deleteEndpoint("p1")).toBe(true);
    expect(await cache.getEndpoint("p1")).toBeUndefined();
    expect(s.reads()).toBe(1);
  });

  it("a fresh read skips the copy and keeps what it read: a registration made elsewhere is seen at once", async () => {
    const s = store();
    const cache = new CachedWebhookRepository(s.repo, { ttlMs: 60_000, now: () => 0 });
    expect(await cache.getEndpoint("p1")).toBeUndefined();
    // Registered through another instance: this one's copy still says absent.
    await s.repo.putEndpoint(endpoint("p1"));
    expect(await cache.getEndpoint("p1")).toBeUndefined();
    expect(await cache.getEndpoint("p1", { fresh: true })).toEqual(endpoint("p1"));
    expect(await cache.getEndpoint("p1")).toEqual(endpoint("p1"));
    expect(s.reads()).toBe(2);
  });

  it("keeps no failed read and hands out copies", async () => {
    const s = store();
    await s.repo.putEndpoint(endpoint("p1"));
    const cache = new CachedWebhookRepository(s.repo, { ttlMs: 60_000, now: () => 0 });
    s.failNext();
    await expect(cache.getEndpoint("p1")).rejects.toThrow("unavailable");
    const first = await cache.getEndpoint("p1");
    first!.url = "https://evil.example/";
    expect((await cache.getEndpoint("p1"))?.url).toBe("https://hooks.contoso.example/csp");
    expect(s.reads()).toBe(2);
  });
});
