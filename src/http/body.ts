import type { HttpRequest } from "@azure/functions";
import type { z } from "zod";
import { DomainError, type FieldError } from "../domain/errors";

export const MAX_BODY_BYTES = 64 * 1024;

export function zodIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/**
 * Reads the body as text, refusing (413) anything over the limit, declared or actual. A route with a
 * larger body (the bulk import) names its own limit.
 */
export async function readBodyText(request: HttpRequest, maxBytes: number = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new DomainError("tooLarge", `The body must be at most ${maxBytes} bytes.`);
  const raw = await request.text();
  if (Buffer.byteLength(raw) > maxBytes) {
    throw new DomainError("tooLarge", `The body must be at most ${maxBytes} bytes.`);
  }
  return raw;
}

/** Parses a JSON body at the edge: 413 when too large, 400 when not JSON, 422 when not valid. */
export async function readJsonBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
): Promise<z.infer<S>> {
  const raw = await readBodyText(request);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new DomainError("badRequest", "The body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new DomainError("invalid", "The request body is not valid.", {
      errors: zodIssuesToFieldErrors(parsed.error.issues),
    });
  }
  return parsed.data;
}

/** HTML forms post urlencoded (no file fields here); anything else is an API caller. */
export function isFormPost(request: HttpRequest): boolean {
  return (request.headers.get("content-type") ?? "")
    .toLowerCase()
    .startsWith("application/x-www-form-urlencoded");
}

/** A urlencoded form body, within the same size limit as JSON bodies. */
export async function readForm(request: HttpRequest): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(request));
}
