import { randomUUID } from "node:crypto";
import { devTenantDirectory } from "../../src/adapters/tenants/dev-tenant-directory";
import { describe, expect, it } from "vitest";
import { CosmosAuditLog } from "../../src/adapters/cosmos/audit-repository";
import { CosmosIdempotencyStore } from "../../src/adapters/cosmos/idempotency-repository";
import { CosmosInvitationRepository } from "../../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../../src/adapters/cosmos/partner-repository";
import { CosmosRelationshipRepository } from "../../src/adapters/cosmos/relationship-repository";
import {
  createInvitation,
  createInvitationInputSchema,
  type CreateInvitationDeps,
} from "../../src/application/invitations/create";
import type { InvitationWorkflow } from "../../src/application/ports";
import {
  hashInvitationToken,
  invitationLinkLocator,
  invitationLinkToken,
} from "../../src/domain/invitation-token";
import type { Principal } from "../../src/domain/model";
import { useCosmos } from "../support/cosmos";
import { partitionDocuments } from "./support";

/**
 * What happens when the orchestration cannot be started (the durable backend is down). This is the
 * one place the durable client is replaced: by a fault injector that fails the first N starts.
 */
const cosmos = useCosmos();

function flakyWorkflow(failures: number) {
  const started: string[] = [];
  let left = failures;
  const workflow: InvitationWorkflow = {
    start(input) {
      if (left > 0) {
        left--;
        return Promise.reject(new Error("durable backend unavailable"));
      }
      if (!started.includes(input.invitationId)) started.push(input.invitationId);
      return Promise.resolve();
    },
    raisePartnerCancelled: () => Promise.resolve(),
    raiseCustomerDecision: () => Promise.resolve(),
  };
  return { workflow, started };
}

async function setup(failures: number) {
  const db = cosmos().db;
  const partners = new CosmosPartnerRepository(db);
  const partnerId = randomUUID();
  await partners.put({
    id: partnerId,
    name: "P",
    type: "direct",
    cloud: "global",
    contactEmail: "p@p.example",
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
  });
  const { workflow, started } = flakyWorkflow(failures);
  const deps: CreateInvitationDeps = {
    clock: { now: () => new Date("2026-03-01T00:00:00Z") },
    partners,
    invitations: new CosmosInvitationRepository(db),
    relationships: new CosmosRelationshipRepository(db),
    tenants: devTenantDirectory(new Map()),
    audit: new CosmosAuditLog(db),
    idempotency: new CosmosIdempotencyStore(db),
    workflow,
    invitationTtlDays: 90,
    linkKey: "k".repeat(32),
  };
  const principal: Principal = { tenantId: partnerId, userId: "u", roles: ["SalesAgent"], wids: [] };
  const input = createInvitationInputSchema.parse({
    kind: "reseller",
    customer: { domain: "fabrikam.com", displayName: "Fabrikam", adminEmail: "a@fabrikam.com" },
  });
  const stored = async () =>
    (await deps.invitations.list(partnerId, { limit: 100 })).items.map((i) => ({
      id: i.id,
      status: i.status,
    }));
  return { deps, principal, input, started, stored, partnerId };
}

describe("creating an invitation when the orchestration cannot start", () => {
  it("without a key: the request fails and the stored invitation is removed again", async () => {
    const { deps, principal, input, stored, started, partnerId } = await setup(1);
    await expect(createInvitation(deps, principal, input)).rejects.toThrow("durable backend unavailable");
    expect(await stored()).toEqual([]);
    const docs = await partitionDocuments(cosmos().db, "invitations", partnerId, "partnerId");
    expect(docs.filter((d) => d.action === "created")).toEqual([]);
    // A plain re-POST then creates exactly one.
    const second = await createInvitation(deps, principal, input);
    expect(await stored()).toEqual([{ id: second.body.id, status: "pending" }]);
    expect(started).toEqual([second.body.id]);
  });

  it("with a key: the retry finishes the same invitation instead of creating another", async () => {
    const { deps, principal, input, stored, started } = await setup(1);
    const key = randomUUID();
    await expect(createInvitation(deps, principal, input, key)).rejects.toThrow();
    const [kept] = await stored();
    expect(kept?.status).toBe("pending");
    const retry = await createInvitation(deps, principal, input, key);
    expect(retry.body.id).toBe(kept?.id);
    expect(retry.replayed).toBe(false);
    expect(await stored()).toEqual([{ id: kept?.id, status: "pending" }]);
    expect(started).toEqual([kept?.id]);
    const replay = await createInvitation(deps, principal, input, key);
    expect(replay).toMatchObject({ replayed: true, body: retry.body, location: retry.location });
  });

  it("R16: stores only the link token's hash, recomputable from the nonce and the key; the token names its invitation", async () => {
    const { deps, principal, input, partnerId } = await setup(0);
    const { body } = await createInvitation(deps, principal, input);
    const stored = (await deps.invitations.get(partnerId, body.id))?.value;
    if (!stored) throw new Error("not stored");
    const token = invitationLinkToken(deps.linkKey, partnerId, stored.id, stored.linkNonce);
    expect(stored.tokenHash).toBe(hashInvitationToken(token));
    const secret = token.split(".").at(-1)!;
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(invitationLinkLocator(token)).toEqual({ partnerId, invitationId: body.id });
    expect(stored.expiresAt).toBe("2026-05-30T00:00:00.000Z");
  });
});
