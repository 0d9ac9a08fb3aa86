/**
 * Kills the host process (SIGKILL) in the middle of an orchestration, twice, and checks that after
 * each restart the instance resumes from the durable state in (external) Azurite and completes, with
 * every idempotent activity's effect applied exactly once although the interrupted activities ran again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../../support/host-process";
import { startTestAzurite, type TestAzurite } from "../../support/azurite";

const APP = "dist/test/fixtures/durable/crash-app.js";
const STEPS = 6;
const HOLD_AT = [3, 5];

let azurite: TestAzurite;
let effects: string;
const hosts = new Set<HostProcess>();

beforeAll(async () => {
  azurite = await startTestAzurite();
  effects = mkdtempSync(path.join(os.tmpdir(), "crash-effects-"));
});

afterAll(async () => {
  await Promise.all([...hosts].map((h) => h.stop()));
  await azurite?.stop();
  if (effects) rmSync(effects, { recursive: true, force: true });
});

async function startHost(): Promise<HostProcess> {
  const host = await startHostProcess({
    app: APP,
    args: ["--store", "table", "--no-cosmos", "--no-email", "--no-azurite"],
    env: {
      AzureWebJobsStorage: azurite.connectionString,
      CRASH_EFFECTS_DIR: effects,
      CLOCK: undefined,
    },
  });
  hosts.add(host);
  return host;
}

async function crash(host: HostProcess): Promise<void> {
  await host.kill("SIGKILL");
  hosts.delete(host);
}

/** Polls a condition on observable state (files, HTTP status) until it holds. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function lines(file: string): string[] {
  const full = path.join(effects, file);
  return existsSync(full) ? readFileSync(full, "utf8").split("\n").filter(Boolean) : [];
}

function countsFor(file: string, instanceId: string): number[] {
  const counts = Array.from({ length: STEPS + 1 }, () => 0);
  for (const line of lines(file)) {
    const [id, step] = line.split(" ");
    if (id === instanceId) counts[Number(step)]! += 1;
  }
  return counts.slice(1);
}

interface Status {
  runtimeStatus: string;
  output: unknown;
}

async function status(host: HostProcess, id: string): Promise<Status | undefined> {
  const res = await fetch(`${host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}`);
  if (res.status === 404) return undefined;
  return (await res.json()) as Status;
}

describe("crash recovery on the table store", () => {
  it("resumes after kill -9 mid-orchestration; each idempotent effect applied exactly once", async () => {
    let host = await startHost();
    // The point is state kept outside the host: make sure it really runs on the table store.
    expect(host.output()).toMatch(/durable store table/);
    const started = await fetch(`${host.url}/runtime/webhooks/durabletask/orchestrators/CrashSequence`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ steps: STEPS, holdAt: HOLD_AT }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };

    for (const hold of HOLD_AT) {
      // The held step has applied its effect but its result is not recorded: kill the host there.
      await until(`step ${hold} to hold`, () =>
        existsSync(path.join(effects, `holding-${hold}`)) ? true : undefined,
      );
      const before = countsFor("effects.log", id);
      expect(before.slice(0, hold)).toEqual(Array.from({ length: hold }, () => 1));
      expect(before.slice(hold)).toEqual(Array.from({ length: STEPS - hold }, () => 0));
      const mid = await status(host, id);
      expect(mid?.runtimeStatus).toBe("Running");
      await crash(host);
      writeFileSync(path.join(effects, `release-${hold}`), "go");
      host = await startHost();
    }

    const done = await until("the instance to finish", async () => {
      const s = await status(host, id);
      return s && ["Completed", "Failed", "Terminated"].includes(s.runtimeStatus) ? s : undefined;
    });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual(Array.from({ length: STEPS }, (_, i) => `step-${i + 1}-done`));
    // Effects: exactly once each. Executions: the interrupted steps ran again after the restart
    // (at-least-once), every other step once, because its result had been recorded.
    expect(countsFor("effects.log", id)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(countsFor("executions.log", id)).toEqual([1, 1, 2, 1, 2, 1]);
    await host.stop();
    hosts.delete(host);
  }, 240_000); // three host starts and two crashes: slow on a busy 2-core machine, bounded all the same
});
