import type { Page } from "../ports";
import type { WebhookDelivery, WebhookEndpoint, WebhookEvent } from "./model";

/**
 * The one way any use case or activity announces a lifecycle event to the partner's endpoint.
 * Idempotent: publishing the same event id again records nothing new and starts nothing new, so a
 * retried activity may publish again. A partner without an endpoint (or not subscribed to the type)
 * gets nothing, and publishing succeeds.
 */
export interface WebhookPublisher {
  publish(partnerId: string, event: WebhookEvent): Promise<void>;
}

export interface WebhookRepository {
  /**
   * `fresh`: read the document itself, never a copy another instance may have kept since the
   * endpoint was registered, changed or deleted (a delivery attempt posts to it and signs with it).
   */
  getEndpoint(partnerId: string, options?: { fresh?: boolean }): Promise<WebhookEndpoint | undefined>;
  putEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** True when there was one. */
  deleteEndpoint(partnerId: string): Promise<boolean>;
  /** Creates the delivery unless one with its id exists; returns the stored one either way. */
  createDelivery(delivery: WebhookDelivery): Promise<WebhookDelivery>;
  getDelivery(partnerId: string, id: string): Promise<WebhookDelivery | undefined>;
  /** Unconditional: each delivery has one running instance at a time, its only writer. */
  saveDelivery(delivery: WebhookDelivery): Promise<void>;
  listDeliveries(
    partnerId: string,
    query: { status?: WebhookDelivery["status"]; limit: number; continuationToken?: string },
  ): Promise<Page<WebhookDelivery>>;
}

/** Seals the signing secret at rest; the key comes from settings, never from the store. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** Resolves a host name to every address it has (A and AAAA). */
export type AddressResolver = (host: string) => Promise<string[]>;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The checked addresses: the request connects to one of these, never to a fresh DNS answer. */
  addresses: string[];
}

/** Sends one POST; no redirects followed. Resolves with the status, rejects on a network failure. */
export type WebhookTransport = (request: WebhookRequest) => Promise<{ status: number }>;

/** Starts the delivery orchestration for an instance id, unless it exists already. */
export type DeliveryStarter = (
  instanceId: string,
  input: { partnerId: string; eventId: string },
) => Promise<void>;
