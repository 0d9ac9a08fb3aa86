import type { Container, Database, JSONObject } from "@azure/cosmos";
import { z } from "zod";
import { ConcurrencyConflict, type Page, type Versioned } from "../../application/ports";
import {
  MigrationExists,
  type AnswerIntent,
  type MigrationRepository,
} from "../../application/subscriptions/ports";
import type { ApprovalParty } from "../../domain/subscriptions/migration";
import { migrationSchema, type Migration, type MigrationStatus } from "../../domain/subscriptions/model";
import {
  approvalLookupId,
  approvalLookupSchema,
  CONTAINERS,
  cosmosStatus,
  requireEtag,
  toDocument,
  mapPage,
  queryPage,
} from "./documents";
import { deleteIntent, pendingIntents, replaceWithIntent } from "./intents";

const APPROVAL_PARTIES: readonly ApprovalParty[] = ["customer", "currentPartner"];

const toMigrationDocument = (migration: Migration): Record<string, unknown> =>
  toDocument(migration, { docType: "migration" });

/** An answer intent's id, in its migration's partition: one per party. */
export const answerIntentId = (migrationId: string, party: ApprovalParty): string =>
  `answer:${migrationId}:${party}`;

const answerIntentSchema = z.object({
  partnerId: z.string(),
  migrationId: z.string(),
  party: z.enum(["customer", "currentPartner"]),
  createdAt: z.string(),
});

/**
 * Migrations in their partner's partition (`migrations`, pk `/partnerId`): the owner's GET is a point
 * read and another partner's id is simply absent. A partner switch's approval links (R19) resolve
 * through `lookups` (`approval:<sha256>`), written before the migration, as invitation tokens are.
 */
export class CosmosMigrationRepository implements MigrationRepository {
  constructor(private readonly database: Database) {}

  private get migrations(): Container {
    return this.database.container(CONTAINERS.migrations);
  }

  private get lookups(): Container {
    return this.database.container(CONTAINERS.lookups);
  }

  private links(migration: Migration): { party: ApprovalParty; tokenHash: string }[] {
    const links = migration.approvalLinks;
    if (!links) return [];
    return APPROVAL_PARTIES.map((party) => ({ party, tokenHash: links[party].tokenHash }));
  }

  async create(migration: Migration): Promise<Versioned<Migration>> {
    // Lookups first: a lookup without its migration reads as "not found"; the reverse would be an
    // approval request nobody could answer.
    for (const { party, tokenHash } of this.links(migration)) {
      await this.lookups.items.upsert({
        id: approvalLookupId(tokenHash),
        partnerId: migration.partnerId,
        migrationId: migration.id,
        party,
      });
    }
    try {
      const response = await this.migrations.items.create(toMigrationDocument(migration));
      return {
        value: migrationSchema.parse(response.resource),
        etag: requireEtag(response.etag, "a migration"),
      };
    } catch (error) {
      if (cosmosStatus(error) !== 409) throw error;
      // The id was taken: our lookups name a migration that never was, unless they are the stored one's.
      const existing = await this.get(migration.partnerId, migration.id);
      const kept = new Set(existing ? this.links(existing.value).map((l) => l.tokenHash) : []);
      for (const { tokenHash } of this.links(migration)) {
        if (kept.has(tokenHash)) continue;
        const id = approvalLookupId(tokenHash);
        await this.lookups
          .item(id, id)
          .delete()
          .catch(() => undefined);
      }
      throw new MigrationExists(migration.id);
    }
  }

  async get(partnerId: string, id: string): Promise<Versioned<Migration> | undefined> {
    try {
      const { resource, etag } = await this.migrations.item(id, partnerId).read<Record<string, unknown>>();
      if (!resource || resource.docType !== "migration") return undefined;
      return { value: migrationSchema.parse(resource), etag: requireEtag(etag, "a migration") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async replace(migration: Migration, etag: string): Promise<Versioned<Migration>> {
    try {
      const response = await this.migrations
        .item(migration.id, migration.partnerId)
        .replace(toMigrationDocument(migration), { accessCondition: { type: "IfMatch", condition: etag } });
      return {
        value: migrationSchema.parse(response.resource),
        etag: requireEtag(response.etag, "a migration"),
      };
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 412 || status === 404) throw new ConcurrencyConflict(`Migration ${migration.id}`);
      throw error;
    }
  }

  /** The answer and its intent in one batch (cosmos/intents.ts). */
  async replaceWithAnswerIntent(
    migration: Migration,
    etag: string,
    party: ApprovalParty,
  ): Promise<Versioned<Migration>> {
    const { resourceBody, eTag } = await replaceWithIntent(
      this.migrations,
      migration.partnerId,
      { id: migration.id, document: toMigrationDocument(migration) as JSONObject, etag },
      [
        {
          id: answerIntentId(migration.id, party),
          partnerId: migration.partnerId,
          docType: "answerIntent",
          migrationId: migration.id,
          party,
          createdAt: migration.updatedAt,
        },
      ],
      `Migration ${migration.id}`,
    );
    if (resourceBody && eTag) return { value: migrationSchema.parse(resourceBody), etag: eTag };
    const stored = await this.get(migration.partnerId, migration.id);
    if (!stored) throw new ConcurrencyConflict(`Migration ${migration.id}`);
    return stored;
  }

  /** Cross-partition over the intents only, normally none (cosmos/intents.ts). */
  async pendingAnswers(limit: number): Promise<AnswerIntent[]> {
    const found = await pendingIntents(this.migrations, {
      select: "c.partnerId, c.migrationId, c.party, c.createdAt",
      docType: "answerIntent",
      limit,
    });
    return found.map((doc) => answerIntentSchema.parse(doc));
  }

  async settleAnswer(intent: Omit<AnswerIntent, "createdAt">): Promise<void> {
    await deleteIntent(this.migrations, answerIntentId(intent.migrationId, intent.party), intent.partnerId);
  }

  async findByApprovalTokenHash(
    tokenHash: string,
  ): Promise<{ migration: Versioned<Migration>; party: ApprovalParty } | undefined> {
    const id = approvalLookupId(tokenHash);
    let lookup;
    try {
      const { resource } = await this.lookups.item(id, id).read<Record<string, unknown>>();
      if (!resource) return undefined;
      lookup = approvalLookupSchema.parse(resource);
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
    const found = await this.get(lookup.partnerId, lookup.migrationId);
    // The stored migration is the authority on its own links.
    if (!found || found.value.approvalLinks?.[lookup.party].tokenHash !== tokenHash) return undefined;
    return { migration: found, party: lookup.party };
  }

  async listForCustomer(partnerId: string, customerTenantId: string): Promise<Migration[]> {
    const { resources } = await this.migrations.items
      .query<Record<string, unknown>>(
        {
          query:
            "SELECT * FROM c WHERE c.partnerId = @partner AND c.docType = 'migration' AND c.customerTenantId = @customer ORDER BY c.createdAt DESC",
          parameters: [
            { name: "@partner", value: partnerId },
            { name: "@customer", value: customerTenantId },
          ],
        },
        { partitionKey: partnerId },
      )
      .fetchAll();
    return resources.map((doc) => migrationSchema.parse(doc));
  }

  async list(
    partnerId: string,
    query: { status?: MigrationStatus; customerTenantId?: string; limit: number; continuationToken?: string },
  ): Promise<Page<Migration>> {
    // The partition key is also a predicate: scoping never depends on the partition key option alone.
    const filters = ["c.partnerId = @partner", "c.docType = 'migration'"];
    const parameters = [{ name: "@partner", value: partnerId }];
    if (query.customerTenantId !== undefined) {
      filters.push("c.customerTenantId = @customer");
      parameters.push({ name: "@customer", value: query.customerTenantId });
    }
    if (query.status !== undefined) {
      filters.push("c.status = @status");
      parameters.push({ name: "@status", value: query.status });
    }
    const page = await queryPage<Record<string, unknown>>(
      this.migrations,
      { query: `SELECT * FROM c WHERE ${filters.join(" AND ")} ORDER BY c.createdAt DESC`, parameters },
      query,
      partnerId,
    );
    return mapPage(page, (doc) => migrationSchema.parse(doc));
  }
}
