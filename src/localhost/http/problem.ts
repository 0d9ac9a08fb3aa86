import type { ServerResponse } from "node:http";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface ProblemExtras {
  errors?: { field: string; message: string }[];
  headers?: Record<string, string>;
  [extra: string]: unknown;
}

/** Writes an RFC 9457 problem document, the error shape of every host-generated answer. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  detail: string,
  extras: ProblemExtras = {},
): void {
  const { headers, ...fields } = extras;
  const body = JSON.stringify({
    type: "about:blank",
    title: TITLES[status] ?? "Error",
    status,
    detail,
    ...fields,
  });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader("content-type", "application/problem+json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(body));
  for (const [name, v] of Object.entries(headers)) res.setHeader(name, v);
  res.end(body);
}
