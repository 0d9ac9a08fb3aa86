import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../../support/host-process";

const APP = "dist/test/fixtures/apps/http-app.js";
let host: HostProcess;

beforeAll(async () => {
  host = await startHostProcess({
    app: APP,
    args: ["--root", "test/fixtures/apps/http-root", "--store", "memory"],
  });
});

afterAll(async () => {
  await host?.stop();
});

async function problem(
  res: Response,
): Promise<{ type: string; title: string; status: number; detail: string }> {
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { type: string; title: string; status: number; detail: string };
}

describe("routing", () => {
  it("serves a route named after the function under the default 'api' prefix", async () => {
    const res = await fetch(`${host.url}/api/hello?name=Ada`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello Ada");
  });

  it("does not serve the route without the prefix", async () => {
    const res = await fetch(`${host.url}/hello`);
    expect(res.status).toBe(404);
    expect((await problem(res)).status).toBe(404);
  });

  it("matches literal segments case-insensitively", async () => {
    const res = await fetch(`${host.url}/API/Hello`);
    expect(res.status).toBe(200);
  });

  it("passes {param} values, honouring constraints before plain parameters", async () => {
    const byId = (await (await fetch(`${host.url}/api/items/42`)).json()) as Record<string, unknown>;
    expect(byId).toEqual({ matched: "itemById", id: "42" });
    const byName = (await (await fetch(`${host.url}/api/items/widget`)).json()) as Record<string, unknown>;
    expect(byName).toEqual({ matched: "itemByName", name: "widget" });
  });

  it("percent-decodes parameters after splitting the path", async () => {
    const body = (await (await fetch(`${host.url}/api/items/a%20b%2Fc`)).json()) as Record<string, unknown>;
    expect(body).toEqual({ matched: "itemByName", name: "a b/c" });
  });

  it("makes {param?} optional", async () => {
    expect(await (await fetch(`${host.url}/api/greet/Grace`)).json()).toEqual({ name: "Grace" });
    expect(await (await fetch(`${host.url}/api/greet`)).json()).toEqual({ name: null });
    expect(await (await fetch(`${host.url}/api/greet/`)).json()).toEqual({ name: null });
  });

  it("lets a specific route beat a catch-all, and the catch-all take the rest of the path", async () => {
    expect(await (await fetch(`${host.url}/api/files/special`)).json()).toEqual({ matched: "special" });
    expect(await (await fetch(`${host.url}/api/files/a/b/c.txt`)).json()).toEqual({
      matched: "catchAll",
      path: "a/b/c.txt",
    });
  });

  it("answers 404 problem+json for an unknown path", async () => {
    const res = await fetch(`${host.url}/api/no-such-thing`);
    expect(res.status).toBe(404);
    const body = await problem(res);
    expect(body.title).toBe("Not Found");
    expect(body.detail).toContain("/api/no-such-thing");
  });

  it("answers 405 with Allow when the path exists but not for that method", async () => {
    const res = await fetch(`${host.url}/api/things/7`, { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("DELETE, PUT");
    expect((await problem(res)).status).toBe(405);
    const put = await fetch(`${host.url}/api/things/7`, { method: "PUT" });
    expect(await put.json()).toEqual({ method: "PUT", id: "7" });
  });
});

describe("request and response conversion", () => {
  it("round-trips a binary body byte for byte, with repeated query keys and the full URL", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const res = await fetch(`${host.url}/api/echo?a=1&a=2`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("x-echo-length")).toBe("256");
    expect(JSON.parse(res.headers.get("x-echo-query") ?? "null")).toEqual(["1", "2"]);
    expect(res.headers.get("x-echo-url")).toBe(`${host.url}/api/echo?a=1&a=2`);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("hands JSON bodies to the handler and returns jsonBody with its status", async () => {
    const res = await fetch(`${host.url}/api/json`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: [1, "two", { three: null }] }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      received: { a: [1, "two", { three: null }] },
      method: "POST",
      contentType: "application/json",
    });
  });

  it("writes cookies with their attributes as separate Set-Cookie headers", async () => {
    const res = await fetch(`${host.url}/api/cookies`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-custom")).toBe("yes");
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe("session=abc; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict");
    expect(cookies[1]).toBe(
      "theme=dark; Domain=localhost; Expires=Wed, 02 Jan 2030 03:04:05 GMT; SameSite=Lax",
    );
  });

  it("keeps custom status codes and headers", async () => {
    const res = await fetch(`${host.url}/api/teapot`);
    expect(res.status).toBe(418);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(await res.text()).toBe("short and stout");
  });

  it("answers 204 when the handler returns nothing", async () => {
    const res = await fetch(`${host.url}/api/nothing`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("turns a throwing handler into a generic 500 that reveals nothing of the error", async () => {
    const res = await fetch(`${host.url}/api/boom`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("at ");
    expect(JSON.parse(text)).toMatchObject({ status: 500, title: "Internal Server Error" });
    // The host log keeps the detail for the developer.
    await host.waitForOutput(/Functions\.boom' \(Failed.*hunter2/s);
  });
});

describe("request body limit (host.json maxRequestBodySize = 1024)", () => {
  it("accepts a body at the limit", async () => {
    const res = await fetch(`${host.url}/api/echo`, { method: "POST", body: Buffer.alloc(1024, 1) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-echo-length")).toBe("1024");
  });

  it("refuses a larger body with 413 problem+json, without invoking the function", async () => {
    const before = host.output().split("Executing 'Functions.echo'").length;
    const res = await fetch(`${host.url}/api/echo`, { method: "POST", body: Buffer.alloc(1025, 1) });
    expect(res.status).toBe(413);
    expect((await problem(res)).status).toBe(413);
    expect(host.output().split("Executing 'Functions.echo'").length).toBe(before);
  });

  it("refuses a chunked body (no Content-Length) once it passes the limit", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${host.url}/api/echo`,
        { method: "POST", headers: { "transfer-encoding": "chunked" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(800, 1));
      req.end(Buffer.alloc(800, 1));
    });
    expect(status).toBe(413);
  });
});

describe("authLevel", () => {
  it("refuses a function-level route without a key", async () => {
    const res = await fetch(`${host.url}/api/secret`);
    expect(res.status).toBe(401);
    expect((await problem(res)).status).toBe(401);
  });

  it("refuses a wrong key", async () => {
    const res = await fetch(`${host.url}/api/secret`, { headers: { "x-functions-key": "nope" } });
    expect(res.status).toBe(401);
  });

  it("accepts the function key in the header or the code query parameter", async () => {
    const viaHeader = await fetch(`${host.url}/api/secret`, {
      headers: { "x-functions-key": "fixture-function-key" },
    });
    expect(viaHeader.status).toBe(200);
    expect(await viaHeader.text()).toBe("function-level ok");
    const viaQuery = await fetch(`${host.url}/api/secret?code=fixture-function-key`);
    expect(viaQuery.status).toBe(200);
  });

  it("accepts the master key for function level too", async () => {
    const res = await fetch(`${host.url}/api/secret?code=fixture-master-key`);
    expect(res.status).toBe(200);
  });

  it("lets only the master key through an admin-level route", async () => {
    expect((await fetch(`${host.url}/api/admin-only?code=fixture-function-key`)).status).toBe(401);
    const res = await fetch(`${host.url}/api/admin-only`, {
      headers: { "x-functions-key": "fixture-master-key" },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("admin-level ok");
  });

  it("does not echo keys into the log", () => {
    expect(host.output()).not.toContain("fixture-master-key");
    expect(host.output()).not.toContain("fixture-function-key");
  });
});

describe("start-up warnings", () => {
  it("names triggers and bindings the local host does not run", () => {
    expect(host.output()).toMatch(
      /warning: queueWorker: queueTrigger triggers are not run by the local host/,
    );
    expect(host.output()).toMatch(
      /warning: enqueue: output binding "\w+" \(queue\) is ignored by the local host/,
    );
    expect(host.output()).not.toMatch(/warning: (hello|echo|hourly)\b/);
  });
});

describe("system routes", () => {
  it("reports host status", async () => {
    const res = await fetch(`${host.url}/admin/host/status`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { state: string; functions: string[] };
    expect(body.state).toBe("Running");
    expect(body.functions).toContain("hello");
  });

  it("shows the real clock and refuses to move it with 409", async () => {
    const clock = (await (await fetch(`${host.url}/dev/clock`)).json()) as { now: string; virtual: boolean };
    expect(clock.virtual).toBe(false);
    expect(Number.isNaN(Date.parse(clock.now))).toBe(false);
    const res = await fetch(`${host.url}/dev/clock/advance`, {
      method: "POST",
      body: JSON.stringify({ days: 1 }),
    });
    expect(res.status).toBe(409);
    expect((await problem(res)).detail).toContain("CLOCK=virtual");
  });

  it("answers durable webhooks with 404 problem when the app has no durable functions", async () => {
    const res = await fetch(`${host.url}/runtime/webhooks/durabletask/instances/x`);
    expect(res.status).toBe(404);
    expect((await problem(res)).status).toBe(404);
  });
});
