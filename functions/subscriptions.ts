import type { HttpHandler, HttpRequest, InvocationContext } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import { webhookPublisherFactory, type WebhookDependencies, type WebhookPublisherFactory } from "./webhooks";
import { durableMigrationWorkflows } from "../src/adapters/durable/migration-workflows";
import type { MigrationWorkflows } from "../src/application/subscriptions/ports";
import {
  importResultSchema,
  importSubscriptions,
  listSubscriptions,
  listSubscriptionsQuerySchema,
  migrationPlan,
  migrationPlanSchema,
  patchSubscriptionVersion,
  readSubscription,
  registerSubscription,
  subscriptionListSchema,
  subscriptionViewSchema,
  type SubscriptionDeps,
} from "../src/application/subscriptions/subscriptions";
import { DomainError, refuse } from "../src/domain/errors";
import { parseSubscriptionImportCsv, parseSubscriptionImportJson } from "../src/domain/subscriptions/import";
import {
  subscriptionIdSchema,
  subscriptionPatchSchema,
  subscriptionRegistrationFieldsSchema,
  subscriptionRegistrationSchema,
} from "../src/domain/subscriptions/model";
import { authenticated, json } from "../src/http/auth";
import { readBodyText, readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import { entityTag, ifMatchOf } from "../src/http/conditional";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";

export const REGISTER_SUBSCRIPTION_FUNCTION = "registerSubscription";
export const LIST_SUBSCRIPTIONS_FUNCTION = "listSubscriptions";
export const SUBSCRIPTIONS_ROUTE = "api/customers/{tenantId}/subscriptions";
export const IMPORT_SUBSCRIPTIONS_FUNCTION = "importSubscriptions";
export const IMPORT_SUBSCRIPTIONS_ROUTE = "api/customers/{tenantId}/subscriptions/import";
export const GET_SUBSCRIPTION_FUNCTION = "getSubscription";
export const PATCH_SUBSCRIPTION_FUNCTION = "patchSubscription";
export const SUBSCRIPTION_ROUTE = "api/customers/{tenantId}/subscriptions/{id}";
export const MIGRATION_PLAN_FUNCTION = "migrationPlan";
export const MIGRATION_PLAN_ROUTE = "api/customers/{tenantId}/migration-plan";
export { subscriptionPatchSchema, subscriptionRegistrationSchema };

/** 500 rows of 150-250 bytes each do not fit the API's 64 KiB; the import has its own limit. */
export const MAX_IMPORT_BODY_BYTES = 512 * 1024;

const SAFE_TENANT = /^[A-Za-z0-9._-]{1,128}$/;

function tenantIdOf(request: HttpRequest): string {
  const tenantId = request.params.tenantId ?? "";
  if (!SAFE_TENANT.test(tenantId)) {
    throw refuse.invalid("The tenant id is not valid.", [
      { field: "tenantId", message: "must be a tenant id" },
    ]);
  }
  return tenantId;
}

/** An id no registration could have is simply not found. */
function subscriptionIdOf(request: HttpRequest): string {
  const parsed = subscriptionIdSchema.safeParse(request.params.id ?? "");
  if (!parsed.success) throw refuse.notFound("The subscription");
  return parsed.data;
}

type WorkflowsFactory = (context: InvocationContext) => MigrationWorkflows;
const durableWorkflows: WorkflowsFactory = (context) => durableMigrationWorkflows(durableClientOf(context));

type Api = Omit<SubscriptionDeps, "webhooks" | "warn"> & {
  verifier: TokenVerifier;
  /** Registrations are announced to the partner's webhook; absent: not announced. */
  publisherFor?: WebhookPublisherFactory;
};

/** The use case's dependencies for one invocation: its publisher and its log. */
function forInvocation(deps: Api, context: InvocationContext): SubscriptionDeps {
  return { ...deps, webhooks: deps.publisherFor?.(context), warn: (m) => context.warn(m) };
}

export function makeRegisterSubscriptionHandler(deps: Api): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) => {
    const tenantId = tenantIdOf(request);
    const input = await readJsonBody(request, subscriptionRegistrationSchema);
    const view = await registerSubscription(forInvocation(deps, context), principal, tenantId, input);
    return json(201, view, {
      location: `/api/customers/${tenantId.toLowerCase()}/subscriptions/${encodeURIComponent(view.id)}`,
    });
  });
}

export function makeImportSubscriptionsHandler(deps: Api): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) => {
    const tenantId = tenantIdOf(request);
    const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (type !== "application/json" && type !== "text/csv") {
      throw refuse.invalid("The import is JSON or CSV.", [
        { field: "content-type", message: "must be application/json or text/csv" },
      ]);
    }
    const raw = await readBodyText(request, MAX_IMPORT_BODY_BYTES);
    let parsed;
    if (type === "text/csv") {
      parsed = parseSubscriptionImportCsv(raw);
    } else {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new DomainError("badRequest", "The body is not valid JSON.");
      }
      parsed = parseSubscriptionImportJson(body);
    }
    return json(201, await importSubscriptions(forInvocation(deps, context), principal, tenantId, parsed));
  });
}

export function makeListSubscriptionsHandler(deps: Api): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const tenantId = tenantIdOf(request);
    const query = listSubscriptionsQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
    if (!query.success) {
      throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
    }
    return json(200, await listSubscriptions(deps, principal, tenantId, query.data));
  });
}

export function makeGetSubscriptionHandler(deps: Api): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const { view, etag } = await readSubscription(
      deps,
      principal,
      tenantIdOf(request),
      subscriptionIdOf(request),
    );
    return json(200, view, { etag: entityTag(etag) });
  });
}

export function makePatchSubscriptionHandler(
  deps: Api & { migrationWorkflows?: WorkflowsFactory },
): HttpHandler {
  const workflowsFor = deps.migrationWorkflows ?? durableWorkflows;
  return authenticated(deps.verifier, async (request, context, principal) => {
    const tenantId = tenantIdOf(request);
    const id = subscriptionIdOf(request);
    const patch = await readJsonBody(request, subscriptionPatchSchema);
    const { view, etag } = await patchSubscriptionVersion(
      { ...deps, migrationWorkflows: workflowsFor(context) },
      principal,
      tenantId,
      id,
      patch,
      ifMatchOf(request),
    );
    return json(200, view, { etag: entityTag(etag) });
  });
}

export function makeMigrationPlanHandler(deps: Api): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) =>
    json(200, await migrationPlan(deps, principal, tenantIdOf(request))),
  );
}

// ---------------------------------------------------------------------------------------------
// Descriptors

interface Deps {
  subscriptionApi: Api;
  webhooks: WebhookDependencies;
}
const tenantParam = { name: "tenantId", in: "path" as const, schema: z.string() };
const idParam = { name: "id", in: "path" as const, schema: z.string() };

export const registerSubscriptionFunction = httpFunction({
  name: REGISTER_SUBSCRIPTION_FUNCTION,
  route: SUBSCRIPTIONS_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: Deps) =>
    makeRegisterSubscriptionHandler({
      ...deps.subscriptionApi,
      publisherFor: webhookPublisherFactory(deps.webhooks),
    }),
  openapi: {
    summary:
      "Register a subscription the customer bought elsewhere (R1 write role; R20 active reseller relationship; R12 cloud and 21Vianet).",
    tags: ["subscriptions"],
    parameters: [tenantParam],
    requestBody: { schema: subscriptionRegistrationFieldsSchema },
    responses: {
      201: { description: "Registered.", schema: subscriptionViewSchema },
      ...errorResponses(400, 401, 403, 409, 413, 422),
    },
  },
});

export const listSubscriptionsFunction = httpFunction({
  name: LIST_SUBSCRIPTIONS_FUNCTION,
  route: SUBSCRIPTIONS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: (deps: Deps) => makeListSubscriptionsHandler(deps.subscriptionApi),
  openapi: {
    summary: "The subscriptions the caller registered for the customer, oldest first, in pages.",
    tags: ["subscriptions"],
    parameters: [
      tenantParam,
      { name: "limit", in: "query", schema: z.number().int().min(1).max(100) },
      { name: "continuationToken", in: "query", schema: z.string() },
    ],
    responses: {
      200: { description: "One page.", schema: subscriptionListSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const importSubscriptionsFunction = httpFunction({
  name: IMPORT_SUBSCRIPTIONS_FUNCTION,
  route: IMPORT_SUBSCRIPTIONS_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: Deps) =>
    makeImportSubscriptionsHandler({
      ...deps.subscriptionApi,
      publisherFor: webhookPublisherFactory(deps.webhooks),
    }),
  openapi: {
    summary:
      "Register up to 500 subscriptions at once, all or nothing: a JSON array of registrations or text/csv with a header row (body up to 512 KiB). One 422 lists every invalid row and field.",
    tags: ["subscriptions"],
    parameters: [tenantParam],
    requestBody: { schema: z.array(subscriptionRegistrationFieldsSchema).min(1).max(500) },
    responses: {
      201: { description: "Every row registered.", schema: importResultSchema },
      ...errorResponses(400, 401, 403, 409, 413, 422),
    },
  },
});

export const getSubscriptionFunction = httpFunction({
  name: GET_SUBSCRIPTION_FUNCTION,
  route: SUBSCRIPTION_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: (deps: Deps) => makeGetSubscriptionHandler(deps.subscriptionApi),
  openapi: {
    summary: "One subscription the caller registered (anyone else's: 404).",
    tags: ["subscriptions"],
    parameters: [tenantParam, idParam],
    responses: {
      200: {
        description: "The subscription.",
        schema: subscriptionViewSchema,
        headers: { ETag: "The version read, for a PATCH's If-Match." },
      },
      ...errorResponses(401, 403, 404, 422),
    },
  },
});

export const patchSubscriptionFunction = httpFunction({
  name: PATCH_SUBSCRIPTION_FUNCTION,
  route: SUBSCRIPTION_ROUTE,
  methods: ["PATCH"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: Deps) => makePatchSubscriptionHandler(deps.subscriptionApi),
  openapi: {
    summary:
      "Correct a subscription (term end, term length, auto-renew, seats) or record its cancellation at the source; a running migration is told (R17).",
    tags: ["subscriptions"],
    parameters: [
      tenantParam,
      idParam,
      {
        name: "If-Match",
        in: "header",
        description:
          "The ETag of the GET (or an earlier PATCH) this change is based on; another version answers 409 and changes nothing.",
        schema: z.string(),
      },
    ],
    requestBody: { schema: subscriptionPatchSchema },
    responses: {
      200: {
        description: "The subscription now.",
        schema: subscriptionViewSchema,
        headers: { ETag: "The new version, for a later If-Match." },
      },
      ...errorResponses(400, 401, 403, 404, 409, 413, 422),
    },
  },
});

export const migrationPlanFunction = httpFunction({
  name: MIGRATION_PLAN_FUNCTION,
  route: MIGRATION_PLAN_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: (deps: Deps) => makeMigrationPlanHandler(deps.subscriptionApi),
  openapi: {
    summary:
      "For each subscription the caller registered for the customer: strategy (R17-R19), earliest date, blockers and warnings.",
    tags: ["subscriptions"],
    parameters: [tenantParam],
    responses: {
      200: { description: "The plan.", schema: migrationPlanSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

/** Every subscription route, for the composition root. */
export const subscriptionFunctions = [
  registerSubscriptionFunction,
  listSubscriptionsFunction,
  importSubscriptionsFunction,
  getSubscriptionFunction,
  patchSubscriptionFunction,
  migrationPlanFunction,
];
