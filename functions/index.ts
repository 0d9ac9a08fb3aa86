/**
 * The composition root: reads the settings once, builds every dependency once, and registers every
 * function of the app. Nothing else in the app registers functions or reads process.env.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { resolveClock } from "../src/adapters/clock/clock";
import { createCosmosDatabase } from "../src/adapters/cosmos/client";
import { cosmosHealthCheck, emailEndpointHealthCheck } from "../src/adapters/health-checks";
import { loadSettings } from "../src/config/load";
import {
  DIAGNOSTICS_CANARY_ORCHESTRATION,
  DIAGNOSTICS_ECHO_ACTIVITY,
  diagnosticsCanaryOrchestrator,
  makeEchoActivity,
  makeStartCanaryHandler,
  START_CANARY_FUNCTION,
  START_CANARY_ROUTE,
} from "./diagnostics";
import { HEALTH_FUNCTION, HEALTH_ROUTE, makeHealthHandler } from "./health";

const settings = loadSettings(process.env);
const clock = resolveClock();
const database = createCosmosDatabase(settings);

app.http(HEALTH_FUNCTION, {
  route: HEALTH_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeHealthHandler({
    checks: [cosmosHealthCheck(database), emailEndpointHealthCheck(settings.EMAIL_ENDPOINT)],
  }),
});

app.http(START_CANARY_FUNCTION, {
  route: START_CANARY_ROUTE,
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: makeStartCanaryHandler(),
});
df.app.orchestration(DIAGNOSTICS_CANARY_ORCHESTRATION, diagnosticsCanaryOrchestrator);
df.app.activity(DIAGNOSTICS_ECHO_ACTIVITY, { handler: makeEchoActivity({ clock }) });
