import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { AddressResolver, WebhookTransport } from "../../application/webhooks/ports";

/** Every address of a name (an IP literal is its own). */
export const dnsResolver: AddressResolver = async (host) => {
  if (isIP(host)) return [host];
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
};

const TIMEOUT_MS = 15_000;

/**
 * One POST with Node's http client: it follows no redirects (a 3xx is just a failed attempt), and
 * it connects to the addresses that were checked, not to a second DNS answer (which a rebinding
 * name could point inside the network). TLS still verifies the certificate for the URL's host name.
 */
export const httpWebhookTransport: WebhookTransport = (request) =>
  new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const pinned: LookupFunction = (_host, options, callback) => {
      const address = request.addresses[0]!;
      const family = isIP(address);
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
          null,
          request.addresses.map((a) => ({ address: a, family: isIP(a) })),
        );
      } else callback(null, address, family);
    };
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        lookup: pinned,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        // The body is not needed; drain it so the socket is freed.
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on("error", reject);
    req.end(request.body);
  });
