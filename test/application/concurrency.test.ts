import { describe, expect, it } from "vitest";
import { MemoryRelationshipRepository } from "../../src/adapters/memory";
import { updateWithRetry } from "../../src/application/concurrency";
import { ConcurrencyConflict } from "../../src/application/ports";
import type { Relationship } from "../../src/domain/model";

const base: Relationship = {
  id: "r-1",
  customerTenantId: "c-1",
  type: "admin",
  partnerId: "p-1",
  status: "active",
  startsAt: "2030-01-01T00:00:00.000Z",
  invitationId: "i-1",
  createdAt: "2030-01-01T00:00:00.000Z",
  updatedAt: "2030-01-01T00:00:00.000Z",
};

async function store(): Promise<MemoryRelationshipRepository> {
  const repo = new MemoryRelationshipRepository();
  await repo.createMany(base.customerTenantId, [base]);
  return repo;
}

async function read(repo: MemoryRelationshipRepository) {
  const found = await repo.get(base.id, { customerTenantId: base.customerTenantId });
  if (!found) throw new Error("gone");
  return found;
}

describe("updateWithRetry (the one ETag loop)", () => {
  it("decides again on what won a race, and writes on the version it read", async () => {
    const repo = await store();
    const decided: string[] = [];
    let raced = false;
    const result = await updateWithRetry<Relationship, string>({
      read: () => read(repo),
      decide: async (current) => {
        decided.push(current.value.updatedAt);
        if (!raced) {
          raced = true;
          await repo.replace({ ...current.value, updatedAt: "2030-01-02T00:00:00.000Z" }, current.etag);
        }
        return { write: { ...current.value, status: "terminated" }, after: (saved) => saved.value.status };
      },
      replace: (next, etag) => repo.replace(next, etag),
      attempts: 3,
    });
    expect(result).toBe("terminated");
    expect(decided).toEqual(["2030-01-01T00:00:00.000Z", "2030-01-02T00:00:00.000Z"]);
    expect((await read(repo)).value).toMatchObject({
      status: "terminated",
      updatedAt: "2030-01-02T00:00:00.000Z",
    });
  });

  it("stops without writing when the decision is done, and gives up after its attempts", async () => {
    const repo = await store();
    const before = await read(repo);
    expect(
      await updateWithRetry<Relationship, string>({
        read: () => read(repo),
        decide: (current) => ({ done: current.value.status }),
        replace: (next, etag) => repo.replace(next, etag),
        attempts: 1,
      }),
    ).toBe("active");
    expect((await read(repo)).etag).toBe(before.etag);

    let attempts = 0;
    const alwaysStale = updateWithRetry<Relationship, void>({
      read: () => read(repo),
      decide: (current) => {
        attempts++;
        return { write: current.value, after: () => undefined };
      },
      replace: () => Promise.reject(new ConcurrencyConflict("Relationship r-1")),
      attempts: 3,
      exhausted: () => new Error("kept changing"),
    });
    await expect(alwaysStale).rejects.toThrow("kept changing");
    expect(attempts).toBe(3);
  });

  it("lets any other error through at once", async () => {
    const repo = await store();
    await expect(
      updateWithRetry<Relationship, void>({
        read: () => read(repo),
        decide: () => {
          throw new Error("refused");
        },
        replace: (next, etag) => repo.replace(next, etag),
        attempts: 3,
      }),
    ).rejects.toThrow("refused");
  });
});
