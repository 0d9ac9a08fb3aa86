import type { Page } from "../application/ports";
import type { WebhookDelivery, WebhookEndpoint } from "../application/webhooks/model";
import type { WebhookRepository } from "../application/webhooks/ports";
import { ReadThroughCache, type ReadThroughCacheOptions } from "./read-through-cache";

/**
 * How long a partner's webhook endpoint (or its absence) is reused. Every lifecycle event asks for
 * the endpoint before recording a delivery, so an accepted invitation paid two point reads for the
 * same document (issue 11). A registration or deletion through this instance takes effect here at
 * once; one made through another instance reaches this one within the TTL (docs/webhooks.md).
 */
export const WEBHOOK_ENDPOINT_CACHE_TTL_MS = 10_000;

/** The webhook repository with its endpoint reads behind a read-through cache; deliveries pass through. */
export class CachedWebhookRepository implements WebhookRepository {
  private readonly endpoints: ReadThroughCache<WebhookEndpoint>;

  constructor(
    private readonly inner: WebhookRepository,
    options: Partial<ReadThroughCacheOptions> = {},
  ) {
    this.endpoints = new ReadThroughCache({ ttlMs: WEBHOOK_ENDPOINT_CACHE_TTL_MS, ...options });
  }

  async getEndpoint(
    partnerId: string,
    options: { fresh?: boolean } = {},
  ): Promise<WebhookEndpoint | undefined> {
    if (!options.fresh) return this.endpoints.get(partnerId, () => this.inner.getEndpoint(partnerId));
    this.endpoints.forget(partnerId);
    const endpoint = await this.inner.getEndpoint(partnerId);
    this.endpoints.set(partnerId, endpoint);
    return endpoint;
  }

  async putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    this.endpoints.forget(endpoint.partnerId);
    await this.inner.putEndpoint(endpoint);
    this.endpoints.set(endpoint.partnerId, endpoint);
  }

  async deleteEndpoint(partnerId: string): Promise<boolean> {
    this.endpoints.forget(partnerId);
    const deleted = await this.inner.deleteEndpoint(partnerId);
    this.endpoints.set(partnerId, undefined);
    return deleted;
  }

  createDelivery(delivery: WebhookDelivery): Promise<WebhookDelivery> {
    return this.inner.createDelivery(delivery);
  }

  getDelivery(partnerId: string, id: string): Promise<WebhookDelivery | undefined> {
    return this.inner.getDelivery(partnerId, id);
  }

  saveDelivery(delivery: WebhookDelivery): Promise<void> {
    return this.inner.saveDelivery(delivery);
  }

  listDeliveries(
    partnerId: string,
    query: { status?: WebhookDelivery["status"]; limit: number; continuationToken?: string },
  ): Promise<Page<WebhookDelivery>> {
    return this.inner.listDeliveries(partnerId, query);
  }
}
