import type { Database } from "@azure/cosmos";
import type { Page } from "../../application/ports";
import {
  webhookDeliverySchema,
  webhookEndpointSchema,
  type WebhookDelivery,
  type WebhookEndpoint,
} from "../../application/webhooks/model";
import type { WebhookRepository } from "../../application/webhooks/ports";
import { CONTAINERS, cosmosStatus, mapPage, queryPage, toDocument } from "./documents";

/**
 * Webhook documents sit in the partner's partition of `invitations` (pk `/partnerId`), like its
 * audit trail: the endpoint is one point read per event, and the deliveries list is a
 * single-partition query on the existing (docType, status, createdAt) composite index.
 */
const ENDPOINT_ID = "webhook-endpoint";
const deliveryDocId = (eventId: string): string => `webhook-delivery:${eventId}`;

export class CosmosWebhookRepository implements WebhookRepository {
  constructor(private readonly database: Database) {}

  private get container() {
    return this.database.container(CONTAINERS.invitations);
  }

  private async read(partnerId: string, id: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { resource } = await this.container.item(id, partnerId).read<Record<string, unknown>>();
      return resource ?? undefined;
    } catch (error) {
      if (cosmosStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async getEndpoint(partnerId: string): Promise<WebhookEndpoint | undefined> {
    const doc = await this.read(partnerId, ENDPOINT_ID);
    return doc ? webhookEndpointSchema.parse(doc) : undefined;
  }

  async putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.container.items.upsert(toDocument(endpoint, { id: ENDPOINT_ID, docType: "webhookEndpoint" }));
  }

  async deleteEndpoint(partnerId: string): Promise<boolean> {
    try {
      await this.container.item(ENDPOINT_ID, partnerId).delete();
      return true;
    } catch (error) {
      if (cosmosStatus(error) === 404) return false;
      throw error;
    }
  }

  private toDoc(delivery: WebhookDelivery): Record<string, unknown> {
    return toDocument(delivery, {
      id: deliveryDocId(delivery.id),
      eventId: delivery.id,
      docType: "webhookDelivery",
    });
  }

  private fromDoc(doc: Record<string, unknown>): WebhookDelivery {
    return webhookDeliverySchema.parse({ ...doc, id: doc.eventId });
  }

  async createDelivery(delivery: WebhookDelivery): Promise<WebhookDelivery> {
    try {
      await this.container.items.create(this.toDoc(delivery));
      return delivery;
    } catch (error) {
      // The same event published again (a retried activity): the first record stands.
      if (cosmosStatus(error) !== 409) throw error;
      const existing = await this.getDelivery(delivery.partnerId, delivery.id);
      if (!existing) throw error;
      return existing;
    }
  }

  async getDelivery(partnerId: string, id: string): Promise<WebhookDelivery | undefined> {
    const doc = await this.read(partnerId, deliveryDocId(id));
    return doc ? this.fromDoc(doc) : undefined;
  }

  async saveDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.container.items.upsert(this.toDoc(delivery));
  }

  async listDeliveries(
    partnerId: string,
    query: { status?: WebhookDelivery["status"]; limit: number; continuationToken?: string },
  ): Promise<Page<WebhookDelivery>> {
    const filters = ["c.partnerId = @partnerId", "c.docType = 'webhookDelivery'"];
    const parameters = [{ name: "@partnerId", value: partnerId }];
    if (query.status) {
      filters.push("c.status = @status");
      parameters.push({ name: "@status", value: query.status });
    }
    const page = await queryPage<Record<string, unknown>>(
      this.container,
      { query: `SELECT * FROM c WHERE ${filters.join(" AND ")} ORDER BY c.createdAt DESC`, parameters },
      query,
      partnerId,
    );
    return mapPage(page, (doc) => this.fromDoc(doc));
  }
}
