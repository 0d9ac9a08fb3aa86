import type { HttpHandler, HttpRequest, InvocationContext } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import { durableMigrationWorkflows } from "../src/adapters/durable/migration-workflows";
import { cancelMigrationUseCase, confirmServiceMovedUseCase } from "../src/application/migrations/commands";
import type { MigrationDeps } from "../src/application/migrations/deps";
import { webhookPublisherFactory, type WebhookDependencies, type WebhookPublisherFactory } from "./webhooks";
import {
  getMigration,
  listMigrations,
  listMigrationsQuerySchema,
  migrationListSchema,
  migrationViewSchema,
  parseMigrationId,
} from "../src/application/migrations/query";
import {
  startMigration,
  startMigrationInputSchema,
  startMigrationResultSchema,
} from "../src/application/migrations/start";
import type { MigrationWorkflows } from "../src/application/subscriptions/ports";
import { refuse } from "../src/domain/errors";
import { subscriptionIdSchema } from "../src/domain/subscriptions/model";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";

export const START_MIGRATION_FUNCTION = "startMigration";
export const LIST_MIGRATIONS_FUNCTION = "listMigrations";
export const MIGRATIONS_ROUTE = "api/migrations";
export const GET_MIGRATION_FUNCTION = "getMigration";
export const GET_MIGRATION_ROUTE = "api/migrations/{id}";
export const CANCEL_MIGRATION_FUNCTION = "cancelMigration";
export const CANCEL_MIGRATION_ROUTE = "api/migrations/{id}/cancel";
export const SERVICE_MOVED_FUNCTION = "confirmMigrationServiceMoved";
export const SERVICE_MOVED_ROUTE = "api/migrations/{id}/services/{serviceId}/moved";
export { listMigrationsQuerySchema, startMigrationInputSchema };

type WorkflowFactory = (context: InvocationContext) => MigrationWorkflows;
const fromContext: WorkflowFactory = (context) => durableMigrationWorkflows(durableClientOf(context));

export type MigrationApiDeps = Omit<MigrationDeps, "workflows" | "log" | "webhooks"> & {
  verifier: TokenVerifier;
  workflows?: WorkflowFactory;
  /** Starts and cancellations are announced to the partner's webhook; absent: not announced. */
  publisherFor?: WebhookPublisherFactory;
};

function withWorkflows(deps: MigrationApiDeps, context: InvocationContext): MigrationDeps {
  return {
    ...deps,
    workflows: (deps.workflows ?? fromContext)(context),
    log: (m) => context.warn(m),
    webhooks: deps.publisherFor?.(context),
  };
}

export function makeStartMigrationHandler(deps: MigrationApiDeps): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) => {
    const input = await readJsonBody(request, startMigrationInputSchema);
    const result = await startMigration(withWorkflows(deps, context), principal, input);
    return json(202, result, { location: `/${MIGRATIONS_ROUTE}/${result.id}` });
  });
}

export function makeListMigrationsHandler(deps: MigrationApiDeps): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const query = listMigrationsQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
    if (!query.success) {
      throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
    }
    return json(200, await listMigrations(deps, principal, query.data));
  });
}

export function makeGetMigrationHandler(deps: MigrationApiDeps): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) =>
    json(200, await getMigration(deps, principal, parseMigrationId(request.params.id))),
  );
}

export function makeCancelMigrationHandler(deps: MigrationApiDeps): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) =>
    json(
      200,
      await cancelMigrationUseCase(
        withWorkflows(deps, context),
        principal,
        parseMigrationId(request.params.id),
      ),
    ),
  );
}

function serviceIdOf(request: HttpRequest): string {
  const parsed = subscriptionIdSchema.safeParse(request.params.serviceId ?? "");
  if (!parsed.success) throw refuse.notFound("The service");
  return parsed.data;
}

export function makeServiceMovedHandler(deps: MigrationApiDeps): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) =>
    json(
      200,
      await confirmServiceMovedUseCase(
        withWorkflows(deps, context),
        principal,
        parseMigrationId(request.params.id),
        serviceIdOf(request),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Descriptors

type Deps = { migrationApi: MigrationApiDeps; webhooks: WebhookDependencies };
const idParam = { name: "id", in: "path" as const, schema: z.string().regex(/^mig-[0-9a-f]{32}$/) };

export const startMigrationFunction = httpFunction({
  name: START_MIGRATION_FUNCTION,
  route: MIGRATIONS_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ migrationApi, webhooks }: Deps) =>
    makeStartMigrationHandler({ ...migrationApi, publisherFor: webhookPublisherFactory(webhooks) }),
  openapi: {
    summary: "Start moving a registered subscription to the caller (R17-R20).",
    tags: ["migrations"],
    requestBody: { schema: startMigrationInputSchema },
    responses: {
      202: {
        description: "Stored; the strategy's workflow runs (atTermEnd: scheduled for notBefore).",
        schema: startMigrationResultSchema,
        headers: { location: "/api/migrations/{id}" },
      },
      ...errorResponses(400, 401, 403, 404, 413, 422),
      409: { description: "Moved already, or a migration runs: `migrationId` names it." },
    },
  },
});

export const listMigrationsFunction = httpFunction({
  name: LIST_MIGRATIONS_FUNCTION,
  route: MIGRATIONS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ migrationApi }: Deps) => makeListMigrationsHandler(migrationApi),
  openapi: {
    summary: "The caller's migrations, newest first, in pages.",
    tags: ["migrations"],
    parameters: [
      { name: "status", in: "query", schema: listMigrationsQuerySchema.shape.status },
      { name: "customerTenantId", in: "query", schema: listMigrationsQuerySchema.shape.customerTenantId },
      { name: "limit", in: "query", schema: listMigrationsQuerySchema.shape.limit },
      { name: "continuationToken", in: "query", schema: z.string() },
    ],
    responses: {
      200: { description: "A page.", schema: migrationListSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const getMigrationFunction = httpFunction({
  name: GET_MIGRATION_FUNCTION,
  route: GET_MIGRATION_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ migrationApi }: Deps) => makeGetMigrationHandler(migrationApi),
  openapi: {
    summary: "One of the caller's migrations (services' progress for R18), with its audit trail.",
    tags: ["migrations"],
    parameters: [idParam],
    responses: {
      200: { description: "The migration.", schema: migrationViewSchema },
      ...errorResponses(401, 403, 404),
    },
  },
});

export const cancelMigrationFunction = httpFunction({
  name: CANCEL_MIGRATION_FUNCTION,
  route: CANCEL_MIGRATION_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ migrationApi, webhooks }: Deps) =>
    makeCancelMigrationHandler({ ...migrationApi, publisherFor: webhookPublisherFactory(webhooks) }),
  openapi: {
    summary: "Cancel a migration that has not completed.",
    tags: ["migrations"],
    parameters: [idParam],
    responses: {
      200: { description: "Cancelled (or already ended without moving).", schema: migrationViewSchema },
      ...errorResponses(401, 403, 404, 409),
    },
  },
});

export const confirmServiceMovedFunction = httpFunction({
  name: SERVICE_MOVED_FUNCTION,
  route: SERVICE_MOVED_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ migrationApi }: Deps) => makeServiceMovedHandler(migrationApi),
  openapi: {
    summary:
      "R18: confirm one service runs in the new Azure subscription; it is then cancelled at the source.",
    tags: ["migrations"],
    parameters: [idParam, { name: "serviceId", in: "path", schema: subscriptionIdSchema }],
    responses: {
      200: { description: "Recorded.", schema: migrationViewSchema },
      ...errorResponses(401, 403, 404, 409),
    },
  },
});

export const migrationHttpFunctions = [
  startMigrationFunction,
  listMigrationsFunction,
  getMigrationFunction,
  cancelMigrationFunction,
  confirmServiceMovedFunction,
];
