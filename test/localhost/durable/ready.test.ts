// Issue 8 part 5: work recovered at start-up waits until the host is ready (every function registered,
// the host answering), so an activity never runs while the host would still answer 503.
import Module from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createClock } from "../../../src/localhost/clock";
import { DurableEngine } from "../../../src/localhost/durable/engine";
import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import { installFunctionsCore, loadApp } from "../../../src/localhost/worker/functions-core";

const appFile = path.resolve(__dirname, "../../../dist/test/fixtures/durable/clock-app.js");
const core = installFunctionsCore();
loadApp(core, appFile);
const fixture = Module.createRequire(appFile)(appFile) as {
  records: { kind: string; key: string; at: string; phase: string }[];
  host: { phase: string };
};

describe("start-up readiness", () => {
  it("runs no recovered activity before the host is ready, and all of them after", async () => {
    const store = new MemoryStore();
    const clock = createClock(true);
    const options = {
      core,
      store,
      clock,
      taskHub: "ready",
      publicBaseUrl: () => "http://127.0.0.1:1",
      log: () => undefined,
    };
    const first = new DurableEngine(options);
    await first.start();
    const id = await first.startNew("oneActivity", { input: "recovered" });
    // Running: the first episode has committed the activity's scheduling.
    await first.waitForStatus(id, ["Running"]);
    // The process dies with the activity's result unrecorded: the next start must run it again.
    first.abandon();
    await first.settle();
    fixture.records.splice(0);

    fixture.host.phase = "starting";
    const second = new DurableEngine({ ...options, holdWorkUntilReady: true });
    try {
      await second.start();
      expect(await second.settle()).toBe(false);
      expect(fixture.records.filter((r) => r.key === "recovered")).toEqual([]);
      expect((await second.getStatus(id))?.runtimeStatus).toBe("Running");

      fixture.host.phase = "ready";
      second.ready();
      expect((await second.waitForStatus(id)).runtimeStatus).toBe("Completed");
      const runs = fixture.records.filter((r) => r.key === "recovered");
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.every((r) => r.phase === "ready")).toBe(true);
    } finally {
      fixture.host.phase = "ready";
      await second.stop();
    }
  });
});
