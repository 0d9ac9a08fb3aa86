import { z } from "zod";

/**
 * Webhooks: the partner's one endpoint and the events sent to it (docs/webhooks.md). Events follow
 * the Standard Webhooks convention; each has a stable id so a receiver drops a repeat.
 */

export const WEBHOOK_EVENT_TYPES = [
  "invitation.accepted",
  "invitation.declined",
  "invitation.expired",
  "invitation.cancelled",
  "adminRelationship.activated",
  "adminRelationship.extended",
  "adminRelationship.expiring",
  "adminRelationship.expired",
  "adminRelationship.terminated",
  "subscription.registered",
  "migration.scheduled",
  "migration.completed",
  "migration.cancelled",
  "migration.declined",
  "migration.expired",
  "webhook.test",
] as const;
/** A type is a dotted lower-camel name; a registration's `events` filter takes only the types above. */
export const webhookEventTypeSchema = z
  .string()
  .regex(/^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/, "must be a dotted event type such as invitation.accepted")
  .max(100);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

export const webhookEndpointSchema = z.object({
  partnerId: z.string(),
  url: z.string(),
  /** Absent: every event type. */
  events: z.array(webhookEventTypeSchema).optional(),
  /** The signing secret, sealed (see SecretBox): never stored or logged in clear. */
  sealedSecret: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export const webhookDeliveryStatusSchema = z.enum(WEBHOOK_DELIVERY_STATUSES);

export const webhookDeliverySchema = z.object({
  /** The event id: the `webhook-id` header of every attempt and redelivery. */
  id: z.string(),
  partnerId: z.string(),
  type: webhookEventTypeSchema,
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  status: webhookDeliveryStatusSchema,
  attempts: z.number().int().min(0),
  /** Each redelivery runs its own orchestration instance: this counts them. */
  redeliveries: z.number().int().min(0),
  lastAttemptAt: z.string().optional(),
  lastStatusCode: z.number().int().optional(),
  lastError: z.string().optional(),
  deliveredAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/** What a publisher hands over: the id is derived from the source (instance + step), never random. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/** The JSON body a receiver gets (Standard Webhooks: type, timestamp, data). */
export function webhookPayload(delivery: WebhookDelivery): string {
  return JSON.stringify({
    id: delivery.id,
    type: delivery.type,
    timestamp: delivery.occurredAt,
    data: delivery.data,
  });
}
