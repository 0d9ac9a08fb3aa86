import { describe, expect, it } from "vitest";
import { useCosmos } from "../support/cosmos";
import {
  auditedActions,
  commerceOrders,
  migration,
  register,
  resellerOf,
  start,
  subscription,
  until,
  waiting,
  type Customer,
} from "./migration-support";
import { eventually, useJourneyHost, type Journey, type MailItem, type PartnerSetup } from "./support";

/**
 * R19 end to end through the local host on the virtual clock: a usage subscription another CSP
 * partner sells moves only when that partner releases it and the customer's Global Administrator
 * approves. Both get an email with a link (R15/R16 as invitations: GET never consumes it, a used
 * link is the generic 410); unanswered, the request expires at 30 days after two reminders. The
 * host shares the test's Cosmos, so the orders the commerce port recorded are read from there.
 */
const cosmos = useCosmos({ database: "i9-partner-switch" });
const host = useJourneyHost({
  env: () => ({
    COSMOS_ENDPOINT: cosmos().endpoint,
    COSMOS_KEY: cosmos().key,
    COSMOS_DATABASE: cosmos().database,
  }),
});

const SWITCH_LINK = /\/switch\/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;

/** The one switch link among a recipient's emails (the mailbox lists them newest first). */
function switchLink(mails: MailItem[]): { path: string; token: string } {
  const tokens = new Set(
    mails.flatMap((m) => [SWITCH_LINK.exec(m.text)?.[1], SWITCH_LINK.exec(m.html)?.[1]]).filter(Boolean),
  );
  const [token] = [...tokens] as string[];
  if (tokens.size !== 1 || !token) throw new Error(`Expected one switch link, found ${tokens.size}`);
  return { path: `/switch/${token}`, token };
}

interface Switch {
  partner: PartnerSetup;
  current: PartnerSetup;
  customer: Customer;
  id: string;
  customerLink: { path: string; token: string };
  currentLink: { path: string; token: string };
}

/**
 * A new partner (reseller of the customer, R20) asks to take over AZ-9, which an enrolled current
 * partner sells; both request emails arrive. The customer already holds one email (the reseller
 * invitation), the current partner's contact none.
 */
async function requestSwitch(journey: Journey): Promise<Switch> {
  const { partner, customer } = await resellerOf(journey);
  const current = await journey.enrolPartner();
  await register(journey, partner, customer, {
    id: "AZ-9",
    offer: "Azure plan",
    billing: "usage",
    channel: "csp",
    currentPartnerId: current.id,
    currentPartnerContactEmail: current.contactEmail,
  });
  const started = await start(journey, partner, {
    customerTenantId: customer.tenantId,
    subscriptionId: "AZ-9",
  });
  expect(started.status, started.text).toBe(202);
  expect(started.body).toMatchObject({ strategy: "partnerSwitch", status: "awaitingApproval" });
  const toCustomer = await journey.waitForMail(customer.adminEmail, 2);
  const toCurrent = await journey.waitForMail(current.contactEmail, 1);
  return {
    partner,
    current,
    customer,
    id: started.body.id,
    customerLink: switchLink(toCustomer),
    currentLink: switchLink(toCurrent),
  };
}

/** GET and HEAD of a live link render the page and leave the request open (R15). */
async function openWithoutConsuming(journey: Journey, s: Switch, link: { path: string }) {
  for (const method of ["GET", "HEAD", "GET"]) {
    expect((await journey.call(method, link.path)).status, `${method} ${link.path}`).toBe(200);
  }
  expect((await migration(journey, s.partner, s.id)).status).toBe("awaitingApproval");
}

/** The customer's Global Administrator answers on the page: dev sign-in, then the form with its CSRF field. */
async function answerOnPage(journey: Journey, s: Switch, decision: "approve" | "decline") {
  const origin = { origin: journey.url };
  const signIn = await journey.call("POST", `${s.customerLink.path}/signin`, {
    form: { tenantId: s.customer.tenantId, email: s.customer.adminEmail, globalAdmin: "true" },
    headers: origin,
  });
  expect(signIn.status, signIn.text).toBe(303);
  const cookie = signIn.headers
    .getSetCookie()
    .find((c) => c.startsWith("switch_session="))
    ?.split(";")[0];
  expect(cookie).toBeTruthy();
  const page = await journey.call("GET", s.customerLink.path, { headers: { cookie: cookie! } });
  expect(page.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(csrf).toBeTruthy();
  const answered = await journey.call("POST", `${s.customerLink.path}/${decision}`, {
    form: { csrf: csrf! },
    headers: { ...origin, cookie: cookie! },
  });
  expect(answered.status, answered.text).toBe(200);
  expect(answered.headers.get("content-type")).toMatch(/text\/html/);
}

async function finished(journey: Journey, id: string) {
  return eventually(
    () => journey.orchestration(id),
    (o) => o.runtimeStatus === "Completed",
    `orchestration ${id} to finish`,
  );
}

const subjectsOf = async (journey: Journey, address: string) =>
  (await journey.mailTo(address)).map((m) => m.subject);

/** R15/R16: no link token is in anything the host printed. */
function expectNoTokensInLogs(journey: Journey, s: Switch) {
  const output = journey.host.output();
  expect(output.length).toBeGreaterThan(0);
  expect(output).not.toContain(s.customerLink.token);
  expect(output).not.toContain(s.currentLink.token);
}

describe("R19: a partner switch through the host", () => {
  it("R19: approved by the customer's Global Administrator (page) and the current partner (API): partner of record changed, one transfer ordered, all three told once", async () => {
    const journey = host();
    const s = await requestSwitch(journey);
    await openWithoutConsuming(journey, s, s.customerLink);
    await openWithoutConsuming(journey, s, s.currentLink);
    await waiting(journey, s.id);

    await answerOnPage(journey, s, "approve");
    await eventually(
      () => migration(journey, s.partner, s.id),
      (m) => (m as { approvals?: { customer?: string } }).approvals?.customer === "approved",
      "the customer's approval",
    );
    // The customer's link is used now; the request itself still waits for the current partner.
    expect((await journey.call("GET", s.customerLink.path)).status).toBe(410);
    expect((await migration(journey, s.partner, s.id)).status).toBe("awaitingApproval");

    const current = await journey.refresh(s.current);
    const listed = await journey.call<{ items: { migrationId: string; approvals: unknown }[] }>(
      "GET",
      "/api/switch-requests",
      {
        token: current.token,
      },
    );
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items).toMatchObject([
      { migrationId: s.id, approvals: { customer: "approved", currentPartner: "pending" } },
    ]);
    const approved = await journey.call("POST", `/api/switch-requests/${s.id}/approve`, {
      token: current.token,
    });
    expect(approved.status, approved.text).toBe(200);

    await until(journey, s.partner, s.id, "completed");
    await finished(journey, s.id);
    expect(await subscription(journey, s.partner, s.customer, "AZ-9")).toMatchObject({
      status: "migrated",
      partnerOfRecord: s.partner.id,
    });
    const orders = await commerceOrders(cosmos().db, s.customer.tenantId);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      kind: "transferPartnerOfRecord",
      request: {
        customerTenantId: s.customer.tenantId,
        subscriptionId: "AZ-9",
        fromPartnerId: s.current.id,
        toPartnerId: s.partner.id,
      },
    });

    // Each party: the request (the customer after its invitation), then one outcome notice; no second email.
    const moved = (subjects: string[]) => subjects.filter((x) => x.includes("moved to"));
    await journey.waitForMail(s.partner.contactEmail, 2);
    for (const address of [s.partner.contactEmail, s.current.contactEmail, s.customer.adminEmail]) {
      expect(moved(await subjectsOf(journey, address)), address).toHaveLength(1);
    }
    expect(await journey.mailTo(s.customer.adminEmail)).toHaveLength(3);
    expect(await journey.mailTo(s.current.contactEmail)).toHaveLength(2);
    // The invitation's acceptance notice, then the outcome.
    expect(await journey.mailTo(s.partner.contactEmail)).toHaveLength(2);
    expect((await journey.call("GET", s.currentLink.path)).status).toBe(410);
    expect(await auditedActions(journey, s.partner, s.id)).toEqual(
      [
        "approveSwitch",
        "approveSwitch",
        "completeSwitch",
        "start",
        "switchEmailSent",
        "switchEmailSent",
      ].sort(),
    );
    expectNoTokensInLogs(journey, s);
  });

  it("R19: declined by the current partner through its link: declined, the customer's link is the generic 410, nothing ordered", async () => {
    const journey = host();
    const s = await requestSwitch(journey);
    await openWithoutConsuming(journey, s, s.currentLink);
    await waiting(journey, s.id);

    const current = await journey.refresh(s.current);
    const declined = await journey.call<{ party: string; decision: string }>(
      "POST",
      `${s.currentLink.path}/decline`,
      { token: current.token },
    );
    expect(declined.status, declined.text).toBe(200);
    expect(declined.body).toMatchObject({ party: "currentPartner", decision: "declined" });
    await until(journey, s.partner, s.id, "declined");
    await finished(journey, s.id);

    expect((await journey.call("GET", s.customerLink.path)).status).toBe(410);
    const late = await journey.call("POST", `${s.customerLink.path}/approve`, {
      token: await journey.customerToken(s.customer.tenantId),
    });
    expect(late.status).toBe(410);
    expect(late.text).not.toContain(s.customerLink.token);
    expect((await migration(journey, s.partner, s.id)).status).toBe("declined");
    expect((await subscription(journey, s.partner, s.customer, "AZ-9")).status).toBe("active");
    expect(await commerceOrders(cosmos().db, s.customer.tenantId)).toEqual([]);

    const declinedNotice = (subjects: string[]) => subjects.filter((x) => x.includes("was declined"));
    await journey.waitForMail(s.partner.contactEmail, 2);
    for (const address of [s.partner.contactEmail, s.current.contactEmail, s.customer.adminEmail]) {
      expect(declinedNotice(await subjectsOf(journey, address)), address).toHaveLength(1);
    }
    expect(await journey.mailTo(s.customer.adminEmail)).toHaveLength(3);
    expect(await journey.mailTo(s.current.contactEmail)).toHaveLength(2);
    expectNoTokensInLogs(journey, s);
  });

  it("R19: left unanswered, each party is reminded once at day 7 and day 27, and the request expires at day 30, not before", async () => {
    const journey = host();
    const s = await requestSwitch(journey);
    await openWithoutConsuming(journey, s, s.customerLink);
    await waiting(journey, s.id);
    const reminders = async (address: string) =>
      (await subjectsOf(journey, address)).filter((x) => x.startsWith("Reminder:"));

    await journey.advance(7);
    await eventually(
      () => reminders(s.current.contactEmail),
      (r) => r.length === 1,
      "the first reminder",
    );
    await eventually(
      () => reminders(s.customer.adminEmail),
      (r) => r.length === 1,
      "the first reminder",
    );
    await waiting(journey, s.id);

    await journey.advance(22); // day 29: the last reminder (day 27) went out, the request still stands
    await eventually(
      () => reminders(s.current.contactEmail),
      (r) => r.length === 2,
      "the last reminder",
    );
    await eventually(
      () => reminders(s.customer.adminEmail),
      (r) => r.length === 2,
      "the last reminder",
    );
    await waiting(journey, s.id);
    expect((await migration(journey, s.partner, s.id)).status).toBe("awaitingApproval");
    expect((await journey.call("GET", s.customerLink.path)).status).toBe(200);

    await journey.advance(1);
    await until(journey, s.partner, s.id, "expired");
    await finished(journey, s.id);
    expect((await subscription(journey, s.partner, s.customer, "AZ-9")).status).toBe("active");
    expect((await journey.call("GET", s.customerLink.path)).status).toBe(410);
    expect((await journey.call("GET", s.currentLink.path)).status).toBe(410);
    expect(await commerceOrders(cosmos().db, s.customer.tenantId)).toEqual([]);

    const expiredNotice = (subjects: string[]) => subjects.filter((x) => x.includes("expired"));
    await journey.waitForMail(s.partner.contactEmail, 2);
    for (const address of [s.partner.contactEmail, s.current.contactEmail, s.customer.adminEmail]) {
      expect(expiredNotice(await subjectsOf(journey, address)), address).toHaveLength(1);
    }
    // Request, two reminders, the outcome (the customer also holds its invitation).
    expect(await reminders(s.current.contactEmail)).toHaveLength(2);
    expect(await journey.mailTo(s.current.contactEmail)).toHaveLength(4);
    expect(await journey.mailTo(s.customer.adminEmail)).toHaveLength(5);
    // The request and both reminders to each party, then the expiry: each step audited once.
    expect(await auditedActions(journey, s.partner, s.id)).toEqual(
      ["expireSwitch", "start", ...Array<string>(6).fill("switchEmailSent")].sort(),
    );
    expectNoTokensInLogs(journey, s);
  });
});
