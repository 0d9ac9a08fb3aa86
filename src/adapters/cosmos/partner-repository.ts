import type { Database } from "@azure/cosmos";
import type { PartnerRepository } from "../../application/ports";
import type { Partner } from "../../domain/model";
import { CONTAINERS, cosmosStatus, partnerDocumentSchema, toDocument } from "./documents";

/** Partners (pk `/id` = the partner's tenant id): every read is a point read, including R11's check. */
export class CosmosPartnerRepository implements PartnerRepository {
  constructor(private readonly database: Database) {}

  private get container() {
    return this.database.container(CONTAINERS.partners);
  }

  async get(id: string): Promise<Partner | undefined> {
    try {
      const { resource } = await this.container.item(id, id).read<Record<string, unknown>>();
      return resource ? partnerDocumentSchema.parse(resource) : undefined;
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  findEnrolled(tenantId: string): Promise<Partner | undefined> {
    return this.get(tenantId);
  }

  async enrolledIds(): Promise<string[]> {
    const { resources } = await this.container.items
      .query<string>("SELECT VALUE c.id FROM c WHERE c.docType = 'partner'")
      .fetchAll();
    return resources;
  }

  async resellerIdsOf(providerId: string): Promise<string[]> {
    const { resources } = await this.container.items
      .query<string>({
        query: "SELECT VALUE c.id FROM c WHERE c.docType = 'partner' AND c.indirectProviderId = @providerId",
        parameters: [{ name: "@providerId", value: providerId }],
      })
      .fetchAll();
    return resources;
  }

  async put(partner: Partner): Promise<{ created: boolean; partner: Partner }> {
    const { statusCode, resource } = await this.container.items.upsert(
      toDocument(partner, { docType: "partner" }),
    );
    return { created: statusCode === 201, partner: partnerDocumentSchema.parse(resource) };
  }
}
