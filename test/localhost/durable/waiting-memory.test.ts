// Issue 11 scenario 4 (waiting at scale): instances that only wait (on timers, external events, or
// suspended) are not held in the engine's memory; their rows are read again when a timer is due,
// input arrives, a client names them, or the host restarts. The assertions bound counts of held
// items (instances in memory, armed timer wake-ups), never timings or RSS.
import { afterEach, describe, expect, it } from "vitest";
import { createClock, type HostClock } from "../../../src/localhost/clock";
import { DurableEngine } from "../../../src/localhost/durable/engine";
import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import type { DurableStore } from "../../../src/localhost/durable/store";
import { core } from "./patterns-fixture";

const DAY = 86_400_000;
const WAITING = 100;

const engines: DurableEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
});

async function newEngine(clock: HostClock, store: DurableStore = new MemoryStore()): Promise<DurableEngine> {
  const engine = new DurableEngine({
    core,
    store,
    clock,
    taskHub: "waiting",
    publicBaseUrl: () => "http://127.0.0.1:1",
    log: () => undefined,
  });
  engines.push(engine);
  await engine.start();
  return engine;
}

describe("waiting instances are not held in memory", () => {
  it(`R5: ${WAITING} instances on a 90-day timer hold no instance, one wake-up each; at the due time each is read again and completes`, async () => {
    const clock = createClock(true);
    const engine = await newEngine(clock);
    const ids: string[] = [];
    for (let i = 0; i < WAITING; i++) ids.push(await engine.startNew("longTimer", { input: 90 }));
    await engine.settle();
    for (const id of ids) expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
    expect(engine.heldInstances()).toBe(0);
    expect(engine.armedTimers()).toBe(WAITING);

    await clock.advanceStepped(91 * DAY);
    for (const id of ids) {
      const done = await engine.waitForStatus(id);
      expect(done.runtimeStatus).toBe("Completed");
      expect(done.output).toEqual({ greeting: "Hello later", waitedDays: 90 });
    }
    await engine.settle();
    expect(engine.heldInstances()).toBe(0);
    expect(engine.armedTimers()).toBe(0);
  });

  it("an instance that was let go still takes events, suspend, resume and terminate, and is let go again", async () => {
    const clock = createClock(true);
    const engine = await newEngine(clock);
    const approved = await engine.startNew("approval");
    const paused = await engine.startNew("approval");
    const ended = await engine.startNew("approval");
    await engine.settle();
    expect(engine.heldInstances()).toBe(0);

    await engine.raiseEvent(approved, "approve", JSON.stringify("yes"));
    expect((await engine.waitForStatus(approved)).output).toEqual({ approved: "yes" });

    await engine.suspend(paused, "hold on");
    expect((await engine.getStatus(paused))?.runtimeStatus).toBe("Suspended");
    await engine.settle();
    expect(engine.heldInstances()).toBe(0);
    await engine.resume(paused, "go on");
    await engine.settle();
    expect((await engine.getStatus(paused))?.runtimeStatus).toBe("Running");
    expect(engine.heldInstances()).toBe(0);

    await engine.terminate(ended, "no longer needed");
    expect((await engine.waitForStatus(ended)).runtimeStatus).toBe("Terminated");
    await engine.settle();
    expect(engine.heldInstances()).toBe(0);

    // Its timer still fires after it was let go twice.
    await clock.advanceStepped(2 * DAY);
    expect((await engine.waitForStatus(paused)).output).toBe("timed out");
    expect(engine.heldInstances()).toBe(0);
  });

  it("R5: after a restart, waiting instances are re-armed but not held, and still complete", async () => {
    const clock = createClock(true);
    const store = new MemoryStore();
    const first = await newEngine(clock, store);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await first.startNew("longTimer", { input: 30 }));
    await first.settle();
    await first.stop();

    const second = await newEngine(clock, store);
    await second.settle();
    expect(second.heldInstances()).toBe(0);
    expect(second.armedTimers()).toBe(ids.length);
    await clock.advanceStepped(31 * DAY);
    for (const id of ids) expect((await second.waitForStatus(id)).runtimeStatus).toBe("Completed");
  });
});
