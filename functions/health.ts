import type { HttpHandler } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import { runHealthChecks } from "../src/application/health";
import type { HealthCheck } from "../src/application/ports";
import { httpFunction } from "../src/http/descriptor";

export const HEALTH_FUNCTION = "health";
export const HEALTH_ROUTE = "api/health";

export interface HealthDependencies {
  checks: HealthCheck[];
}

/** 200 when every dependency answers, 503 naming the ones that did not. */
export function makeHealthHandler(deps: HealthDependencies): HttpHandler {
  return async (_request, context) => {
    const client = durableClientOf(context);
    const durable: HealthCheck = {
      name: "durable",
      // A query no instance can match still makes the backend answer.
      check: async () =>
        void (await client.getStatusBy({ createdTimeFrom: new Date("9999-12-31T00:00:00Z") })),
    };
    const report = await runHealthChecks([...deps.checks, durable]);
    return {
      status: report.status === "ok" ? 200 : 503,
      jsonBody: report,
      headers: { "cache-control": "no-store" },
    };
  };
}

export const healthFunction = httpFunction({
  name: HEALTH_FUNCTION,
  route: HEALTH_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ health }: { health: HealthDependencies }) => makeHealthHandler(health),
  openapi: {
    summary: "200 when every dependency answers.",
    tags: ["operations"],
    security: "none",
    responses: { 200: { description: "Healthy." }, 503: { description: "A dependency is down." } },
  },
});
