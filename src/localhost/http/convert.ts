import type { IncomingMessage, ServerResponse } from "node:http";
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from "../worker/rpc";

/**
 * The request as the host hands it to the worker. `query` is left out on purpose: the programming
 * model then reads the query from the URL, which keeps repeated keys (`?a=1&a=2`) that a
 * string-to-string map would lose.
 */
export function toRpcHttpRequest(
  req: IncomingMessage,
  baseUrl: string,
  params: Record<string, string>,
  body: Buffer,
): RpcHttpData {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const host = typeof req.headers.host === "string" && req.headers.host !== "" ? req.headers.host : undefined;
  const origin = host ? `http://${host}` : baseUrl;
  const data: RpcHttpData = {
    method: req.method ?? "GET",
    url: new URL(req.url ?? "/", origin).toString(),
    headers,
    params,
  };
  if (body.length > 0) data.body = { bytes: body };
  return data;
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength);
  if (body.stream) return Buffer.from(body.stream.buffer, body.stream.byteOffset, body.stream.byteLength);
  if (typeof body.string === "string") return Buffer.from(body.string, "utf8");
  if (typeof body.json === "string") return Buffer.from(body.json, "utf8");
  if (typeof body.int === "number") return Buffer.from(String(body.int));
  if (typeof body.double === "number") return Buffer.from(String(body.double));
  return Buffer.alloc(0);
}

const SAME_SITE: Record<string, string | undefined> = {
  "0": undefined,
  none: undefined,
  "1": "Lax",
  lax: "Lax",
  "2": "Strict",
  strict: "Strict",
  "3": "None",
  explicitnone: "None",
};

/** Serializes one RPC cookie as a Set-Cookie value (RFC 6265 attribute names). */
export function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ""}=${cookie.value ?? ""}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookie.expires?.value;
  if (expires && typeof expires.seconds === "number") {
    const ms = expires.seconds * 1000 + Math.floor((expires.nanos ?? 0) / 1e6);
    parts.push(`Expires=${new Date(ms).toUTCString()}`);
  }
  if (typeof cookie.maxAge?.value === "number") parts.push(`Max-Age=${Math.trunc(cookie.maxAge.value)}`);
  if (cookie.secure?.value) parts.push("Secure");
  if (cookie.httpOnly?.value) parts.push("HttpOnly");
  const sameSite = SAME_SITE[String(cookie.sameSite ?? "none").toLowerCase()];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join("; ");
}

/** Writes the function's `http` output to the socket: status, headers, cookies and raw body bytes. */
export function writeRpcHttpResponse(
  res: ServerResponse,
  http: RpcHttpData | null | undefined,
  method: string,
): void {
  if (!http) {
    // The handler returned nothing: an empty success, as the host answers.
    res.statusCode = 204;
    res.end();
    return;
  }
  const status = Number(http.statusCode ?? 200);
  res.statusCode = Number.isInteger(status) && status >= 100 && status <= 999 ? status : 200;
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    // Node computes framing itself; a copied transfer-encoding would corrupt the response.
    if (/^(transfer-encoding|connection|content-length)$/i.test(name)) continue;
    res.setHeader(name, value);
  }
  const cookies = (http.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) {
    const existing = res.getHeader("set-cookie");
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader("set-cookie", [...before, ...cookies]);
  }
  const body = bodyBytes(http.body);
  const noBody = method.toUpperCase() === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
  if (!noBody) res.setHeader("content-length", body.length);
  res.end(noBody ? undefined : body);
}
