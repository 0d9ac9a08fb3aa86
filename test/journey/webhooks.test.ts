import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Receiver } from "../support/webhook-receiver";
import { customerFor, EXCHANGE_ADMIN, eventually, linkPath, useJourneyHost } from "./support";

/**
 * Webhooks end to end: a partner registers a receiver (a small HTTP server on 127.0.0.1, allowed
 * by WEBHOOKS_ALLOW_LOOPBACK in the development settings), lifecycle events reach it signed per the
 * Standard Webhooks convention, and failed attempts are retried on durable timers (the virtual
 * clock is moved to fire them).
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

async function advanceSeconds(seconds: number): Promise<void> {
  const answer = await host().call("POST", "/dev/clock/advance", { json: { seconds } });
  if (answer.status !== 200) throw new Error(`advance: ${answer.status} ${answer.text}`);
}

describe("webhooks", () => {
  it("a receiver failing twice then succeeding gets the event: one webhook-id across attempts, signature verifies", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const path = `/hooks/${partner.id}`;
    receiver.failFirst(path, 2);

    const registered = await journey.call<{ url: string; secret: string }>("PUT", "/api/webhooks", {
      token: partner.token,
      json: { url: `${receiverUrl}${path}` },
    });
    expect(registered.status).toBe(201);
    const secret = registered.body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);

    const shown = await journey.call<Record<string, unknown>>("GET", "/api/webhooks", {
      token: partner.token,
    });
    expect(shown.status).toBe(200);
    expect(shown.body.url).toBe(`${receiverUrl}${path}`);
    expect(shown.text).not.toContain(secret.slice(6));

    const test = await journey.call<{ eventId: string }>("POST", "/api/webhooks/test", {
      token: partner.token,
    });
    expect(test.status).toBe(202);

    // The retries wait on durable timers (30 s, then 2 min): once the orchestration sits on each
    // timer, move the clock past it.
    const instanceId = `webhook-delivery:${test.body.eventId}`;
    const waitingAfter = (attempt: number) =>
      eventually(
        () => journey.orchestration(instanceId),
        (o) => {
          const status = o.customStatus as { phase?: string; attempt?: number } | undefined;
          return status?.phase === "waiting" && status.attempt === attempt;
        },
        `the delivery to wait after attempt ${attempt}`,
      );
    await waitingAfter(1);
    expect(receiver.on(path)).toHaveLength(1);
    await advanceSeconds(31);
    await waitingAfter(2);
    expect(receiver.on(path)).toHaveLength(2);
    await advanceSeconds(121);
    await eventually(
      () => Promise.resolve(receiver.on(path).length),
      (n) => n >= 3,
      "the third attempt",
    );

    const attempts = receiver.on(path);
    expect(new Set(attempts.map((a) => a.headers["webhook-id"]))).toEqual(new Set([test.body.eventId]));
    const last = attempts[2]!;
    const verified = new Webhook(secret).verify(last.body, {
      "webhook-id": String(last.headers["webhook-id"]),
      "webhook-timestamp": String(last.headers["webhook-timestamp"]),
      "webhook-signature": String(last.headers["webhook-signature"]),
    }) as { type: string; data: { partnerId: string } };
    expect(verified.type).toBe("webhook.test");
    expect(verified.data.partnerId).toBe(partner.id);
    // Another secret does not verify it.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(last.body, {
        "webhook-id": String(last.headers["webhook-id"]),
        "webhook-timestamp": String(last.headers["webhook-timestamp"]),
        "webhook-signature": String(last.headers["webhook-signature"]),
      }),
    ).toThrow();

    const deliveries = await eventually(
      () =>
        journey.call<{ items: { id: string; status: string; attempts: number }[] }>(
          "GET",
          "/api/webhooks/deliveries?status=delivered",
          { token: partner.token },
        ),
      (a) => a.body.items.some((d) => d.id === test.body.eventId),
      "the delivery to be recorded as delivered",
    );
    expect(deliveries.body.items.find((d) => d.id === test.body.eventId)?.attempts).toBe(3);
    const failed = await journey.call<{ items: unknown[] }>("GET", "/api/webhooks/deliveries?status=failed", {
      token: partner.token,
    });
    expect(failed.body.items).toEqual([]);

    // Redelivery sends the same event again, with the same id.
    const again = await journey.call("POST", `/api/webhooks/deliveries/${test.body.eventId}/redeliver`, {
      token: partner.token,
    });
    expect(again.status).toBe(202);
    await eventually(
      () => Promise.resolve(receiver.on(path).length),
      (n) => n >= 4,
      "the redelivery",
    );
    expect(receiver.on(path)[3]!.headers["webhook-id"]).toBe(test.body.eventId);

    expect(journey.host.output()).not.toContain(secret);
    expect(journey.host.output()).not.toContain(secret.slice(6));
  });

  it("R6/R10: an accepted invitation announces invitation.accepted and adminRelationship.activated; termination announces adminRelationship.terminated", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    const path = `/lifecycle/${partner.id}`;
    const registered = await journey.call<{ secret: string }>("PUT", "/api/webhooks", {
      token: partner.token,
      json: { url: `${receiverUrl}${path}` },
    });
    expect(registered.status).toBe(201);
    const customer = customerFor();
    const { id } = await journey.invite(partner, {
      kind: "admin",
      customer,
      locale: "en",
      admin: { roles: [EXCHANGE_ADMIN], durationDays: 60, autoExtend: true },
    });
    const [mail] = await journey.waitForMail(customer.adminEmail, 1);
    const accepted = await journey.call("POST", `${linkPath(mail!)}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accepted.status).toBe(200);

    const types = (): string[] => receiver.on(path).map((r) => (JSON.parse(r.body) as { type: string }).type);
    await eventually(
      () => Promise.resolve(types()),
      (t) => t.includes("invitation.accepted") && t.includes("adminRelationship.activated"),
      "the acceptance events",
    );
    const acceptedEvent = receiver
      .on(path)
      .map((r) => ({
        headers: r.headers,
        body: JSON.parse(r.body) as { type: string; data: Record<string, unknown> },
      }))
      .find((e) => e.body.type === "invitation.accepted")!;
    expect(acceptedEvent.body.data.invitationId).toBe(id);

    const [relationship] = await journey.relationships(partner, customer.tenantId);
    const terminated = await journey.call(
      "POST",
      `/api/relationships/${String(relationship!.id)}/terminate`,
      {
        token: partner.token,
      },
    );
    expect(terminated.status).toBe(200);
    await eventually(
      () => Promise.resolve(types()),
      (t) => t.includes("adminRelationship.terminated"),
      "the termination event",
    );
    // Each event once: every webhook-id seen on this path is distinct (no failures were configured).
    const ids = receiver.on(path).map((r) => r.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses endpoints on private or link-local addresses, and plain http elsewhere than loopback", async () => {
    const journey = host();
    const partner = await journey.enrolPartner();
    for (const url of [
      "https://10.1.2.3/hook",
      "https://169.254.169.254/latest",
      "https://[fd00::1]/x",
      "http://93.184.215.14/hook",
    ]) {
      const answer = await journey.call<{ errors?: { field: string }[] }>("PUT", "/api/webhooks", {
        token: partner.token,
        json: { url },
      });
      expect(answer.status, url).toBe(422);
      expect(answer.body.errors?.map((e) => e.field)).toContain("url");
    }
    expect((await journey.call("GET", "/api/webhooks", { token: partner.token })).status).toBe(404);
  });

  it("R10: a partner sees only its own webhook and deliveries", async () => {
    const journey = host();
    const owner = await journey.enrolPartner();
    const other = await journey.enrolPartner();
    await journey.call("PUT", "/api/webhooks", {
      token: owner.token,
      json: { url: `${receiverUrl}/own/${owner.id}` },
    });
    const test = await journey.call<{ eventId: string }>("POST", "/api/webhooks/test", {
      token: owner.token,
    });
    expect((await journey.call("GET", "/api/webhooks", { token: other.token })).status).toBe(404);
    const redeliver = await journey.call("POST", `/api/webhooks/deliveries/${test.body.eventId}/redeliver`, {
      token: other.token,
    });
    expect(redeliver.status).toBe(404);
    const list = await journey.call<{ items: unknown[] }>("GET", "/api/webhooks/deliveries", {
      token: other.token,
    });
    expect(list.body.items).toEqual([]);
  });

  it("the OpenAPI document lists every route of issue 10 with its errors", async () => {
    const doc = await host().call<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>("GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    const expected: [string, string, string[]][] = [
      ["/api/webhooks", "put", ["201", "422"]],
      ["/api/webhooks", "get", ["200", "404"]],
      ["/api/webhooks", "delete", ["204", "404"]],
      ["/api/webhooks/test", "post", ["202", "404"]],
      ["/api/webhooks/deliveries", "get", ["200", "422"]],
      ["/api/webhooks/deliveries/{id}/redeliver", "post", ["202", "404", "409"]],
      ["/api/relationships", "get", ["200", "422"]],
      ["/api/relationships/{id}", "get", ["200", "404"]],
      ["/api/relationships/{id}", "patch", ["200", "409", "422"]],
      ["/api/relationships/{id}/renew", "post", ["202", "409", "422"]],
      ["/api/relationships/{id}/access-assignments", "post", ["201", "409", "422"]],
      ["/api/relationships/{id}/access-assignments", "get", ["200", "404"]],
      ["/api/relationships/{id}/access-assignments/{assignmentId}", "delete", ["204", "404"]],
      ["/api/invitations/{id}/resend", "post", ["200", "409", "429"]],
      ["/api/audit", "get", ["200", "422"]],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.body.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation!.responses), `${method} ${path}`).toEqual(
        expect.arrayContaining(statuses),
      );
    }
  });
});
