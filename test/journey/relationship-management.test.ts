import { describe, expect, it } from "vitest";
import { adminRelationshipInstanceId } from "../../src/workflows/admin-relationship";
import {
  customerFor,
  DAY_MS,
  eventually,
  EXCHANGE_ADMIN,
  GA,
  linkPath,
  useJourneyHost,
  type Journey,
  type PartnerSetup,
} from "./support";

/**
 * Admin relationships over their whole life through the partner API (issue 10): read one, list
 * across customers, change auto-extend, renew or replace. Its own host: the clock moves.
 */
const host = useJourneyHost();

interface View {
  id: string;
  status: string;
  endsAt: string;
  autoExtend?: boolean;
  roles?: string[];
  invitationId: string;
  customerTenantId: string;
  type: string;
}

type Customer = ReturnType<typeof customerFor>;

async function acceptedAdmin(
  journey: Journey,
  partner: PartnerSetup,
  customer: Customer,
  admin: { roles: string[]; durationDays: number; autoExtend: boolean },
): Promise<View> {
  const before = (await journey.mailTo(customer.adminEmail)).length;
  const invitation = await journey.invite(partner, { kind: "admin", customer, locale: "en", admin });
  const [mail] = await eventually(
    () => journey.mailTo(customer.adminEmail),
    (items) => items.length > before,
    "the invitation email",
  );
  const answer = await journey.call("POST", `${linkPath(mail!)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  expect(answer.status).toBe(200);
  const items = await eventually(
    async () => (await journey.relationships(await journey.refresh(partner), customer.tenantId)) ?? [],
    (list) => list.some((r) => r.type === "admin" && r.invitationId === invitation.id),
    "the admin relationship",
  );
  const found = items.find((r) => r.invitationId === invitation.id) as unknown as View;
  await journey.linked(partner, found.id);
  return found;
}

async function get(journey: Journey, partner: PartnerSetup, id: string) {
  return journey.call<View & { rule?: string }>("GET", `/api/relationships/${id}`, {
    token: (await journey.refresh(partner)).token,
  });
}

async function lifecycleWaitsFor(journey: Journey, relationshipId: string, next: string) {
  return eventually(
    () => journey.orchestration(adminRelationshipInstanceId(relationshipId)),
    (o) => {
      const status = o.customStatus as { phase?: string; next?: string } | undefined;
      return status?.phase === "waiting" && status.next === next;
    },
    `lifecycle of ${relationshipId} to wait for ${next}`,
  );
}

describe("admin relationships over their whole life", () => {
  it("R10: GET one relationship; another partner gets 404; the list spans the caller's customers", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const other = await journey.enrolPartner();
    const first = customerFor("Contoso");
    const second = customerFor("Fabrikam");
    const a = await acceptedAdmin(journey, partner, first, {
      roles: [EXCHANGE_ADMIN],
      durationDays: 60,
      autoExtend: false,
    });
    const b = await acceptedAdmin(journey, partner, second, {
      roles: [EXCHANGE_ADMIN],
      durationDays: 400,
      autoExtend: true,
    });

    const one = await get(journey, partner, a.id);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: a.id, customerTenantId: first.tenantId, type: "admin" });
    expect((await get(journey, other, a.id)).status).toBe(404);
    const asCustomer = await journey.call("GET", `/api/relationships/${a.id}`, {
      token: await journey.customerToken(first.tenantId),
    });
    expect(asCustomer.status).toBe(200);

    const list = async (query: string) =>
      journey.call<{ items: View[]; continuationToken?: string }>("GET", `/api/relationships${query}`, {
        token: (await journey.refresh(partner)).token,
      });
    const all = await list("?type=admin");
    expect(all.status).toBe(200);
    expect(all.body.items.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    const soon = new Date(Date.parse(a.endsAt) + DAY_MS).toISOString();
    const lapsing = await list(`?expiringBefore=${encodeURIComponent(soon)}&status=active`);
    expect(lapsing.body.items.map((r) => r.id)).toEqual([a.id]);
    const paged = await list("?limit=1");
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.continuationToken).toBeDefined();
    const rest = await list(`?limit=1&continuationToken=${paged.body.continuationToken!}`);
    expect(rest.body.items.map((r) => r.id)).not.toContain(paged.body.items[0]!.id);
    expect((await list("?status=nonsense")).status).toBe(422);
    const otherList = await journey.call<{ items: View[] }>("GET", "/api/relationships", {
      token: other.token,
    });
    expect(otherList.body.items).toEqual([]);
  });

  it("R6: PATCH autoExtend is refused when Global Administrator is among the roles", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const rel = await acceptedAdmin(journey, partner, customer, {
      roles: [GA],
      durationDays: 60,
      autoExtend: false,
    });
    const answer = await journey.call<{ rule?: string; errors?: { field: string }[] }>(
      "PATCH",
      `/api/relationships/${rel.id}`,
      { token: partner.token, json: { autoExtend: true } },
    );
    expect(answer.status).toBe(422);
    expect(answer.body.rule).toBe("R6");
    expect(answer.body.errors?.[0]?.field).toBe("autoExtend");
    expect((await get(journey, partner, rel.id)).body.autoExtend).toBe(false);
  });

  it("R6: auto-extend switched on while active re-plans the lifecycle, which extends at the end date", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const rel = await acceptedAdmin(journey, partner, customer, {
      roles: [EXCHANGE_ADMIN],
      durationDays: 20,
      autoExtend: false,
    });
    await lifecycleWaitsFor(journey, rel.id, "reminder-7");
    const patched = await journey.call<View>("PATCH", `/api/relationships/${rel.id}`, {
      token: partner.token,
      json: { autoExtend: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.autoExtend).toBe(true);
    // Without reminders now: the next wake is the end itself.
    await lifecycleWaitsFor(journey, rel.id, "end");
    await journey.advance(21);
    const extended = await eventually(
      () => get(journey, partner, rel.id),
      (a) => Date.parse(a.body.endsAt) > Date.parse(rel.endsAt),
      "the extension",
    );
    expect(extended.body.status).toBe("active");
    expect(Date.parse(extended.body.endsAt) - Date.parse(rel.endsAt)).toBe(180 * DAY_MS);
  });

  it("R8: renew after expiry makes a new invitation with the same customer and roles; the old one stays expired", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const rel = await acceptedAdmin(journey, partner, customer, {
      roles: [EXCHANGE_ADMIN],
      durationDays: 10,
      autoExtend: false,
    });
    const early = await journey.call<{ rule?: string }>("POST", `/api/relationships/${rel.id}/renew`, {
      token: partner.token,
      json: {},
    });
    // Ten days left: inside the last 30 days it counts as expiring and may be renewed already.
    expect(early.status).toBe(202);
    await lifecycleWaitsFor(journey, rel.id, "reminder-7");
    await journey.advance(11);
    await eventually(
      () => get(journey, partner, rel.id),
      (a) => a.body.status === "expired",
      "expiry",
    );
    const fresh = await journey.refresh(partner);
    const renewed = await journey.call<{
      id: string;
      kind: string;
      admin?: { roles: string[] };
      customer: { tenantId?: string };
    }>("POST", `/api/relationships/${rel.id}/renew`, { token: fresh.token, json: { durationDays: 90 } });
    expect(renewed.status).toBe(202);
    expect(renewed.body.kind).toBe("admin");
    expect(renewed.body.id).not.toBe(rel.invitationId);
    const invitation = await journey.invitation(fresh, renewed.body.id);
    expect(invitation).toMatchObject({ status: "pending" });
    expect(JSON.stringify(invitation)).toContain(EXCHANGE_ADMIN);
    expect((await get(journey, partner, rel.id)).body.status).toBe("expired");
  });

  it("R8/R6: replace a terminated Global Administrator relationship with one without it, now with auto-extend", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const customer = customerFor();
    const rel = await acceptedAdmin(journey, partner, customer, {
      roles: [GA, EXCHANGE_ADMIN],
      durationDays: 365,
      autoExtend: false,
    });
    const tooSoon = await journey.call<{ rule?: string }>("POST", `/api/relationships/${rel.id}/renew`, {
      token: partner.token,
      json: {},
    });
    expect(tooSoon.status).toBe(409);
    expect(tooSoon.body.rule).toBe("R8");
    const terminated = await journey.call("POST", `/api/relationships/${rel.id}/terminate`, {
      token: partner.token,
    });
    expect(terminated.status).toBe(200);
    const replaced = await journey.call<{ id: string }>("POST", `/api/relationships/${rel.id}/renew`, {
      token: partner.token,
      json: { roles: [EXCHANGE_ADMIN], autoExtend: true },
    });
    expect(replaced.status).toBe(202);
    const invitation = await journey.invitation(partner, replaced.body.id);
    expect(invitation.admin).toMatchObject({ roles: [EXCHANGE_ADMIN], autoExtend: true });
    const withGa = await journey.call<{ rule?: string }>("POST", `/api/relationships/${rel.id}/renew`, {
      token: partner.token,
      json: { roles: [GA], autoExtend: true },
    });
    expect(withGa.status).toBe(422);
    expect(withGa.body.rule).toBe("R6");
    expect((await get(journey, partner, rel.id)).body.status).toBe("terminated");
    // Another partner cannot renew it.
    const other = await journey.enrolPartner();
    expect(
      (await journey.call("POST", `/api/relationships/${rel.id}/renew`, { token: other.token, json: {} }))
        .status,
    ).toBe(404);
  });

  it("R6/R7: 730 days on the virtual clock: without auto-extend three reminders then expiry; with it, 180-day extensions", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const fixed = await acceptedAdmin(journey, partner, customerFor("Fixed"), {
      roles: [EXCHANGE_ADMIN],
      durationDays: 730,
      autoExtend: false,
    });
    const rolling = await acceptedAdmin(journey, partner, customerFor("Rolling"), {
      roles: [EXCHANGE_ADMIN],
      durationDays: 730,
      autoExtend: true,
    });
    const reminders = async () =>
      (await journey.mailTo(partner.contactEmail)).filter((m) => /^Admin relationship/.test(m.subject));

    // Moves the clock to just past `daysBefore` days before the fixed relationship's end.
    const ends = Date.parse(fixed.endsAt);
    const advanceTo = async (daysBefore: number) => {
      const clock = await journey.call<{ now: string }>("GET", "/dev/clock");
      const target = ends - daysBefore * DAY_MS + 60_000;
      await journey.advance((target - Date.parse(clock.body.now)) / DAY_MS);
    };
    await lifecycleWaitsFor(journey, fixed.id, "reminder-30");
    await lifecycleWaitsFor(journey, rolling.id, "end");
    await advanceTo(30);
    await lifecycleWaitsFor(journey, fixed.id, "reminder-7");
    await advanceTo(7);
    await lifecycleWaitsFor(journey, fixed.id, "reminder-1");
    await advanceTo(1);
    await lifecycleWaitsFor(journey, fixed.id, "end");
    await advanceTo(0);
    await eventually(
      () => get(journey, partner, fixed.id),
      (a) => a.body.status === "expired",
      "expiry at day 730",
    );
    // 30, 7 and 1 days before, then the expiry notice: four lifecycle emails, none for the rolling one.
    const mail = await eventually(reminders, (items) => items.length >= 4, "the lifecycle emails");
    expect(mail).toHaveLength(4);

    const once = await eventually(
      () => get(journey, partner, rolling.id),
      (a) => Date.parse(a.body.endsAt) > Date.parse(rolling.endsAt),
      "the first extension",
    );
    expect(Date.parse(once.body.endsAt) - Date.parse(rolling.endsAt)).toBe(180 * DAY_MS);
    await lifecycleWaitsFor(journey, rolling.id, "end");
    await journey.advance(181);
    const twice = await eventually(
      () => get(journey, partner, rolling.id),
      (a) => Date.parse(a.body.endsAt) - Date.parse(rolling.endsAt) === 360 * DAY_MS,
      "the second extension",
    );
    expect(twice.body.status).toBe("active");
    expect(await reminders()).toHaveLength(4);
  }, 180_000); // two years of daily timers, on a 2-core machine that may be busy
});
