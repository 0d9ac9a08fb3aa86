import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Receiver } from "../support/webhook-receiver";
import {
  customerFor,
  eventually,
  EXCHANGE_ADMIN,
  linkPath,
  useJourneyHost,
  type Journey,
  type MailItem,
  type PartnerSetup,
} from "./support";

/**
 * R9 from the customer's side, end to end on the local host: the acceptance confirmation email
 * carries a link to a page where the customer's Global Administrator ends the admin relationship.
 * Opening it changes nothing (R15); only the customer's Global Administrator may end it (R2); the
 * partner is told by email and by its webhook; the link is then dead (410) like any used link (R16).
 */
const host = useJourneyHost();

const receiver = new Receiver();
let receiverUrl = "";
beforeAll(async () => {
  receiverUrl = await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
});

const TERMINATE_LINK =
  /\/terminate\/([A-Za-z0-9-]{1,64}\.[A-Za-z0-9-]{1,64}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;

function terminationPath(mail: MailItem): string {
  const match = TERMINATE_LINK.exec(mail.text) ?? TERMINATE_LINK.exec(mail.html);
  if (!match?.[1]) throw new Error(`No termination link in "${mail.subject}"`);
  return `/terminate/${match[1]}`;
}

interface Accepted {
  partner: PartnerSetup;
  customer: ReturnType<typeof customerFor>;
  relationshipId: string;
  confirmation: MailItem;
  path: string;
}

async function acceptedAdmin(journey: Journey, webhookPath: string): Promise<Accepted> {
  const partner = await journey.enrolPartner({ name: "Fabrikam Partners" });
  const registered = await journey.call("PUT", "/api/webhooks", {
    token: partner.token,
    json: { url: `${receiverUrl}${webhookPath}` },
  });
  expect(registered.status).toBeLessThan(300);
  const customer = customerFor("Contoso");
  const invitation = await journey.invite(partner, {
    kind: "admin",
    customer,
    locale: "en",
    admin: { roles: [EXCHANGE_ADMIN], durationDays: 90, autoExtend: false },
  });
  const [invitationMail] = await journey.waitForMail(customer.adminEmail, 1);
  const accepted = await journey.call("POST", `${linkPath(invitationMail!)}/accept`, {
    token: await journey.customerToken(customer.tenantId),
  });
  expect(accepted.status).toBe(200);
  const mails = await eventually(
    () => journey.mailTo(customer.adminEmail),
    (items) => items.some((m) => TERMINATE_LINK.test(m.text)),
    "the acceptance confirmation email",
  );
  const confirmation = mails.find((m) => TERMINATE_LINK.test(m.text))!;
  const relationships = await journey.relationships(partner, customer.tenantId);
  const admin = relationships.find((r) => r.type === "admin" && r.invitationId === invitation.id);
  expect(admin?.status).toBe("active");
  return {
    partner,
    customer,
    relationshipId: String(admin!.id),
    confirmation,
    path: terminationPath(confirmation),
  };
}

async function relationshipStatus(journey: Journey, accepted: Accepted): Promise<string> {
  const fresh = await journey.refresh(accepted.partner);
  const answer = await journey.call<{ status: string }>(
    "GET",
    `/api/relationships/${accepted.relationshipId}`,
    {
      token: fresh.token,
    },
  );
  expect(answer.status).toBe(200);
  return answer.body.status;
}

/** The dev sign-in form of the page, as a browser posts it; returns the session cookie. */
async function signIn(
  journey: Journey,
  path: string,
  tenantId: string,
  globalAdmin: boolean,
): Promise<string> {
  const answer = await journey.call("POST", `${path}/signin`, {
    form: { tenantId, ...(globalAdmin ? { globalAdmin: "true" } : {}) },
    headers: { origin: journey.url, "sec-fetch-site": "same-origin" },
  });
  expect(answer.status).toBe(303);
  expect(answer.headers.get("location")).toBe(path);
  const cookie = /terminate_session=([^;]+)/.exec(answer.headers.get("set-cookie") ?? "");
  expect(cookie?.[1]).toBeTruthy();
  return `terminate_session=${cookie![1]}`;
}

async function csrfOf(journey: Journey, path: string, cookie: string): Promise<string> {
  const page = await journey.call("GET", path, { headers: { cookie } });
  expect(page.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(csrf).toBeTruthy();
  return csrf!;
}

function partnerTerminationMails(journey: Journey, accepted: Accepted) {
  return journey
    .mailTo(accepted.partner.contactEmail)
    .then((items) => items.filter((m) => /ended your admin relationship/.test(m.subject)));
}

describe("R9: the customer ends an admin relationship from the acceptance confirmation email", () => {
  it("R9, R15, R16: GET/HEAD change nothing; the customer's Global Administrator signs in and ends it; the partner gets an email and the webhook event; the link is then 410", async () => {
    const journey = host();
    const accepted = await acceptedAdmin(journey, "/hooks/terminate-ok");
    const { path, confirmation } = accepted;
    expect(confirmation.subject).toContain("Fabrikam Partners");
    expect(confirmation.text).toContain("Exchange Administrator");

    // Opening the link (a person, or a mail scanner) changes nothing (R15).
    const opened = await journey.call("GET", path);
    expect(opened.status).toBe(200);
    expect(opened.text).toContain("Fabrikam Partners");
    expect(opened.text).toContain('id="terminate"');
    expect((await journey.call("HEAD", path)).status).toBe(200);
    expect((await journey.call("GET", path)).status).toBe(200);
    expect(await relationshipStatus(journey, accepted)).toBe("active");

    // Without a session or from another site: refused, nothing changes.
    const anonymous = await journey.call("POST", `${path}/confirm`, {
      form: {},
      headers: { origin: journey.url },
    });
    expect(anonymous.status).toBe(401);
    const cookie = await signIn(journey, path, accepted.customer.tenantId, true);
    const csrf = await csrfOf(journey, path, cookie);
    const crossSite = await journey.call("POST", `${path}/confirm`, {
      form: { csrf },
      headers: { cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    const noCsrf = await journey.call("POST", `${path}/confirm`, {
      form: {},
      headers: { cookie, origin: journey.url },
    });
    expect(noCsrf.status).toBe(403);
    expect(await relationshipStatus(journey, accepted)).toBe("active");

    const ended = await journey.call("POST", `${path}/confirm`, {
      form: { csrf },
      headers: { cookie, origin: journey.url, "sec-fetch-site": "same-origin" },
    });
    expect(ended.status).toBe(200);
    expect(ended.text).toContain("The admin relationship has ended");
    expect(await relationshipStatus(journey, accepted)).toBe("terminated");

    // The partner is told: by email, and by its webhook's adminRelationship.terminated event.
    const [notice] = await eventually(
      () => partnerTerminationMails(journey, accepted),
      (items) => items.length > 0,
      "the partner's termination email",
    );
    expect(notice!.text).toContain(accepted.relationshipId);
    const events = await eventually(
      () =>
        Promise.resolve(
          receiver
            .on("/hooks/terminate-ok")
            .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
            .filter((e) => e.type === "adminRelationship.terminated"),
        ),
      (items) => items.length > 0,
      "the adminRelationship.terminated webhook event",
    );
    expect(events[0]!.data).toMatchObject({
      relationshipId: accepted.relationshipId,
      status: "terminated",
      terminatedBy: "customer",
    });

    // The audit names the customer as the actor.
    const fresh = await journey.refresh(accepted.partner);
    const auditAnswer = await journey.call<{ items: { action: string; actor: { kind: string } }[] }>(
      "GET",
      `/api/audit?resourceId=${accepted.relationshipId}`,
      { token: fresh.token },
    );
    expect(auditAnswer.status).toBe(200);
    expect(auditAnswer.body.items.map((r) => [r.action, r.actor.kind])).toContainEqual([
      "terminated",
      "customer",
    ]);

    // The link is now dead, like every used link: the generic 410 page, for every method.
    const after = await journey.call("GET", path);
    expect(after.status).toBe(410);
    expect((await journey.call("HEAD", path)).status).toBe(410);
    const again = await journey.call("POST", `${path}/confirm`, {
      form: { csrf },
      headers: { cookie, origin: journey.url },
    });
    expect(again.status).toBe(410);
    expect((await partnerTerminationMails(journey, accepted)).length).toBe(1);

    // The token goes back only to the page's own forms and links: never into a result or dead-link
    // page, nor into the host's logs.
    const secret = path.slice("/terminate/".length);
    for (const body of [ended.text, after.text, again.text]) expect(body).not.toContain(secret);
    expect(journey.host.output()).not.toContain(secret.split(".").at(-1));
  }, 120_000);

  it("R2: a non-Global Administrator, or a Global Administrator of another tenant, is refused and nothing changes", async () => {
    const journey = host();
    const accepted = await acceptedAdmin(journey, "/hooks/terminate-refused");
    const { path } = accepted;

    // A signed-in user of the customer's tenant without the Global Administrator role (form).
    const plainUser = await signIn(journey, path, accepted.customer.tenantId, false);
    const plainForm = await journey.call("POST", `${path}/confirm`, {
      form: { csrf: await csrfOf(journey, path, plainUser) },
      headers: { cookie: plainUser, origin: journey.url },
    });
    expect(plainForm.status).toBe(403);

    // A Global Administrator of another tenant (form, and bearer).
    const other = await signIn(journey, path, customerFor("Other").tenantId, true);
    const otherForm = await journey.call("POST", `${path}/confirm`, {
      form: { csrf: await csrfOf(journey, path, other) },
      headers: { cookie: other, origin: journey.url },
    });
    expect(otherForm.status).toBe(403);
    const otherBearer = await journey.call<{ rule?: string }>("POST", `${path}/confirm`, {
      token: await journey.customerToken(customerFor("Other").tenantId),
    });
    expect(otherBearer.status).toBe(403);
    expect(otherBearer.body.rule).toBe("R2");
    const notGa = await journey.call<{ rule?: string }>("POST", `${path}/confirm`, {
      token: await journey.customerToken(accepted.customer.tenantId, false),
    });
    expect(notGa.status).toBe(403);
    expect(notGa.body.rule).toBe("R2");
    // Problem bodies never carry the link's secret.
    const secret = path.slice("/terminate/".length).split(".").at(-1)!;
    for (const refusal of [otherBearer, notGa]) expect(refusal.text).not.toContain(secret);

    // A tampered token is the generic 404.
    const tampered = `${path.slice(0, -3)}${path.endsWith("AAA") ? "BBB" : "AAA"}`;
    expect((await journey.call("GET", tampered)).status).toBe(404);
    expect(
      (
        await journey.call("POST", `${tampered}/confirm`, {
          token: await journey.customerToken(accepted.customer.tenantId),
        })
      ).status,
    ).toBe(404);

    // Nothing changed: still active, the page still open, no email or event for the partner.
    expect(await relationshipStatus(journey, accepted)).toBe("active");
    expect((await journey.call("GET", path)).status).toBe(200);
    expect(await partnerTerminationMails(journey, accepted)).toHaveLength(0);
    const terminatedEvents = receiver
      .on("/hooks/terminate-refused")
      .filter((r) => (JSON.parse(r.body) as { type: string }).type === "adminRelationship.terminated");
    expect(terminatedEvents).toHaveLength(0);

    // The bearer path (JSON callers) works for the right identity too.
    const byBearer = await journey.call<{ status: string }>("POST", `${path}/confirm`, {
      token: await journey.customerToken(accepted.customer.tenantId),
    });
    expect(byBearer.status).toBe(200);
    expect(byBearer.body.status).toBe("terminated");
  }, 120_000);
});
