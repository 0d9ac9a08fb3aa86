import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import type { LifecycleDependencies } from "../src/application/invitations/lifecycle";
import { invitationViewSchema } from "../src/application/invitations/query";
import { resendInvitation, type ResendDeps } from "../src/application/invitations/resend";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";

export const RESEND_INVITATION_FUNCTION = "resendInvitation";
export const RESEND_INVITATION_ROUTE = "api/invitations/{id}/resend";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const resendInvitationFunction = httpFunction({
  name: RESEND_INVITATION_FUNCTION,
  route: RESEND_INVITATION_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  handler: (deps: {
    partnerApi: Omit<
      ResendDeps,
      keyof Pick<LifecycleDependencies, "render" | "email" | "publicBaseUrl" | "linkKey">
    > & {
      verifier: TokenVerifier;
    };
    invitationLifecycle: Pick<LifecycleDependencies, "render" | "email" | "publicBaseUrl" | "linkKey">;
  }) =>
    authenticated(deps.partnerApi.verifier, async (request, _context, principal) => {
      const id = request.params.id ?? "";
      if (!GUID.test(id)) throw refuse.notFound("The invitation");
      const { render, email, publicBaseUrl, linkKey } = deps.invitationLifecycle;
      return json(
        200,
        await resendInvitation(
          { ...deps.partnerApi, render, email, publicBaseUrl, linkKey },
          principal,
          id.toLowerCase(),
        ),
      );
    }),
  openapi: {
    summary:
      "Send a pending invitation's email again, with the same link. At most once a day per invitation: 429 with Retry-After otherwise; 409 unless pending.",
    tags: ["invitations"],
    parameters: [{ name: "id", in: "path", schema: z.guid() }],
    responses: {
      200: { description: "Sent again.", schema: invitationViewSchema },
      ...errorResponses(401, 403, 404, 409),
      429: {
        description: "Sent again less than a day ago; nothing was sent.",
        headers: { "retry-after": "Seconds until it may be sent again." },
      },
    },
  },
});
