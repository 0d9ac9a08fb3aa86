import { z } from "zod";
import { refuse } from "../../domain/errors";
import type { Principal } from "../../domain/model";
import { requireReadRole } from "../../domain/rules";
import { MIGRATION_STATUSES, migrationSchema, type Migration } from "../../domain/subscriptions/model";
import { auditViewSchema } from "../invitations/query";
import { callerPartner } from "../partners";
import type { MigrationDeps } from "./deps";

/** What a partner sees of a migration: never the approval links' nonces or token hashes. */
export const migrationViewSchema = migrationSchema
  .omit({ partnerId: true, approvalLinks: true })
  .extend({ audit: z.array(auditViewSchema).optional() })
  .meta({ id: "Migration" });
export type MigrationView = z.infer<typeof migrationViewSchema>;

export function toMigrationView(migration: Migration, auditTrail?: unknown[]): MigrationView {
  return migrationViewSchema.parse(auditTrail ? { ...migration, audit: auditTrail } : migration);
}

export const migrationListSchema = z
  .object({ items: z.array(migrationViewSchema), continuationToken: z.string().optional() })
  .meta({ id: "MigrationList" });

export const listMigrationsQuerySchema = z.strictObject({
  status: z.enum(MIGRATION_STATUSES).optional(),
  customerTenantId: z.guid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  continuationToken: z.string().max(8192).optional(),
});
export type ListMigrationsQuery = z.infer<typeof listMigrationsQuerySchema>;

/** Migration ids are `mig-` + 32 hex digits (migrationIdFor); anything else names no migration. */
export function parseMigrationId(raw: string | undefined): string {
  const id = raw ?? "";
  if (!/^mig-[0-9a-f]{32}$/.test(id)) throw refuse.notFound("The migration");
  return id;
}

type QueryDeps = Pick<MigrationDeps, "partners" | "migrations" | "audit">;

/** GET /api/migrations/{id}: a point read in the caller's partition; another partner's id is 404. */
export async function getMigration(
  deps: QueryDeps,
  principal: Principal,
  id: string,
): Promise<MigrationView> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  const found = await deps.migrations.get(caller.id, id);
  if (!found) throw refuse.notFound("The migration");
  return toMigrationView(found.value, await deps.audit.listFor(caller.id, id));
}

export async function listMigrations(
  deps: QueryDeps,
  principal: Principal,
  query: ListMigrationsQuery,
): Promise<z.infer<typeof migrationListSchema>> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  const page = await deps.migrations.list(caller.id, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.customerTenantId ? { customerTenantId: query.customerTenantId } : {}),
    ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
  });
  return {
    items: page.items.map((m) => toMigrationView(m)),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}
