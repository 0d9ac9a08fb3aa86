import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CosmosPartnerRepository } from "../../src/adapters/cosmos/partner-repository";
import { CosmosWebhookRepository } from "../../src/adapters/cosmos/webhook-repository";
import { dnsResolver, httpWebhookTransport } from "../../src/adapters/webhooks/http-transport";
import { aesGcmSecretBox } from "../../src/adapters/webhooks/secret-box";
import type { WebhookRequest } from "../../src/application/webhooks/ports";
import {
  attemptDelivery,
  checkWebhookUrl,
  makeWebhookPublisher,
  registerWebhook,
  type WebhookDeps,
} from "../../src/application/webhooks/webhooks";
import { DomainError } from "../../src/domain/errors";
import { useCosmos } from "../support/cosmos";

/**
 * Webhook targets as an attacker would write them (SSRF): every spelling of a loopback, link-local or
 * private address refused outside dev; a name that answers public at registration and private at
 * delivery (DNS rebinding) refused at delivery, through the resolver the transport's port is given;
 * a redirect never followed.
 */
const cosmos = useCosmos({ database: "csp-webhook-targets" });

async function refused(url: string, allowLoopback = false): Promise<string> {
  try {
    await checkWebhookUrl({ resolve: dnsResolver, allowLoopback }, url);
  } catch (error) {
    expect(error, url).toBeInstanceOf(DomainError);
    return JSON.stringify((error as DomainError).options.errors);
  }
  throw new Error(`${url} was allowed`);
}

describe("attacks: webhook targets", () => {
  it("SSRF: decimal, octal, hex, IPv4-mapped, IPv4-compatible, NAT64 and 6to4 spellings of inner addresses are refused outside dev", async () => {
    const inner = [
      "https://2130706433/hook",
      "https://0x7f000001/hook",
      "https://017700000001/hook",
      "https://0x7f.1/hook",
      "https://127.1/hook",
      "https://0/hook",
      "https://[::1]/hook",
      "https://[::]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://[::ffff:7f00:1]/hook",
      "https://[0:0:0:0:0:ffff:a9fe:a9fe]/latest",
      "https://[::127.0.0.1]/hook",
      "https://[64:ff9b::a9fe:a9fe]/latest",
      "https://[2002:a9fe:a9fe::1]/latest",
      "https://[fe80::1]/hook",
      "https://[fd00:ec2::254]/latest",
      "https://2852039166/latest",
      "https://0xa9.0xfe.0xa9.0xfe/latest",
      "https://10.1/hook",
      "https://3232235521/hook",
      "https://[::ffff:192.168.0.1]/hook",
      "https://100.64.0.1/hook",
    ];
    for (const url of inner) expect(await refused(url), url).toMatch(/must not resolve/);
    // Dev lets loopback through, never private or link-local in any spelling.
    for (const url of ["https://[::ffff:a00:1]/hook", "https://0xa9fea9fe/", "https://[64:ff9b::7f00:1]/"])
      expect(await refused(url, true), url).toMatch(/must not resolve/);
    expect(
      await checkWebhookUrl({ resolve: dnsResolver, allowLoopback: false }, "https://93.184.215.14/h"),
    ).toEqual(["93.184.215.14"]);
  });

  it("DNS rebinding: a name public at registration and private at delivery is refused at delivery, nothing sent", async () => {
    const db = cosmos().db;
    const partners = new CosmosPartnerRepository(db);
    const partnerId = "5a5a5a5a-0000-4000-8000-00000000aaaa";
    await partners.put({
      id: partnerId,
      name: "Rebinder",
      type: "direct",
      cloud: "global",
      contactEmail: "ops@rebinder.example",
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    let answer = ["93.184.215.14"];
    const sent: WebhookRequest[] = [];
    const deps: WebhookDeps & { transport: typeof httpWebhookTransport } = {
      webhooks: new CosmosWebhookRepository(db),
      partners,
      clock: { now: () => new Date() },
      secrets: aesGcmSecretBox("k".repeat(40)),
      resolve: (host) => Promise.resolve(host === "hooks.rebinder.example" ? answer : []),
      allowLoopback: false,
      transport: (request) => {
        sent.push(request);
        return Promise.resolve({ status: 200 });
      },
    };
    const principal = { tenantId: partnerId, userId: "u", roles: ["GlobalAdmin"], wids: [] };
    await registerWebhook(deps, principal, { url: "https://hooks.rebinder.example/hook" });
    const publisher = makeWebhookPublisher(deps, () => Promise.resolve());
    await publisher.publish(partnerId, { id: "evt-rebind-1", type: "webhook.test", data: { partnerId } });

    for (const inner of [["169.254.169.254"], ["93.184.215.14", "10.0.0.7"], ["::ffff:127.0.0.1"]]) {
      answer = inner;
      expect(await attemptDelivery(deps, { partnerId, eventId: "evt-rebind-1" })).toEqual({
        outcome: "retry",
      });
      const delivery = await deps.webhooks.getDelivery(partnerId, "evt-rebind-1");
      expect(delivery?.lastError, inner.join()).toMatch(/endpoint refused/);
    }
    expect(sent).toEqual([]);

    // Public again: the request goes to the address just checked, pinned (no second lookup).
    answer = ["93.184.215.14"];
    expect(await attemptDelivery(deps, { partnerId, eventId: "evt-rebind-1" })).toEqual({
      outcome: "delivered",
    });
    expect(sent.map((r) => r.addresses)).toEqual([["93.184.215.14"]]);
  });

  describe("redirects", () => {
    let target: Server;
    let redirector: Server;
    let targetHits = 0;
    let redirectorUrl = "";
    beforeAll(async () => {
      target = createServer((req, res) => {
        targetHits++;
        req.resume();
        res.writeHead(200).end();
      });
      await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
      const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/inside`;
      redirector = createServer((req, res) => {
        req.resume();
        res.writeHead(307, { location: targetUrl }).end();
      });
      await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
      redirectorUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`;
    });
    afterAll(async () => {
      for (const s of [target, redirector]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    });

    it("are not followed: a 3xx is the attempt's answer and the Location is never called", async () => {
      const answer = await httpWebhookTransport({
        url: redirectorUrl,
        addresses: ["127.0.0.1"],
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(answer.status).toBe(307);
      expect(targetHits).toBe(0);
    });
  });
});
