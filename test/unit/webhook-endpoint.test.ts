import { describe, expect, it } from "vitest";
import { aesGcmSecretBox } from "../../src/adapters/webhooks/secret-box";
import { createDecipheriv, hkdfSync } from "node:crypto";
import type { WebhookRepository } from "../../src/application/webhooks/ports";
import type { WebhookDelivery, WebhookEndpoint } from "../../src/application/webhooks/model";
import { attemptDelivery, checkWebhookUrl, newSigningSecret } from "../../src/application/webhooks/webhooks";
import { addressesAllowed, classifyAddress } from "../../src/domain/network-address";
import { DomainError } from "../../src/domain/errors";

/** A resolver that answers from a table: the check must look at every address a name has. */
const table: Record<string, string[]> = {
  "hooks.partner.example": ["93.184.215.14"],
  "internal.partner.example": ["10.0.0.7"],
  "mixed.partner.example": ["93.184.215.14", "192.168.1.20"],
  "metadata.partner.example": ["169.254.169.254"],
  "sneaky.partner.example": ["::ffff:127.0.0.1"],
  localhost: ["127.0.0.1", "::1"],
};
const resolve = (host: string): Promise<string[]> => {
  const found = table[host] ?? (/^[\d.:a-f]+$/i.test(host) ? [host] : undefined);
  return found ? Promise.resolve(found) : Promise.reject(new Error(`ENOTFOUND ${host}`));
};
const production = { resolve, allowLoopback: false };
const development = { resolve, allowLoopback: true };

async function refusal(deps: typeof production, url: string): Promise<string> {
  try {
    await checkWebhookUrl(deps, url);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const problem = error as DomainError;
    expect(problem.kind).toBe("invalid");
    return JSON.stringify(problem.options.errors);
  }
  throw new Error(`${url} was allowed`);
}

describe("webhook endpoint safety", () => {
  it("classifies loopback, private, link-local, reserved and public addresses (IPv4, IPv6, mapped)", () => {
    expect(classifyAddress("127.0.0.1")).toBe("loopback");
    expect(classifyAddress("::1")).toBe("loopback");
    expect(classifyAddress("::ffff:127.0.0.1")).toBe("loopback");
    expect(classifyAddress("10.20.30.40")).toBe("private");
    expect(classifyAddress("172.16.5.4")).toBe("private");
    expect(classifyAddress("192.168.0.1")).toBe("private");
    expect(classifyAddress("fd12::1")).toBe("private");
    expect(classifyAddress("::ffff:10.0.0.1")).toBe("private");
    expect(classifyAddress("169.254.169.254")).toBe("link-local");
    expect(classifyAddress("fe80::1")).toBe("link-local");
    expect(classifyAddress("0.0.0.0")).toBe("reserved");
    expect(classifyAddress("not-an-ip")).toBe("reserved");
    expect(classifyAddress("93.184.215.14")).toBe("public");
    expect(classifyAddress("2606:2800:220:1::1")).toBe("public");
    expect(classifyAddress("172.32.0.1")).toBe("public");
  });

  it("refuses a name when any one of its addresses is not public", () => {
    expect(addressesAllowed(["93.184.215.14", "10.0.0.1"], { allowLoopback: true })).toEqual({
      allowed: false,
      kind: "private",
    });
    expect(addressesAllowed([], { allowLoopback: true }).allowed).toBe(false);
  });

  it("in production refuses private, link-local and loopback endpoints, and plain http", async () => {
    expect(await refusal(production, "https://internal.partner.example/hook")).toMatch(/private/);
    expect(await refusal(production, "https://mixed.partner.example/hook")).toMatch(/private/);
    expect(await refusal(production, "https://metadata.partner.example/")).toMatch(/link-local/);
    expect(await refusal(production, "https://sneaky.partner.example/")).toMatch(/loopback/);
    expect(await refusal(production, "https://localhost/hook")).toMatch(/loopback/);
    expect(await refusal(production, "http://127.0.0.1:9000/hook")).toMatch(/https/);
    expect(await refusal(production, "http://hooks.partner.example/hook")).toMatch(/https/);
    expect(await refusal(production, "https://user:pw@hooks.partner.example/hook")).toMatch(/credentials/);
    expect(await refusal(production, "https://nowhere.partner.example/hook")).toMatch(/resolve/);
    expect(await checkWebhookUrl(production, "https://hooks.partner.example/hook")).toEqual([
      "93.184.215.14",
    ]);
  });

  it("in development allows loopback (http too) but still refuses private addresses", async () => {
    expect(await checkWebhookUrl(development, "http://127.0.0.1:9000/hook")).toEqual(["127.0.0.1"]);
    expect(await checkWebhookUrl(development, "http://localhost:9000/hook")).toEqual(["127.0.0.1", "::1"]);
    expect(await refusal(development, "https://internal.partner.example/hook")).toMatch(/private/);
    expect(await refusal(development, "http://hooks.partner.example/hook")).toMatch(/https/);
  });
});

describe("webhook signing secrets", () => {
  it("are in the standardwebhooks format and sealed at rest (another key cannot open them)", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const box = aesGcmSecretBox("k".repeat(40));
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.open(sealed)).toBe(secret);
    expect(() => aesGcmSecretBox("x".repeat(40)).open(sealed)).toThrow();
  });
});

/** Opens a sealed value by hand with a key derived under `label` (what the box is documented to do). */
function openWith(material: string, label: string, sealed: string): string {
  const key = Buffer.from(hkdfSync("sha256", Buffer.from(material, "utf8"), Buffer.alloc(0), label, 32));
  const [, iv, body, tag] = sealed.split(".");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv!, "base64url"));
  decipher.setAuthTag(Buffer.from(tag!, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body!, "base64url")), decipher.final()]).toString("utf8");
}

describe("the signing secrets' key (docs/webhooks.md)", () => {
  const material = "test-only-invitation-link-key-0123456789abcdef";

  it("is HKDF-SHA256 of INVITATION_LINK_KEY under its own label, apart from the key's other uses", () => {
    const secret = newSigningSecret();
    const sealed = aesGcmSecretBox(material).seal(secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(openWith(material, "webhook-signing-secret/v1", sealed)).toBe(secret);
    // The OIDC state cookie's derivation (entra-sign-in.ts) is another key.
    expect(() => openWith(material, "customer-oidc-state", sealed)).toThrow();
    // The raw setting (what the link HMACs and CSRF tokens are keyed with) is not the key either.
    const raw = Buffer.alloc(32);
    Buffer.from(material, "utf8").copy(raw);
    const [, iv, body, tag] = sealed.split(".");
    const decipher = createDecipheriv("aes-256-gcm", raw, Buffer.from(iv!, "base64url"));
    decipher.setAuthTag(Buffer.from(tag!, "base64url"));
    expect(() =>
      Buffer.concat([decipher.update(Buffer.from(body!, "base64url")), decipher.final()]),
    ).toThrow();
  });

  it("after INVITATION_LINK_KEY is rotated, a delivery records why it cannot sign and retries; nothing is sent unsigned", async () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    const endpoint: WebhookEndpoint = {
      partnerId: "p-1",
      url: "https://hooks.partner.example/hook",
      sealedSecret: aesGcmSecretBox("the-key-before-rotation-0123456789abcdef").seal(newSigningSecret()),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const saved: WebhookDelivery[] = [];
    let delivery: WebhookDelivery = {
      id: "evt-1",
      partnerId: "p-1",
      type: "webhook.test",
      data: {},
      occurredAt: now.toISOString(),
      status: "pending",
      attempts: 0,
      redeliveries: 0,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const webhooks: Pick<WebhookRepository, "getEndpoint" | "getDelivery" | "saveDelivery"> = {
      getEndpoint: () => Promise.resolve(endpoint),
      getDelivery: () => Promise.resolve(delivery),
      saveDelivery: (d) => {
        delivery = d;
        saved.push(d);
        return Promise.resolve();
      },
    };
    const sent: unknown[] = [];
    const result = await attemptDelivery(
      {
        webhooks: webhooks as WebhookRepository,
        clock: { now: () => now },
        secrets: aesGcmSecretBox("the-key-after-rotation-0123456789abcdef"),
        resolve: () => Promise.resolve(["52.168.0.10"]),
        allowLoopback: false,
        transport: (request) => {
          sent.push(request);
          return Promise.resolve({ status: 200 });
        },
      },
      { partnerId: "p-1", eventId: "evt-1" },
    );
    expect(result).toEqual({ outcome: "retry" });
    expect(sent).toEqual([]);
    expect(saved.at(-1)).toMatchObject({ status: "pending", attempts: 1 });
    expect(saved.at(-1)?.lastError).toMatch(/register the webhook again/);
  });
});
