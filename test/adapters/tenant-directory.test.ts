import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devTenantDirectory } from "../../src/adapters/tenants/dev-tenant-directory";
import { cloudOfDiscovery, openIdTenantDirectory } from "../../src/adapters/tenants/openid-tenant-directory";
import { settingsSchema } from "../../src/config/schema";

/**
 * R12's tenant directory: production reads the tenant's OpenID discovery document (here a loopback
 * stand-in for login.microsoftonline.com serving the documents Entra publishes); development reads
 * DEV_TENANT_CLOUDS. Neither looks at other partners' relationships.
 */
const GLOBAL = "11111111-1111-4111-8111-111111111111";
const USGOV = "22222222-2222-4222-8222-222222222222";
const USGOV_BY_SCOPE = "33333333-3333-4333-8333-333333333333";
const CHINA = "44444444-4444-4444-8444-444444444444";
const UNKNOWN = "55555555-5555-4555-8555-555555555555";
const BROKEN = "66666666-6666-4666-8666-666666666666";

const documents: Record<string, unknown> = {
  [GLOBAL]: { issuer: "x", tenant_region_scope: "EU", cloud_instance_name: "microsoftonline.com" },
  [USGOV]: { tenant_region_scope: "USGov", cloud_instance_name: "microsoftonline.us" },
  [USGOV_BY_SCOPE]: { tenant_region_scope: "USGov", cloud_instance_name: "microsoftonline.com" },
  [CHINA]: { tenant_region_scope: null, cloud_instance_name: "partner.microsoftonline.cn" },
};

let server: Server;
let authority = "";
const requested: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? "");
    const match = /^\/([0-9a-f-]{36})\/v2\.0\/\.well-known\/openid-configuration$/.exec(req.url ?? "");
    const doc = match?.[1] ? documents[match[1]] : undefined;
    const json = { "content-type": "application/json" };
    if (match?.[1] === BROKEN) res.writeHead(200, json).end("{nope");
    else if (!doc) res.writeHead(400, json).end('{"error":"invalid_tenant"}');
    else res.writeHead(200, json).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  authority = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("R12: the tenant directory", () => {
  it("R12: production reads the cloud from the tenant's discovery document, caches what it learnt, and cannot tell for unknown tenants", async () => {
    const directory = openIdTenantDirectory({ authority });
    expect(await directory.cloudOf(GLOBAL)).toBe("global");
    expect(await directory.cloudOf(USGOV)).toBe("usgov");
    expect(await directory.cloudOf(USGOV_BY_SCOPE)).toBe("usgov");
    expect(await directory.cloudOf(CHINA.toUpperCase())).toBe("china");
    expect(await directory.cloudOf(UNKNOWN)).toBeUndefined();
    expect(await directory.cloudOf(BROKEN)).toBeUndefined();
    // Only tenant ids reach the URL: a path or a query typed by a partner never does.
    expect(await directory.cloudOf("../common")).toBeUndefined();
    expect(await directory.cloudOf(`${GLOBAL}/../x`)).toBeUndefined();
    const before = requested.length;
    expect(await directory.cloudOf(GLOBAL)).toBe("global");
    expect(requested.length, "the answer for a known tenant is cached").toBe(before);
    expect(requested.every((url) => url.endsWith("/v2.0/.well-known/openid-configuration"))).toBe(true);
    // Unreachable: cannot tell, never throws.
    expect(await openIdTenantDirectory({ authority: "http://127.0.0.1:1" }).cloudOf(GLOBAL)).toBeUndefined();
    expect(cloudOfDiscovery({ cloud_instance_name: "example.org" })).toBeUndefined();
  });

  it("R12: development reads DEV_TENANT_CLOUDS; a malformed entry is a setting error", () => {
    const base = {
      AUTH_MODE: "dev",
      AUTH_AUDIENCE: "api://x",
      COSMOS_ENDPOINT: "https://127.0.0.1:1",
      COSMOS_DATABASE: "d",
      EMAIL_ENDPOINT: "https://127.0.0.1:2",
      EMAIL_SENDER: "a@b.example",
      PUBLIC_BASE_URL: "http://localhost:7071",
      INVITATION_TTL_DAYS: "90",
      INVITATION_LINK_KEY: "k".repeat(32),
    };
    const parsed = settingsSchema.parse({
      ...base,
      DEV_TENANT_CLOUDS: ` ${CHINA.toUpperCase()}=china, ${USGOV}=USGOV `,
    });
    const directory = devTenantDirectory(parsed.DEV_TENANT_CLOUDS);
    return Promise.all([
      expect(directory.cloudOf(CHINA)).resolves.toBe("china"),
      expect(directory.cloudOf(USGOV)).resolves.toBe("usgov"),
      expect(directory.cloudOf(GLOBAL)).resolves.toBeUndefined(),
    ]).then(() => {
      expect(settingsSchema.parse(base).DEV_TENANT_CLOUDS.size).toBe(0);
      const bad = settingsSchema.safeParse({ ...base, DEV_TENANT_CLOUDS: `${CHINA}=mars` });
      expect(bad.success).toBe(false);
      expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["DEV_TENANT_CLOUDS"]);
    });
  });
});
