import type { HttpHandler, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import { lazyDurableClient, startIfAbsent } from "../src/adapters/durable/client";
import { activityFunction, orchestrationFunction } from "../src/adapters/durable/registration";
import type { DeliveryStarter, WebhookPublisher, WebhookTransport } from "../src/application/webhooks/ports";
import {
  attemptDelivery,
  deleteWebhook,
  getWebhook,
  giveUpDelivery,
  listDeliveries,
  listDeliveriesQuerySchema,
  makeWebhookPublisher,
  redeliver,
  registerWebhook,
  sendTestEvent,
  webhookDeliveryListSchema,
  webhookDeliveryViewSchema,
  webhookInputSchema,
  webhookRegisteredSchema,
  webhookViewSchema,
  type WebhookDeps,
} from "../src/application/webhooks/webhooks";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import {
  attemptWebhookDeliveryActivity,
  giveUpWebhookDeliveryActivity,
  WEBHOOK_DELIVERY_ORCHESTRATION,
  webhookDeliveryInputSchema,
  webhookDeliveryOrchestrator,
} from "../src/workflows/webhook-delivery";

export const PUT_WEBHOOK_FUNCTION = "putWebhook";
export const GET_WEBHOOK_FUNCTION = "getWebhook";
export const DELETE_WEBHOOK_FUNCTION = "deleteWebhook";
export const WEBHOOK_ROUTE = "api/webhooks";
export const TEST_WEBHOOK_FUNCTION = "testWebhook";
export const TEST_WEBHOOK_ROUTE = "api/webhooks/test";
export const LIST_WEBHOOK_DELIVERIES_FUNCTION = "listWebhookDeliveries";
export const LIST_WEBHOOK_DELIVERIES_ROUTE = "api/webhooks/deliveries";
export const REDELIVER_WEBHOOK_FUNCTION = "redeliverWebhook";
export const REDELIVER_WEBHOOK_ROUTE = "api/webhooks/deliveries/{id}/redeliver";
export { WEBHOOK_DELIVERY_ORCHESTRATION } from "../src/workflows/webhook-delivery";

/** What the composition root provides: the use cases' dependencies and the sending side. */
export type WebhookDependencies = WebhookDeps & { transport: WebhookTransport };
type Deps = { webhooks: WebhookDependencies };
type ApiDeps = { webhooks: WebhookDependencies; partnerApi: { verifier: TokenVerifier } };

/** Starts delivery orchestrations through the invocation's durable client (idempotent by instance id). */
export function deliveryStarter(context: InvocationContext): DeliveryStarter {
  const client = lazyDurableClient(context);
  return (instanceId, input) => startIfAbsent(client(), WEBHOOK_DELIVERY_ORCHESTRATION, instanceId, input);
}

/**
 * The publisher for one invocation (an HTTP request or an activity); the function must register
 * the durable client binding. Lifecycle activities publish through it (docs/webhooks.md).
 */
export function webhookPublisherFor(deps: WebhookDependencies, context: InvocationContext): WebhookPublisher {
  return makeWebhookPublisher(deps, deliveryStarter(context));
}

/** How a request handler gets its invocation's publisher (built once per invocation). */
export type WebhookPublisherFactory = (context: InvocationContext) => WebhookPublisher;

export function webhookPublisherFactory(deps: WebhookDependencies): WebhookPublisherFactory {
  return (context) => webhookPublisherFor(deps, context);
}

const EVENT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function api(deps: ApiDeps, run: Parameters<typeof authenticated>[1]): HttpHandler {
  return authenticated(deps.partnerApi.verifier, run);
}

export const putWebhookFunction = httpFunction({
  name: PUT_WEBHOOK_FUNCTION,
  route: WEBHOOK_ROUTE,
  methods: ["PUT"],
  authLevel: "anonymous",
  handler: (deps: ApiDeps) =>
    api(deps, async (request, _context, principal) => {
      const input = await readJsonBody(request, webhookInputSchema);
      const { created, body } = await registerWebhook(deps.webhooks, principal, input);
      return json(created ? 201 : 200, body, created ? { location: `/${WEBHOOK_ROUTE}` } : {});
    }),
  openapi: {
    summary:
      "Register (or replace) the caller's webhook endpoint. Returns a new signing secret, once. In production the URL must be https and resolve only to public addresses.",
    tags: ["webhooks"],
    requestBody: { schema: webhookInputSchema },
    responses: {
      200: { description: "Replaced; the old secret no longer signs.", schema: webhookRegisteredSchema },
      201: { description: "Registered.", schema: webhookRegisteredSchema },
      ...errorResponses(400, 401, 403, 413, 422),
    },
  },
});

export const getWebhookFunction = httpFunction({
  name: GET_WEBHOOK_FUNCTION,
  route: WEBHOOK_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: (deps: ApiDeps) =>
    api(deps, async (_request, _context, principal) => json(200, await getWebhook(deps.webhooks, principal))),
  openapi: {
    summary: "The caller's webhook endpoint (never its secret).",
    tags: ["webhooks"],
    responses: {
      200: { description: "The endpoint.", schema: webhookViewSchema },
      ...errorResponses(401, 403, 404),
    },
  },
});

export const deleteWebhookFunction = httpFunction({
  name: DELETE_WEBHOOK_FUNCTION,
  route: WEBHOOK_ROUTE,
  methods: ["DELETE"],
  authLevel: "anonymous",
  handler: (deps: ApiDeps) =>
    api(deps, async (_request, _context, principal) => {
      await deleteWebhook(deps.webhooks, principal);
      return { status: 204, headers: { "cache-control": "no-store" } };
    }),
  openapi: {
    summary: "Remove the caller's webhook endpoint; pending deliveries then fail.",
    tags: ["webhooks"],
    responses: { 204: { description: "Removed." }, ...errorResponses(401, 403, 404) },
  },
});

export const testWebhookFunction = httpFunction({
  name: TEST_WEBHOOK_FUNCTION,
  route: TEST_WEBHOOK_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: ApiDeps) =>
    api(deps, async (_request, context, principal) =>
      json(202, await sendTestEvent(deps.webhooks, principal, webhookPublisherFor(deps.webhooks, context))),
    ),
  openapi: {
    summary: "Send a `webhook.test` event to the registered endpoint (delivered like any event).",
    tags: ["webhooks"],
    responses: {
      202: { description: "Queued for delivery.", schema: z.object({ eventId: z.string() }) },
      ...errorResponses(401, 403, 404),
    },
  },
});

export const listWebhookDeliveriesFunction = httpFunction({
  name: LIST_WEBHOOK_DELIVERIES_FUNCTION,
  route: LIST_WEBHOOK_DELIVERIES_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: (deps: ApiDeps) =>
    api(deps, async (request, _context, principal) => {
      const query = listDeliveriesQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
      if (!query.success)
        throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
      return json(200, await listDeliveries(deps.webhooks, principal, query.data));
    }),
  openapi: {
    summary: "The caller's webhook deliveries, newest first (`status=failed`: those that gave up).",
    tags: ["webhooks"],
    parameters: [
      { name: "status", in: "query", schema: listDeliveriesQuerySchema.shape.status },
      { name: "limit", in: "query", schema: z.number().int().min(1).max(100) },
      { name: "continuationToken", in: "query", schema: z.string() },
    ],
    responses: {
      200: { description: "A page.", schema: webhookDeliveryListSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const redeliverWebhookFunction = httpFunction({
  name: REDELIVER_WEBHOOK_FUNCTION,
  route: REDELIVER_WEBHOOK_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: ApiDeps) =>
    api(deps, async (request, context, principal) => {
      const id = request.params.id ?? "";
      if (!EVENT_ID.test(id)) throw refuse.notFound("The delivery");
      return json(202, await redeliver(deps.webhooks, principal, id.toLowerCase(), deliveryStarter(context)));
    }),
  openapi: {
    summary:
      "Deliver a delivered or failed event again, with the same webhook-id. 409 while it is still being attempted.",
    tags: ["webhooks"],
    parameters: [{ name: "id", in: "path", schema: z.guid() }],
    responses: {
      202: { description: "Queued again.", schema: webhookDeliveryViewSchema },
      ...errorResponses(401, 403, 404, 409),
    },
  },
});

export const webhookHttpFunctions = [
  putWebhookFunction,
  getWebhookFunction,
  deleteWebhookFunction,
  testWebhookFunction,
  listWebhookDeliveriesFunction,
  redeliverWebhookFunction,
];

export const webhookDeliveryOrchestration = orchestrationFunction({
  name: WEBHOOK_DELIVERY_ORCHESTRATION,
  input: webhookDeliveryInputSchema,
  handler: webhookDeliveryOrchestrator,
});

export const webhookDeliveryActivities = [
  activityFunction(attemptWebhookDeliveryActivity, {
    handler:
      ({ webhooks }: Deps) =>
      (input) =>
        attemptDelivery(webhooks, input),
  }),
  activityFunction(giveUpWebhookDeliveryActivity, {
    handler:
      ({ webhooks }: Deps) =>
      (input) =>
        giveUpDelivery(webhooks, input),
  }),
];
