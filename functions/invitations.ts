import type { HttpHandler, HttpRequest, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { TokenVerifier } from "../src/adapters/auth";
import { cancelInvitation, type CancelDeps } from "../src/application/invitations/cancel";
import {
  createInvitation,
  createInvitationInputSchema,
  type CreateInvitationDeps,
} from "../src/application/invitations/create";
import {
  getInvitation,
  listInvitations,
  listInvitationsQuerySchema,
  type QueryDeps,
} from "../src/application/invitations/query";
import type { InvitationWorkflow } from "../src/application/ports";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import {
  INVITATION_ORCHESTRATION,
  invitationOrchestrationInputSchema,
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
  const client = df.getClient(context);
  return {
    async start(input) {
      const parsed = invitationOrchestrationInputSchema.parse(input);
      if (await instanceExists(client, parsed.invitationId)) return;
      try {
        await client.startNew(INVITATION_ORCHESTRATION, { instanceId: parsed.invitationId, input: parsed });
      } catch (error) {
        // A concurrent retry started it between our check and our start: the host refuses the
        // second start of a live instance id, which is exactly the idempotence wanted here.
        if (await instanceExists(client, parsed.invitationId)) return;
        throw error;
      }
    },
    async raisePartnerCancelled(invitationId, event) {
      await client.raiseEvent(invitationId, PARTNER_CANCELLED_EVENT, event);
    },
  };
}

async function instanceExists(client: df.DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId);
    return Boolean(status?.runtimeStatus);
  } catch (error) {
    // The SDK reports an unknown instance as an Error naming the extension's 404.
    if (error instanceof Error && /HTTP 404/.test(error.message)) return false;
    throw error;
  }
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
