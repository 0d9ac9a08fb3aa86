import { z } from "zod";
import type { TenantDirectory } from "../../application/ports";
import { CLOUDS, type Cloud } from "../../domain/model";

/** The public Entra ID authority every tenant's discovery document is served from. */
export const ENTRA_AUTHORITY = "https://login.microsoftonline.com";

/**
 * The discovery document's fields that name the tenant's cloud: `cloud_instance_name` is the sign-in
 * host's domain (`microsoftonline.com` for the global cloud), and `tenant_region_scope` says where
 * the tenant lives (`WW`, `NA`, `EU`, ... or `USGov` for a US Government tenant answered by the
 * global authority).
 */
const discoverySchema = z.object({
  cloud_instance_name: z.string().optional(),
  tenant_region_scope: z.string().nullish(),
});

const INSTANCES: [suffix: string, cloud: Cloud][] = [
  ["microsoftonline.us", "usgov"],
  ["microsoftonline.de", "germany"],
  ["microsoftonline.cn", "china"],
  ["chinacloudapi.cn", "china"],
  ["microsoftonline.com", "global"],
];
const US_GOVERNMENT_SCOPES = new Set(["usgov", "usg", "usnat", "ussec", "dod"]);

export function cloudOfDiscovery(document: unknown): Cloud | undefined {
  const parsed = discoverySchema.safeParse(document);
  if (!parsed.success) return undefined;
  const instance = parsed.data.cloud_instance_name?.toLowerCase();
  const cloud = instance ? INSTANCES.find(([suffix]) => instance.endsWith(suffix))?.[1] : undefined;
  const scope = parsed.data.tenant_region_scope?.toLowerCase();
  if (cloud === "global" && scope && US_GOVERNMENT_SCOPES.has(scope)) return "usgov";
  return cloud;
}

const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Production: reads `{authority}/{tenant}/v2.0/.well-known/openid-configuration`, the document every
 * Entra tenant publishes. Answers are cached per tenant (a tenant does not change cloud); a tenant the
 * authority does not know, or a failed request, is "cannot tell" (undefined) and is not cached, so the
 * check at acceptance asks again.
 */
export function openIdTenantDirectory(
  options: { authority?: string; timeoutMs?: number; fetch?: typeof fetch } = {},
): TenantDirectory {
  const authority = (options.authority ?? ENTRA_AUTHORITY).replace(/\/+$/, "");
  const get = options.fetch ?? fetch;
  const known = new Map<string, Cloud>();
  return {
    async cloudOf(tenantId) {
      const id = tenantId.trim().toLowerCase();
      // Only a tenant id goes into the URL: nothing a partner typed can change the path.
      if (!TENANT_ID.test(id)) return undefined;
      const cached = known.get(id);
      if (cached) return cached;
      try {
        const response = await get(`${authority}/${id}/v2.0/.well-known/openid-configuration`, {
          headers: { accept: "application/json" },
          redirect: "error",
          signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
        });
        if (!response.ok) return undefined;
        const cloud = cloudOfDiscovery(await response.json());
        if (cloud && CLOUDS.includes(cloud)) {
          if (known.size > 10_000) known.clear();
          known.set(id, cloud);
        }
        return cloud;
      } catch {
        return undefined;
      }
    },
  };
}
