import type { Database } from "@azure/cosmos";
import type { SwitchRequestDirectory } from "../../application/migrations/partner-switch";
import type { Page, Versioned } from "../../application/ports";
import { migrationSchema, type Migration } from "../../domain/subscriptions/model";
import { CONTAINERS, cosmosStatus, queryPage, requireEtag } from "./documents";

/**
 * R19's requests as the current partner sees them. Neither container is partitioned by the current
 * partner (subscriptions by customer, migrations by the new partner), so both reads are
 * cross-partition queries; they serve a rare, partner-initiated API call and never the timers. The
 * subscription names its current partner and its latest migration (`migrationId`); the migration is
 * then a point read in the new partner's partition.
 */
export class CosmosSwitchRequestDirectory implements SwitchRequestDirectory {
  constructor(private readonly database: Database) {}

  async listAddressedTo(
    currentPartnerId: string,
    query: { limit: number; continuationToken?: string },
  ): Promise<Page<Migration>> {
    // Across customers' partitions: the current partner is not a partition key anywhere.
    const page = await queryPage<{ partnerId: string; migrationId: string }>(
      this.database.container(CONTAINERS.customers),
      {
        query:
          'SELECT c.partnerId, c.migrationId FROM c WHERE c.docType = "subscription" AND c.channel = "csp" ' +
          "AND c.currentPartnerId = @currentPartnerId AND IS_DEFINED(c.migrationId) ORDER BY c.createdAt DESC",
        parameters: [{ name: "@currentPartnerId", value: currentPartnerId }],
      },
      query,
    );
    const items: Migration[] = [];
    for (const ref of page.items) {
      const found = await this.read(ref.partnerId, ref.migrationId);
      if (found?.value.strategy === "partnerSwitch") items.push(found.value);
    }
    return { ...page, items };
  }

  async getAddressedTo(
    currentPartnerId: string,
    migrationId: string,
  ): Promise<Versioned<Migration> | undefined> {
    const { resources } = await this.database
      .container(CONTAINERS.customers)
      .items.query<{ partnerId: string }>({
        query:
          'SELECT c.partnerId FROM c WHERE c.docType = "subscription" AND c.currentPartnerId = @currentPartnerId ' +
          "AND c.migrationId = @migrationId",
        parameters: [
          { name: "@currentPartnerId", value: currentPartnerId },
          { name: "@migrationId", value: migrationId },
        ],
      })
      .fetchAll();
    const ref = resources[0];
    if (!ref) return undefined;
    const found = await this.read(ref.partnerId, migrationId);
    return found?.value.strategy === "partnerSwitch" ? found : undefined;
  }

  private async read(partnerId: string, id: string): Promise<Versioned<Migration> | undefined> {
    try {
      const { resource, etag } = await this.database
        .container(CONTAINERS.migrations)
        .item(id, partnerId)
        .read<Record<string, unknown>>();
      if (!resource) return undefined;
      return { value: migrationSchema.parse(resource), etag: requireEtag(etag, "a migration") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }
}
