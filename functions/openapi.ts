import type { HttpHandler } from "@azure/functions";
import { z } from "zod";
import { httpFunction, openApiOperations, type HttpFunctionDoc } from "../src/http/descriptor";
import { buildOpenApiDocument, type OperationSpec } from "../src/http/openapi";

export const OPENAPI_FUNCTION = "openApi";
export const OPENAPI_ROUTE = "api/openapi.json";

/** The local host's own routes (not the app's functions), published in dev mode as before. */
const LOCAL_HOST_OPERATIONS: OperationSpec[] = [
  {
    method: "get",
    path: "/dev/mail.json",
    operationId: "devMail",
    summary: "Local host only: the emails sent, newest first.",
    tags: ["development"],
    security: "none",
    responses: { 200: { description: "{items:[{id, to, subject, html, text, sentAt}]}" } },
  },
  {
    method: "post",
    path: "/dev/clock/advance",
    operationId: "devClockAdvance",
    summary: "Local host with CLOCK=virtual only: moves timers and now.",
    tags: ["development"],
    security: "none",
    requestBody: {
      schema: z.strictObject({
        days: z.number().optional(),
        hours: z.number().optional(),
        minutes: z.number().optional(),
      }),
    },
    responses: { 200: { description: "{now}" } },
  },
];

export interface OpenApiDependencies {
  version: string;
  /** Adds the local host's dev routes. */
  devMode: boolean;
  /** The functions the app registered: the document describes exactly those. */
  functions: () => readonly HttpFunctionDoc[];
}

/** Every registered function's operation, plus the local host's routes in dev mode. */
export function apiOperations(deps: Pick<OpenApiDependencies, "devMode" | "functions">): OperationSpec[] {
  return [...openApiOperations(deps.functions()), ...(deps.devMode ? LOCAL_HOST_OPERATIONS : [])];
}

export function makeOpenApiHandler(deps: OpenApiDependencies): HttpHandler {
  // Built once, on first request (the list is complete by then): the document only changes with the code.
  let document: Record<string, unknown> | undefined;
  return () => {
    document ??= buildOpenApiDocument({
      title: "CSP relationships",
      version: deps.version,
      description:
        "Partners invite customers to reseller and admin relationships. Errors are application/problem+json (RFC 9457) with `rule` when a rule refused the request.",
      operations: apiOperations(deps),
    });
    return Promise.resolve({
      status: 200,
      jsonBody: document,
      headers: { "cache-control": "public, max-age=300" },
    });
  };
}

export const openApiFunction = httpFunction({
  name: OPENAPI_FUNCTION,
  route: OPENAPI_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ openApi }: { openApi: OpenApiDependencies }) => makeOpenApiHandler(openApi),
  openapi: {
    summary: "This document.",
    tags: ["operations"],
    security: "none",
    responses: { 200: { description: "OpenAPI 3.1." } },
  },
});
