import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, ServerResponse, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Foreground } from "../foreground";
import type { FunctionsCore, Registration } from "../worker/functions-core";
import {
  consoleInvocationLogger,
  flushInvocationLog,
  invokeFunction,
  type InvocationLogger,
} from "../worker/invoke";
import type { RpcBindingInfo, RpcHttpData, RpcParameterBinding, RpcTypedData } from "../worker/rpc";
import { BodyTooLargeError, readBody } from "./body";
import { toRpcHttpRequest, writeRpcHttpResponse } from "./convert";
import { sendProblem } from "./problem";
import { compileRoute, joinRoute, RouteTable } from "./routes";

/**
 * Supplies the value of an extra input binding of one type (e.g. `durableClient`) for one
 * invocation, in RPC form.
 */
export type InputProvider = (binding: RpcBindingInfo, registration: Registration) => RpcTypedData;

export interface SystemRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Reads the body under the host's size limit (throws BodyTooLargeError). */
  body: () => Promise<Buffer>;
}

/** A host-owned endpoint mounted before the app's routes; resolves false when the path is not its own. */
export type SystemHandler = (request: SystemRequest) => Promise<boolean> | boolean;

export interface FunctionKeys {
  /** Accepted for `authLevel: "function"`. */
  functionKey?: string | undefined;
  /** Accepted for `function` and `admin`. */
  masterKey?: string | undefined;
}

export interface HttpHostOptions {
  core: FunctionsCore;
  /** host.json `extensions.http.routePrefix` ("" = none). */
  routePrefix: string;
  maxRequestBodySize: number;
  /**
   * How long a client may take to send a whole request (headers and body); then it gets 408 and the
   * connection is closed, so a client that trickles its body or never finishes it cannot hold a
   * request open. Default: Azure's front-end limit for an HTTP trigger (230 s).
   */
  requestTimeoutMs?: number;
  keys: () => FunctionKeys;
  /** Extra input binding type (lower case) -> provider. */
  inputProviders?: Map<string, InputProvider>;
  systemHandlers?: SystemHandler[];
  log?: InvocationLogger;
  /** Host-level messages (startup warnings). */
  hostLog?: (message: string) => void;
  /** Counts the app's HTTP trigger invocations while they run (the durable engine yields to them). */
  foreground?: Foreground;
}

interface HttpTarget {
  registration: Registration;
  authLevel: "anonymous" | "function" | "admin";
}

/** Azure's load balancer ends an HTTP trigger's request after 230 s, whatever functionTimeout says. */
export const AZURE_FRONT_END_TIMEOUT_MS = 230_000;

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Compares keys without leaking their length or prefix through timing. */
function keyMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Invocation lines are buffered (`worker/invoke.ts`); every answer first writes what was logged
 * before it, so whoever reads the host's output never gets an answer before the lines behind it.
 */
class LogFlushingResponse extends ServerResponse {
  override writeHead(...args: unknown[]): this {
    flushInvocationLog();
    return (super.writeHead as (...a: unknown[]) => this).apply(this, args);
  }
}

/**
 * The HTTP front of the local host: host-owned system routes first, then the app's HTTP triggers,
 * each request run through the app's programming model like the real worker does.
 */
export class HttpHost {
  readonly server: Server;
  private readonly routes = new RouteTable<HttpTarget>();
  private readonly log: InvocationLogger;
  private readonly hostLog: (message: string) => void;
  private ready = false;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private baseUrl = "http://127.0.0.1";

  constructor(private readonly options: HttpHostOptions) {
    this.log = options.log ?? consoleInvocationLogger;
    this.hostLog = options.hostLog ?? ((m) => console.log(m));
    const requestTimeout = options.requestTimeoutMs ?? AZURE_FRONT_END_TIMEOUT_MS;
    this.server = createServer(
      {
        ServerResponse: LogFlushingResponse,
        requestTimeout,
        headersTimeout: Math.min(requestTimeout, 60_000),
        // Node checks both timeouts on this interval (30 s by default), so a short timeout needs it shorter.
        connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(requestTimeout / 4))),
      },
      (req, res) => {
        this.inFlight++;
        this.handle(req, res)
          .catch((e: unknown) => {
            this.hostLog(`HTTP request failed in the host: ${(e as Error)?.message ?? String(e)}`);
            sendProblem(res, 500, "The host failed to handle the request.");
          })
          .finally(() => {
            this.inFlight--;
            if (this.inFlight === 0) this.drained?.();
          });
      },
    );
    // Keep-alive sockets must not hold the process open after stop().
    this.server.keepAliveTimeout = 5_000;
  }

  /**
   * Builds the route table from the current registrations. Called after the app loaded; throws on
   * a bad route so a broken app fails at start, not at the first request.
   */
  loadRoutes(): void {
    for (const registration of this.options.core.byTrigger("httpTrigger")) {
      const binding = registration.metadata.bindings[registration.triggerName] ?? {};
      const template =
        typeof binding.route === "string" && binding.route !== ""
          ? binding.route
          : registration.metadata.name;
      const methods = Array.isArray(binding.methods) ? (binding.methods as unknown[]).map(String) : undefined;
      const level = typeof binding.authLevel === "string" ? binding.authLevel.toLowerCase() : "anonymous";
      const authLevel = level === "function" || level === "admin" ? level : "anonymous";
      this.routes.add(
        compileRoute(joinRoute(this.options.routePrefix, template), methods, { registration, authLevel }),
      );
    }
    const keys = this.options.keys();
    for (const route of this.routes.list()) {
      const { authLevel, registration } = route.target;
      const missing =
        (authLevel === "function" && !keys.functionKey && !keys.masterKey) ||
        (authLevel === "admin" && !keys.masterKey);
      if (missing) {
        this.hostLog(
          `warning: ${registration.metadata.name} needs authLevel "${authLevel}" but ${authLevel === "admin" ? "FUNCTIONS_LOCAL_MASTER_KEY" : "FUNCTIONS_LOCAL_FUNCTION_KEY"} is not set; every call will get 401.`,
        );
      }
    }
  }

  /** The routes as "METHODS /path", for the startup banner. */
  describeRoutes(): string[] {
    return this.routes.list().map((r) => {
      const methods = r.target.registration.metadata.bindings[r.target.registration.triggerName]?.methods;
      const list = Array.isArray(methods) ? (methods as unknown[]).map(String).join(",") : "ALL";
      return `${r.target.registration.metadata.name}: [${list}] /${r.template}`;
    });
  }

  async listen(port: number, host = "127.0.0.1"): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.off("error", onError);
        resolve();
      });
    });
    const actual = (this.server.address() as AddressInfo).port;
    this.baseUrl = `http://${host}:${actual}`;
    return actual;
  }

  /** Until ready, requests get 503: the socket is bound early so settings can name the real port. */
  setReady(ready: boolean): void {
    this.ready = ready;
  }

  async close(): Promise<void> {
    this.ready = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    if (!this.ready) {
      sendProblem(res, 503, "The host is starting or stopping.", { headers: { "retry-after": "1" } });
      return;
    }
    let bodyPromise: Promise<Buffer> | undefined;
    const body = (): Promise<Buffer> => (bodyPromise ??= readBody(req, this.options.maxRequestBodySize));
    try {
      for (const handler of this.options.systemHandlers ?? []) {
        if (await handler({ req, res, url, body })) return;
      }
      await this.handleApp(req, res, url, body);
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        // The rest of the upload is not read; closing the connection stops the client sending it.
        res.setHeader("connection", "close");
        sendProblem(res, 413, `The request body is larger than ${e.limit} bytes.`);
        return;
      }
      throw e;
    }
  }

  private async handleApp(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: () => Promise<Buffer>,
  ): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const result = this.routes.resolve(method, url.pathname);
    if (result.kind === "notFound") {
      sendProblem(res, 404, `No function answers ${url.pathname}.`);
      return;
    }
    if (result.kind === "methodNotAllowed") {
      sendProblem(res, 405, `${url.pathname} does not accept ${method}.`, {
        headers: { allow: result.allow.join(", ") },
      });
      return;
    }
    const { route, params } = result.match;
    const { registration, authLevel } = route.target;
    if (!this.authorized(req, url, authLevel)) {
      sendProblem(
        res,
        401,
        `${registration.metadata.name} requires a ${authLevel} key (x-functions-key header or code query parameter).`,
      );
      return;
    }
    const bytes = await body();
    const http = toRpcHttpRequest(req, this.baseUrl, params, bytes);
    await this.invoke(registration, http, method, route.template, res);
  }

  private authorized(req: IncomingMessage, url: URL, level: HttpTarget["authLevel"]): boolean {
    if (level === "anonymous") return true;
    const header = req.headers["x-functions-key"];
    const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("code") ?? undefined;
    const keys = this.options.keys();
    if (keyMatches(given, keys.masterKey)) return true;
    return level === "function" && keyMatches(given, keys.functionKey);
  }

  private async invoke(
    registration: Registration,
    http: RpcHttpData,
    method: string,
    routeTemplate: string,
    res: ServerResponse,
  ): Promise<void> {
    const invocationId = randomUUID();
    const functionName = registration.metadata.name;
    const inputData: RpcParameterBinding[] = [{ name: registration.triggerName, data: { http } }];
    for (const [name, binding] of Object.entries(registration.metadata.bindings)) {
      if (name === registration.triggerName || binding.direction !== "in") continue;
      const provider = this.options.inputProviders?.get(String(binding.type).toLowerCase());
      if (provider) inputData.push({ name, data: provider(binding, registration) });
    }
    const started = performance.now();
    const line = (level: "information" | "error", message: string): void =>
      this.log({ functionName, invocationId, level, category: "system", message });
    // The route template, never the path: paths can carry secrets (e.g. invitation link tokens).
    line(
      "information",
      `Executing 'Functions.${functionName}' (Reason='${method} /${routeTemplate}', Id=${invocationId})`,
    );
    let response;
    try {
      const invoke = (): ReturnType<typeof invokeFunction> =>
        invokeFunction(this.options.core, registration, { inputData, invocationId }, this.log);
      response = await (this.options.foreground ? this.options.foreground.run(invoke) : invoke());
    } catch (e) {
      const err = e as Error;
      line(
        "error",
        `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms): ${err?.stack ?? String(e)}`,
      );
      // Only the invocation id goes out: the error text may carry internals.
      sendProblem(res, 500, `The function failed. See the host log for invocation ${invocationId}.`);
      return;
    }
    line(
      "information",
      `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`,
    );
    const out = this.httpOutput(registration, response.returnValue, response.outputData ?? []);
    writeRpcHttpResponse(res, out, method);
  }

  private httpOutput(
    registration: Registration,
    returnValue: RpcTypedData | null | undefined,
    outputData: RpcParameterBinding[],
  ): RpcHttpData | undefined {
    const httpOut = Object.entries(registration.metadata.bindings).find(
      ([, b]) => b.direction === "out" && String(b.type).toLowerCase() === "http",
    );
    if (!httpOut) return undefined;
    const [name] = httpOut;
    const data = name === "$return" ? returnValue : outputData.find((o) => o.name === name)?.data;
    return data?.http ?? undefined;
  }
}
