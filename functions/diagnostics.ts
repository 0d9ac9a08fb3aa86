import type { HttpHandler } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import { z } from "zod";
import { activityFunction, orchestrationFunction } from "../src/adapters/durable/registration";
import type { Clock } from "../src/application/ports";
import { readJsonBody } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import { toProblemResponse } from "../src/http/problem";
import {
  canaryInputSchema,
  DIAGNOSTICS_CANARY_ORCHESTRATION,
  diagnosticsCanaryOrchestrator,
  diagnosticsEchoActivity,
} from "../src/workflows/diagnostics-canary";

export {
  DIAGNOSTICS_CANARY_ORCHESTRATION,
  DIAGNOSTICS_ECHO_ACTIVITY,
} from "../src/workflows/diagnostics-canary";

export const START_CANARY_FUNCTION = "startDiagnosticsCanary";
export const START_CANARY_ROUTE = "api/diagnostics/canary";
export const startCanaryInputSchema = canaryInputSchema;

/**
 * Starts the canary and answers with the durable client's check-status payload. Operators only
 * (function key): the management URLs in that payload carry the host's system key.
 */
export function makeStartCanaryHandler(): HttpHandler {
  return async (request, context) => {
    try {
      const hasBody = (request.headers.get("content-length") ?? "0") !== "0";
      const input = hasBody
        ? await readJsonBody(request, startCanaryInputSchema)
        : startCanaryInputSchema.parse({});
      const client = durableClientOf(context);
      const instanceId = await client.startNew(DIAGNOSTICS_CANARY_ORCHESTRATION, { input });
      context.log(`Started diagnostics canary ${instanceId}`);
      return client.createCheckStatusResponse(request, instanceId);
    } catch (error) {
      return toProblemResponse(error, context);
    }
  };
}

export const startCanaryFunction = httpFunction({
  name: START_CANARY_FUNCTION,
  route: START_CANARY_ROUTE,
  methods: ["POST"],
  authLevel: "function",
  durableClient: true,
  handler: () => makeStartCanaryHandler(),
  openapi: {
    summary:
      "Operators: runs the durable canary (a chain, a fan-out/fan-in and a timer) and answers with its status URLs.",
    tags: ["operations"],
    requestBody: { schema: startCanaryInputSchema, required: false },
    responses: {
      202: {
        description: "Started: the durable check-status payload (id and management URLs).",
        schema: z.looseObject({ id: z.string(), statusQueryGetUri: z.string() }),
        headers: { location: "The instance's status URL." },
      },
      ...errorResponses(400, 413, 422),
      401: { description: "No or a wrong function key." },
    },
  },
});

export const diagnosticsCanaryOrchestration = orchestrationFunction({
  name: DIAGNOSTICS_CANARY_ORCHESTRATION,
  input: canaryInputSchema,
  handler: diagnosticsCanaryOrchestrator,
});

export const diagnosticsEchoActivityFunction = activityFunction(diagnosticsEchoActivity, {
  handler:
    ({ clock }: { clock: Clock }) =>
    (input) => ({ ...input, at: clock.now().toISOString() }),
});
