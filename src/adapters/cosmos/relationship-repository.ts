import { z } from "zod";
import { BulkOperationType, type CreateOperationInput, type Database, type JSONObject } from "@azure/cosmos";
import {
  ConcurrencyConflict,
  type CreatedRelationships,
  type Page,
  type PartnerRelationshipQuery,
  type RelationshipRepository,
  type RelationshipScope,
  type Versioned,
} from "../../application/ports";
import { RELATIONSHIP_TYPES, type Relationship } from "../../domain/model";
import { relationshipIdFor } from "../../application/ids";
import {
  batchFailed,
  CONTAINERS,
  cosmosStatus,
  DECISION_INTENT,
  relationshipDocumentSchema,
  relationshipIndexCopy,
  relationshipIndexId,
  relationshipParties,
  requireEtag,
  toDocument,
  mapPage,
  queryPage,
} from "./documents";

/**
 * The per-partner index: a copy of each relationship in the partition of every partner party to it
 * (`invitations`, pk `/partnerId`, docType `relationshipIndex`), so "my relationships across all my
 * customers" is a single-partition query, not a cross-partition scan of `customers`. It is written
 * after the relationship itself on every write (idempotent upsert); a write interrupted between the
 * two leaves the index one version behind until the next write or re-run (docs/data-model.md).
 */

const indexCopySchema = z.object({ customerTenantId: z.string() });
const acceptedCustomerSchema = z.object({
  docType: z.literal("invitation"),
  status: z.literal("accepted"),
  customer: z.object({ tenantId: z.string() }),
});

/**
 * Relationships live in their customer's partition (`customers`, pk `/customerTenantId`): one
 * customer's new relationships are written in one transactional batch, and the customer's
 * relationship list is a single-partition query. A route that only carries the id looks in the
 * caller's scope: the customer's partition, or the partner's index copy, which names the customer.
 */
export class CosmosRelationshipRepository implements RelationshipRepository {
  constructor(private readonly database: Database) {}

  private get customers() {
    return this.database.container(CONTAINERS.customers);
  }

  private get invitations() {
    return this.database.container(CONTAINERS.invitations);
  }

  async createMany(
    customerTenantId: string,
    relationships: Relationship[],
    options: { deferIndexOf?: string } = {},
  ): Promise<CreatedRelationships> {
    if (relationships.some((r) => r.customerTenantId !== customerTenantId)) {
      throw new Error("Every relationship of one batch must belong to the same customer.");
    }
    // First run (the usual case): create them all at once. The batch is all-or-nothing, and a
    // relationship that exists already (a re-run) fails it with 409, so nothing stored is ever
    // overwritten; what it created is exactly what was asked, so the index copies that without
    // reading it back.
    const first = await this.customers.items.batch(
      relationships.map((r) => ({
        operationType: BulkOperationType.Create,
        resourceBody: toDocument(r, { docType: "relationship" }) as JSONObject,
      })),
      customerTenantId,
    );
    if (first.result && first.result.every((r) => r.statusCode < 400)) {
      // What was asked is what is stored: one partner's copies may ride along with the caller's own
      // write to that partition (the invitation's link), one request less.
      const except = options.deferIndexOf;
      await this.indexAll(relationships, except);
      return {
        deferred: except ? relationships.filter((r) => relationshipParties(r).includes(except)) : [],
        fresh: true,
      };
    }
    // Re-running must not overwrite a relationship that has moved on (e.g. been terminated).
    const missing: Relationship[] = [];
    for (const relationship of relationships) {
      if (!(await this.read(customerTenantId, relationship.id))) missing.push(relationship);
    }
    if (missing.length === 0) {
      await this.index(
        relationships.map((r) => r.id),
        customerTenantId,
      );
      return { deferred: [], fresh: false };
    }
    const operations: CreateOperationInput[] = missing.map((r) => ({
      operationType: BulkOperationType.Create,
      resourceBody: toDocument(r, { docType: "relationship" }) as JSONObject,
    }));
    const response = await this.customers.items.batch(operations, customerTenantId);
    const failures = (response.result ?? []).filter((r) => r.statusCode >= 400 && r.statusCode !== 424);
    if (failures.length === 0 && response.result) {
      await this.index(
        relationships.map((r) => r.id),
        customerTenantId,
      );
      return { deferred: [], fresh: false };
    }
    // A concurrent run created them first: fine as long as all of them exist now.
    for (const relationship of missing) {
      if (!(await this.read(customerTenantId, relationship.id))) {
        throw batchFailed("Storing relationships of a customer", response.result, response.code);
      }
    }
    await this.index(
      relationships.map((r) => r.id),
      customerTenantId,
    );
    return { deferred: [], fresh: false };
  }

  /** Copies what is stored (not what was asked) into the index of each partner party to it. */
  private async index(ids: string[], customerTenantId: string): Promise<void> {
    const stored: Relationship[] = [];
    for (const id of ids) {
      const found = await this.read(customerTenantId, id);
      if (found) stored.push(found.value);
    }
    await this.indexAll(stored);
  }

  private async indexOne(relationship: Relationship): Promise<void> {
    await this.indexAll([relationship]);
  }

  /**
   * One request per partner partition, however many relationships: one acceptance's relationships
   * share their partner, so their copies go in one batch of upserts (idempotent, like each alone).
   */
  private async indexAll(relationships: Relationship[], except?: string): Promise<void> {
    const byPartner = new Map<string, JSONObject[]>();
    for (const relationship of relationships) {
      for (const partnerId of relationshipParties(relationship)) {
        if (partnerId === except) continue;
        const copies = byPartner.get(partnerId) ?? [];
        copies.push(relationshipIndexCopy(relationship, partnerId));
        byPartner.set(partnerId, copies);
      }
    }
    for (const [partnerId, copies] of byPartner) {
      if (copies.length === 1) {
        await this.invitations.items.upsert(copies[0]!);
        continue;
      }
      const response = await this.invitations.items.batch(
        copies.map((resourceBody) => ({
          operationType: BulkOperationType.Upsert,
          // Named per operation too: the embedded emulator reads it there.
          partitionKey: partnerId,
          resourceBody,
        })),
        partnerId,
      );
      const failed = (response.result ?? []).find((r) => r.statusCode >= 400);
      if (!response.result || failed)
        throw batchFailed("Indexing relationships", response.result, response.code);
    }
  }

  async listForPartner(partnerId: string, query: PartnerRelationshipQuery): Promise<Page<Relationship>> {
    const filters = ["c.partnerId = @partnerId", "c.docType = 'relationshipIndex'"];
    const parameters: { name: string; value: string }[] = [{ name: "@partnerId", value: partnerId }];
    if (query.status) {
      filters.push("c.status = @status");
      parameters.push({ name: "@status", value: query.status });
    }
    if (query.type) {
      filters.push("c.type = @type");
      parameters.push({ name: "@type", value: query.type });
    }
    if (query.expiringBefore) {
      filters.push("IS_DEFINED(c.endsAt) AND c.endsAt < @before");
      parameters.push({ name: "@before", value: query.expiringBefore });
    }
    const page = await queryPage<Record<string, unknown>>(
      this.invitations,
      { query: `SELECT * FROM c WHERE ${filters.join(" AND ")} ORDER BY c.createdAt DESC`, parameters },
      query,
      partnerId,
    );
    return mapPage(page, (doc) =>
      relationshipDocumentSchema.parse({ ...doc, id: doc.relationshipId, partnerId: doc.ownerPartnerId }),
    );
  }

  async listForCustomer(customerTenantId: string): Promise<Relationship[]> {
    const { resources } = await this.customers.items
      .query<Record<string, unknown>>(
        {
          // Partition key as a predicate too: scoping never depends on the partition key option alone.
          query:
            "SELECT * FROM c WHERE c.customerTenantId = @customer AND c.docType = 'relationship' ORDER BY c.createdAt ASC",
          parameters: [{ name: "@customer", value: customerTenantId }],
        },
        { partitionKey: customerTenantId },
      )
      .fetchAll();
    return resources.map((doc) => relationshipDocumentSchema.parse(doc));
  }

  async get(id: string, scope: RelationshipScope): Promise<Versioned<Relationship> | undefined> {
    if ("customerTenantId" in scope) return this.read(scope.customerTenantId, id);
    // The partner's index copy says which customer's partition holds it; the document itself, read
    // there, is the answer (the copy may be a version behind).
    let customerTenantId: string;
    try {
      const { resource } = await this.invitations
        .item(relationshipIndexId(id), scope.partnerId)
        .read<Record<string, unknown>>();
      if (!resource) return this.beforeLink(id, scope.partnerId);
      customerTenantId = indexCopySchema.parse(resource).customerTenantId;
    } catch (error) {
      if (cosmosStatus(error) === 404) return this.beforeLink(id, scope.partnerId);
      throw error;
    }
    const found = await this.read(customerTenantId, id);
    const party =
      found &&
      (found.value.partnerId === scope.partnerId || found.value.indirectResellerId === scope.partnerId);
    return party ? found : undefined;
  }

  async replace(relationship: Relationship, etag: string): Promise<Versioned<Relationship>> {
    try {
      const response = await this.customers
        .item(relationship.id, relationship.customerTenantId)
        .replace(toDocument(relationship, { docType: "relationship" }), {
          accessCondition: { type: "IfMatch", condition: etag },
        });
      const saved = relationshipDocumentSchema.parse(response.resource);
      await this.indexOne(saved);
      return { value: saved, etag: requireEtag(response.etag, "a relationship") };
    } catch (error) {
      const status = cosmosStatus(error);
      if (status === 412 || status === 404) throw new ConcurrencyConflict(`Relationship ${relationship.id}`);
      throw error;
    }
  }

  /**
   * A relationship whose partner copy is still on its way: the acceptance's relationships are in the
   * customer's partition (and in the customer's list) before the partner's copy, which rides on the
   * invitation's link (`deferIndexOf`). Until that write the acceptance's decision intent is pending
   * in the partner's own partition; it names the invitation, and the invitation's relationship ids
   * derive from its id, so the relationship is found there without any other partner's partition
   * being read. No intent is usually pending: a miss costs one single-partition query more.
   */
  private async beforeLink(id: string, partnerId: string): Promise<Versioned<Relationship> | undefined> {
    const { resources } = await this.invitations.items
      .query<Record<string, unknown>>(
        {
          query: "SELECT c.invitationId FROM c WHERE c.partnerId = @partnerId AND c.docType = @docType",
          parameters: [
            { name: "@partnerId", value: partnerId },
            { name: "@docType", value: DECISION_INTENT },
          ],
        },
        { partitionKey: partnerId },
      )
      .fetchAll();
    const invitationId = resources
      .map((intent) => intent.invitationId)
      .filter((candidate): candidate is string => typeof candidate === "string")
      .find((candidate) => RELATIONSHIP_TYPES.some((type) => relationshipIdFor(candidate, type) === id));
    if (!invitationId) return undefined;
    let customerTenantId: string | undefined;
    try {
      const { resource } = await this.invitations
        .item(invitationId, partnerId)
        .read<Record<string, unknown>>();
      customerTenantId = acceptedCustomerSchema.safeParse(resource).data?.customer.tenantId;
    } catch (error) {
      if (cosmosStatus(error) !== 404) throw error;
    }
    if (!customerTenantId) return undefined;
    const found = await this.read(customerTenantId, id);
    return found?.value.partnerId === partnerId && found.value.invitationId === invitationId
      ? found
      : undefined;
  }

  private async read(customerTenantId: string, id: string): Promise<Versioned<Relationship> | undefined> {
    try {
      const { resource, etag } = await this.customers
        .item(id, customerTenantId)
        .read<Record<string, unknown>>();
      if (!resource || resource.docType !== "relationship") return undefined;
      return { value: relationshipDocumentSchema.parse(resource), etag: requireEtag(etag, "a relationship") };
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }
}
