import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, REPO_ROOT, type HostProcess } from "../../support/host-process";

const HTTP_APP = path.join(REPO_ROOT, "dist/test/fixtures/apps/http-app.js");
const DURABLE_APP = path.join(REPO_ROOT, "dist/test/fixtures/apps/durable-app.js");

const temps: string[] = [];
function tempRoot(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "localhost-host-"));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(
      path.join(dir, name),
      typeof content === "string" ? content : JSON.stringify(content, null, 2),
    );
  }
  return dir;
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** Polls until `fn` returns a value (no fixed sleeps). */
async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function portAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

const hostJsonNoPrefix = { version: "2.0", extensions: { http: { routePrefix: "" } } };

describe("settings", () => {
  let host: HostProcess | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it("reads local.settings.json before the sample, and honours routePrefix ''", async () => {
    const root = tempRoot({
      "host.json": hostJsonNoPrefix,
      "local.settings.json": { Values: { FIXTURE_SETTING: "from-local" } },
      "local.settings.sample.json": { Values: { FIXTURE_SETTING: "from-sample" } },
    });
    host = await startHostProcess({ app: HTTP_APP, args: ["--root", root, "--store", "memory"] });
    const res = await fetch(`${host.url}/settings`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      fixtureSetting: string;
      emailEndpointSet: boolean;
      publicBaseUrl: string;
    };
    expect(body.fixtureSetting).toBe("from-local");
    // Empty or absent service settings are filled by the embedded services and the real port.
    expect(body.emailEndpointSet).toBe(true);
    expect(body.publicBaseUrl).toBe(`http://localhost:${host.port}`);
    expect((await fetch(`${host.url}/api/settings`)).status).toBe(404);
  });

  it("falls back to local.settings.sample.json, and never overrides the environment", async () => {
    const root = tempRoot({
      "host.json": hostJsonNoPrefix,
      "local.settings.sample.json": {
        Values: { FIXTURE_SETTING: "from-sample", PUBLIC_BASE_URL: "https://partners.example" },
      },
    });
    host = await startHostProcess({ app: HTTP_APP, args: ["--root", root, "--store", "memory"] });
    const sample = (await (await fetch(`${host.url}/settings`)).json()) as Record<string, unknown>;
    expect(sample).toMatchObject({
      fixtureSetting: "from-sample",
      publicBaseUrl: "https://partners.example",
    });
    await host.stop();
    host = await startHostProcess({
      app: HTTP_APP,
      args: ["--root", root, "--store", "memory"],
      env: { FIXTURE_SETTING: "from-env" },
    });
    const fromEnv = (await (await fetch(`${host.url}/settings`)).json()) as Record<string, unknown>;
    expect(fromEnv.fixtureSetting).toBe("from-env");
  });

  it("runs the package.json main of the current directory when no --app is given", async () => {
    const root = tempRoot({
      "host.json": hostJsonNoPrefix,
      "package.json": { name: "fixture", main: HTTP_APP },
    });
    host = await startHostProcess({ cwd: root, args: ["--root", root, "--store", "memory"] });
    expect(await (await fetch(`${host.url}/hello`)).text()).toBe("hello world");
  });

  it("fails clearly when the app file does not exist", async () => {
    await expect(startHostProcess({ app: "dist/no-such-app.js" })).rejects.toThrow(/does not exist/);
  });
});

describe("durable functions through the host (memory store, virtual clock)", () => {
  let host: HostProcess;
  beforeAll(async () => {
    const root = tempRoot({
      "host.json": { version: "2.0", extensions: { durableTask: { hubName: "HostTests" } } },
    });
    host = await startHostProcess({
      app: DURABLE_APP,
      args: ["--root", root, "--store", "memory", "--clock", "virtual"],
    });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("gives HTTP functions the durableClient binding; a durable timer fires on clock advance", async () => {
    // Read before the start: a stepped advance wakes the orchestration exactly 48 h after it started.
    const before = Date.parse(((await (await fetch(`${host.url}/dev/clock`)).json()) as { now: string }).now);
    const start = await fetch(`${host.url}/api/greeter`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", waitHours: 48 }),
    });
    expect(start.status).toBe(202);
    const { id, statusQueryGetUri } = (await start.json()) as { id: string; statusQueryGetUri: string };
    expect(statusQueryGetUri).toContain(`/runtime/webhooks/durabletask/instances/${id}`);
    const status = async (): Promise<{
      runtimeStatus: string;
      output: { greeting: string; at: string } | null;
    }> =>
      (await (await fetch(statusQueryGetUri)).json()) as {
        runtimeStatus: string;
        output: { greeting: string; at: string } | null;
      };
    // Waiting on its 48-hour timer.
    await until(async () => ((await status()).runtimeStatus === "Running" ? true : undefined), "Running");
    expect(
      (
        await fetch(`${host.url}/dev/clock/advance`, {
          method: "POST",
          body: JSON.stringify({ days: 2, minutes: 1 }),
        })
      ).status,
    ).toBe(200);
    const done = await until(async () => {
      const s = await status();
      return s.runtimeStatus === "Completed" ? s : undefined;
    }, "Completed");
    expect(done.output?.greeting).toBe("Hello, Ada!");
    expect(Date.parse(done.output?.at ?? "")).toBeGreaterThanOrEqual(before + 48 * 3_600_000);
  });

  it("gives timer functions the durableClient binding too", async () => {
    const now = Date.parse(((await (await fetch(`${host.url}/dev/clock`)).json()) as { now: string }).now);
    const sixAm = new Date(now);
    sixAm.setUTCHours(6, 0, 0, 0);
    if (sixAm.getTime() <= now) sixAm.setUTCDate(sixAm.getUTCDate() + 1);
    await fetch(`${host.url}/dev/clock/advance`, {
      method: "POST",
      body: JSON.stringify({ seconds: (sixAm.getTime() - now) / 1000 + 1 }),
    });
    const daily = await until(async () => {
      const list = (await (await fetch(`${host.url}/api/greeters`)).json()) as {
        instanceId: string;
        runtimeStatus: string;
        output: { greeting: string } | null;
      }[];
      return list.find((s) => s.instanceId.startsWith("daily-") && s.runtimeStatus === "Completed");
    }, "the timer's orchestration");
    expect(daily.output?.greeting).toBe("Hello, timer!");
    expect(host.output()).toMatch(/Executing 'Functions\.dailyGreeter'/);
  });
});

describe("embedded services and restarts", () => {
  it("stops embedded Azurite with the host on SIGTERM and exits 0", async () => {
    const root = tempRoot({ "host.json": { version: "2.0" } });
    const host = await startHostProcess({
      app: DURABLE_APP,
      args: ["--root", root],
      env: { AzureWebJobsStorage: "" },
    });
    const azurite = /Azurite:\s+(http:\/\/\S+?)\/devstoreaccount1/.exec(host.output())?.[1];
    expect(azurite).toBeDefined();
    expect(await portAnswers(azurite ?? "")).toBe(true);
    await host.stop();
    expect(await host.exited).toBe(0);
    expect(host.output()).toContain("SIGTERM: stopping the host");
    expect(await portAnswers(azurite ?? "")).toBe(false);
  });

  it("keeps durable state and the embedded Cosmos data across restarts in one data folder; --fresh empties both", async () => {
    const root = tempRoot({
      "host.json": { version: "2.0", extensions: { durableTask: { hubName: "RestartHub" } } },
      "containers.json": { containers: [{ id: "things", partitionKeyPath: "/id" }] },
      "local.settings.json": { Values: { AzureWebJobsStorage: "UseDevelopmentStorage=true" } },
    });
    const dataDir = path.join(root, ".localhost-data");
    const run = async (
      env: Record<string, string | undefined>,
      action: (h: HostProcess) => Promise<void>,
      extra: string[] = [],
    ): Promise<void> => {
      const host = await startHostProcess({
        app: DURABLE_APP,
        args: ["--root", root, "--data-dir", dataDir, ...extra],
        env,
      });
      try {
        await action(host);
      } finally {
        await host.stop();
      }
    };
    const greeters = async (h: HostProcess): Promise<{ instanceId: string }[]> =>
      (await (await fetch(`${h.url}/api/greeters`)).json()) as { instanceId: string }[];
    const startOne = async (h: HostProcess): Promise<string> => {
      const res = await fetch(`${h.url}/api/greeter`, {
        method: "POST",
        body: JSON.stringify({ name: "restart" }),
      });
      return ((await res.json()) as { id: string }).id;
    };
    const noCosmos = {
      COSMOS_DATABASE: undefined,
      LOCALHOST_COSMOS_CONTAINERS: undefined,
      COSMOS_ENDPOINT: undefined,
    };
    const withCosmos = {
      COSMOS_DATABASE: "db",
      LOCALHOST_COSMOS_CONTAINERS: "containers.json",
      COSMOS_ENDPOINT: "",
    };

    let kept = "";
    await run(noCosmos, async (h) => {
      kept = await startOne(h);
    });
    await run(noCosmos, async (h) => {
      expect((await greeters(h)).map((g) => g.instanceId)).toContain(kept);
    });
    await run(withCosmos, async (h) => {
      expect(h.output()).toMatch(/Cosmos:\s+https:\/\/127\.0\.0\.1:\d+\/ \(embedded, kept in /);
      expect(h.output()).toContain(`Data:       ${dataDir} (kept between runs`);
      // The embedded Cosmos keeps its data now, so durable state is kept with it.
      expect((await greeters(h)).map((g) => g.instanceId)).toContain(kept);
    });
    await run(
      withCosmos,
      async (h) => {
        expect(h.output()).toMatch(/\(embedded, kept in .*, 0 resources loaded\)/);
        expect(await greeters(h)).toEqual([]);
      },
      ["--fresh"],
    );
  });

  it("refuses to mix an embedded (fresh) Cosmos with persistent external storage", async () => {
    const root = tempRoot({ "host.json": { version: "2.0" } });
    await expect(
      startHostProcess({
        app: DURABLE_APP,
        args: ["--root", root],
        env: {
          COSMOS_DATABASE: "db",
          COSMOS_ENDPOINT: "",
          AzureWebJobsStorage:
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=ZmFrZQ==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        },
      }),
    ).rejects.toThrow(/never half|outlive the Cosmos data/);
  });
});
