import type { HttpHandler } from "@azure/functions";
import { z } from "zod";
import type { DevIssuer } from "../src/adapters/auth";
import { json } from "../src/http/auth";
import { readJsonBody } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import { toProblemResponse } from "../src/http/problem";

/** Registered only when AUTH_MODE=dev: production has no way to mint tokens. */
export const DEV_TOKEN_FUNCTION = "devToken";
export const DEV_TOKEN_ROUTE = "dev/token";

const claimValue = z.string().trim().min(1).max(100);

export const devTokenInputSchema = z
  .strictObject({
    tenantId: claimValue.regex(/^[A-Za-z0-9._-]+$/, { message: "must be a tenant id" }),
    userId: claimValue.optional(),
    roles: z.array(claimValue).max(20).optional(),
    wids: z.array(claimValue).max(20).optional(),
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(256).optional(),
    /** Short-lived tokens let a test see one expire on the virtual clock. */
    expiresInSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .meta({ id: "DevTokenInput" });

export const devTokenResultSchema = z
  .object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.number() })
  .meta({ id: "DevToken" });

export function makeDevTokenHandler(deps: { devIssuer: DevIssuer }): HttpHandler {
  return async (request, context) => {
    try {
      const input = await readJsonBody(request, devTokenInputSchema);
      const { token, expiresIn } = await deps.devIssuer.issue(input);
      return json(200, { access_token: token, token_type: "Bearer", expires_in: expiresIn });
    } catch (error) {
      return toProblemResponse(error, context);
    }
  };
}

export const devTokenFunction = httpFunction({
  name: DEV_TOKEN_FUNCTION,
  route: DEV_TOKEN_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  // Only a dev deployment can mint tokens; in entra mode the route does not exist at all.
  enabled: ({ devIssuer }: { devIssuer?: DevIssuer }) => devIssuer !== undefined,
  handler: ({ devIssuer }: { devIssuer?: DevIssuer }) => {
    if (!devIssuer) throw new Error("The dev token route exists only with AUTH_MODE=dev.");
    return makeDevTokenHandler({ devIssuer });
  },
  openapi: {
    summary: "AUTH_MODE=dev only: a token signed by the local dev key.",
    tags: ["development"],
    security: "none",
    requestBody: { schema: devTokenInputSchema },
    responses: {
      200: { description: "The token.", schema: devTokenResultSchema },
      ...errorResponses(400, 413, 422),
    },
  },
});
