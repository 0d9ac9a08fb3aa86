import { describe, expect, it } from "vitest";
import type { PartnerRepository } from "../../src/application/ports";
import { CachedPartnerRepository } from "../../src/adapters/cached-partner-repository";
import { MemoryPartnerRepository } from "../../src/adapters/memory";
import type { Partner } from "../../src/domain/model";

const partner = (id: string, name = "Contoso"): Partner => ({
  id,
  name,
  type: "direct",
  cloud: "global",
  contactEmail: "csp@contoso.example",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
});

/** The memory twin, counting the reads that reach it. */
function counted(): {
  repo: PartnerRepository;
  reads: () => number;
  idQueries: () => number;
  failNext: () => void;
} {
  const inner = new MemoryPartnerRepository();
  let reads = 0;
  let idQueries = 0;
  let fail = false;
  return {
    repo: {
      get: (id) => {
        reads++;
        if (fail) {
          fail = false;
          return Promise.reject(new Error("unavailable"));
        }
        return inner.get(id);
      },
      put: (p) => inner.put(p),
      resellerIdsOf: (id) => inner.resellerIdsOf(id),
      findEnrolled: (id) => inner.findEnrolled(id),
      enrolledIds: () => {
        idQueries++;
        return inner.enrolledIds();
      },
    },
    reads: () => reads,
    idQueries: () => idQueries,
    failNext: () => (fail = true),
  };
}

describe("CachedPartnerRepository (issue 11: one partner read per TTL, not per step)", () => {
  it("answers repeated and concurrent reads within the TTL with one read, absence included", async () => {
    const store = counted();
    await store.repo.put(partner("p1"));
    let now = 0;
    const cache = new CachedPartnerRepository(store.repo, { ttlMs: 1000, now: () => now });
    const [a, b] = await Promise.all([cache.get("p1"), cache.get("p1")]);
    expect(a).toEqual(partner("p1"));
    expect(b).toEqual(partner("p1"));
    expect(await cache.get("nobody")).toBeUndefined();
    expect(await cache.get("nobody")).toBeUndefined();
    expect(store.reads()).toBe(2);
    now = 1000;
    await cache.get("p1");
    expect(store.reads()).toBe(3);
  });

  it("a write through it is read back at once; another writer is seen after the TTL", async () => {
    const store = counted();
    let now = 0;
    const cache = new CachedPartnerRepository(store.repo, { ttlMs: 1000, now: () => now });
    expect(await cache.get("p1")).toBeUndefined();
    await cache.put(partner("p1", "First"));
    expect((await cache.get("p1"))?.name).toBe("First");
    await store.repo.put(partner("p1", "Elsewhere"));
    expect((await cache.get("p1"))?.name).toBe("First");
    now = 1001;
    expect((await cache.get("p1"))?.name).toBe("Elsewhere");
  });

  it("keeps no failed read, and hands out copies", async () => {
    const store = counted();
    await store.repo.put(partner("p1"));
    const cache = new CachedPartnerRepository(store.repo, { now: () => 0 });
    store.failNext();
    await expect(cache.get("p1")).rejects.toThrow("unavailable");
    const first = await cache.get("p1");
    first!.name = "changed by a caller";
    expect((await cache.get("p1"))?.name).toBe("Contoso");
  });

  it("answers R11's question about many customer tenants with one id query per TTL, no read each", async () => {
    const store = counted();
    await store.repo.put(partner("p1"));
    let now = 0;
    const cache = new CachedPartnerRepository(store.repo, { ttlMs: 1000, now: () => now });
    const asked = await Promise.all(["c1", "c2", "c3", "p1"].map((id) => cache.findEnrolled(id)));
    expect(asked).toEqual([undefined, undefined, undefined, partner("p1")]);
    expect(store.idQueries()).toBe(1);
    // Only the enrolled one is read (for its document); the rest never reach the store.
    expect(store.reads()).toBe(1);
    // Enrolled elsewhere: seen once the TTL is over.
    await store.repo.put(partner("c1"));
    expect(await cache.findEnrolled("c1")).toBeUndefined();
    now = 1000;
    expect((await cache.findEnrolled("c1"))?.id).toBe("c1");
    expect(store.idQueries()).toBe(2);
  });

  it("an enrolment through it counts at once for R11", async () => {
    const store = counted();
    const cache = new CachedPartnerRepository(store.repo, { ttlMs: 1000, now: () => 0 });
    expect(await cache.findEnrolled("p2")).toBeUndefined();
    await cache.put(partner("p2"));
    expect((await cache.findEnrolled("p2"))?.id).toBe("p2");
  });
});
