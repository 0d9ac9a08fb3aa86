// The engine yields to requests: while the host serves HTTP requests at most
// `activityConcurrencyWhileServing` activities run; the rest start when it stops serving.
import { describe, expect, it } from "vitest";
import { createClock } from "../../../src/localhost/clock";
import { DurableEngine } from "../../../src/localhost/durable/engine";
import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import { core, fixture } from "./patterns-fixture";

/** A stand-in for the host's request gauge: the test says when it serves. */
class Serving {
  busy = false;
  private listeners = new Set<() => void>();
  onIdle(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  stop(): void {
    this.busy = false;
    for (const l of this.listeners) l();
  }
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (probe()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never: ${what}`);
}

function engineWith(serving: Serving): DurableEngine {
  return new DurableEngine({
    core,
    store: new MemoryStore(),
    clock: createClock(false),
    taskHub: "serving",
    publicBaseUrl: () => "http://127.0.0.1:1",
    log: () => undefined,
    foreground: serving,
    activityConcurrencyWhileServing: 2,
  });
}

describe("activities while the host serves requests", () => {
  it("runs two at a time while serving, and the rest once it stops", async () => {
    const serving = new Serving();
    serving.busy = true;
    const engine = engineWith(serving);
    await engine.start();
    try {
      const keys = ["s1", "s2", "s3", "s4", "s5"].map((k) => `${k}-${Math.random()}`);
      const id = await engine.startNew("gatedFanOut", { input: keys });
      await until("three activities queued", () => engine.queuedActivities() === 3);
      const started = (): string[] => keys.filter((k) => fixture.attempts.has(k));
      await until("two activities started", () => started().length === 2);
      // Ending one lets the next queued one start, still two at a time.
      const first = started()[0]!;
      fixture.gateFor(first).release.resolve();
      await until("one more started", () => started().length === 3);
      expect(engine.queuedActivities()).toBe(2);

      serving.stop();
      await until("every activity started", () => started().length === 5);
      expect(engine.queuedActivities()).toBe(0);
      for (const k of keys) fixture.gateFor(k).release.resolve();
      const status = await engine.waitForStatus(id);
      expect(status.runtimeStatus).toBe("Completed");
      expect(status.output).toEqual(keys.map(() => "gated run 1"));
    } finally {
      await engine.stop();
    }
  });

  it("runs them all at once when the host serves nothing", async () => {
    const engine = engineWith(new Serving());
    await engine.start();
    try {
      const keys = ["i1", "i2", "i3", "i4", "i5"].map((k) => `${k}-${Math.random()}`);
      const id = await engine.startNew("gatedFanOut", { input: keys });
      await Promise.all(keys.map((k) => fixture.gateFor(k).entered.promise));
      expect(engine.queuedActivities()).toBe(0);
      for (const k of keys) fixture.gateFor(k).release.resolve();
      expect((await engine.waitForStatus(id)).runtimeStatus).toBe("Completed");
    } finally {
      await engine.stop();
    }
  });
});
