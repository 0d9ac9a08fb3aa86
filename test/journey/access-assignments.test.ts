import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  customerFor,
  eventually,
  EXCHANGE_ADMIN,
  linkPath,
  useJourneyHost,
  type Journey,
  type PartnerSetup,
} from "./support";

/** Access assignments on admin relationships, and the partner's audit view (issue 10). */
const host = useJourneyHost();
/** Helpdesk Administrator: a role the relationship below does not grant. */
const HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8";

async function acceptedAdmin(journey: Journey, partner: PartnerSetup) {
  const customer = customerFor();
  const invitation = await journey.invite(partner, {
    kind: "admin",
    customer,
    locale: "en",
    admin: { roles: [EXCHANGE_ADMIN], durationDays: 90, autoExtend: false },
  });
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  const accepted = await journey.call("POST", `${linkPath(mail!)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  expect(accepted.status).toBe(200);
  const items = await eventually(
    () => journey.relationships(partner, customer.tenantId),
    (list) => list.length > 0,
    "the relationship",
  );
  const relationshipId = String(items[0]!.id);
  await journey.linked(partner, relationshipId);
  return { relationshipId, invitationId: invitation.id, customer };
}

describe("access assignments", () => {
  it("assigns a subset of the relationship's roles, refuses a role outside it, lists and deletes; they end with the relationship", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const { relationshipId } = await acceptedAdmin(journey, partner);
    const path = `/api/relationships/${relationshipId}/access-assignments`;
    const group = randomUUID();

    const outside = await journey.call<{ errors?: { field: string }[] }>("POST", path, {
      token: partner.token,
      json: { securityGroupId: group, roles: [EXCHANGE_ADMIN, HELPDESK_ADMIN] },
    });
    expect(outside.status).toBe(422);
    expect(outside.body.errors?.[0]?.field).toBe("roles");

    const created = await journey.call<{ id: string; roles: string[] }>("POST", path, {
      token: partner.token,
      json: { securityGroupId: group, roles: [EXCHANGE_ADMIN] },
    });
    expect(created.status).toBe(201);
    const twice = await journey.call("POST", path, {
      token: partner.token,
      json: { securityGroupId: group, roles: [EXCHANGE_ADMIN] },
    });
    expect(twice.status).toBe(409);
    const second = await journey.call<{ id: string }>("POST", path, {
      token: partner.token,
      json: { securityGroupId: randomUUID(), roles: [EXCHANGE_ADMIN] },
    });
    expect(second.status).toBe(201);

    const list = await journey.call<{ items: { id: string }[] }>("GET", path, { token: partner.token });
    expect(list.body.items.map((a) => a.id).sort()).toEqual([created.body.id, second.body.id].sort());
    const other = await journey.enrolPartner();
    expect((await journey.call("GET", path, { token: other.token })).status).toBe(404);

    expect(
      (await journey.call("DELETE", `${path}/${created.body.id}`, { token: partner.token })).status,
    ).toBe(204);
    expect(
      (await journey.call("DELETE", `${path}/${created.body.id}`, { token: partner.token })).status,
    ).toBe(404);

    expect(
      (await journey.call("POST", `/api/relationships/${relationshipId}/terminate`, { token: partner.token }))
        .status,
    ).toBe(200);
    const after = await journey.call<{ items: unknown[] }>("GET", path, { token: partner.token });
    expect(after.body.items).toEqual([]);
    const refused = await journey.call<{ rule?: string }>("POST", path, {
      token: partner.token,
      json: { securityGroupId: randomUUID(), roles: [EXCHANGE_ADMIN] },
    });
    expect(refused.status).toBe(409);
  });
});

describe("the partner's audit view", () => {
  it("R1: lists the caller's own records of a resource, refused requests included, bounded by from/to", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const { relationshipId } = await acceptedAdmin(journey, partner);
    // A reader may not terminate: refused with R1, and the refusal is audited.
    const reader = await journey.token({ tenantId: partner.id, roles: ["HelpdeskAgent"] });
    const refused = await journey.call("POST", `/api/relationships/${relationshipId}/terminate`, {
      token: reader,
    });
    expect(refused.status).toBe(403);
    await journey.call("POST", `/api/relationships/${relationshipId}/terminate`, { token: partner.token });

    const audit = await journey.call<{
      items: { action: string; outcome: string; rule?: string; at: string }[];
    }>("GET", `/api/audit?resourceId=${relationshipId}`, { token: partner.token });
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "terminate", outcome: "refused", rule: "R1" }),
        expect.objectContaining({ action: "terminated", outcome: "applied" }),
      ]),
    );
    const future = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const none = await journey.call<{ items: unknown[] }>(
      "GET",
      `/api/audit?resourceId=${relationshipId}&from=${encodeURIComponent(future)}`,
      { token: partner.token },
    );
    expect(none.body.items).toEqual([]);
    const other = await journey.enrolPartner();
    const foreign = await journey.call<{ items: unknown[] }>(
      "GET",
      `/api/audit?resourceId=${relationshipId}`,
      {
        token: other.token,
      },
    );
    expect(foreign.body.items).toEqual([]);
    expect((await journey.call("GET", "/api/audit", { token: partner.token })).status).toBe(422);
  });
});
