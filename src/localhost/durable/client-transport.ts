/**
 * The durable-functions client's calls to this host, answered without a socket.
 *
 * The SDK's `DurableClient` sends every operation (start, raise event, status, ...) as an HTTP
 * request through its own axios instance to the `rpcBaseUrl` the `durableClient` binding names,
 * which is this host's durable API. Over loopback, the request and its answer cost the host's main
 * thread both ends of an HTTP exchange, twice per invitation lifecycle. Here the axios default
 * adapter of the SDK's axios (resolved from the app, as the SDK resolves it) hands requests for
 * that base URL to the same handler the HTTP server uses (`http-api.ts`), with the same method,
 * path, query, headers and body, and gives the SDK the same status, headers and body text. Any
 * other URL goes to axios's own adapter. The SDK, its URLs and the wire format stay exactly those
 * of the real host, and the HTTP API keeps serving everyone else.
 */
import Module from "node:module";
import type { IncomingHttpHeaders } from "node:http";
import type { DurableHttpRequest, DurableHttpResponse } from "./http-api";

export interface InProcessAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Answers one request as the HTTP server would (including its 503 while not ready). */
export type InProcessHandler = (
  req: DurableHttpRequest,
  res: DurableHttpResponse,
  body: Buffer,
) => Promise<void>;

interface AxiosLike {
  defaults: { adapter?: unknown };
  getAdapter(adapters: unknown, config: AxiosConfigLike): (config: AxiosConfigLike) => Promise<unknown>;
  AxiosError: new (
    message: string,
    code: string,
    config: AxiosConfigLike,
    request: unknown,
    response: unknown,
  ) => Error;
}

interface AxiosConfigLike {
  url?: string;
  baseURL?: string;
  method?: string;
  data?: unknown;
  headers?: { toJSON?: () => Record<string, unknown> } & Record<string, unknown>;
  validateStatus?: ((status: number) => boolean) | null;
}

/** Collects what the handler writes, the way `ServerResponse` would send it. */
class CapturedResponse implements DurableHttpResponse {
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  body = "";
  private done!: () => void;
  readonly ended = new Promise<void>((resolve) => (this.done = resolve));

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    return this;
  }

  writeHead(status: number, headers: Record<string, string> = {}): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    return this;
  }

  end(text?: string): this {
    this.body = text ?? "";
    this.done();
    return this;
  }
}

/** Runs one request through `handle` and returns what it answered. */
export async function answerInProcess(
  handle: InProcessHandler,
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
): Promise<InProcessAnswer> {
  const res = new CapturedResponse();
  await handle({ method: request.method, url: request.url, headers: request.headers }, res, request.body);
  await res.ended;
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

function requestBody(data: unknown): Buffer {
  if (data === undefined || data === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.from(JSON.stringify(data), "utf8");
}

function requestHeaders(config: AxiosConfigLike): IncomingHttpHeaders {
  const raw = config.headers?.toJSON ? config.headers.toJSON() : (config.headers ?? {});
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "string" || typeof value === "number" || value === true)
      headers[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.map(String).join(", ");
  }
  return headers;
}

/**
 * Routes the app's durable-functions client calls under `baseUrl()` (the `rpcBaseUrl` this host
 * hands out) to `handle`. Returns the undo, or undefined when the app does not use the SDK.
 */
export function routeDurableClientInProcess(options: {
  appFile: string;
  baseUrl: () => string;
  handle: InProcessHandler;
}): (() => void) | undefined {
  let axios: AxiosLike;
  try {
    const sdk = Module.createRequire(options.appFile).resolve("durable-functions");
    axios = Module.createRequire(sdk)("axios") as AxiosLike;
  } catch {
    return undefined;
  }
  if (typeof axios.getAdapter !== "function") return undefined;
  const previous = axios.defaults.adapter;
  const network = (config: AxiosConfigLike): Promise<unknown> => axios.getAdapter(previous, config)(config);
  const adapter = async (config: AxiosConfigLike): Promise<unknown> => {
    const base = options.baseUrl();
    const url = new URL(config.url ?? "", config.baseURL || undefined);
    if (!url.href.startsWith(base)) return network(config);
    // A turn of the event loop, as a socket would give: the caller never runs inside the answer.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const answer = await answerInProcess(options.handle, {
      method: (config.method ?? "get").toUpperCase(),
      url: `${url.pathname}${url.search}`,
      headers: { ...requestHeaders(config), host: url.host },
      body: requestBody(config.data),
    });
    const response = {
      data: answer.body,
      status: answer.status,
      statusText: "",
      headers: answer.headers,
      config,
      request: undefined,
    };
    // axios's settle: the status decides between the answer and an AxiosError carrying it.
    if (!config.validateStatus || config.validateStatus(answer.status)) return response;
    throw new axios.AxiosError(
      `Request failed with status code ${answer.status}`,
      answer.status < 500 ? "ERR_BAD_REQUEST" : "ERR_BAD_RESPONSE",
      config,
      undefined,
      response,
    );
  };
  axios.defaults.adapter = adapter;
  return () => {
    if (axios.defaults.adapter === adapter) axios.defaults.adapter = previous;
  };
}
