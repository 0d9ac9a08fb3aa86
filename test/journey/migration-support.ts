import type { Database } from "@azure/cosmos";
import { expect } from "vitest";
import { customerFor, eventually, linkPath, type Journey, type PartnerSetup } from "./support";

/**
 * What the migration journeys share (R17-R20 through the host): a reseller relationship to start
 * from, registration, starting and reading migrations, waiting on their orchestrations, and the
 * orders the commerce port recorded.
 */

export type Customer = ReturnType<typeof customerFor>;

export interface MigrationBody {
  id: string;
  strategy: string;
  status: string;
  notBefore?: string;
  targetSubscriptionId?: string;
  services?: { id: string; status: string }[];
  remindersSent?: string[];
  approvals?: { customer: string; currentPartner: string };
}

/** A partner with an accepted reseller relationship with a fresh customer (R20). */
export async function resellerOf(
  journey: Journey,
  partnerOptions: Parameters<Journey["enrolPartner"]>[0] = {},
): Promise<{ partner: PartnerSetup; customer: Customer }> {
  const partner = await journey.enrolPartner(partnerOptions);
  const customer = customerFor();
  await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  const accepted = await journey.call("POST", `${linkPath(mail!)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  expect(accepted.status).toBe(200);
  await eventually(
    () => journey.relationships(partner, customer.tenantId),
    (items) => items.some((r) => r.type === "reseller" && r.status === "active"),
    "the reseller relationship",
  );
  return { partner, customer };
}

/**
 * R19: a reseller of a fresh customer asks to take over a CSP subscription an enrolled partner sells;
 * returns once the orchestration waits, with the customer's link (from the request email).
 */
export async function switchRequested(journey: Journey, subscriptionId: string) {
  const { partner, customer } = await resellerOf(journey);
  const current = await journey.enrolPartner();
  await register(journey, partner, customer, {
    id: subscriptionId,
    offer: "Azure plan",
    billing: "usage",
    channel: "csp",
    currentPartnerId: current.id,
    currentPartnerContactEmail: current.contactEmail,
  });
  const started = await start(journey, partner, { customerTenantId: customer.tenantId, subscriptionId });
  expect([started.status, started.body.strategy], started.text).toEqual([202, "partnerSwitch"]);
  const id = started.body.id;
  // The customer's first email was the invitation; the second is the switch request.
  const customerMail = await journey.waitForMail(customer.adminEmail, 2);
  const link = /\/switch\/[A-Za-z0-9_-]{20,}/.exec(
    customerMail.map((m) => `${m.text} ${m.html}`).join(" "),
  )?.[0];
  if (!link) throw new Error("no switch link in the customer's email");
  await waiting(journey, id);
  return { partner, customer, current, id, link };
}

export async function now(journey: Journey): Promise<number> {
  const answer = await journey.call<{ now: string }>("GET", "/dev/clock");
  return Date.parse(answer.body.now);
}

export async function register(
  journey: Journey,
  partner: PartnerSetup,
  customer: Customer,
  body: Record<string, unknown>,
) {
  const answer = await journey.call("POST", `/api/customers/${customer.tenantId}/subscriptions`, {
    token: (await journey.refresh(partner)).token,
    json: body,
  });
  expect(answer.status, answer.text).toBe(201);
}

export async function subscription(journey: Journey, partner: PartnerSetup, customer: Customer, id: string) {
  const answer = await journey.call<Record<string, unknown>>(
    "GET",
    `/api/customers/${customer.tenantId}/subscriptions/${encodeURIComponent(id)}`,
    { token: (await journey.refresh(partner)).token },
  );
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

export async function start(journey: Journey, partner: PartnerSetup, body: Record<string, unknown>) {
  return journey.call<MigrationBody & { migrationId?: string }>("POST", "/api/migrations", {
    token: (await journey.refresh(partner)).token,
    json: body,
  });
}

export async function migration(journey: Journey, partner: PartnerSetup, id: string): Promise<MigrationBody> {
  const answer = await journey.call<MigrationBody>("GET", `/api/migrations/${id}`, {
    token: (await journey.refresh(partner)).token,
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

export async function until(journey: Journey, partner: PartnerSetup, id: string, status: string) {
  return eventually(
    () => migration(journey, partner, id),
    (m) => m.status === status,
    `migration ${id} ${status}`,
  );
}

/** Waits until the orchestration sits on its timer or its signal. */
export async function waiting(journey: Journey, id: string) {
  await eventually(
    () => journey.orchestration(id),
    (o) =>
      ["waiting", "waitingForServices"].includes(
        (o.customStatus as { phase?: string } | undefined)?.phase ?? "",
      ),
    `orchestration ${id} to wait`,
  );
}

export async function waitingUntil(journey: Journey, id: string, until: string) {
  await eventually(
    () => journey.orchestration(id),
    (o) => (o.customStatus as { until?: string } | undefined)?.until === until,
    `orchestration ${id} to wait until ${until}`,
  );
}

export function license(termEnd: number, id = "E3-1") {
  return {
    id,
    offer: "Microsoft 365 E3",
    billing: "license",
    channel: "ea",
    termEnd: new Date(termEnd).toISOString(),
    seats: 25,
  };
}

export const subjects = (mails: { subject: string }[]) => mails.map((m) => m.subject);

/** One order, cancellation or transfer as the local commerce port recorded it in Cosmos. */
export interface CommerceOrder {
  orderId: string;
  kind: "createCspSubscription" | "cancelAtSource" | "transferPartnerOfRecord";
  request: {
    customerTenantId: string;
    partnerId?: string;
    sourceSubscriptionId?: string;
    serviceId?: string;
    subscriptionId?: string;
    fromPartnerId?: string;
    toPartnerId?: string;
    offer?: string;
  };
  subscriptionId?: string;
}

/**
 * The commerce calls recorded for one customer, read straight from the host's Cosmos (the test
 * shares it): what the port was asked to do, independent of what the API answers.
 */
export async function commerceOrders(db: Database, customerTenantId: string): Promise<CommerceOrder[]> {
  const { resources } = await db
    .container("lookups")
    .items.query<CommerceOrder>({
      query: "SELECT * FROM c WHERE c.docType = 'commerceOrder' AND c.request.customerTenantId = @tenant",
      parameters: [{ name: "@tenant", value: customerTenantId }],
    })
    .fetchAll();
  return resources;
}

/** The applied actions of a migration's audit trail, sorted (`GET /api/audit`, the partner's view). */
export async function auditedActions(journey: Journey, partner: PartnerSetup, migrationId: string) {
  const answer = await journey.call<{ items: { action: string; outcome: string }[] }>(
    "GET",
    `/api/audit?resourceId=${migrationId}`,
    { token: (await journey.refresh(partner)).token },
  );
  expect(answer.status, answer.text).toBe(200);
  return answer.body.items
    .filter((i) => i.outcome === "applied")
    .map((i) => i.action)
    .sort();
}
