import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import { raiseEventIfListening, durableClientOf } from "../src/adapters/durable/client";
import {
  createInvitationResultSchema,
  type CreateInvitationDeps,
} from "../src/application/invitations/create";
import {
  getRelationship,
  listPartnerRelationships,
  listPartnerRelationshipsQuerySchema,
  patchRelationship,
  patchRelationshipInputSchema,
  relationshipPageSchema,
  renewRelationship,
  renewRelationshipInputSchema,
} from "../src/application/relationship-management";
import { relationshipViewSchema, type RelationshipDeps } from "../src/application/relationships";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import {
  ADMIN_RELATIONSHIP_CHANGED_EVENT,
  adminRelationshipInstanceId,
} from "../src/workflows/admin-relationship";
import { durableInvitationWorkflow } from "./invitations";

export const GET_RELATIONSHIP_FUNCTION = "getRelationship";
export const PATCH_RELATIONSHIP_FUNCTION = "patchRelationship";
export const RELATIONSHIP_ROUTE = "api/relationships/{id}";
export const LIST_RELATIONSHIPS_FUNCTION = "listRelationships";
export const RELATIONSHIPS_ROUTE = "api/relationships";
export const RENEW_RELATIONSHIP_FUNCTION = "renewRelationship";
export const RENEW_RELATIONSHIP_ROUTE = "api/relationships/{id}/renew";

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

function relationshipId(request: HttpRequest): string {
  const id = request.params.id ?? "";
  if (!SAFE_ID.test(id)) throw refuse.notFound("The relationship");
  return id;
}

type PartnerApi = RelationshipDeps & { verifier: TokenVerifier };
type CreatePolicy = Pick<
  CreateInvitationDeps,
  "invitationTtlDays" | "linkKey" | "invitationsPerPartnerPerMinute"
>;
const idParam = { name: "id", in: "path" as const, schema: z.string() };

export const getRelationshipFunction = httpFunction({
  name: GET_RELATIONSHIP_FUNCTION,
  route: RELATIONSHIP_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) =>
    authenticated(partnerApi.verifier, async (request, _context, principal) =>
      json(200, await getRelationship(partnerApi, principal, relationshipId(request))),
    ),
  openapi: {
    summary:
      "One relationship the caller is party to (or, for the customer's Global Administrator, any of its own).",
    tags: ["relationships"],
    parameters: [idParam],
    responses: {
      200: { description: "The relationship.", schema: relationshipViewSchema },
      ...errorResponses(401, 403, 404),
    },
  },
});

export const listRelationshipsFunction = httpFunction({
  name: LIST_RELATIONSHIPS_FUNCTION,
  route: RELATIONSHIPS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) =>
    authenticated(partnerApi.verifier, async (request, _context, principal) => {
      const query = listPartnerRelationshipsQuerySchema.safeParse(
        Object.fromEntries(request.query.entries()),
      );
      if (!query.success)
        throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
      return json(200, await listPartnerRelationships(partnerApi, principal, query.data));
    }),
  openapi: {
    summary:
      "The caller's relationships across all its customers, newest first, in pages (e.g. what lapses this month).",
    tags: ["relationships"],
    parameters: [
      { name: "status", in: "query", schema: listPartnerRelationshipsQuerySchema.shape.status },
      { name: "type", in: "query", schema: listPartnerRelationshipsQuerySchema.shape.type },
      { name: "expiringBefore", in: "query", schema: z.string().describe("ISO date-time") },
      { name: "limit", in: "query", schema: z.number().int().min(1).max(100) },
      { name: "continuationToken", in: "query", schema: z.string() },
    ],
    responses: {
      200: { description: "A page.", schema: relationshipPageSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const patchRelationshipFunction = httpFunction({
  name: PATCH_RELATIONSHIP_FUNCTION,
  route: RELATIONSHIP_ROUTE,
  methods: ["PATCH"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) =>
    authenticated(partnerApi.verifier, async (request, context, principal) => {
      const id = relationshipId(request);
      const input = await readJsonBody(request, patchRelationshipInputSchema);
      const view = await patchRelationship(partnerApi, principal, id, input);
      try {
        // The document is the truth; the lifecycle re-plans its reminders from it (R7).
        await raiseEventIfListening(
          durableClientOf(context),
          adminRelationshipInstanceId(id),
          ADMIN_RELATIONSHIP_CHANGED_EVENT,
          {},
        );
      } catch (error) {
        context.warn(
          `Could not tell the lifecycle of relationship ${id} about the change: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return json(200, view);
    }),
  openapi: {
    summary:
      "Turn auto-extend on or off while an admin relationship is active (its roles never change). 422 with rule R6 when Global Administrator is among the roles; 409 once it has ended.",
    tags: ["relationships"],
    parameters: [idParam],
    requestBody: { schema: patchRelationshipInputSchema },
    responses: {
      200: { description: "Changed.", schema: relationshipViewSchema },
      ...errorResponses(400, 401, 403, 404, 409, 413, 422),
    },
  },
});

export const renewRelationshipFunction = httpFunction({
  name: RENEW_RELATIONSHIP_FUNCTION,
  route: RENEW_RELATIONSHIP_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: {
    partnerApi: PartnerApi & Omit<CreateInvitationDeps, "workflow" | keyof CreatePolicy>;
    invitationPolicy: CreatePolicy;
  }) =>
    authenticated(deps.partnerApi.verifier, async (request, context, principal) => {
      const id = relationshipId(request);
      const input = await readJsonBody(request, renewRelationshipInputSchema);
      const key = request.headers.get("idempotency-key") ?? undefined;
      const result = await renewRelationship(
        { ...deps.partnerApi, ...deps.invitationPolicy, workflow: durableInvitationWorkflow(context) },
        principal,
        id,
        input,
        key,
      );
      return json(result.status, result.body, {
        location: result.location,
        ...(result.replayed ? { "idempotent-replayed": "true" } : {}),
      });
    }),
  openapi: {
    summary:
      "Renew or replace an expiring, expired or terminated admin relationship (R8): a new invitation to the same customer with the given or the same roles. The old relationship is never revived.",
    tags: ["relationships"],
    parameters: [idParam, { name: "Idempotency-Key", in: "header", schema: z.string().min(1).max(255) }],
    requestBody: { schema: renewRelationshipInputSchema },
    responses: {
      202: {
        description: "The new invitation; the customer's email is on its way.",
        schema: createInvitationResultSchema,
        headers: { location: "/api/invitations/{id}" },
      },
      ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
    },
  },
});

export const relationshipManagementFunctions = [
  listRelationshipsFunction,
  getRelationshipFunction,
  patchRelationshipFunction,
  renewRelationshipFunction,
];
