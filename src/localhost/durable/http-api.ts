import type { IncomingMessage, ServerResponse } from "node:http";
import type { DurableClientApi } from "./client-api";
import { eventTypeName } from "./history";
import { DurableHttpError, isTerminal, type InstanceStatus, type RuntimeStatus } from "./types";

const PREFIX = "/runtime/webhooks/durabletask/";
const STATUSES: ReadonlySet<string> = new Set([
  "Pending",
  "Running",
  "Completed",
  "ContinuedAsNew",
  "Failed",
  "Terminated",
  "Suspended",
]);

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function problem(res: ServerResponse, status: number, detail: string): void {
  const text = JSON.stringify({ type: "about:blank", title: titleOf(status), status, detail });
  res.writeHead(status, {
    "content-type": "application/problem+json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function titleOf(status: number): string {
  return (
    { 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone" }[
      status
    ] ?? "Error"
  );
}

/** JSON body text, or "null" when empty; non-JSON text is kept as a JSON string. */
function bodyJson(body: Buffer): string {
  const text = body.toString("utf8").trim();
  if (text === "") return "null";
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

/**
 * The durable client's HTTP API (the SDK's `rpcBaseUrl`) and the public management URLs
 * (statusQueryGetUri etc.): both live under /runtime/webhooks/durabletask/ with the same paths.
 */
export async function handleDurableHttp(
  engine: DurableClientApi,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (!url.pathname.startsWith(PREFIX) && url.pathname !== PREFIX.slice(0, -1)) return false;
  const method = (req.method ?? "GET").toUpperCase();
  const q = url.searchParams;
  try {
    const parts = url.pathname
      .slice(PREFIX.length)
      .split("/")
      .filter((p, i, all) => p !== "" || i < all.length - 1)
      .map((p) => {
        try {
          return decodeURIComponent(p);
        } catch {
          throw new DurableHttpError(400, "The path is not valid percent-encoding.");
        }
      });
    const [root, id, action, extra] = parts;
    if (root === "orchestrators" && id) {
      if (method !== "POST") return methodNotAllowed(res, "POST");
      const instanceId = await engine.startNew(id, {
        instanceId: action || undefined,
        input: JSON.parse(bodyJson(body)) as unknown,
      });
      const payload = { ...engine.managementUrls(instanceId), id: instanceId };
      const timeout = q.get("timeout");
      if (timeout !== null) {
        // createAndWaitOnNewInstancePostUri: answer with the output when it finishes in time.
        const seconds = Number(timeout);
        if (!Number.isFinite(seconds) || seconds < 0)
          throw new DurableHttpError(400, "timeout must be seconds.");
        const done = await engine.waitForStatus(instanceId, undefined, seconds * 1000).catch(() => undefined);
        if (done) {
          send(res, 200, done.runtimeStatus === "Completed" ? done.output : done);
          return true;
        }
      }
      send(res, 202, payload, { location: payload.statusQueryGetUri, "retry-after": "1" });
      return true;
    }
    if (root === "instances" && !id) {
      if (method === "GET") return await list(engine, req, res, q);
      if (method === "DELETE") return await purgeMany(engine, res, q);
      return methodNotAllowed(res, "GET, DELETE");
    }
    if (root === "instances" && id) {
      if (!action) {
        if (method === "GET") return await status(engine, res, id, q);
        if (method === "DELETE") {
          if (await engine.purge(id)) send(res, 200, { instancesDeleted: 1 });
          else problem(res, 404, `No finished instance with ID '${id}' to purge.`);
          return true;
        }
        return methodNotAllowed(res, "GET, DELETE");
      }
      if (method !== "POST") return methodNotAllowed(res, "POST");
      const reason = q.get("reason") ?? "";
      switch (action) {
        case "raiseEvent":
          if (!extra) throw new DurableHttpError(400, "The event name is missing.");
          await engine.raiseEvent(id, extra, bodyJson(body));
          break;
        case "terminate":
          await engine.terminate(id, reason);
          break;
        case "suspend":
          await engine.suspend(id, reason);
          break;
        case "resume":
          await engine.resume(id, reason);
          break;
        case "restart": {
          const current = await engine.getStatus(id);
          if (!current) throw new DurableHttpError(404, `No instance with ID '${id}' found.`);
          const newId = q.get("restartWithNewInstanceId") === "false" ? id : undefined;
          const started = await engine.startNew(current.name, { instanceId: newId, input: current.input });
          send(res, 202, { ...engine.managementUrls(started), id: started });
          return true;
        }
        default:
          problem(res, 404, `Unknown operation '${action}'.`);
          return true;
      }
      send(res, 202, undefined);
      return true;
    }
    problem(res, 404, "Unknown durable task endpoint.");
    return true;
  } catch (e) {
    if (e instanceof DurableHttpError) problem(res, e.status, e.message);
    else if (e instanceof SyntaxError) problem(res, 400, "The body is not valid JSON.");
    else {
      console.error(
        `[durable] ${method} ${url.pathname} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      problem(res, 500, "The durable task endpoint failed.");
    }
    return true;
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  res.setHeader("allow", allow);
  problem(res, 405, `Use ${allow}.`);
  return true;
}

function wire(s: InstanceStatus, showInput: boolean): Record<string, unknown> {
  return { ...s, input: showInput ? s.input : null };
}

async function status(
  engine: DurableClientApi,
  res: ServerResponse,
  id: string,
  q: URLSearchParams,
): Promise<true> {
  const s = await engine.getStatus(id);
  if (!s) {
    problem(res, 404, `No instance with ID '${id}' found.`);
    return true;
  }
  const body = wire(s, q.get("showInput") !== "false");
  if (q.get("showHistory") === "true") {
    const history = (await engine.getHistory(id)) ?? [];
    const withOutput = q.get("showHistoryOutput") === "true";
    body.historyEvents = history.map((e) => {
      const { EventType: type, IsPlayed: _played, ...rest } = e;
      if (!withOutput) {
        delete rest.Result;
        delete rest.Input;
      }
      return { EventType: eventTypeName(type), ...rest };
    });
  }
  const running = !isTerminal(s.runtimeStatus);
  const failedAsError =
    s.runtimeStatus === "Failed" && q.get("returnInternalServerErrorOnFailure") === "true";
  const headers: Record<string, string> = running ? { "retry-after": "1" } : {};
  send(res, failedAsError ? 500 : running ? 202 : 200, body, headers);
  return true;
}

function statusFilter(q: URLSearchParams): RuntimeStatus[] | undefined {
  const raw = q.get("runtimeStatus");
  if (!raw) return undefined;
  const values = raw
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  const bad = values.filter((v) => !STATUSES.has(v));
  if (bad.length > 0) throw new DurableHttpError(400, `Unknown runtimeStatus: ${bad.join(", ")}`);
  return values as RuntimeStatus[];
}

function timeParam(q: URLSearchParams, name: string): string | undefined {
  const raw = q.get(name);
  if (!raw) return undefined;
  const t = Date.parse(raw);
  if (!Number.isFinite(t)) throw new DurableHttpError(400, `${name} is not a date.`);
  return new Date(t).toISOString();
}

async function list(
  engine: DurableClientApi,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<true> {
  const topRaw = q.get("top");
  const top = topRaw ? Number(topRaw) : 100;
  if (!Number.isInteger(top) || top <= 0) throw new DurableHttpError(400, "top must be a positive integer.");
  const token = req.headers["x-ms-continuation-token"];
  const page = await engine.query({
    runtimeStatus: statusFilter(q),
    createdTimeFrom: timeParam(q, "createdTimeFrom"),
    createdTimeTo: timeParam(q, "createdTimeTo"),
    instanceIdPrefix: q.get("instanceIdPrefix") ?? undefined,
    top,
    continuationToken: typeof token === "string" && token !== "" ? token : undefined,
  });
  const showInput = q.get("showInput") !== "false";
  send(
    res,
    200,
    page.items.map((s) => wire(s, showInput)),
    page.continuationToken ? { "x-ms-continuation-token": page.continuationToken } : {},
  );
  return true;
}

async function purgeMany(engine: DurableClientApi, res: ServerResponse, q: URLSearchParams): Promise<true> {
  const requested = statusFilter(q);
  const terminal: RuntimeStatus[] = ["Completed", "Failed", "Terminated"];
  const runtimeStatus = requested ? requested.filter((s) => terminal.includes(s)) : terminal;
  let deleted = 0;
  if (runtimeStatus.length > 0) {
    let token: string | undefined;
    do {
      const page = await engine.query({
        runtimeStatus,
        createdTimeFrom: timeParam(q, "createdTimeFrom"),
        createdTimeTo: timeParam(q, "createdTimeTo"),
        instanceIdPrefix: q.get("instanceIdPrefix") ?? undefined,
        top: 100,
        continuationToken: token,
      });
      for (const item of page.items) if (await engine.purge(item.instanceId)) deleted++;
      token = page.continuationToken;
    } while (token);
  }
  if (deleted === 0) problem(res, 404, "No finished instances matched.");
  else send(res, 200, { instancesDeleted: deleted });
  return true;
}
