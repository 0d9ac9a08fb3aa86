/**
 * The compiled host runs orchestrators and activities in a copy of the app on a worker thread, HTTP
 * triggers on its main thread: what crosses between them (inputs, results, failures, log lines, the
 * virtual clock) must arrive as it did in one thread.
 */
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../../support/host-process";

const APP = "dist/test/fixtures/durable/thread-app.js";
const DAY = 86_400_000;

let host: HostProcess;

beforeAll(async () => {
  host = await startHostProcess({
    app: APP,
    args: ["--store", "memory", "--no-cosmos", "--no-email", "--clock", "virtual"],
  });
});

afterAll(async () => {
  await host?.stop();
});

interface Status {
  runtimeStatus: string;
  output: unknown;
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${host.url}${path}`, init);
  expect(res.ok, `${path}: ${res.status}`).toBe(true);
  return (await res.json()) as T;
}

/** Starts an orchestration over HTTP and polls its status until it has ended. */
async function run(name: string): Promise<{ instanceId: string; status: Status }> {
  const { instanceId } = await json<{ instanceId: string }>(`/start/${name}`, { method: "POST" });
  for (;;) {
    const status = await json<Status>(`/runtime/webhooks/durabletask/instances/${instanceId}`);
    if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) return { instanceId, status };
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("durable functions on the app's worker thread", () => {
  it("runs HTTP triggers on the main thread and orchestrators and activities on another", async () => {
    const http = await json<{ mainThread: boolean; threadId: number; priority: number }>("/where");
    const { status } = await run("where");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as {
      orchestrator: { mainThread: boolean; threadId: number };
      activity: { mainThread: boolean; threadId: number; priority: number };
    };
    expect(http.mainThread).toBe(true);
    expect(output.orchestrator.mainThread).toBe(false);
    expect(output.activity.mainThread).toBe(false);
    expect(output.activity.threadId).toBe(output.orchestrator.threadId);
  });

  it.runIf(process.platform === "linux")(
    "gives the durable thread alone a lower priority (nice 10), so requests get the CPU first",
    async () => {
      const http = await json<{ priority: number }>("/where");
      const { status } = await run("where");
      const { activity } = status.output as { activity: { priority: number } };
      expect(http.priority).toBe(os.getPriority(host.pid));
      expect(activity.priority).toBeGreaterThanOrEqual(10);
      // A host already running nicer than 10 keeps its own value (raising priority needs privileges).
      if (http.priority < 10) expect(activity.priority).toBe(10);
    },
  );

  it("shows the thread the host clock, a virtual advance included", async () => {
    const before = await json<{ hostNow: string }>("/where");
    await json("/dev/clock/advance", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ days: 10 }),
    });
    const { status } = await run("where");
    const { activity } = status.output as { activity: { hostNow: string } };
    const moved = Date.parse(activity.hostNow) - Date.parse(before.hostNow);
    expect(moved).toBeGreaterThanOrEqual(10 * DAY);
    expect(moved).toBeLessThan(11 * DAY);
  });

  it("reports an activity's failure with its message, and keeps the thread's log lines", async () => {
    const { status } = await run("failing");
    expect(status.runtimeStatus).toBe("Failed");
    expect(JSON.stringify(status.output)).toContain("boom from the activity");
    const { instanceId } = await run("where");
    await host.waitForOutput(
      new RegExp(`whereActivity \\([0-9a-f]{8} ${instanceId}\\) whereActivity ran on thread`),
    );
  });
});
