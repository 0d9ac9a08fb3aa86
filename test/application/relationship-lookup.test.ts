import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryPartnerRepository, memoryPorts } from "../../src/adapters/memory";
import {
  type AccessAssignmentRepository,
  listAccessAssignments,
} from "../../src/application/access-assignments";
import { getRelationship, patchRelationship } from "../../src/application/relationship-management";
import { terminateRelationship } from "../../src/application/relationships";
import { DomainError } from "../../src/domain/errors";
import type { Partner, Principal } from "../../src/domain/model";

/**
 * R10: a relationship id the caller may not see is 404 whatever the reason, but only a real
 * "not an enrolled partner" is one: a partner read that fails must reach the caller as that
 * failure (503 through the mapper), never as a 404 that tells a client the relationship is gone.
 */

const NOW = new Date("2030-01-01T00:00:00.000Z");

function world() {
  const ports = memoryPorts();
  const unavailable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8081"), {
    code: "ECONNREFUSED",
  });
  let failing = false;
  class FlakyPartners extends MemoryPartnerRepository {
    override get(id: string): Promise<Partner | undefined> {
      return failing ? Promise.reject(unavailable) : super.get(id);
    }
  }
  const deps = {
    ...ports,
    partners: new FlakyPartners(),
    clock: { now: () => NOW },
    // Never reached: every route here stops at the caller's partner.
    accessAssignments: {} as AccessAssignmentRepository,
  };
  return { deps, unavailable, fail: () => (failing = true) };
}

const principal = (tenantId: string): Principal => ({
  tenantId,
  userId: randomUUID(),
  roles: ["AdminAgent"],
  wids: [],
});

describe("a relationship by id, for a partner", () => {
  it("R10: a tenant that is not an enrolled partner gets the same 404 as an unknown id", async () => {
    const { deps } = world();
    const refusal = await getRelationship(deps, principal(randomUUID()), randomUUID()).catch(
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).kind).toBe("notFound");
  });

  it("a failed partner read is that failure on every by-id route, not a 404", async () => {
    const { deps, unavailable, fail } = world();
    fail();
    const caller = principal(randomUUID());
    const id = randomUUID();
    await expect(getRelationship(deps, caller, id)).rejects.toBe(unavailable);
    await expect(terminateRelationship(deps, caller, id)).rejects.toBe(unavailable);
    await expect(patchRelationship(deps, caller, id, { autoExtend: false })).rejects.toBe(unavailable);
    await expect(listAccessAssignments(deps, caller, id)).rejects.toBe(unavailable);
  });
});
