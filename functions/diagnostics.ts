import type { HttpHandler } from "@azure/functions";
import * as df from "durable-functions";
import type { ActivityHandler } from "durable-functions";
import type { Clock } from "../src/application/ports";
import { readJsonBody } from "../src/http/body";
import { toProblemResponse } from "../src/http/problem";
import {
  canaryInputSchema,
  DIAGNOSTICS_CANARY_ORCHESTRATION,
  echoInputSchema,
  type EchoResult,
} from "../src/workflows/diagnostics-canary";

export {
  DIAGNOSTICS_CANARY_ORCHESTRATION,
  DIAGNOSTICS_ECHO_ACTIVITY,
  diagnosticsCanaryOrchestrator,
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
      const client = df.getClient(context);
      const instanceId = await client.startNew(DIAGNOSTICS_CANARY_ORCHESTRATION, { input });
      context.log(`Started diagnostics canary ${instanceId}`);
      return client.createCheckStatusResponse(request, instanceId);
    } catch (error) {
      return toProblemResponse(error, context);
    }
  };
}

export function makeEchoActivity(deps: { clock: Clock }): ActivityHandler {
  return (input: unknown): EchoResult => {
    const parsed = echoInputSchema.parse(input);
    return { ...parsed, at: deps.clock.now().toISOString() };
  };
}
