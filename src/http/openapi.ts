import { z } from "zod";

/**
 * Builds the OpenAPI 3.1 document from the zod schemas that validate the requests: a constraint
 * exists once, and what is published is what is enforced. 3.1 uses JSON Schema 2020-12, which is
 * what `z.toJSONSchema` emits; only `$defs` references are moved under `components.schemas`.
 */

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    rule: z.string().optional().describe("The rule of docs/rules.md that refused the request, e.g. R11."),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe("On 422: the invalid fields."),
    violations: z
      .array(
        z.object({
          status: z.number().int(),
          rule: z.string().optional(),
          detail: z.string(),
          errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
        }),
      )
      .optional()
      .describe(
        "When several rules refuse the request at once: each of them (the first gives status, rule and detail).",
      ),
  })
  .meta({ id: "Problem" });

export interface ParameterSpec {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  description?: string;
  schema: z.ZodType;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json, or problem+json for 4xx/5xx. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface OperationSpec {
  method: "get" | "put" | "post" | "patch" | "delete" | "head" | "options" | "trace";
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** What the caller presents (default a bearer token); `functionKey` for authLevel function. */
  security?: "bearer" | "functionKey" | "none";
  parameters?: ParameterSpec[];
  requestBody?: { schema: z.ZodType; contentType?: string; required?: boolean };
  responses: Record<number, ResponseSpec>;
}

type Json = Record<string, unknown>;

const STANDARD_ERRORS: Record<number, string> = {
  400: "The body is not JSON.",
  401: "No token, a bad signature, a wrong issuer or audience, or an expired token.",
  403: "Authenticated, but a role or a rule forbids it (`rule` names the rule).",
  404: "Unknown id, or an id that belongs to another partner.",
  409: "State conflict.",
  410: "Invitation link already used or expired.",
  413: "Body larger than 64 KiB.",
  422: "JSON that fails validation (`errors` lists the fields; `rule` when a rule refused it).",
};

export function buildOpenApiDocument(options: {
  title: string;
  version: string;
  description: string;
  operations: OperationSpec[];
}): Json {
  const components: Record<string, unknown> = {};

  const toSchema = (schema: z.ZodType, io: "input" | "output"): unknown => {
    const generated = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Json;
    const { $defs, $schema: _ignored, ...root } = generated;
    const move = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as unknown;
    for (const [name, def] of Object.entries(($defs ?? {}) as Json)) {
      // Named schemas are either request (input) or response (output) shapes here, never both.
      components[name] = move(def);
    }
    return move(root);
  };

  const paths: Record<string, Json> = {};
  for (const op of options.operations) {
    const operation: Json = { operationId: op.operationId, summary: op.summary, tags: op.tags };
    const security = op.security ?? "bearer";
    if (security !== "none") operation.security = [{ [security]: [] }];
    if (op.parameters?.length) {
      operation.parameters = op.parameters.map((p) => ({
        name: p.name,
        in: p.in,
        required: p.in === "path" ? true : (p.required ?? false),
        ...(p.description ? { description: p.description } : {}),
        schema: toSchema(p.schema, "input"),
      }));
    }
    if (op.requestBody) {
      operation.requestBody = {
        required: op.requestBody.required ?? true,
        content: {
          [op.requestBody.contentType ?? "application/json"]: {
            schema: toSchema(op.requestBody.schema, "input"),
          },
        },
      };
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(op.responses)) {
      const code = Number(status);
      const contentType =
        response.contentType ?? (code >= 400 ? "application/problem+json" : "application/json");
      const schema = response.schema ?? (code >= 400 ? problemSchema : undefined);
      responses[status] = {
        description: response.description,
        ...(response.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([h, d]) => [
                  h,
                  { description: d, schema: { type: "string" } },
                ]),
              ),
            }
          : {}),
        ...(schema ? { content: { [contentType]: { schema: toSchema(schema, "output") } } } : {}),
      };
    }
    operation.responses = responses;
    (paths[op.path] ??= {})[op.method] = operation;
  }

  return {
    openapi: "3.1.0",
    info: { title: options.title, version: options.version, description: options.description },
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        functionKey: { type: "apiKey", in: "header", name: "x-functions-key" },
      },
    },
  };
}

/** The usual error answers of an authenticated JSON operation, by status. */
export function errorResponses(...statuses: number[]): Record<number, ResponseSpec> {
  return Object.fromEntries(statuses.map((s) => [s, { description: STANDARD_ERRORS[s] ?? "Error." }]));
}
