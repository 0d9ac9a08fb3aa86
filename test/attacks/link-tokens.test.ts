import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  customerFor,
  eventually,
  useJourneyHost,
  type Answer,
  type Journey,
  type MailItem,
  type PartnerSetup,
} from "../journey/support";

/**
 * R15, R16 attacks on the emailed links (invitations and partner switch approvals) through the host,
 * and a leak scan: everything the run produced (host output, audit trail, webhook bodies a receiver
 * got, every HTTP answer, every email) is searched for every link token and JWT minted in the run.
 * None may appear anywhere but the link inside its own email.
 */
const host = useJourneyHost();

const LINK = /\/(invite|switch)\/([A-Za-z0-9_.-]{20,})(?![A-Za-z0-9_.-])/g;

/** Every answer the run got, to scan. */
const answers: { path: string; text: string }[] = [];
/** Every JWT the run minted. */
const jwts: string[] = [];
const received: string[] = [];

let receiver: Server;
let receiverUrl = "";
beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(JSON.stringify(req.headers) + Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** Records every answer and every minted token of the journey. */
function recorded(journey: Journey): Journey {
  const call = journey.call.bind(journey);
  const token = journey.token.bind(journey);
  journey.call = async <T>(...args: Parameters<Journey["call"]>): Promise<Answer<T>> => {
    const answer = await call<T>(...args);
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => (headers[name] = value));
    answers.push({ path: args[1], text: `${answer.status} ${JSON.stringify(headers)} ${answer.text}` });
    return answer;
  };
  journey.token = async (request) => {
    const minted = await token(request);
    jwts.push(minted);
    return minted;
  };
  return journey;
}

function linksIn(mail: MailItem): { kind: string; token: string }[] {
  return [...`${mail.text}\n${mail.html}`.matchAll(LINK)].map((m) => ({ kind: m[1]!, token: m[2]! }));
}

/** The answer without what differs per request (ids of the trace, the html tag's lang). */
function shape(answer: Answer, tokens: string[]) {
  let text = answer.text;
  for (const t of tokens) text = text.split(t).join("{token}");
  text = text.replace(/"(instance|traceId)":"[^"]*"/g, "").replace(/<html[^>]*>/, "<html>");
  return { status: answer.status, type: answer.headers.get("content-type"), text };
}

describe("attacks: link tokens", () => {
  let journey: Journey;
  let partner: PartnerSetup;
  let customerToken: string;
  let invite: { accepted: string; pending: string; other: string };
  let switchToken: string;
  const customer = customerFor("Linked");

  beforeAll(async () => {
    journey = recorded(host());
    partner = await journey.enrolPartner();
    await journey.call("PUT", "/api/webhooks", {
      token: partner.token,
      json: { url: `${receiverUrl}/hook` },
    });
    customerToken = await journey.customerToken(customer.tenantId);
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = { ...customerFor("Linked"), tenantId: customer.tenantId };
      await journey.invite(partner, { kind: "reseller", customer: c, locale: "en" });
      const [mail] = await journey.waitForMail(c.adminEmail, 1);
      tokens.push(linksIn(mail!).find((l) => l.kind === "invite")!.token);
    }
    const [accepted, pending, other] = tokens as [string, string, string];
    invite = { accepted, pending, other };
    expect((await journey.call("POST", `/invite/${accepted}/accept`, { token: customerToken })).status).toBe(
      200,
    );
    await eventually(
      () => journey.relationships(partner, customer.tenantId),
      (items) => items.some((r) => r.type === "reseller" && r.status === "active"),
      "the reseller relationship",
    );

    // A partner switch: its approval links go to the current partner and the customer (R19).
    const current = await journey.enrolPartner();
    const desk = `desk-${randomUUID().slice(0, 8)}@current.example`;
    expect(
      (
        await journey.call("POST", `/api/customers/${customer.tenantId}/subscriptions`, {
          token: partner.token,
          json: {
            id: "AZ-LINK",
            offer: "Azure plan",
            billing: "usage",
            channel: "csp",
            currentPartnerId: current.id,
            currentPartnerContactEmail: desk,
          },
        })
      ).status,
    ).toBe(201);
    const started = await journey.call("POST", "/api/migrations", {
      token: partner.token,
      json: { customerTenantId: customer.tenantId, subscriptionId: "AZ-LINK" },
    });
    expect(started.status, started.text).toBe(202);
    const [deskMail] = await journey.waitForMail(desk, 1);
    switchToken = linksIn(deskMail!).find((l) => l.kind === "switch")!.token;
  }, 120_000);

  it("R15: GET and HEAD of a link never consume it", async () => {
    for (let i = 0; i < 2; i++) {
      for (const method of ["GET", "HEAD"]) {
        expect((await journey.call(method, `/invite/${invite.pending}`)).status).toBe(200);
        expect((await journey.call(method, `/switch/${switchToken}`)).status).toBe(200);
      }
    }
    const pending = await journey.call<{ items: { status: string }[] }>(
      "GET",
      "/api/invitations?status=pending",
      {
        token: partner.token,
      },
    );
    expect(pending.body.items.length).toBeGreaterThanOrEqual(2);
  });

  it("R16: tampered, truncated, reused, from another link and expired tokens get one generic answer, on GET and POST", async () => {
    const flip = (t: string) => (t[0] === "A" ? "B" : "A") + t.slice(1);
    const variants: Record<string, string> = {
      tampered: `${invite.pending.slice(0, 10)}${invite.pending[10] === "x" ? "y" : "x"}${invite.pending.slice(11)}`,
      "first character changed": flip(invite.pending),
      truncated: invite.pending.slice(0, -3),
      extended: `${invite.pending}AAAA`,
      reused: invite.accepted,
      "a switch link's token": switchToken,
      random: randomUUID().replace(/-/g, "") + "abcdefghijk",
    };
    const all = [...Object.values(variants), invite.pending, invite.other];
    const collect = async () => {
      const seen: Record<string, unknown> = {};
      for (const [what, token] of Object.entries(variants)) {
        seen[`${what}: GET`] = shape(await journey.call("GET", `/invite/${token}`), all);
        seen[`${what}: accept`] = shape(
          await journey.call("POST", `/invite/${token}/accept`, { token: customerToken }),
          all,
        );
        seen[`${what}: decline`] = shape(
          await journey.call("POST", `/invite/${token}/decline`, { token: customerToken }),
          all,
        );
      }
      return seen;
    };
    const seen = await collect();
    // Expired: the clock moves past the invitations' 90 days; the pending link joins the others.
    await journey.advance(91);
    partner = await journey.refresh(partner);
    await eventually(
      () =>
        journey.call<{ items: unknown[] }>("GET", "/api/invitations?status=pending", {
          token: partner.token,
        }),
      (a) => a.body?.items?.length === 0,
      "every pending invitation to expire",
    );
    const expiredGet = shape(await journey.call("GET", `/invite/${invite.other}`), all);
    const expiredPost = shape(
      await journey.call("POST", `/invite/${invite.other}/accept`, {
        token: await journey.customerToken(customer.tenantId),
      }),
      all,
    );
    // One page for every unusable link. Its status says only whether the token was ever genuine
    // (404, never; 410, used or expired), which only the holder of a genuine link can learn.
    const neverGenuine = new Set([
      "tampered",
      "first character changed",
      "truncated",
      "extended",
      "a switch link's token",
      "random",
    ]);
    for (const [what, answer] of Object.entries(seen).filter(([k]) => k.endsWith("GET"))) {
      const expected = { ...expiredGet, status: neverGenuine.has(what.replace(/: GET$/, "")) ? 404 : 410 };
      expect({ what, answer }).toEqual({ what, answer: expected });
    }
    for (const [what, answer] of Object.entries(seen).filter(([k]) => !k.endsWith("GET")))
      expect({ what, answer }).toEqual({ what, answer: expiredPost });
    expect(expiredPost.status).toBe(410);
  });

  it("R16: a switch link tampered, truncated or from another link gets one generic answer", async () => {
    const variants: Record<string, string> = {
      tampered: `${switchToken.slice(0, 10)}${switchToken[10] === "x" ? "y" : "x"}${switchToken.slice(11)}`,
      truncated: switchToken.slice(0, -3),
      "an invitation link's token": invite.pending,
    };
    const all = [...Object.values(variants), switchToken];
    const gets = [];
    const posts = [];
    for (const token of Object.values(variants)) {
      gets.push(shape(await journey.call("GET", `/switch/${token}`), all));
      posts.push(
        shape(
          await journey.call("POST", `/switch/${token}/approve`, {
            token: await journey.customerToken(customer.tenantId),
          }),
          all,
        ),
      );
    }
    expect(new Set(gets.map((g) => JSON.stringify(g))).size, JSON.stringify(gets)).toBe(1);
    expect(new Set(posts.map((g) => JSON.stringify(g))).size, JSON.stringify(posts)).toBe(1);
  });

  it("no token or JWT minted in the run appears in logs, audit, webhook bodies or answers; each link only in its own email", async () => {
    partner = await journey.refresh(partner);
    const listed = await journey.call<{ items: { id: string }[] }>("GET", "/api/invitations", {
      token: partner.token,
    });
    const audit: string[] = [];
    for (const { id } of listed.body.items) {
      const trail = await journey.call("GET", `/api/audit?resourceId=${id}`, { token: partner.token });
      expect(trail.status, trail.text).toBe(200);
      audit.push(trail.text);
    }
    expect(audit.length).toBeGreaterThanOrEqual(3);
    await eventually(
      () => Promise.resolve(received.length),
      (n) => n > 0,
      "a webhook delivery",
    );
    const mails = await journey.mail();
    const linkTokens = [...new Set(mails.flatMap((m) => linksIn(m).map((l) => l.token)))];
    expect(linkTokens.length).toBeGreaterThanOrEqual(4);
    const secrets = [...linkTokens, ...jwts];
    const places: Record<string, string> = {
      "host output": journey.host.output(),
      "audit trail": audit.join("\n"),
      "webhook bodies": received.join("\n"),
    };
    const leaks: string[] = [];
    for (const secret of secrets) {
      // Answers: /dev/* hands out tokens and shows the mailbox by design (dev only); a link's own
      // page posts back to its own path. Nothing else may carry a token.
      for (const { path, text } of answers) {
        if (path.startsWith("/dev/") || path.includes(`/${secret}`)) continue;
        if (text.includes(secret))
          leaks.push(`answer to ${path.replace(secret, "{token}")}: ${secret.slice(0, 12)}…`);
      }
      for (const [place, text] of Object.entries(places))
        if (text.includes(secret)) leaks.push(`${place}: ${secret.slice(0, 12)}…`);
      for (const mail of mails) {
        const own = linksIn(mail).map((l) => l.token);
        if (own.includes(secret)) continue;
        if (`${mail.subject}\n${mail.text}\n${mail.html}`.includes(secret))
          leaks.push(`email "${mail.subject}": ${secret.slice(0, 12)}…`);
      }
    }
    expect(leaks).toEqual([]);
    console.log(
      `link tokens: ${secrets.length} tokens and JWTs scanned in ${Object.keys(places).length} places, ${answers.length} answers and ${mails.length} emails`,
    );
  });
});
