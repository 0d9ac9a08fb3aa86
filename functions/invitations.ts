import type { HttpHandler, HttpRequest, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import { raiseEventIfListening, startIfAbsent, durableClientOf } from "../src/adapters/durable/client";
import { cancelInvitation, type CancelDeps } from "../src/application/invitations/cancel";
import {
  createInvitation,
  createInvitationInputSchema,
  createInvitationResultSchema,
  type CreateInvitationDeps,
} from "../src/application/invitations/create";
import {
  getInvitation,
  invitationListSchema,
  invitationViewSchema,
  listInvitations,
  listInvitationsQuerySchema,
  type QueryDeps,
} from "../src/application/invitations/query";
import type { InvitationWorkflow } from "../src/application/ports";
import { refuse } from "../src/domain/errors";
import { INVITATION_STATUSES } from "../src/domain/model";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import {
  CUSTOMER_DECISION_EVENT,
  INVITATION_ORCHESTRATION,
  invitationStartInputSchema,
  PARTNER_CANCELLED_EVENT,
} from "../src/workflows/invitation";

export const CREATE_INVITATION_FUNCTION = "createInvitation";
export const LIST_INVITATIONS_FUNCTION = "listInvitations";
export const INVITATIONS_ROUTE = "api/invitations";
export const GET_INVITATION_FUNCTION = "getInvitation";
export const GET_INVITATION_ROUTE = "api/invitations/{id}";
export const CANCEL_INVITATION_FUNCTION = "cancelInvitation";
export const CANCEL_INVITATION_ROUTE = "api/invitations/{id}/cancel";
export { createInvitationInputSchema, listInvitationsQuerySchema };

/**
 * The invitation orchestration through the durable client. Starting is idempotent by instance id:
 * an instance that already exists (a retried request) is left alone rather than restarted.
 */
export function durableInvitationWorkflow(context: InvocationContext): InvitationWorkflow {
  const client = durableClientOf(context);
  return {
    async start(input, options) {
      const parsed = invitationStartInputSchema.parse(input);
      await startIfAbsent(client, INVITATION_ORCHESTRATION, parsed.invitationId, parsed, options);
    },
    async raisePartnerCancelled(invitationId, event) {
      await raiseEventIfListening(client, invitationId, PARTNER_CANCELLED_EVENT, event);
    },
    async raiseCustomerDecision(invitationId, event) {
      await raiseEventIfListening(client, invitationId, CUSTOMER_DECISION_EVENT, event);
    },
  };
}

type WorkflowFactory = (context: InvocationContext) => InvitationWorkflow;

/** Ids are GUIDs; anything else cannot name an invitation, so it is simply not found. */
function invitationId(request: HttpRequest): string {
  const id = request.params.id ?? "";
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)) {
    throw refuse.notFound("The invitation");
  }
  return id.toLowerCase();
}

export function makeCreateInvitationHandler(
  deps: Omit<CreateInvitationDeps, "workflow"> & { verifier: TokenVerifier; workflow?: WorkflowFactory },
): HttpHandler {
  const workflowFor = deps.workflow ?? durableInvitationWorkflow;
  return authenticated(deps.verifier, async (request, context, principal) => {
    const input = await readJsonBody(request, createInvitationInputSchema);
    const key = request.headers.get("idempotency-key") ?? undefined;
    const result = await createInvitation({ ...deps, workflow: workflowFor(context) }, principal, input, key);
    return json(result.status, result.body, {
      location: result.location,
      ...(result.replayed ? { "idempotent-replayed": "true" } : {}),
    });
  });
}

export function makeGetInvitationHandler(deps: QueryDeps & { verifier: TokenVerifier }): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) =>
    json(200, await getInvitation(deps, principal, invitationId(request))),
  );
}

export function makeListInvitationsHandler(deps: QueryDeps & { verifier: TokenVerifier }): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const query = listInvitationsQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
    if (!query.success) {
      throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
    }
    // A bad continuation token is a DomainError the one problem mapper answers (422).
    return json(200, await listInvitations(deps, principal, query.data));
  });
}

export function makeCancelInvitationHandler(
  deps: Omit<CancelDeps, "workflow"> & { verifier: TokenVerifier; workflow?: WorkflowFactory },
): HttpHandler {
  const workflowFor = deps.workflow ?? durableInvitationWorkflow;
  return authenticated(deps.verifier, async (request, context, principal) => {
    const view = await cancelInvitation(
      { ...deps, workflow: workflowFor(context), log: (m) => context.warn(m) },
      principal,
      invitationId(request),
    );
    return json(200, view);
  });
}

// ---------------------------------------------------------------------------------------------
// Descriptors

type PartnerApi = QueryDeps & Omit<CancelDeps, "workflow"> & { verifier: TokenVerifier };
type CreatePolicy = Pick<
  CreateInvitationDeps,
  "invitationTtlDays" | "linkKey" | "invitationsPerPartnerPerMinute"
>;
const invitationIdParam = { name: "id", in: "path" as const, schema: z.guid() };

export const createInvitationFunction = httpFunction({
  name: CREATE_INVITATION_FUNCTION,
  route: INVITATIONS_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: (deps: {
    partnerApi: Omit<CreateInvitationDeps, "workflow" | keyof CreatePolicy> & { verifier: TokenVerifier };
    invitationPolicy: CreatePolicy;
  }) => makeCreateInvitationHandler({ ...deps.partnerApi, ...deps.invitationPolicy }),
  openapi: {
    summary: "Invite a customer to a reseller and/or admin relationship.",
    tags: ["invitations"],
    parameters: [
      {
        name: "Idempotency-Key",
        in: "header",
        description: "Same key and body: the first answer again. Same key, other body: 422. Kept 24 hours.",
        schema: z.string().min(1).max(255),
      },
    ],
    requestBody: { schema: createInvitationInputSchema },
    responses: {
      202: {
        description: "Stored; the email is on its way.",
        schema: createInvitationResultSchema,
        headers: { location: "/api/invitations/{id}" },
      },
      ...errorResponses(400, 401, 403, 413, 422),
      429: {
        description:
          "The partner created INVITATIONS_PER_PARTNER_PER_MINUTE invitations this minute; nothing was stored. Replays of an Idempotency-Key are never refused.",
        headers: { "retry-after": "Seconds until the next minute's window opens." },
      },
    },
  },
});

export const listInvitationsFunction = httpFunction({
  name: LIST_INVITATIONS_FUNCTION,
  route: INVITATIONS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) => makeListInvitationsHandler(partnerApi),
  openapi: {
    summary: "The caller's invitations, newest first, in pages.",
    tags: ["invitations"],
    parameters: [
      { name: "status", in: "query", schema: z.enum(INVITATION_STATUSES) },
      { name: "limit", in: "query", schema: listInvitationsQuerySchema.shape.limit },
      { name: "continuationToken", in: "query", schema: z.string() },
    ],
    responses: {
      200: { description: "A page.", schema: invitationListSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const getInvitationFunction = httpFunction({
  name: GET_INVITATION_FUNCTION,
  route: GET_INVITATION_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) => makeGetInvitationHandler(partnerApi),
  openapi: {
    summary: "One of the caller's invitations, with its audit trail.",
    tags: ["invitations"],
    parameters: [invitationIdParam],
    responses: {
      200: { description: "The invitation.", schema: invitationViewSchema },
      ...errorResponses(401, 403, 404),
    },
  },
});

export const cancelInvitationFunction = httpFunction({
  name: CANCEL_INVITATION_FUNCTION,
  route: CANCEL_INVITATION_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) => makeCancelInvitationHandler(partnerApi),
  openapi: {
    summary: "Cancel a pending invitation.",
    tags: ["invitations"],
    parameters: [invitationIdParam],
    responses: {
      200: { description: "Cancelled.", schema: invitationViewSchema },
      ...errorResponses(401, 403, 404, 409),
    },
  },
});
