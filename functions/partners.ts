import type { HttpHandler } from "@azure/functions";
import type { TokenVerifier } from "../src/adapters/auth";
import {
  enrolPartner,
  partnerIdSchema,
  partnerInputSchema,
  partnerViewSchema,
  type PartnerDeps,
} from "../src/application/partners";
import { refuse } from "../src/domain/errors";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";

export const PUT_PARTNER_FUNCTION = "putPartner";
export const PUT_PARTNER_ROUTE = "api/partners/{partnerId}";
export { partnerInputSchema as putPartnerInputSchema };

/** Operator only: 201 when the partner is new, 200 when it replaced the stored one. */
export function makePutPartnerHandler(deps: PartnerDeps & { verifier: TokenVerifier }): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const id = partnerIdSchema.safeParse(request.params.partnerId);
    if (!id.success) {
      throw refuse.invalid("The partner id is not valid.", [
        { field: "partnerId", message: "must be a GUID" },
      ]);
    }
    const input = await readJsonBody(request, partnerInputSchema);
    const { created, partner } = await enrolPartner(deps, principal, id.data, input);
    return json(created ? 201 : 200, partner, created ? { location: `/api/partners/${partner.id}` } : {});
  });
}

export const putPartnerFunction = httpFunction({
  name: PUT_PARTNER_FUNCTION,
  route: PUT_PARTNER_ROUTE,
  methods: ["PUT"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: { partnerApi: PartnerDeps & { verifier: TokenVerifier } }) =>
    makePutPartnerHandler(partnerApi),
  openapi: {
    summary: "Enrol or replace a partner (role Operator).",
    tags: ["operator"],
    parameters: [{ name: "partnerId", in: "path", schema: partnerIdSchema }],
    requestBody: { schema: partnerInputSchema },
    responses: {
      200: { description: "Replaced.", schema: partnerViewSchema },
      201: {
        description: "Enrolled.",
        schema: partnerViewSchema,
        headers: { location: "The partner's URL." },
      },
      ...errorResponses(400, 401, 403, 413, 422),
    },
  },
});
