import type { Database } from "@azure/cosmos";
import { z } from "zod";
import type { AccessAssignment, AccessAssignmentRepository } from "../../application/access-assignments";
import { CONTAINERS, cosmosStatus, toDocument } from "./documents";

const assignmentSchema = z.object({
  id: z.string(),
  relationshipId: z.string(),
  customerTenantId: z.string(),
  partnerId: z.string(),
  securityGroupId: z.string(),
  roles: z.array(z.string()),
  createdAt: z.string(),
});

/** Beside their relationship in the customer's partition (`customers`): listing is single-partition. */
export class CosmosAccessAssignmentRepository implements AccessAssignmentRepository {
  constructor(private readonly database: Database) {}

  private get container() {
    return this.database.container(CONTAINERS.customers);
  }

  async create(assignment: AccessAssignment): Promise<boolean> {
    try {
      await this.container.items.create(toDocument(assignment, { docType: "accessAssignment" }));
      return true;
    } catch (error) {
      if (cosmosStatus(error) === 409) return false;
      throw error;
    }
  }

  async list(customerTenantId: string, relationshipId: string): Promise<AccessAssignment[]> {
    const { resources } = await this.container.items
      .query<Record<string, unknown>>(
        {
          query:
            "SELECT * FROM c WHERE c.customerTenantId = @customer AND c.docType = 'accessAssignment' AND c.relationshipId = @relationship ORDER BY c.createdAt ASC",
          parameters: [
            { name: "@customer", value: customerTenantId },
            { name: "@relationship", value: relationshipId },
          ],
        },
        { partitionKey: customerTenantId },
      )
      .fetchAll();
    return resources.map((doc) => assignmentSchema.parse(doc));
  }

  async remove(customerTenantId: string, id: string): Promise<boolean> {
    try {
      await this.container.item(id, customerTenantId).delete();
      return true;
    } catch (error) {
      if (cosmosStatus(error) === 404) return false;
      throw error;
    }
  }

  async removeAllFor(customerTenantId: string, relationshipId: string): Promise<void> {
    for (const assignment of await this.list(customerTenantId, relationshipId)) {
      await this.remove(customerTenantId, assignment.id);
    }
  }
}
