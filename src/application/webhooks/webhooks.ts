import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { refuse } from "../../domain/errors";
import type { Principal } from "../../domain/model";
import { addressesAllowed } from "../../domain/network-address";
import { requireReadRole, requireWriteRole } from "../../domain/rules";
import { deterministicGuid } from "../ids";
import { callerPartner } from "../partners";
import type { Clock, Page, PartnerRepository } from "../ports";
import {
  WEBHOOK_EVENT_TYPES,
  webhookDeliveryStatusSchema,
  webhookEventTypeSchema,
  webhookPayload,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEvent,
} from "./model";
import type {
  AddressResolver,
  DeliveryStarter,
  SecretBox,
  WebhookPublisher,
  WebhookRepository,
  WebhookTransport,
} from "./ports";

export interface WebhookDeps {
  webhooks: WebhookRepository;
  partners: PartnerRepository;
  clock: Clock;
  secrets: SecretBox;
  resolve: AddressResolver;
  /** WEBHOOKS_ALLOW_LOOPBACK: local development only; production refuses loopback like private. */
  allowLoopback: boolean;
}

/** An event id from its source (orchestration instance or resource, and step): a re-run gets the same. */
export function webhookEventId(...parts: string[]): string {
  return deterministicGuid("webhook-event", ...parts);
}

/** One delivery orchestration per event; a redelivery runs a further one beside it. */
export function webhookDeliveryInstanceId(eventId: string, redelivery = 0): string {
  return redelivery === 0
    ? `webhook-delivery:${eventId}`
    : `webhook-delivery:${eventId}:redelivery-${redelivery}`;
}

export const webhookInputSchema = z
  .object({
    url: z.url({ message: "must be an absolute URL" }).max(2048),
    // The published types only: a misspelt filter would otherwise silently match nothing.
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(50).optional(),
  })
  .strict()
  .meta({ id: "WebhookInput" });
export type WebhookInput = z.infer<typeof webhookInputSchema>;

export const webhookViewSchema = z
  .object({
    url: z.string(),
    events: z.array(z.string()).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Webhook" });
export type WebhookView = z.infer<typeof webhookViewSchema>;

export const webhookRegisteredSchema = webhookViewSchema
  .extend({
    /** Shown once, here; `GET` never returns it. Standard Webhooks format (`whsec_` + base64). */
    secret: z.string(),
  })
  .meta({ id: "WebhookRegistered" });

export const webhookDeliveryViewSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: webhookDeliveryStatusSchema,
    occurredAt: z.string(),
    attempts: z.number().int(),
    redeliveries: z.number().int(),
    lastAttemptAt: z.string().optional(),
    lastStatusCode: z.number().int().optional(),
    lastError: z.string().optional(),
    deliveredAt: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "WebhookDelivery" });
export const webhookDeliveryListSchema = z
  .object({ items: z.array(webhookDeliveryViewSchema), continuationToken: z.string().optional() })
  .meta({ id: "WebhookDeliveryList" });
export const listDeliveriesQuerySchema = z
  .object({
    status: webhookDeliveryStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    continuationToken: z.string().max(8192).optional(),
  })
  .strict();

const toView = (e: WebhookEndpoint): WebhookView => ({
  url: e.url,
  ...(e.events ? { events: e.events } : {}),
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

const toDeliveryView = (d: WebhookDelivery): z.infer<typeof webhookDeliveryViewSchema> =>
  webhookDeliveryViewSchema.parse(d);

/** A new signing secret in the format `standardwebhooks` expects: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || /^127\./.test(host) || host === "::1";
}

/**
 * Where a webhook may go: https (plain http only to loopback when loopback is allowed), no
 * credentials in the URL, and every address the name resolves to public. Checked at registration and
 * again before each attempt (DNS may change); the request then connects to the checked addresses.
 */
export async function checkWebhookUrl(
  deps: Pick<WebhookDeps, "resolve" | "allowLoopback">,
  url: string,
): Promise<string[]> {
  const refuseUrl = (message: string) =>
    refuse.invalid("The webhook URL is not allowed.", [{ field: "url", message }]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuseUrl("must be an absolute URL");
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (parsed.username || parsed.password) throw refuseUrl("must not carry credentials");
  const loopbackHttp = parsed.protocol === "http:" && deps.allowLoopback && isLoopbackHost(host);
  if (parsed.protocol !== "https:" && !loopbackHttp) throw refuseUrl("must use https");
  let addresses: string[];
  try {
    addresses = await deps.resolve(host);
  } catch {
    throw refuseUrl("does not resolve");
  }
  const verdict = addressesAllowed(addresses, { allowLoopback: deps.allowLoopback });
  if (!verdict.allowed) throw refuseUrl(`must not resolve to a ${verdict.kind} address`);
  return addresses;
}

async function writer(deps: WebhookDeps, principal: Principal): Promise<string> {
  const caller = await callerPartner(deps.partners, principal);
  requireWriteRole(principal);
  return caller.id;
}

async function reader(deps: WebhookDeps, principal: Principal): Promise<string> {
  const caller = await callerPartner(deps.partners, principal);
  requireReadRole(principal);
  return caller.id;
}

/** PUT /api/webhooks: registers (or replaces) the endpoint; a new secret each time, returned once. */
export async function registerWebhook(
  deps: WebhookDeps,
  principal: Principal,
  input: WebhookInput,
): Promise<{ created: boolean; body: z.infer<typeof webhookRegisteredSchema> }> {
  const partnerId = await writer(deps, principal);
  await checkWebhookUrl(deps, input.url);
  const existing = await deps.webhooks.getEndpoint(partnerId);
  const now = deps.clock.now().toISOString();
  const secret = newSigningSecret();
  const endpoint: WebhookEndpoint = {
    partnerId,
    url: input.url,
    ...(input.events ? { events: [...new Set(input.events)] } : {}),
    sealedSecret: deps.secrets.seal(secret),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.webhooks.putEndpoint(endpoint);
  return { created: !existing, body: { ...toView(endpoint), secret } };
}

export async function getWebhook(deps: WebhookDeps, principal: Principal): Promise<WebhookView> {
  const found = await deps.webhooks.getEndpoint(await reader(deps, principal));
  if (!found) throw refuse.notFound("The webhook");
  return toView(found);
}

export async function deleteWebhook(deps: WebhookDeps, principal: Principal): Promise<void> {
  if (!(await deps.webhooks.deleteEndpoint(await writer(deps, principal))))
    throw refuse.notFound("The webhook");
}

/** POST /api/webhooks/test: one `webhook.test` event through the ordinary delivery path. */
export async function sendTestEvent(
  deps: WebhookDeps,
  principal: Principal,
  publisher: WebhookPublisher,
): Promise<{ eventId: string }> {
  const partnerId = await writer(deps, principal);
  if (!(await deps.webhooks.getEndpoint(partnerId))) throw refuse.notFound("The webhook");
  const at = deps.clock.now().toISOString();
  // Each request is its own event (a test is meant to be sent again); the id is fixed once here.
  const id = webhookEventId("webhook.test", partnerId, at, randomBytes(8).toString("hex"));
  await publisher.publish(partnerId, { id, type: "webhook.test", data: { partnerId, sentAt: at } });
  return { eventId: id };
}

export async function listDeliveries(
  deps: WebhookDeps,
  principal: Principal,
  query: z.infer<typeof listDeliveriesQuerySchema>,
): Promise<z.infer<typeof webhookDeliveryListSchema>> {
  const page: Page<WebhookDelivery> = await deps.webhooks.listDeliveries(
    await reader(deps, principal),
    query,
  );
  return {
    items: page.items.map(toDeliveryView),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

/** POST /api/webhooks/deliveries/{id}/redeliver: sends a delivered or failed event again (same id). */
export async function redeliver(
  deps: WebhookDeps,
  principal: Principal,
  id: string,
  start: DeliveryStarter,
): Promise<z.infer<typeof webhookDeliveryViewSchema>> {
  const partnerId = await writer(deps, principal);
  const found = await deps.webhooks.getDelivery(partnerId, id);
  if (!found) throw refuse.notFound("The delivery");
  if (found.status === "pending") throw refuse.conflict("The delivery is still being attempted.");
  if (!(await deps.webhooks.getEndpoint(partnerId))) throw refuse.notFound("The webhook");
  const next: WebhookDelivery = {
    ...found,
    status: "pending",
    redeliveries: found.redeliveries + 1,
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.webhooks.saveDelivery(next);
  await start(webhookDeliveryInstanceId(id, next.redeliveries), { partnerId, eventId: id });
  return toDeliveryView(next);
}

/**
 * The publisher every lifecycle step uses: records the event as a delivery (idempotent by event id)
 * and starts its delivery orchestration (instance id from the event id, started only if absent).
 */
export function makeWebhookPublisher(
  deps: Pick<WebhookDeps, "webhooks" | "clock">,
  start: DeliveryStarter,
): WebhookPublisher {
  return {
    async publish(partnerId, event: WebhookEvent) {
      const parsedType = webhookEventTypeSchema.parse(event.type);
      const endpoint = await deps.webhooks.getEndpoint(partnerId);
      if (!endpoint) return;
      if (endpoint.events && !endpoint.events.includes(parsedType) && parsedType !== "webhook.test") return;
      const now = deps.clock.now().toISOString();
      const stored = await deps.webhooks.createDelivery({
        id: event.id,
        partnerId,
        type: parsedType,
        data: event.data,
        occurredAt: now,
        status: "pending",
        attempts: 0,
        redeliveries: 0,
        createdAt: now,
        updatedAt: now,
      });
      await start(webhookDeliveryInstanceId(stored.id), { partnerId, eventId: stored.id });
    },
  };
}

export type DeliveryAttemptOutcome = "delivered" | "retry" | "gone";

/**
 * One attempt (the delivery orchestration's activity). Never throws for the receiver's failures:
 * they are recorded and reported as `retry`, and the orchestration waits on a durable timer.
 */
export async function attemptDelivery(
  deps: Omit<WebhookDeps, "partners"> & { transport: WebhookTransport },
  input: { partnerId: string; eventId: string },
): Promise<{ outcome: DeliveryAttemptOutcome }> {
  const delivery = await deps.webhooks.getDelivery(input.partnerId, input.eventId);
  if (!delivery) return { outcome: "gone" };
  if (delivery.status === "delivered") return { outcome: "delivered" };
  // The document itself: this instance may still hold the absence (or the old URL and secret) it
  // read before the partner registered through another instance, and the delivery exists because
  // the publishing instance saw the endpoint.
  const endpoint = await deps.webhooks.getEndpoint(input.partnerId, { fresh: true });
  const now = deps.clock.now();
  const record = async (change: Partial<WebhookDelivery>): Promise<void> =>
    deps.webhooks.saveDelivery({
      ...delivery,
      attempts: delivery.attempts + 1,
      lastAttemptAt: now.toISOString(),
      updatedAt: now.toISOString(),
      ...change,
    });
  if (!endpoint) {
    await deps.webhooks.saveDelivery({
      ...delivery,
      status: "failed",
      lastError: "no webhook is registered",
      updatedAt: now.toISOString(),
    });
    return { outcome: "gone" };
  }
  let addresses: string[];
  try {
    addresses = await checkWebhookUrl(deps, endpoint.url);
  } catch (error) {
    await record({ lastError: `endpoint refused: ${describe(error)}` });
    return { outcome: "retry" };
  }
  const body = webhookPayload(delivery);
  let secret: string;
  try {
    secret = deps.secrets.open(endpoint.sealedSecret);
  } catch {
    // Sealed under another key (INVITATION_LINK_KEY was rotated): nothing can sign until the partner
    // registers again (PUT issues a new secret), which a later attempt then finds.
    await record({ lastError: "the signing secret cannot be read; register the webhook again" });
    return { outcome: "retry" };
  }
  const signature = new Webhook(secret).sign(delivery.id, now, body);
  try {
    const { status } = await deps.transport({
      url: endpoint.url,
      addresses,
      body,
      headers: {
        "content-type": "application/json",
        "webhook-id": delivery.id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signature,
      },
    });
    if (status >= 200 && status < 300) {
      const { lastError: _e, ...rest } = delivery;
      await deps.webhooks.saveDelivery({
        ...rest,
        status: "delivered",
        attempts: delivery.attempts + 1,
        lastAttemptAt: now.toISOString(),
        lastStatusCode: status,
        deliveredAt: now.toISOString(),
        updatedAt: now.toISOString(),
      });
      return { outcome: "delivered" };
    }
    await record({ lastStatusCode: status, lastError: `the endpoint answered ${status}` });
  } catch (error) {
    await record({ lastError: describe(error) });
  }
  return { outcome: "retry" };
}

/** After the last attempt: the delivery stays listed as failed, for a redelivery. */
export async function giveUpDelivery(
  deps: Pick<WebhookDeps, "webhooks" | "clock">,
  input: { partnerId: string; eventId: string },
): Promise<{ status: WebhookDelivery["status"] }> {
  const delivery = await deps.webhooks.getDelivery(input.partnerId, input.eventId);
  if (!delivery || delivery.status !== "pending") return { status: delivery?.status ?? "failed" };
  await deps.webhooks.saveDelivery({
    ...delivery,
    status: "failed",
    updatedAt: deps.clock.now().toISOString(),
  });
  return { status: "failed" };
}

function describe(error: unknown): string {
  // Messages of network errors and refusals name the host at most; never a secret.
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 300);
}
