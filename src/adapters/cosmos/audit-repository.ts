import type { Database } from "@azure/cosmos";
import type { AuditLog } from "../../application/ports";
import type { AuditRecord } from "../../domain/model";
import { auditDocumentSchema, CONTAINERS, cosmosStatus, toDocument } from "./documents";

/**
 * Audit records sit next to the partner's invitations (`invitations`, pk `/partnerId`): the
 * partner reads its own trail with a single-partition query and can never see another's.
 */
export class CosmosAuditLog implements AuditLog {
  constructor(private readonly database: Database) {}

  private get container() {
    return this.database.container(CONTAINERS.invitations);
  }

  async record(entry: AuditRecord): Promise<void> {
    try {
      await this.container.items.create(toDocument(entry, { docType: "audit" }));
    } catch (error) {
      // Records have their own ids: a retried write of the same record is already there.
      if (cosmosStatus(error) !== 409) throw error;
    }
  }

  async listFor(partnerId: string, resourceId: string): Promise<AuditRecord[]> {
    const { resources } = await this.container.items
      .query<Record<string, unknown>>(
        {
          // Partition key as a predicate too: scoping never depends on the partition key option alone.
          query:
            "SELECT * FROM c WHERE c.partnerId = @partnerId AND c.docType = 'audit' AND c.resourceId = @resourceId ORDER BY c.at ASC",
          parameters: [
            { name: "@partnerId", value: partnerId },
            { name: "@resourceId", value: resourceId },
          ],
        },
        { partitionKey: partnerId },
      )
      .fetchAll();
    return resources.map((doc) => auditDocumentSchema.parse(doc));
  }
}
