import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createSelfSignedCert } from "../http/self-signed-cert";
import type { SystemHandler } from "../http/server";

/** One message accepted by the local email endpoint. */
export interface StoredMail {
  id: string;
  operationId: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  text: string;
  /** ISO time on the host clock (so it moves with a virtual clock). */
  sentAt: string;
}

export interface EmailEndpoint {
  /** https base URL for `new EmailClient(endpoint, new AzureKeyCredential(accessKey), {agent})`. */
  endpoint: string;
  accessKey: string;
  /** PEM of the endpoint's self-signed certificate, for clients that pin it instead of skipping checks. */
  certificate: string;
  /** Newest first. */
  messages(): StoredMail[];
  /** `/dev/mail` and `/dev/mail.json` for the host's main port. */
  devRoutes(): SystemHandler;
  /**
   * Test hook for dependency faults: the next sends (signed `POST /emails:send`) get these answers
   * instead of being accepted, one each, in order (`down` drops the connection, as an unreachable
   * service would). Counts in `refused()`.
   */
  failSends(answers: EmailFault[]): void;
  /** Until called with false, every send is dropped (the service is down). */
  setDown(down: boolean): void;
  /** Sends answered with a fault so far. */
  refused(): number;
  stop(): Promise<void>;
}

export type EmailFault = { status: 429 | 500 | 503; retryAfterSeconds?: number } | "down";

export interface EmailEndpointOptions {
  /** Base64 key the requests must be signed with; random when absent. */
  accessKey?: string;
  /** Host time for `sentAt`. */
  now?: () => number;
  host?: string;
  port?: number;
  /** Called once per stored message (a benchmark's clock for create-to-email, without polling). */
  onMail?: (mail: StoredMail) => void;
  /** No console line per accepted message. */
  silent?: boolean;
}

// The service refuses requests signed too far from its own time; the SDK signs with real time.
const MAX_DATE_SKEW_MS = 15 * 60_000;
const MAX_BODY = 10 * 1024 * 1024;

function acsError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("x-ms-error-code", code);
  res.end(body);
}

function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

async function readAll(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Checks Azure Communication Services HMAC-SHA256 request signing: the signature covers
 * "VERB\npath?query\nx-ms-date;host;x-ms-content-sha256" with the base64-decoded access key, and
 * the content hash must match the body actually received.
 */
export function verifySignature(
  req: IncomingMessage,
  body: Buffer,
  accessKey: string,
  nowMs = Date.now(),
): string | undefined {
  const auth = req.headers.authorization ?? "";
  const match = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/.exec(auth);
  if (!match) return "missing or malformed HMAC-SHA256 Authorization header";
  if ((match[1] ?? "").toLowerCase() !== "x-ms-date;host;x-ms-content-sha256")
    return "unexpected SignedHeaders";
  const date = req.headers["x-ms-date"];
  const hash = req.headers["x-ms-content-sha256"];
  const host = req.headers.host;
  if (typeof date !== "string" || typeof hash !== "string" || typeof host !== "string") {
    return "x-ms-date, x-ms-content-sha256 and host are required";
  }
  const signedAt = Date.parse(date);
  if (Number.isNaN(signedAt) || Math.abs(nowMs - signedAt) > MAX_DATE_SKEW_MS)
    return "x-ms-date is missing or too far off";
  const actualHash = createHash("sha256").update(body).digest("base64");
  if (!safeEqual(actualHash, hash)) return "x-ms-content-sha256 does not match the body";
  const url = new URL(req.url ?? "/", "http://placeholder");
  const query = url.searchParams.toString();
  const pathAndQuery = query ? `${url.pathname}?${query}` : url.pathname;
  const stringToSign = `${(req.method ?? "").toUpperCase()}\n${pathAndQuery}\n${date};${host};${hash}`;
  const expected = createHmac("sha256", Buffer.from(accessKey, "base64"))
    .update(stringToSign, "utf8")
    .digest("base64");
  if (!safeEqual(expected, match[2] ?? "")) return "signature mismatch";
  return undefined;
}

interface EmailAddress {
  address?: unknown;
}

function addresses(list: unknown): string[] | undefined {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list as EmailAddress[]) {
    if (typeof item?.address !== "string" || !item.address.includes("@")) return undefined;
    out.push(item.address);
  }
  return out;
}

/**
 * A loopback endpoint speaking the Azure Communication Services Email REST API
 * (`POST /emails:send`, `GET /emails/operations/{id}`), so the real `@azure/communication-email`
 * client works unchanged. The SDK refuses plain http, so it serves https with a self-signed
 * certificate made at start; a client relaxes certificate checks for this loopback endpoint only,
 * through its own agent (`new EmailClient(endpoint, credential, { agent })`), never process-wide.
 */
export async function startEmailEndpoint(options: EmailEndpointOptions = {}): Promise<EmailEndpoint> {
  const accessKey = options.accessKey ?? randomBytes(32).toString("base64");
  const now = options.now ?? Date.now;
  const mails: StoredMail[] = [];
  const operations = new Map<string, StoredMail>();
  const faults: EmailFault[] = [];
  let down = false;
  let refused = 0;
  let endpoint = "";

  const tls = createSelfSignedCert();
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", endpoint || "https://127.0.0.1");
      const body = await readAll(req);
      if (!body) {
        acsError(res, 413, "RequestTooLarge", "The request body is too large.");
        return;
      }
      if (req.headers.authorization === undefined) {
        // No credentials at all: a reachability probe (the app's health check) or a stray client.
        // The answer is the service's 401; nothing went wrong that the log should shout about.
        acsError(res, 401, "Denied", "Denied by the resource provider.");
        return;
      }
      const problem = verifySignature(req, body, accessKey);
      if (problem) {
        // Why it failed stays in the host log; the caller gets the service's generic answer.
        console.warn(`[email] refused ${req.method} ${url.pathname}: ${problem}`);
        acsError(res, 401, "Denied", "Denied by the resource provider.");
        return;
      }
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion) {
        acsError(res, 400, "MissingApiVersionParameter", "The api-version query parameter is required.");
        return;
      }
      const opMatch = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
      if (req.method === "GET" && opMatch) {
        const id = decodeURIComponent(opMatch[1] ?? "");
        if (!operations.has(id)) {
          acsError(res, 404, "NotFound", "No such operation.");
          return;
        }
        res.statusCode = 200;
        res.setHeader("content-type", "application/json; charset=utf-8");
        res.end(JSON.stringify({ id, status: "Succeeded" }));
        return;
      }
      if (req.method !== "POST" || url.pathname !== "/emails:send") {
        acsError(res, 404, "NotFound", "Unknown path.");
        return;
      }
      const fault = down ? "down" : faults.shift();
      if (fault !== undefined) {
        refused++;
        if (fault === "down") {
          req.socket.destroy();
          return;
        }
        if (fault.retryAfterSeconds !== undefined)
          res.setHeader("retry-after", String(fault.retryAfterSeconds));
        acsError(
          res,
          fault.status,
          fault.status === 429 ? "TooManyRequests" : "ServiceUnavailable",
          "Injected fault.",
        );
        return;
      }
      let message: {
        senderAddress?: unknown;
        recipients?: { to?: unknown; cc?: unknown; bcc?: unknown };
        content?: { subject?: unknown; html?: unknown; plainText?: unknown };
      };
      try {
        message = JSON.parse(body.toString("utf8")) as typeof message;
      } catch {
        acsError(res, 400, "InvalidRequest", "The body is not JSON.");
        return;
      }
      const to = addresses(message?.recipients?.to);
      const cc = addresses(message?.recipients?.cc);
      const bcc = addresses(message?.recipients?.bcc);
      const content = message?.content ?? {};
      if (
        typeof message?.senderAddress !== "string" ||
        !to ||
        !cc ||
        !bcc ||
        to.length + cc.length + bcc.length === 0 ||
        typeof content.subject !== "string" ||
        (typeof content.html !== "string" && typeof content.plainText !== "string")
      ) {
        acsError(
          res,
          400,
          "InvalidRequest",
          "senderAddress, recipients and content (subject, html or plainText) are required.",
        );
        return;
      }
      const header = req.headers["operation-id"];
      const operationId = typeof header === "string" && header.trim() !== "" ? header.trim() : randomUUID();
      // A repeated Operation-Id is the same operation: answered again, stored once.
      if (!operations.has(operationId)) {
        const mail: StoredMail = {
          id: operationId,
          operationId,
          from: message.senderAddress,
          to,
          cc,
          bcc,
          subject: content.subject,
          html: typeof content.html === "string" ? content.html : "",
          text: typeof content.plainText === "string" ? content.plainText : "",
          sentAt: new Date(now()).toISOString(),
        };
        operations.set(operationId, mail);
        mails.push(mail);
        options.onMail?.(mail);
        if (!options.silent)
          console.log(`[email] accepted ${operationId} "${mail.subject}" to ${to.join(", ")}`);
      }
      res.statusCode = 202;
      res.setHeader("content-type", "application/json; charset=utf-8");
      res.setHeader(
        "operation-location",
        `${endpoint}/emails/operations/${encodeURIComponent(operationId)}?api-version=${encodeURIComponent(apiVersion)}`,
      );
      res.end(JSON.stringify({ id: operationId, status: "Running" }));
    })().catch((e: unknown) => {
      console.error(`[email] request failed: ${(e as Error)?.message ?? String(e)}`);
      if (!res.headersSent) acsError(res, 500, "InternalError", "The local email endpoint failed.");
      else res.destroy();
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  endpoint = `https://${host}:${(server.address() as AddressInfo).port}`;
  const newestFirst = (): StoredMail[] => [...mails].reverse();

  return {
    endpoint,
    accessKey,
    certificate: tls.cert,
    messages: newestFirst,
    devRoutes: () => mailRoutes(newestFirst),
    failSends: (answers) => faults.push(...answers),
    setDown: (value) => {
      down = value;
    },
    refused: () => refused,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** `/dev/mail.json` `{items}` newest first, and `/dev/mail`, the same as a page. */
export function mailRoutes(messages: () => StoredMail[]): SystemHandler {
  return ({ url, req, res }) => {
    if (url.pathname !== "/dev/mail" && url.pathname !== "/dev/mail.json") return false;
    const method = (req.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.setHeader("content-type", "application/problem+json; charset=utf-8");
      res.end(
        JSON.stringify({
          type: "about:blank",
          title: "Method Not Allowed",
          status: 405,
          detail: `${url.pathname} accepts GET.`,
        }),
      );
      return true;
    }
    const items = messages().map(({ id, to, subject, html, text, sentAt, from }) => ({
      id,
      from,
      to,
      subject,
      html,
      text,
      sentAt,
    }));
    const isJson = url.pathname === "/dev/mail.json";
    const body = isJson ? JSON.stringify({ items }) : renderMailPage(items);
    res.statusCode = 200;
    res.setHeader("content-type", isJson ? "application/json; charset=utf-8" : "text/html; charset=utf-8");
    res.setHeader("cache-control", "no-store");
    if (!isJson) {
      // The page shows untrusted message HTML only inside a sandboxed frame; nothing else may run.
      res.setHeader(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self' about:; img-src data:",
      );
    }
    res.setHeader("content-length", Buffer.byteLength(body));
    res.end(method === "HEAD" ? undefined : body);
    return true;
  };
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The http(s) links of a message: hrefs of its HTML and URLs in its text, in order, once each. */
export function extractLinks(html: string, text: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/href\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    found.push(decodeEntities(m[1] ?? m[2] ?? ""));
  }
  for (const m of text.matchAll(/https?:\/\/[^\s<>"']+/g)) found.push(m[0]);
  return [...new Set(found.filter((u) => /^https?:\/\//i.test(u)))];
}

type PageItem = Pick<StoredMail, "id" | "from" | "to" | "subject" | "html" | "text" | "sentAt">;

export function renderMailPage(items: PageItem[]): string {
  const cards = items.map((m) => {
    const links = extractLinks(m.html, m.text)
      .map(
        (u) =>
          `<li><a href="${escapeHtml(u)}" target="_blank" rel="noopener noreferrer">${escapeHtml(u)}</a></li>`,
      )
      .join("");
    // srcdoc is an attribute: escaping makes the message HTML its literal value; the sandbox keeps
    // its scripts from running while its links still open (in a new tab or the top window).
    const frame = m.html
      ? `<iframe sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation" srcdoc="${escapeHtml(`<base target="_top">${m.html}`)}"></iframe>`
      : "";
    return `<article id="${escapeHtml(m.id)}">
<h2>${escapeHtml(m.subject)}</h2>
<p class="meta">To ${escapeHtml(m.to.join(", "))} &middot; from ${escapeHtml(m.from)} &middot; <time>${escapeHtml(m.sentAt)}</time></p>
${links ? `<ul class="links">${links}</ul>` : ""}
${frame}
${m.text ? `<details><summary>Plain text</summary><pre>${escapeHtml(m.text)}</pre></details>` : ""}
</article>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local mail (${items.length})</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:6px;padding:0 1rem 1rem;margin:1rem 0}.meta{color:#555}iframe{width:100%;height:20rem;border:1px solid #eee}</style>
</head><body><h1>Local mail</h1><p>${items.length} message(s), newest first. <a href="/dev/mail.json">JSON</a></p>
${cards.join("\n") || "<p>No messages yet.</p>"}
</body></html>`;
}
