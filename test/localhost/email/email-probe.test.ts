import { EmailClient } from "@azure/communication-email";
import { AzureKeyCredential } from "@azure/core-auth";
import { randomBytes } from "node:crypto";
import { Agent } from "node:https";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { emailEndpointHealthCheck } from "../../../src/adapters/health-checks";
import { startEmailEndpoint, type EmailEndpoint } from "../../../src/localhost/services/email";

/**
 * The health check proves the email endpoint answers with an unauthenticated request. The local
 * endpoint answers it like the service (401) without logging a refusal on every health call; a
 * request that does carry credentials and fails their check is still logged.
 */
describe("the email health probe against the local endpoint", () => {
  let endpoint: EmailEndpoint;
  beforeAll(async () => {
    endpoint = await startEmailEndpoint();
  });
  afterAll(async () => {
    await endpoint?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const logged = () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(`${level}: ${args.map(String).join(" ")}`);
      });
    }
    return lines;
  };

  it("succeeds and leaves no refusal in the log", async () => {
    const lines = logged();
    await expect(emailEndpointHealthCheck(endpoint.endpoint).check()).resolves.toBeUndefined();
    await emailEndpointHealthCheck(endpoint.endpoint).check();
    expect(lines.filter((l) => /refused|HMAC/i.test(l))).toEqual([]);
  });

  it("still logs why a request with wrong credentials was refused", async () => {
    const lines = logged();
    const client = new EmailClient(
      endpoint.endpoint,
      new AzureKeyCredential(randomBytes(32).toString("base64")),
      {
        agent: new Agent({ ca: endpoint.certificate }),
        retryOptions: { maxRetries: 0 },
      },
    );
    await expect(
      client.beginSend({
        senderAddress: "noreply@example.com",
        recipients: { to: [{ address: "ada@example.com" }] },
        content: { subject: "Forged", plainText: "Hi" },
      }),
    ).rejects.toMatchObject({ statusCode: 401 });
    expect(lines.filter((l) => /refused POST \/emails:send: signature mismatch/.test(l))).toHaveLength(1);
  });
});
