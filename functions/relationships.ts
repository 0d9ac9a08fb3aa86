import type { HttpHandler, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import { raiseEventIfListening, durableClientOf } from "../src/adapters/durable/client";
import {
  listCustomerRelationships,
  relationshipListSchema,
  relationshipViewSchema,
  terminateRelationship,
  type RelationshipDeps,
  type RelationshipView,
} from "../src/application/relationships";
import type { AccessAssignmentRepository } from "../src/application/access-assignments";
import { adminRelationshipEvent } from "../src/application/webhooks/events";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import {
  ADMIN_RELATIONSHIP_TERMINATED_EVENT,
  adminRelationshipInstanceId,
} from "../src/workflows/admin-relationship";
import { webhookPublisherFor, type WebhookDependencies } from "./webhooks";

export const LIST_CUSTOMER_RELATIONSHIPS_FUNCTION = "listCustomerRelationships";
export const LIST_CUSTOMER_RELATIONSHIPS_ROUTE = "api/customers/{tenantId}/relationships";
export const TERMINATE_RELATIONSHIP_FUNCTION = "terminateRelationship";
export const TERMINATE_RELATIONSHIP_ROUTE = "api/relationships/{id}/terminate";

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function makeListCustomerRelationshipsHandler(
  deps: RelationshipDeps & { verifier: TokenVerifier },
): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const tenantId = request.params.tenantId ?? "";
    if (!SAFE_ID.test(tenantId)) {
      throw refuse.invalid("The tenant id is not valid.", [
        { field: "tenantId", message: "must be a tenant id" },
      ]);
    }
    return json(200, await listCustomerRelationships(deps, principal, tenantId));
  });
}

/** What follows a termination, whoever ended it: the lifecycle, access assignments, the partner's webhook. */
export interface TerminationEffectsDependencies {
  relationships: RelationshipDeps["relationships"];
  webhooks?: WebhookDependencies;
  accessAssignments?: Pick<AccessAssignmentRepository, "removeAllFor">;
}

/**
 * Runs after the document records a termination (R9). The document is the truth the lifecycle
 * re-reads at its next timer, so nothing here decides the caller's answer: failures are reported.
 */
export async function announceTermination(
  deps: TerminationEffectsDependencies,
  context: InvocationContext,
  terminated: RelationshipView,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const id = terminated.id;
  // Access assignments end with the relationship (an ended one lists none even if this fails).
  await deps.accessAssignments?.removeAllFor(terminated.customerTenantId, id);
  try {
    // A lifecycle that is missing or already finished has nothing left to stop.
    await raiseEventIfListening(
      durableClientOf(context),
      adminRelationshipInstanceId(id),
      ADMIN_RELATIONSHIP_TERMINATED_EVENT,
      { at: terminated.endsAt },
    );
  } catch (error) {
    context.warn(
      `Could not tell the lifecycle of relationship ${id} about its termination: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (deps.webhooks) {
    try {
      const stored = await deps.relationships.get(id, { customerTenantId: terminated.customerTenantId });
      if (stored)
        await webhookPublisherFor(deps.webhooks, context).publish(
          stored.value.partnerId,
          adminRelationshipEvent(stored.value, "terminated", "", extra),
        );
    } catch (error) {
      // Termination is recorded; the event is reported, not the caller's failure.
      context.warn(
        `Could not publish the termination of relationship ${id}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

export function makeTerminateRelationshipHandler(
  deps: RelationshipDeps & TerminationEffectsDependencies & { verifier: TokenVerifier },
): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) => {
    const id = request.params.id ?? "";
    if (!SAFE_ID.test(id)) throw refuse.notFound("The relationship");
    const terminated = await terminateRelationship(deps, principal, id);
    await announceTermination(deps, context, terminated);
    return json(200, terminated);
  });
}

type PartnerApi = RelationshipDeps & { verifier: TokenVerifier };

export const listCustomerRelationshipsFunction = httpFunction({
  name: LIST_CUSTOMER_RELATIONSHIPS_FUNCTION,
  route: LIST_CUSTOMER_RELATIONSHIPS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: { partnerApi: PartnerApi }) => makeListCustomerRelationshipsHandler(partnerApi),
  openapi: {
    summary:
      "The relationships with a customer that the caller is party to (the customer's Global Administrator: all).",
    tags: ["relationships"],
    parameters: [{ name: "tenantId", in: "path", schema: z.string() }],
    responses: {
      200: { description: "The list.", schema: relationshipListSchema },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const terminateRelationshipFunction = httpFunction({
  name: TERMINATE_RELATIONSHIP_FUNCTION,
  route: TERMINATE_RELATIONSHIP_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({
    partnerApi,
    webhooks,
    accessAssignments,
  }: {
    partnerApi: PartnerApi;
    webhooks: WebhookDependencies;
    accessAssignments: Pick<AccessAssignmentRepository, "removeAllFor">;
  }) => makeTerminateRelationshipHandler({ ...partnerApi, webhooks, accessAssignments }),
  openapi: {
    summary:
      "Terminate an admin relationship (the partner, or the customer's Global Administrator; R9). An expired one cannot be revived: 409 with rule R8.",
    tags: ["relationships"],
    parameters: [{ name: "id", in: "path", schema: z.string() }],
    responses: {
      200: { description: "Terminated.", schema: relationshipViewSchema },
      ...errorResponses(401, 403, 404, 409),
    },
  },
});
