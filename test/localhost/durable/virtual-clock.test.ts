// Issue 8 part 4: a virtual clock advance steps through every due durable timer and timer trigger in
// order, each at its own due time, like a time-skipping test server.
import Module from "node:module";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClock, publishClock, type HostClock } from "../../../src/localhost/clock";
import { DurableEngine } from "../../../src/localhost/durable/engine";
import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import { TimerHost } from "../../../src/localhost/timers/timer-triggers";
import { installFunctionsCore, loadApp } from "../../../src/localhost/worker/functions-core";

const DAY = 86_400_000;
const appFile = path.resolve(__dirname, "../../../dist/test/fixtures/durable/clock-app.js");
const core = installFunctionsCore();
loadApp(core, appFile);
const fixture = Module.createRequire(appFile)(appFile) as {
  records: { kind: string; key: string; at: string; phase: string }[];
};
const quiet = (): void => undefined;

const running: { engine?: DurableEngine; timers?: TimerHost }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.timers?.stop();
    await r.engine?.stop();
  }
});

function newEngine(clock: HostClock): DurableEngine {
  const engine = new DurableEngine({
    core,
    store: new MemoryStore(),
    clock,
    taskHub: "clock",
    publicBaseUrl: () => "http://127.0.0.1:1",
    log: quiet,
  });
  running.push({ engine });
  return engine;
}

const offsetsDays = (times: string[], from: string): number[] =>
  times.map((t) => (Date.parse(t) - Date.parse(from)) / DAY);
const recordsOf = (key: string): string[] => fixture.records.filter((r) => r.key === key).map((r) => r.at);

describe("stepped virtual clock advance", () => {
  it("R5: a 40-day timer advanced by 41 days wakes seeing day 40, not day 41", async () => {
    const clock = createClock(true);
    const engine = newEngine(clock);
    await engine.start();
    const id = await engine.startNew("sleeper", { input: { key: "forty", days: [40] } });
    await engine.waitForStatus(id, ["Running"]);
    await clock.advanceStepped(41 * DAY);
    const done = await engine.waitForStatus(id);
    const woke = done.output as string[];
    expect(offsetsDays(woke, woke[0] as string)).toEqual([0, 40]);
  });

  it("fires a chain of timers scheduled inside one jump, each at its own time", async () => {
    const clock = createClock(true);
    const engine = newEngine(clock);
    await engine.start();
    const id = await engine.startNew("sleeper", { input: { key: "chain", days: [7, 7, 7, 7, 7] } });
    await engine.waitForStatus(id, ["Running"]);
    await clock.advanceStepped(40 * DAY);
    // Nothing left to wait for: the advance answered after the whole chain settled.
    const status = await engine.getStatus(id);
    expect(status?.runtimeStatus).toBe("Completed");
    const woke = status?.output as string[];
    expect(offsetsDays(woke, woke[0] as string)).toEqual([0, 7, 14, 21, 28, 35]);
    expect(recordsOf("chain")).toEqual(woke.slice(1));
  });

  it("stops at the target even when an orchestration keeps scheduling timers", async () => {
    const clock = createClock(true);
    const engine = newEngine(clock);
    await engine.start();
    const start = clock.now();
    const id = await engine.startNew("ticker", { input: { key: "tick", everyDays: 1 } });
    await engine.waitForStatus(id, ["Running"]);
    const first = Date.parse((await engine.getHistory(id))?.[0]?.Timestamp as string);
    const now = await clock.advanceStepped(12.5 * DAY);
    expect(now - start).toBeGreaterThanOrEqual(12.5 * DAY);
    // One wake a day through three continueAsNew generations, none beyond the target.
    expect(recordsOf("tick").map((t) => (Date.parse(t) - first) / DAY)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ]);
    expect((await engine.getStatus(id))?.runtimeStatus).not.toBe("Failed");
  });

  it("R5/R6: one long advance and many one-day advances give the same reminders at the same times", async () => {
    const run = async (key: string, steps: number[]): Promise<string[]> => {
      const clock = createClock(true);
      const engine = newEngine(clock);
      await engine.start();
      const id = await engine.startNew("reminders", { input: { key } });
      await engine.waitForStatus(id, ["Running"]);
      const first = Date.parse((await engine.getHistory(id))?.[0]?.Timestamp as string);
      for (const days of steps) await clock.advanceStepped(days * DAY);
      expect((await engine.waitForStatus(id)).output).toBe("expired");
      return fixture.records
        .filter((r) => r.key.startsWith(`${key}:`))
        .map((r) => `${r.key.slice(key.length + 1)}@${(Date.parse(r.at) - first) / DAY}`);
    };
    const once = await run("once", [100]);
    const daily = await run(
      "daily",
      Array.from({ length: 100 }, () => 1),
    );
    expect(once).toEqual(["remind@30", "remind@60", "expire@90"]);
    expect(daily).toEqual(once);
  });

  it("fires a timer trigger at each scheduled time inside a jump, on time, in order", async () => {
    const clock = createClock(true);
    publishClock(clock);
    const timers = new TimerHost({ core, clock, log: quiet, env: {} });
    running.push({ timers });
    timers.start();
    const before = fixture.records.length;
    const start = clock.now();
    await clock.advanceStepped(3 * DAY);
    const fired = fixture.records.slice(before).filter((r) => r.kind === "timer");
    expect(fired).toHaveLength(3);
    for (const call of fired) {
      expect(call.key).toBe("on-time");
      expect(call.at).toMatch(/T09:00:00\.000Z$/);
    }
    const times = fired.map((c) => Date.parse(c.at));
    expect(times[0]).toBeGreaterThan(start);
    expect([(times[1] ?? 0) - (times[0] ?? 0), (times[2] ?? 0) - (times[1] ?? 0)]).toEqual([DAY, DAY]);
  });
});
