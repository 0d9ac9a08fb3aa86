import { EmailClient, type EmailMessage } from "@azure/communication-email";
import { AzureKeyCredential } from "@azure/core-auth";
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { Agent, request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  extractLinks,
  renderMailPage,
  startEmailEndpoint,
  type EmailEndpoint,
} from "../../../src/localhost/services/email";
import { startHostProcess, type HostProcess } from "../../support/host-process";

const message = (subject: string, html = "<p>Hi</p>"): EmailMessage => ({
  senderAddress: "noreply@example.com",
  recipients: { to: [{ address: "ada@example.com" }] },
  content: { subject, html, plainText: "Hi" },
});

describe("local ACS email endpoint with the real EmailClient", () => {
  let endpoint: EmailEndpoint;
  const fixedNow = Date.parse("2031-05-06T07:08:09.000Z");

  beforeAll(async () => {
    endpoint = await startEmailEndpoint({ now: () => fixedNow });
  });

  afterAll(async () => {
    await endpoint?.stop();
  });

  // Trusts exactly the endpoint's own certificate: no check is switched off.
  const pinned = (): Agent => new Agent({ ca: endpoint.certificate });

  const raw = (url: URL, method: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = httpsRequest(url, { method, headers, agent: pinned() }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on("error", reject);
      req.end(body);
    });

  it("listens on loopback over https", () => {
    expect(endpoint.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("refuses plain http in the SDK, so it really needs the https endpoint", () => {
    const client = new EmailClient(
      endpoint.endpoint.replace("https:", "http:"),
      new AzureKeyCredential(endpoint.accessKey),
    );
    return expect(client.beginSend(message("http"))).rejects.toThrow(/allowInsecureConnection/);
  });

  it("accepts a correctly signed send and reports the operation Succeeded", async () => {
    const client = new EmailClient(endpoint.endpoint, new AzureKeyCredential(endpoint.accessKey), {
      agent: pinned(),
    });
    const poller = await client.beginSend(message("Welcome"), { updateIntervalInMs: 10 });
    const result = await poller.pollUntilDone();
    expect(result.status).toBe("Succeeded");
    const stored = endpoint.messages().find((m) => m.id === result.id);
    expect(stored).toMatchObject({
      from: "noreply@example.com",
      to: ["ada@example.com"],
      subject: "Welcome",
      html: "<p>Hi</p>",
      text: "Hi",
      sentAt: "2031-05-06T07:08:09.000Z",
    });
  });

  it("accepts a connection string too", async () => {
    const client = new EmailClient(`endpoint=${endpoint.endpoint}/;accesskey=${endpoint.accessKey}`, {
      agent: pinned(),
    });
    const result = await (await client.beginSend(message("Via connection string"))).pollUntilDone();
    expect(result.status).toBe("Succeeded");
  });

  it("rejects a request signed with the wrong key with 401 and stores nothing", async () => {
    const count = endpoint.messages().length;
    const client = new EmailClient(
      endpoint.endpoint,
      new AzureKeyCredential(randomBytes(32).toString("base64")),
      {
        agent: pinned(),
      },
    );
    await expect(client.beginSend(message("Forged"))).rejects.toMatchObject({ statusCode: 401 });
    expect(endpoint.messages()).toHaveLength(count);
  });

  it("makes a repeated Operation-Id a no-op: same operation, message stored once", async () => {
    const client = new EmailClient(endpoint.endpoint, new AzureKeyCredential(endpoint.accessKey), {
      agent: pinned(),
    });
    const operationId = randomUUID();
    const first = await (await client.beginSend(message("Once"), { operationId })).pollUntilDone();
    const second = await (await client.beginSend(message("Once"), { operationId })).pollUntilDone();
    expect(first.id).toBe(operationId);
    expect(second.id).toBe(operationId);
    expect(endpoint.messages().filter((m) => m.operationId === operationId)).toHaveLength(1);
  });

  it("lists messages newest first", async () => {
    const client = new EmailClient(endpoint.endpoint, new AzureKeyCredential(endpoint.accessKey), {
      agent: pinned(),
    });
    await (await client.beginSend(message("Older"))).pollUntilDone();
    await (await client.beginSend(message("Newer"))).pollUntilDone();
    const subjects = endpoint.messages().map((m) => m.subject);
    expect(subjects.indexOf("Newer")).toBeLessThan(subjects.indexOf("Older"));
  });

  it("refuses a body that differs from the one the signature covers", async () => {
    const url = new URL(`${endpoint.endpoint}/emails:send?api-version=2025-09-01`);
    const signedBody = JSON.stringify(message("Signed"));
    const sentBody = JSON.stringify(message("Tampered"));
    const date = new Date().toUTCString();
    const hash = createHash("sha256").update(signedBody).digest("base64");
    const toSign = `POST\n${url.pathname}?${url.searchParams.toString()}\n${date};${url.host};${hash}`;
    const signature = createHmac("sha256", Buffer.from(endpoint.accessKey, "base64"))
      .update(toSign)
      .digest("base64");
    const headers = {
      "content-type": "application/json",
      "x-ms-date": date,
      "x-ms-content-sha256": hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
    };
    const tampered = await raw(url, "POST", headers, sentBody);
    expect(tampered.status).toBe(401);
    // The same signature over the body it covers passes: the check above failed on the hash alone.
    const genuine = await raw(url, "POST", headers, signedBody);
    expect(genuine.status).toBe(202);
    expect(genuine.headers["operation-location"]).toMatch(
      /\/emails\/operations\/[^/?]+\?api-version=2025-09-01$/,
    );
  });

  it("answers 404 for an unknown operation (signed request)", async () => {
    const url = new URL(`${endpoint.endpoint}/emails/operations/nope?api-version=2025-09-01`);
    const date = new Date().toUTCString();
    const hash = createHash("sha256").update("").digest("base64");
    const toSign = `GET\n${url.pathname}?${url.searchParams.toString()}\n${date};${url.host};${hash}`;
    const signature = createHmac("sha256", Buffer.from(endpoint.accessKey, "base64"))
      .update(toSign)
      .digest("base64");
    const res = await raw(url, "GET", {
      "x-ms-date": date,
      "x-ms-content-sha256": hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
    });
    expect(res.status).toBe(404);
  });
});

describe("mail page rendering", () => {
  it("escapes subjects and addresses and shows the message's links as anchors", () => {
    const page = renderMailPage([
      {
        id: "m1",
        from: "noreply@example.com",
        to: ['"Eve" <eve@example.com>'],
        subject: "<script>alert(1)</script> & more",
        html: `<p>Open <a href="https://app.example/invite/abc?x=1&amp;y=2">your invitation</a></p><script>bad()</script>`,
        text: "Or paste https://app.example/invite/abc?x=1&y=2 in your browser",
        sentAt: "2031-01-01T00:00:00.000Z",
      },
    ]);
    expect(page).not.toContain("<script>alert(1)</script>");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more");
    expect(page).toContain("&quot;Eve&quot; &lt;eve@example.com&gt;");
    expect(page).toContain('<a href="https://app.example/invite/abc?x=1&amp;y=2"');
    // The message HTML only lives inside the sandboxed frame's attribute, never as live markup.
    expect(page).not.toContain("<script>bad()</script>");
    expect(page).toMatch(/<iframe sandbox="[^"]*" srcdoc="[^"]*&lt;script&gt;bad\(\)&lt;\/script&gt;/);
  });

  it("extracts each http(s) link once, ignoring other schemes", () => {
    expect(
      extractLinks(
        `<a href='https://a.example/x'>a</a><a href="javascript:alert(1)">b</a>`,
        "see https://a.example/x and http://b.example",
      ),
    ).toEqual(["https://a.example/x", "http://b.example"]);
  });
});

describe("email through the host", () => {
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess({
      app: "dist/test/fixtures/apps/http-app.js",
      args: ["--root", "test/fixtures/apps/http-root", "--store", "memory"],
    });
  });

  afterAll(async () => {
    await host?.stop();
  });

  const send = (body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${host.url}/api/send-mail`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("fills EMAIL_ENDPOINT for the app and shows sent mail at /dev/mail.json, newest first", async () => {
    const first = await send({
      to: "a@example.com",
      subject: "First",
      html: '<a href="http://localhost/x">go</a>',
    });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: "Succeeded" });
    const second = await send({ to: "b@example.com", subject: "Second", text: "plain" });
    expect(second.status).toBe(200);
    const res = await fetch(`${host.url}/dev/mail.json`);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: { id: string; to: string[]; subject: string; html: string; text: string; sentAt: string }[];
    };
    expect(items.map((i) => i.subject)).toEqual(["Second", "First"]);
    expect(items[1]).toMatchObject({ to: ["a@example.com"], html: '<a href="http://localhost/x">go</a>' });
    expect(Number.isNaN(Date.parse(items[0]?.sentAt ?? ""))).toBe(false);
  });

  it("stores a message once when the app repeats the send with the same operation id", async () => {
    const operationId = randomUUID();
    await send({ to: "c@example.com", subject: "Idempotent", operationId });
    await send({ to: "c@example.com", subject: "Idempotent", operationId });
    const { items } = (await (await fetch(`${host.url}/dev/mail.json`)).json()) as {
      items: { id: string }[];
    };
    expect(items.filter((i) => i.id === operationId)).toHaveLength(1);
  });

  it("refuses a send signed with the wrong key", async () => {
    const res = await send(
      { to: "d@example.com", subject: "Forged" },
      { "x-test-email-key": randomBytes(32).toString("base64") },
    );
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 401 });
    const { items } = (await (await fetch(`${host.url}/dev/mail.json`)).json()) as {
      items: { subject: string }[];
    };
    expect(items.some((i) => i.subject === "Forged")).toBe(false);
  });

  it("serves /dev/mail as an HTML page with the links clickable", async () => {
    const res = await fetch(`${host.url}/dev/mail`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<a href="http://localhost/x"');
    expect(page).toContain("Second");
  });

  it("keeps the access key out of the host log", () => {
    expect(host.output()).not.toMatch(/accesskey|EMAIL_ACCESS_KEY=/i);
  });
});
