import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  customerFor,
  EXCHANGE_ADMIN,
  eventually,
  linkPath,
  useJourneyHost,
  type Answer,
  type Journey,
  type PartnerSetup,
} from "../journey/support";

/**
 * R10 attacks, walked over every route the host registered (its start-up listing comes from the
 * descriptors in functions/index.ts), so a route is walked the day it is added. Partner A owns one
 * resource of every kind; partner B calls every partner route with A's real ids and must get the very
 * answer an id that does not exist gets: 404, never 403, same body. A's read-only user gets 403 on
 * every write route. A route whose parameters the walker cannot fill fails the test.
 */
const host = useJourneyHost();

interface Route {
  name: string;
  method: string;
  /** Without the leading slash, as registered: `api/invitations/{id}`. */
  route: string;
}

/** The app's HTTP functions as the host listed them at start-up: `  http  name: [GET,HEAD] /route`. */
function registeredRoutes(journey: Journey): Route[] {
  return [...journey.host.output().matchAll(/^\s+http\s+(\S+): \[([^\]]*)\] \/(\S*)$/gm)].flatMap(
    ([, name, methods, route]) =>
      (methods ?? "").split(",").map((method) => ({ name: name!, method: method.trim(), route: route! })),
  );
}

const WRITE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** The partner API: not the customer's link pages, the dev routes or the host's own. */
const isPartnerApi = (r: Route) => r.route.startsWith("api/");
/** Routes of the platform operator, not of partners: every partner gets 403 there, whatever the id. */
const OPERATOR_ROUTES = new Set(["api/partners/{partnerId}"]);
/** Routes that only name the customer's tenant: B sees its own (empty) view of it, as for any tenant. */
const TENANT_ONLY = /^api\/customers\/\{tenantId\}\/[a-z-]+(\/import)?$/;

const paramsOf = (route: string) => [...route.matchAll(/\{([^}:?]+)[^}]*\}/g)].map((m) => m[1]!);

function fill(route: string, values: Record<string, string>): string {
  return `/${route.replace(/\{([^}:?]+)[^}]*\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}}`);
    return encodeURIComponent(value);
  })}`;
}

/** A's ids per route prefix: which resource each `{param}` names there. */
interface World {
  customer: ReturnType<typeof customerFor>;
  customerTenantId: string;
  invitationId: string;
  relationshipId: string;
  assignmentId: string;
  subscriptionId: string;
  migrationId: string;
  serviceId: string;
  switchMigrationId: string;
  deliveryId: string;
}

/**
 * The values for a route's parameters, or undefined when the walker does not know what the route
 * names (the test then fails: a new route needs its resource here).
 */
function idsFor(route: string, w: World): Record<string, string> | undefined {
  const table: [RegExp, Record<string, string>][] = [
    [/^api\/invitations\/\{id\}/, { id: w.invitationId }],
    [/^api\/relationships\/\{id\}/, { id: w.relationshipId, assignmentId: w.assignmentId }],
    [/^api\/migrations\/\{id\}/, { id: w.migrationId, serviceId: w.serviceId }],
    [/^api\/customers\/\{tenantId\}/, { tenantId: w.customerTenantId, id: w.subscriptionId }],
    [/^api\/switch-requests\/\{migrationId\}/, { migrationId: w.switchMigrationId }],
    [/^api\/webhooks\/deliveries\/\{id\}/, { id: w.deliveryId }],
    [/^api\/partners\/\{partnerId\}/, { partnerId: "" }],
  ];
  const found = table.find(([pattern]) => pattern.test(route))?.[1];
  if (!found) return undefined;
  return paramsOf(route).every((p) => p in found) ? found : undefined;
}

/** A body that passes validation, so the answer is about the id, not about the body. */
function bodyFor(r: Route, w: World, partnerId: string): unknown {
  const key = `${r.method} ${r.route}`;
  const bodies: Record<string, unknown> = {
    "PATCH api/relationships/{id}": { autoExtend: false },
    "POST api/relationships/{id}/renew": {},
    "POST api/relationships/{id}/access-assignments": {
      securityGroupId: randomUUID(),
      roles: [EXCHANGE_ADMIN],
    },
    "POST api/customers/{tenantId}/subscriptions": license(`WALK-${randomUUID().slice(0, 8)}`),
    "POST api/customers/{tenantId}/subscriptions/import": [license(`WALK-${randomUUID().slice(0, 8)}`)],
    "PATCH api/customers/{tenantId}/subscriptions/{id}": { seats: 30 },
    "POST api/invitations": { kind: "reseller", customer: customerFor("Walker") },
    "PUT api/webhooks": { url: `${receiverUrl}/walker` },
    "POST api/migrations": { customerTenantId: w.customerTenantId, subscriptionId: w.subscriptionId },
    "PUT api/partners/{partnerId}": {
      name: "Walker",
      type: "direct",
      cloud: "global",
      contactEmail: `walker-${partnerId.slice(0, 6)}@partner.example`,
    },
  };
  return bodies[key];
}

function license(id: string) {
  return {
    id,
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: new Date(Date.now() + 200 * 86_400_000).toISOString(),
    seats: 25,
  };
}

/** A problem body with the ids the caller sent and the per-request parts taken out. */
function normalized(answer: Answer, ids: string[]): unknown {
  let text = answer.text;
  for (const id of ids) if (id) text = text.split(id).join("{id}");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  if (body && typeof body === "object") {
    const { instance: _instance, traceId: _traceId, ...rest } = body as Record<string, unknown>;
    return rest;
  }
  return body;
}

/** Answers 200 to every webhook delivery. */
let receiver: Server;
let receiverUrl = "";
beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function ok<T>(answer: Promise<Answer<T>>, status: number, what: string): Promise<T> {
  const a = await answer;
  if (a.status !== status) throw new Error(`${what}: ${a.status} ${a.text}`);
  return a.body;
}

/** A reseller (and, with admin, admin) relationship of `partner` with `customer`, accepted. */
async function accepted(
  journey: Journey,
  partner: PartnerSetup,
  customer: ReturnType<typeof customerFor>,
  kind: "reseller" | "reseller+admin",
) {
  const invitation = await journey.invite(partner, {
    kind,
    customer,
    locale: "en",
    ...(kind === "reseller+admin"
      ? { admin: { roles: [EXCHANGE_ADMIN], durationDays: 180, autoExtend: false } }
      : {}),
  });
  const mails = await journey.waitForMail(customer.adminEmail, 1);
  const link = linkPath(mails[mails.length - 1]!);
  await ok(
    journey.call("POST", `${link}/accept`, { token: await journey.customerToken(customer.tenantId) }),
    200,
    "accept",
  );
  const relationships = await eventually(
    () => journey.relationships(partner, customer.tenantId),
    (items) => items.filter((r) => r.status === "active").length >= (kind === "reseller" ? 1 : 2),
    "the relationships",
  );
  return { invitationId: invitation.id, relationships };
}

/** Partner A with one resource of every kind the partner API names by id. */
async function buildWorld(journey: Journey, a: PartnerSetup): Promise<World> {
  const customer = customerFor("Walked");
  const { invitationId, relationships } = await accepted(journey, a, customer, "reseller+admin");
  const admin = relationships.find((r) => r.type === "admin")!;
  const relationshipId = String(admin.id);
  const assignment = await ok(
    journey.call<{ id: string }>("POST", `/api/relationships/${relationshipId}/access-assignments`, {
      token: a.token,
      json: { securityGroupId: randomUUID(), roles: [EXCHANGE_ADMIN] },
    }),
    201,
    "access assignment",
  );
  await ok(
    journey.call("POST", `/api/customers/${customer.tenantId}/subscriptions`, {
      token: a.token,
      json: {
        id: "AZ-1",
        offer: "Azure plan",
        billing: "usage",
        channel: "direct",
        services: [{ id: "vm-1", name: "Web" }],
      },
    }),
    201,
    "subscription",
  );
  const migration = await ok(
    journey.call<{ id: string }>("POST", "/api/migrations", {
      token: a.token,
      json: { customerTenantId: customer.tenantId, subscriptionId: "AZ-1" },
    }),
    202,
    "migration",
  );
  await ok(
    journey.call("PUT", "/api/webhooks", { token: a.token, json: { url: `${receiverUrl}/a` } }),
    201,
    "webhook",
  );
  const delivery = await ok(
    journey.call<{ eventId: string }>("POST", "/api/webhooks/test", { token: a.token }),
    202,
    "webhook test",
  );

  // A switch request addressed to A: partner S moves a subscription A serves (R19).
  const s = await journey.enrolPartner();
  const switched = customerFor("Switched");
  await accepted(journey, s, switched, "reseller");
  await ok(
    journey.call("POST", `/api/customers/${switched.tenantId}/subscriptions`, {
      token: s.token,
      json: {
        id: "AZ-SW",
        offer: "Azure plan",
        billing: "usage",
        channel: "csp",
        currentPartnerId: a.id,
        currentPartnerContactEmail: "desk@a.example",
      },
    }),
    201,
    "switch subscription",
  );
  const switchMigration = await ok(
    journey.call<{ id: string }>("POST", "/api/migrations", {
      token: s.token,
      json: { customerTenantId: switched.tenantId, subscriptionId: "AZ-SW" },
    }),
    202,
    "partner switch",
  );
  const requests = await eventually(
    () =>
      journey.call<{ items: { migrationId: string }[] }>("GET", "/api/switch-requests", { token: a.token }),
    (answer) => answer.body?.items?.some((r) => r.migrationId === switchMigration.id) ?? false,
    "the switch request addressed to A",
  );
  expect(requests.status).toBe(200);

  return {
    customer,
    customerTenantId: customer.tenantId,
    invitationId,
    relationshipId,
    assignmentId: assignment.id,
    subscriptionId: "AZ-1",
    migrationId: migration.id,
    serviceId: "vm-1",
    switchMigrationId: switchMigration.id,
    deliveryId: delivery.eventId,
  };
}

describe("attacks: the route walker (R10, R1)", () => {
  let a: PartnerSetup;
  let b: PartnerSetup;
  let world: World;
  let routes: Route[];

  beforeAll(async () => {
    const journey = host();
    a = await journey.enrolPartner();
    b = await journey.enrolPartner();
    world = await buildWorld(journey, a);
    routes = registeredRoutes(journey);
    a = await journey.refresh(a);
    b = await journey.refresh(b);
  }, 180_000);

  it("R10: every partner route answers B with A's ids exactly as with ids that do not exist: 404, never 403", async () => {
    const journey = host();
    const withParams = routes.filter((r) => isPartnerApi(r) && paramsOf(r.route).length > 0);
    expect(withParams.length).toBeGreaterThan(15);
    const unknown = withParams.filter((r) => !idsFor(r.route, world));
    expect(
      unknown.map((r) => `${r.method} /${r.route}`),
      "routes the walker cannot build ids for",
    ).toEqual([]);
    const walked: string[] = [];
    for (const r of withParams) {
      const real = idsFor(r.route, world)!;
      if (OPERATOR_ROUTES.has(r.route)) real.partnerId = a.id;
      const fresh = Object.fromEntries(paramsOf(r.route).map((p) => [p, `${randomUUID()}`]));
      const what = `${r.method} /${r.route}`;
      const call = (values: Record<string, string>) => {
        const body = bodyFor(r, world, values.partnerId ?? "");
        return journey.call(r.method, fill(r.route, values), {
          token: b.token,
          ...(body !== undefined ? { json: body } : {}),
        });
      };
      const withReal = await call(real);
      const withFresh = await call(fresh);
      const expected = OPERATOR_ROUTES.has(r.route)
        ? 403
        : TENANT_ONLY.test(r.route)
          ? withFresh.status
          : 404;
      expect({ what, status: withReal.status }, withReal.text).toEqual({ what, status: expected });
      // Tenant-only routes may refuse by a rule (R20: B does not serve that customer), as for any tenant.
      if (!OPERATOR_ROUTES.has(r.route) && !TENANT_ONLY.test(r.route))
        expect(withReal.status, what).not.toBe(403);
      expect(
        { what, status: withReal.status, body: normalized(withReal, Object.values(real)) },
        "A's ids and unknown ids must answer alike",
      ).toEqual({ what, status: withFresh.status, body: normalized(withFresh, Object.values(fresh)) });
      walked.push(what);
    }
    // A's resources are untouched: A still reads each of them.
    for (const path of [
      `/api/invitations/${world.invitationId}`,
      `/api/relationships/${world.relationshipId}`,
      `/api/migrations/${world.migrationId}`,
      `/api/customers/${world.customerTenantId}/subscriptions/${world.subscriptionId}`,
    ]) {
      expect((await journey.call("GET", path, { token: a.token })).status, path).toBe(200);
    }
    console.log(`route walker: ${walked.length} partner routes with ids walked as another partner`);
  });

  it("R10: B serving the same customer registers A's subscription id and invites A's customer exactly as fresh ones", async () => {
    const journey = host();
    await accepted(
      journey,
      b,
      { ...world.customer, adminEmail: `b-${world.customer.adminEmail}` },
      "reseller",
    );
    b = await journey.refresh(b);
    const register = (id: string) =>
      journey.call("POST", `/api/customers/${world.customerTenantId}/subscriptions`, {
        token: b.token,
        json: { ...license(id), billing: "usage", channel: "direct", termEnd: undefined, seats: undefined },
      });
    const taken = await register(world.subscriptionId);
    const fresh = await register(`AZ-${randomUUID().slice(0, 8)}`);
    const stamp = /\d{4}-\d\d-\d\dT[\d:.]+Z/g;
    expect({
      status: taken.status,
      text: taken.text.replace(world.subscriptionId, "{id}").replace(stamp, "{at}"),
    }).toEqual({
      status: fresh.status,
      text: fresh.text.replace(/AZ-[0-9a-f]{8}/, "{id}").replace(stamp, "{at}"),
    });
    expect(taken.status, taken.text).toBe(201);
    // A's subscription is untouched and B's is its own.
    const mine = await journey.call<{ partnerId?: string }>(
      "GET",
      `/api/customers/${world.customerTenantId}/subscriptions/${world.subscriptionId}`,
      { token: (await journey.refresh(a)).token },
    );
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('"status":"migrating"');
    // Inviting A's customer answers as inviting a customer nobody serves.
    const invited = [];
    for (const tenantId of [world.customerTenantId, randomUUID()]) {
      const answer = await journey.call<{ status?: string; rule?: string }>("POST", "/api/invitations", {
        token: b.token,
        json: {
          kind: "admin",
          customer: { ...customerFor("Again"), tenantId },
          admin: { roles: [EXCHANGE_ADMIN], durationDays: 90, autoExtend: false },
        },
      });
      invited.push({ status: answer.status, invitation: answer.body?.status, rule: answer.body?.rule });
    }
    expect(invited[0]).toEqual(invited[1]);
    expect(invited[0]?.status).toBe(202);
  });

  it("R1: a read-only role gets 403 on every write route, its own ids included", async () => {
    const journey = host();
    const readOnly = await journey.token({ tenantId: a.id, roles: ["HelpdeskAgent"] });
    const writes = routes.filter(
      (r) => isPartnerApi(r) && WRITE.has(r.method) && !r.route.startsWith("api/diagnostics"),
    );
    expect(writes.length).toBeGreaterThan(15);
    const refusedWith: Record<string, number> = {};
    for (const r of writes) {
      const values = idsFor(r.route, world) ?? {};
      if (OPERATOR_ROUTES.has(r.route)) values.partnerId = randomUUID();
      const body = bodyFor(r, world, values.partnerId ?? a.id);
      const answer = await journey.call(r.method, fill(r.route, values), {
        token: readOnly,
        ...(body !== undefined ? { json: body } : {}),
      });
      refusedWith[`${r.method} /${r.route}`] = answer.status;
    }
    const notForbidden = Object.entries(refusedWith).filter(([, status]) => status !== 403);
    expect(notForbidden, "write routes a read-only user was not refused on").toEqual([]);
    console.log(`route walker: ${writes.length} write routes refused to a read-only role`);
  });
});
