import type { TenantDirectory } from "../../application/ports";
import type { Cloud } from "../../domain/model";

/**
 * Local development and tests (AUTH_MODE=dev): the clouds of the tenants named in DEV_TENANT_CLOUDS
 * (`tenantId=china,...`); every other tenant's cloud is unknown, as for a tenant Entra does not know.
 */
export function devTenantDirectory(clouds: ReadonlyMap<string, Cloud>): TenantDirectory {
  const byTenant = new Map([...clouds].map(([tenant, cloud]) => [tenant.toLowerCase(), cloud]));
  return { cloudOf: (tenantId) => Promise.resolve(byTenant.get(tenantId.trim().toLowerCase())) };
}
