import { app, type HttpHandler, type HttpMethod } from "@azure/functions";
import * as df from "durable-functions";
import type { OperationSpec } from "./openapi";

/** What the OpenAPI document says about a function; method, path and operationId come from the descriptor. */
export type OperationDoc = Omit<OperationSpec, "method" | "path" | "operationId">;

/**
 * One HTTP function, described once: what the Functions host registers and what the OpenAPI document
 * publishes come from the same value, so a route cannot exist without being documented. `D` is what
 * the handler factory needs; the composition root passes one object that satisfies every factory.
 */
export interface HttpFunction<D = never> {
  name: string;
  /** Functions route template, without the leading slash (e.g. `api/invitations/{id}`). */
  route: string;
  methods: readonly Exclude<HttpMethod, "CONNECT">[];
  authLevel: "anonymous" | "function" | "admin";
  /** Registers the durable client input binding (`df.getClient(context)` in the handler). */
  durableClient?: boolean;
  /** Absent: always registered. False: neither registered nor documented. */
  enabled?: (deps: D) => boolean;
  handler: (deps: D) => HttpHandler;
  openapi: OperationDoc;
}

/** The parts of a descriptor that do not depend on its dependencies: enough to document it. */
export type HttpFunctionDoc = Pick<HttpFunction, "name" | "route" | "methods" | "authLevel" | "openapi">;

/** Identity, for inference: the factory's parameter type becomes the descriptor's `D`. */
export function httpFunction<D>(descriptor: HttpFunction<D>): HttpFunction<D> {
  return descriptor;
}

/** Registers every enabled function with the Functions host; returns those it registered. */
export function registerHttp<D>(functions: readonly HttpFunction<D>[], deps: D): HttpFunction<D>[] {
  const enabled = functions.filter((f) => f.enabled?.(deps) ?? true);
  for (const f of enabled) {
    app.http(f.name, {
      route: f.route,
      methods: [...f.methods],
      authLevel: f.authLevel,
      ...(f.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
      handler: f.handler(deps),
    });
  }
  return enabled;
}

/** Function routes have no leading slash and may constrain parameters (`{id:guid}`); OpenAPI paths do neither. */
export function openApiPath(route: string): string {
  return `/${route.replace(/\{([^}:?]+)[^}]*\}/g, "{$1}")}`;
}

/**
 * One operation per method. The first method's operationId is the function's name; further methods
 * (HEAD beside GET, POST beside GET) append theirs, since operationIds must be unique.
 */
export function openApiOperations(functions: readonly HttpFunctionDoc[]): OperationSpec[] {
  return functions.flatMap((f) =>
    f.methods.map((method, index): OperationSpec => {
      const lower = method.toLowerCase() as OperationSpec["method"];
      return {
        ...f.openapi,
        method: lower,
        path: openApiPath(f.route),
        operationId: index === 0 ? f.name : `${f.name}${method.charAt(0)}${lower.slice(1)}`,
        // A function key is what the host checks first; the doc cannot say otherwise.
        security: f.authLevel === "anonymous" ? (f.openapi.security ?? "bearer") : "functionKey",
      };
    }),
  );
}
