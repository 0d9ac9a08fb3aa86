import type { HttpHandler } from "@azure/functions";
import * as df from "durable-functions";
import type { TokenVerifier } from "../src/adapters/auth";
import {
  listCustomerRelationships,
  terminateRelationship,
  type RelationshipDeps,
} from "../src/application/relationships";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { raiseAdminRelationshipTerminated } from "./admin-relationship-workflow";

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

export function makeTerminateRelationshipHandler(
  deps: RelationshipDeps & { verifier: TokenVerifier },
): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) => {
    const id = request.params.id ?? "";
    if (!SAFE_ID.test(id)) throw refuse.notFound("The relationship");
    const terminated = await terminateRelationship(deps, principal, id);
    try {
      await raiseAdminRelationshipTerminated(df.getClient(context), id, { at: terminated.endsAt });
    } catch (error) {
      // The document already records the termination (the truth the lifecycle re-reads at its
      // next timer), so the caller's answer does not depend on the event getting through.
      context.warn(
        `Could not tell the lifecycle of relationship ${id} about its termination: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return json(200, terminated);
  });
}
