import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClock, type HostClock } from "../../../src/localhost/clock";
import { DurableEngine, partitionKeyOf, type InstanceStatus } from "../../../src/localhost/durable/engine";
import { eventTypeName, type HistoryEvent } from "../../../src/localhost/durable/history";
import type { DurableStore } from "../../../src/localhost/durable/store";
import { invokeFunction } from "../../../src/localhost/worker/invoke";
import { fromTypedData } from "../../../src/localhost/worker/rpc";
import { core, fixture } from "./patterns-fixture";
import { storeFactories } from "./stores";

const DAY = 24 * 3600_000;

const quiet = (): void => undefined;

/** Event type names in order, without the OrchestratorStarted/Completed frame of every episode. */
function eventTypes(history: HistoryEvent[]): string[] {
  return history
    .map((e) => eventTypeName(e.EventType))
    .filter((t) => t !== "OrchestratorStarted" && t !== "OrchestratorCompleted");
}

describe.each(storeFactories)("durable conformance on the $name store", (factory) => {
  let store: DurableStore;
  let clock: HostClock;
  let engine: DurableEngine;
  let server: Server;
  let baseUrl = "";

  beforeAll(async () => {
    await factory.setup?.();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void engine.handleHttp(req, res, Buffer.concat(chunks)).then((mine) => {
          if (!mine) res.writeHead(404).end();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await factory.teardown?.();
  });

  async function newEngine(
    options: { persistActivityResults?: boolean; store?: DurableStore } = {},
  ): Promise<DurableEngine> {
    const e = new DurableEngine({
      persistActivityResults: options.persistActivityResults,
      core,
      store: options.store ?? store,
      clock,
      taskHub: "conformance",
      publicBaseUrl: () => baseUrl,
      log: quiet,
    });
    await e.start();
    return e;
  }

  beforeEach(async () => {
    store = await factory.create();
    clock = createClock(true);
    engine = await newEngine();
  });

  afterEach(async () => {
    await engine.stop();
    await store.close();
  });

  async function run(name: string, input?: unknown, instanceId?: string): Promise<InstanceStatus> {
    const id = await engine.startNew(name, { input, instanceId });
    return engine.waitForStatus(id);
  }

  async function history(id: string): Promise<HistoryEvent[]> {
    return (await engine.getHistory(id)) ?? [];
  }

  /** Waits until the recorded history satisfies `predicate` (re-checked after every commit of the instance). */
  function waitForHistory(
    id: string,
    predicate: (types: string[]) => boolean,
    timeoutMs = 15_000,
  ): Promise<string[]> {
    return new Promise<string[]>((resolve, reject) => {
      let checking = false;
      let again = false;
      let done = false;
      const finish = (err?: Error, types?: string[]): void => {
        if (done) return;
        done = true;
        off();
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(types ?? []);
      };
      const check = async (): Promise<void> => {
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        do {
          again = false;
          const types = eventTypes(await history(id));
          if (predicate(types)) return finish(undefined, types);
        } while (again && !done);
        checking = false;
      };
      const off = engine.onChange(id, () => void check());
      const timer = setTimeout(() => finish(new Error(`history of ${id} never matched`)), timeoutMs);
      void check();
    });
  }

  it("runs an activity chain and records one episode per step", async () => {
    const status = await run("chain");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual(["Hello Tokyo", "Hello Seattle", "Hello London"]);
    const events = await history(status.instanceId);
    expect(eventTypes(events)).toEqual([
      "ExecutionStarted",
      "TaskScheduled",
      "TaskCompleted",
      "TaskScheduled",
      "TaskCompleted",
      "TaskScheduled",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
    expect(events.filter((e) => eventTypeName(e.EventType) === "OrchestratorStarted")).toHaveLength(4);
    const scheduled = events.filter((e) => e.EventType === 4);
    expect(scheduled.map((e) => [e.EventId, e.Name, e.Input])).toEqual([
      [0, "hello", '"Tokyo"'],
      [1, "hello", '"Seattle"'],
      [2, "hello", '"London"'],
    ]);
    expect(events.filter((e) => e.EventType === 5).map((e) => e.TaskScheduledId)).toEqual([0, 1, 2]);
  });

  it("passes activity inputs and results through unchanged (strings that look like JSON stay strings)", async () => {
    const status = await run("valueShapes");
    expect(status.output).toEqual([
      "42",
      "true",
      '{"a":1}',
      "plain",
      7,
      1.5,
      true,
      null,
      { nested: ["x"] },
      "",
    ]);
  });

  it("fans out with Task.all and fans in", async () => {
    const status = await run("fanOut", 20);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe(2 * ((20 * 21) / 2));
    const types = eventTypes(await history(status.instanceId));
    expect(types.filter((t) => t === "TaskScheduled")).toHaveLength(20);
    expect(types.filter((t) => t === "TaskCompleted")).toHaveLength(20);
    expect(types[0]).toBe("ExecutionStarted");
    expect(types.at(-1)).toBe("ExecutionCompleted");
  });

  it("fans out beyond one transaction's worth of results (episodes take at most 90 inputs)", async () => {
    const status = await run("fanOut", 150);
    expect(status.output).toBe(150 * 151);
    const events = await history(status.instanceId);
    expect(events.filter((e) => e.EventType === 5)).toHaveLength(150);
    expect(
      events.filter((e) => eventTypeName(e.EventType) === "OrchestratorStarted").length,
    ).toBeGreaterThanOrEqual(3);
    expect(new Set(events.filter((e) => e.EventType === 5).map((e) => e.TaskScheduledId)).size).toBe(150);
  });

  it("splits an episode's large history over several rows", async () => {
    const status = await run("bigFanOut", undefined, "big-fan");
    expect(status.output).toEqual(Array.from({ length: 20 }, (_, i) => 30_002 + String(i).length - 1));
    const events = await history("big-fan");
    expect(events.filter((e) => e.EventType === 5)).toHaveLength(20);
    const rows = await store.readPartition(partitionKeyOf("big-fan"), "history-");
    expect(rows.some((r) => /^history-\d+-\d+-\d+$/.test(r.rowKey))).toBe(true);
    expect(Math.max(...rows.map((r) => r.data.length))).toBeLessThanOrEqual(200_000);
  });

  it("retries a failing activity with timers between attempts", async () => {
    const key = `retry-${Math.random()}`;
    const status = await run("retrying", { key, failTimes: 2, attempts: 3 });
    expect(status.output).toBe("ok after 3");
    expect(fixture.attempts.get(key)).toBe(3);
    expect(eventTypes(await history(status.instanceId))).toEqual([
      "ExecutionStarted",
      "TaskScheduled",
      "TaskFailed",
      "TimerCreated",
      "TimerFired",
      "TaskScheduled",
      "TaskFailed",
      "TimerCreated",
      "TimerFired",
      "TaskScheduled",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
  });

  it("gives up after the last attempt and surfaces the activity's error", async () => {
    const key = `exhaust-${Math.random()}`;
    const status = await run("retrying", { key, failTimes: 5, attempts: 2 });
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe("gave up: Activity function 'flaky' failed: flaky failure 2 ");
    expect(fixture.attempts.get(key)).toBe(2);
    const types = eventTypes(await history(status.instanceId));
    expect(types.filter((t) => t === "TaskFailed")).toHaveLength(2);
    expect(types.filter((t) => t === "TimerFired")).toHaveLength(2);
  });

  it("waits months on a durable timer and wakes when the clock moves", async () => {
    const id = await engine.startNew("longTimer", { input: 90 });
    await waitForHistory(id, (t) => t.includes("TimerCreated"));
    expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
    clock.advance(91 * DAY);
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual({ greeting: "Hello later", waitedDays: 91 });
    expect(eventTypes(await history(id))).toEqual([
      "ExecutionStarted",
      "TimerCreated",
      "TimerFired",
      "TaskScheduled",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
  });

  it("walks a long timer in legs when the clock moves in steps", async () => {
    const id = await engine.startNew("longTimer", { input: 10 });
    await waitForHistory(id, (t) => t.includes("TimerCreated"));
    clock.advance(4 * DAY);
    await waitForHistory(id, (t) => t.filter((x) => x === "TimerCreated").length === 2);
    expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
    clock.advance(7 * DAY);
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual({ greeting: "Hello later", waitedDays: 11 });
    expect(eventTypes(await history(id)).slice(0, 5)).toEqual([
      "ExecutionStarted",
      "TimerCreated",
      "TimerFired",
      "TimerCreated",
      "TimerFired",
    ]);
  });

  it("a decision event cancels a long timer mid-way (legs, then event)", async () => {
    const id = await engine.startNew("expiry");
    await waitForHistory(id, (t) => t.includes("TimerCreated"));
    clock.advance(30 * DAY);
    await waitForHistory(
      id,
      (t) => t.filter((x) => x === "TimerFired").length === 1 && t.at(-1) === "TimerCreated",
    );
    await engine.raiseEvent(id, "decide", '"accepted"');
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual({ decided: "accepted", reminded: false, day: 30 });
    expect(eventTypes(await history(id))).toEqual([
      "ExecutionStarted",
      "TimerCreated",
      "TimerFired",
      "TimerCreated",
      "EventRaised",
      "ExecutionCompleted",
    ]);
  });

  it("reminds before expiry and expires when no decision comes", async () => {
    const id = await engine.startNew("expiry");
    await waitForHistory(id, (t) => t.includes("TimerCreated"));
    clock.advance(81 * DAY);
    await waitForHistory(id, (t) => t.includes("TaskCompleted") && t.at(-1) === "TimerCreated");
    expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
    clock.advance(10 * DAY);
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual({ expired: true, reminded: true, day: 91 });
  });

  it("Task.any: an external event beats the timer, which is cancelled", async () => {
    const id = await engine.startNew("approval");
    await waitForHistory(id, (t) => t.includes("TimerCreated"));
    await engine.raiseEvent(id, "approve", JSON.stringify({ by: "ada" }));
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual({ approved: { by: "ada" } });
    expect(eventTypes(await history(id))).toEqual([
      "ExecutionStarted",
      "TimerCreated",
      "EventRaised",
      "ExecutionCompleted",
    ]);
  });

  it("Task.any: the timer wins when no event comes", async () => {
    const id = await engine.startNew("approval");
    await waitForHistory(id, (t) => t.includes("TimerCreated"));
    clock.advance(2 * DAY);
    const status = await engine.waitForStatus(id);
    expect(status.output).toBe("timed out");
    expect(eventTypes(await history(id))).toEqual([
      "ExecutionStarted",
      "TimerCreated",
      "TimerFired",
      "ExecutionCompleted",
    ]);
  });

  it("buffers events raised before the orchestrator waits for them, in order", async () => {
    const id = await engine.startNew("eventAfterWork");
    await engine.raiseEvent(id, "go", "1");
    await engine.raiseEvent(id, "go", "2");
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual({ first: "Hello first", events: [1, 2] });
    const types = eventTypes(await history(id));
    expect(types.filter((t) => t === "EventRaised")).toHaveLength(2);
  });

  it("runs sub-orchestrations, with generated and given ids, and reports a child's failure", async () => {
    const status = await run("parent", undefined, "parent-1");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toMatchObject({ a: 2, b: 4 });
    expect((status.output as { failed: string }).failed).toContain("negative input");
    expect(eventTypes(await history("parent-1"))).toEqual([
      "ExecutionStarted",
      "SubOrchestrationInstanceCreated",
      "SubOrchestrationInstanceCompleted",
      "SubOrchestrationInstanceCreated",
      "SubOrchestrationInstanceCompleted",
      "SubOrchestrationInstanceCreated",
      "SubOrchestrationInstanceFailed",
      "ExecutionCompleted",
    ]);
    expect((await engine.getStatus("parent-1:0"))?.output).toBe(2);
    expect((await engine.getStatus("parent-1-fixed"))?.output).toBe(4);
    expect((await engine.getStatus("parent-1:2"))?.runtimeStatus).toBe("Failed");
  });

  it("fans out to sub-orchestrations with Task.all", async () => {
    const status = await run("subFanOut", undefined, "sub-fan");
    expect(status.output).toEqual([2, 4, 6, 8, 10]);
    const types = eventTypes(await history("sub-fan"));
    expect(types.filter((t) => t === "SubOrchestrationInstanceCreated")).toHaveLength(5);
    expect(types.filter((t) => t === "SubOrchestrationInstanceCompleted")).toHaveLength(5);
    expect((await engine.getStatus("sub-fan:4"))?.output).toBe(10);
  });

  it("retries a failing sub-orchestration", async () => {
    const status = await run("parentRetry", undefined, "parent-retry");
    expect(status.output).toBe("child failed twice");
    expect(eventTypes(await history("parent-retry"))).toEqual([
      "ExecutionStarted",
      "SubOrchestrationInstanceCreated",
      "SubOrchestrationInstanceFailed",
      "TimerCreated",
      "TimerFired",
      "SubOrchestrationInstanceCreated",
      "SubOrchestrationInstanceFailed",
      "TimerCreated",
      "TimerFired",
      "ExecutionCompleted",
    ]);
  });

  it("continues as new with fresh history", async () => {
    const status = await run("counter", 0, "counter-1");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe(3);
    expect(status.input).toBe(3);
    expect(eventTypes(await history("counter-1"))).toEqual(["ExecutionStarted", "ExecutionCompleted"]);
  });

  it("continueAsNew drops events that arrived but were not consumed", async () => {
    const id = await engine.startNew("accumulate", { input: 0 });
    await engine.waitFor(id, (s) => s.runtimeStatus === "Running");
    await engine.raiseEvent(id, "add", "4");
    await engine.waitFor(id, (s) => (s.customStatus as { total?: number } | null)?.total === 4);
    await engine.raiseEvent(id, "add", "4");
    await engine.waitFor(id, (s) => (s.customStatus as { total?: number } | null)?.total === 8);
    await engine.raiseEvent(id, "add", "5");
    const status = await engine.waitForStatus(id);
    expect(status.output).toBe(13);
    expect(eventTypes(await history(id))).toEqual(["ExecutionStarted", "EventRaised", "ExecutionCompleted"]);
  });

  it("exposes custom status while running", async () => {
    const id = await engine.startNew("status");
    const waiting = await engine.waitFor(id, (s) => s.customStatus === "waiting");
    expect(waiting.runtimeStatus).toBe("Running");
    await engine.raiseEvent(id, "continue", '"value"');
    const done = await engine.waitForStatus(id);
    expect(done).toMatchObject({ runtimeStatus: "Completed", customStatus: "done", output: "value" });
  });

  it("fails an orchestration that throws, and one whose activity fails unhandled", async () => {
    const failed = await run("failing");
    expect(failed.runtimeStatus).toBe("Failed");
    expect(String(failed.output)).toContain("boom");
    expect(eventTypes(await history(failed.instanceId))).toEqual([
      "ExecutionStarted",
      "TaskScheduled",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
    const activityFailed = await run("activityFails");
    expect(activityFailed.runtimeStatus).toBe("Failed");
    expect(String(activityFailed.output)).toContain("Activity function 'flaky' failed: flaky failure 1");
  });

  it("terminates a running instance", async () => {
    const id = await engine.startNew("waitForever");
    await engine.waitFor(id, (s) => s.runtimeStatus === "Running");
    await engine.terminate(id, "no longer needed");
    const status = await engine.waitForStatus(id);
    expect(status).toMatchObject({ runtimeStatus: "Terminated", output: "no longer needed" });
    expect(eventTypes(await history(id))).toEqual(["ExecutionStarted", "ExecutionTerminated"]);
    await expect(engine.raiseEvent(id, "never", "1")).rejects.toMatchObject({ status: 410 });
  });

  it("suspends (buffering events) and resumes", async () => {
    const id = await engine.startNew("suspendable");
    await engine.waitFor(id, (s) => s.runtimeStatus === "Running");
    await engine.suspend(id, "hold on");
    expect((await engine.getStatus(id))?.runtimeStatus).toBe("Suspended");
    await engine.raiseEvent(id, "a", '"payload"');
    expect((await engine.getStatus(id))?.runtimeStatus).toBe("Suspended");
    expect(eventTypes(await history(id))).toEqual(["ExecutionStarted", "ExecutionSuspended"]);
    await engine.resume(id, "go");
    const status = await engine.waitForStatus(id);
    expect(status.output).toBe("payload");
    expect(eventTypes(await history(id))).toEqual([
      "ExecutionStarted",
      "ExecutionSuspended",
      "ExecutionResumed",
      "EventRaised",
      "TaskScheduled",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
  });

  it("purges finished instances only", async () => {
    const done = await run("chain");
    const waiting = await engine.startNew("waitForever");
    await engine.waitFor(waiting, (s) => s.runtimeStatus === "Running");
    expect(await engine.purge(waiting)).toBe(false);
    expect(await engine.purge(done.instanceId)).toBe(true);
    expect(await engine.getStatus(done.instanceId)).toBeUndefined();
    expect(await engine.getHistory(done.instanceId)).toBeUndefined();
    expect(await engine.purge(done.instanceId)).toBe(false);
  });

  it("refuses to start an id that is running, and replaces a finished one", async () => {
    await engine.startNew("waitForever", { instanceId: "dup" });
    await expect(engine.startNew("waitForever", { instanceId: "dup" })).rejects.toMatchObject({
      status: 409,
    });
    await engine.terminate("dup", "done");
    await engine.waitForStatus("dup");
    await engine.startNew("chain", { instanceId: "dup" });
    expect((await engine.waitForStatus("dup")).output).toEqual([
      "Hello Tokyo",
      "Hello Seattle",
      "Hello London",
    ]);
  });

  it("resumes unfinished instances after a restart (timers, events, pending activities)", async () => {
    const timerId = await engine.startNew("longTimer", { input: 30 });
    const eventId = await engine.startNew("status");
    await waitForHistory(timerId, (t) => t.includes("TimerCreated"));
    await engine.waitFor(eventId, (s) => s.customStatus === "waiting");
    await engine.stop();

    engine = await newEngine();
    await engine.raiseEvent(eventId, "continue", "42");
    expect((await engine.waitForStatus(eventId)).output).toBe(42);
    clock.advance(31 * DAY);
    expect((await engine.waitForStatus(timerId)).output).toEqual({ greeting: "Hello later", waitedDays: 31 });
  });

  it("recovers many waiting instances after a restart", async () => {
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) => engine.startNew("status", { instanceId: `many-${i}` })),
    );
    await Promise.all(ids.map((id) => engine.waitFor(id, (s) => s.customStatus === "waiting")));
    await engine.stop();
    engine = await newEngine();
    await Promise.all(ids.map((id, i) => engine.raiseEvent(id, "continue", String(i))));
    const finals = await Promise.all(ids.map((id) => engine.waitForStatus(id)));
    expect(finals.map((s) => s.output)).toEqual(ids.map((_, i) => i));
  });

  it("re-runs an activity whose result was never recorded when the engine died (at least once)", async () => {
    const key = `gate-${Math.random()}`;
    const id = await engine.startNew("gatedFlow", { input: key });
    const gate = fixture.gateFor(key);
    await gate.entered.promise;
    engine.abandon();
    const dead = engine;

    engine = await newEngine();
    const status = await engine.waitForStatus(id);
    expect(status.output).toEqual(["Hello before", "gated run 2", "Hello after"]);
    expect(fixture.attempts.get(key)).toBe(2);

    gate.release.resolve();
    await dead.stop();
    const events = await history(id);
    expect(events.filter((e) => e.EventType === 5).map((e) => e.TaskScheduledId)).toEqual([0, 1, 2]);
    expect(eventTypes(events)).toEqual([
      "ExecutionStarted",
      "TaskScheduled",
      "TaskCompleted",
      "TaskScheduled",
      "TaskCompleted",
      "TaskScheduled",
      "TaskCompleted",
      "ExecutionCompleted",
    ]);
  });

  it("stop() abandons work that outlives its grace period; the next start re-runs it", async () => {
    const key = `grace-${Math.random()}`;
    const id = await engine.startNew("gatedFlow", { input: key });
    const gate = fixture.gateFor(key);
    await gate.entered.promise;
    await engine.stop(50);
    engine = await newEngine();
    expect((await engine.waitForStatus(id)).output).toEqual(["Hello before", "gated run 2", "Hello after"]);
    gate.release.resolve();
  });

  it("writes activity results as message rows first when asked to (persistActivityResults)", async () => {
    await engine.stop();
    const inserted: string[] = [];
    const spy: DurableStore = {
      kind: store.kind,
      init: () => store.init(),
      readRow: (pk, rk) => store.readRow(pk, rk),
      readPartition: (pk, prefix) => store.readPartition(pk, prefix),
      transact: (pk, ops) => {
        for (const op of ops) if (op.op === "insert") inserted.push(op.row.rowKey);
        return store.transact(pk, ops);
      },
      query: (q) => store.query(q),
      deletePartition: (pk) => store.deletePartition(pk),
      close: () => Promise.resolve(),
    };
    engine = await newEngine({ persistActivityResults: true, store: spy });
    const status = await run("fiveSteps", 1);
    expect(status.output).toBe(32);
    expect(inserted.filter((rk) => rk.startsWith("result-"))).toHaveLength(5);
    expect(inserted.filter((rk) => rk === "state")).toHaveLength(1);
    const leftovers = await store.readPartition(partitionKeyOf(status.instanceId), "result-");
    expect(leftovers).toEqual([]);
    expect(eventTypes(await history(status.instanceId)).filter((t) => t === "TaskCompleted")).toHaveLength(5);
  });

  it("delivers a sub-orchestration start after a restart", async () => {
    const id = await engine.startNew("parent", { instanceId: "restart-parent" });
    await engine.waitFor(id, (s) => s.runtimeStatus === "Running");
    await engine.stop();
    engine = await newEngine();
    const status = await engine.waitForStatus(id);
    expect(status.output).toMatchObject({ a: 2, b: 4 });
  });

  describe("through the durable client (HTTP API on rpcBaseUrl)", () => {
    async function probe(op: Record<string, unknown>): Promise<unknown> {
      const registration = core.registrations.get("clientProbe");
      if (!registration) throw new Error("clientProbe is not registered");
      const response = await invokeFunction(
        core,
        registration,
        {
          inputData: [
            { name: registration.triggerName, data: { json: JSON.stringify(op) } },
            ...Object.entries(registration.metadata.bindings)
              .filter(([, b]) => b.type === "durableClient")
              .map(([name]) => ({ name, data: engine.clientBindingData() })),
          ],
        },
        quiet,
      );
      return fromTypedData(response.returnValue);
    }

    it("starts, reads status, raises events, and lists instances", async () => {
      const id = (await probe({ op: "start", name: "status", id: "via-client" })) as string;
      expect(id).toBe("via-client");
      await engine.waitFor(id, (s) => s.customStatus === "waiting");
      expect(await probe({ op: "status", id })).toMatchObject({
        runtimeStatus: "Running",
        customStatus: "waiting",
      });
      await probe({ op: "raise", id, event: "continue", data: { ok: true } });
      await engine.waitForStatus(id);
      expect(await probe({ op: "status", id })).toMatchObject({
        runtimeStatus: "Completed",
        output: { ok: true },
      });
      expect(await probe({ op: "list" })).toContain("via-client");
    });

    it("hands the client binding to an activity an orchestration schedules", async () => {
      const parent = await run("startsViaActivity", "started-by-activity");
      expect(parent.runtimeStatus).toBe("Completed");
      expect(parent.output).toBe("started-by-activity");
      const child = await engine.waitForStatus("started-by-activity");
      expect(child.output).toEqual(["Hello Tokyo", "Hello Seattle", "Hello London"]);
    });

    it("terminates, suspends, resumes and purges", async () => {
      const id = (await probe({ op: "start", name: "suspendable" })) as string;
      await engine.waitFor(id, (s) => s.runtimeStatus === "Running");
      await probe({ op: "suspend", id });
      expect((await engine.getStatus(id))?.runtimeStatus).toBe("Suspended");
      await probe({ op: "resume", id });
      expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
      await probe({ op: "terminate", id });
      expect((await engine.waitForStatus(id)).runtimeStatus).toBe("Terminated");
      expect(await probe({ op: "purge", id })).toBe(1);
      expect(await probe({ op: "purge", id })).toBe(0);
    });

    it("answers the management endpoints with the real host's status codes", async () => {
      const start = await fetch(`${baseUrl}/runtime/webhooks/durabletask/orchestrators/waitForever/http-1`, {
        method: "POST",
        body: "{}",
      });
      expect(start.status).toBe(202);
      const payload = (await start.json()) as {
        id: string;
        statusQueryGetUri: string;
        sendEventPostUri: string;
      };
      expect(payload.id).toBe("http-1");
      expect(start.headers.get("location")).toBe(payload.statusQueryGetUri);
      await engine.waitFor("http-1", (s) => s.runtimeStatus === "Running");
      const running = await fetch(payload.statusQueryGetUri);
      expect(running.status).toBe(202);
      expect(await running.json()).toMatchObject({
        instanceId: "http-1",
        runtimeStatus: "Running",
        input: {},
      });

      const unknown = await fetch(`${baseUrl}/runtime/webhooks/durabletask/orchestrators/nope`, {
        method: "POST",
      });
      expect(unknown.status).toBe(400);
      const again = await fetch(`${baseUrl}/runtime/webhooks/durabletask/orchestrators/waitForever/http-1`, {
        method: "POST",
      });
      expect(again.status).toBe(409);
      const missing = await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/nobody/raiseEvent/x`, {
        method: "POST",
        body: "1",
      });
      expect(missing.status).toBe(404);
      expect((await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/nobody`)).status).toBe(404);

      const raise = await fetch(payload.sendEventPostUri.replace("{eventName}", "never"), {
        method: "POST",
        body: '"x"',
      });
      expect(raise.status).toBe(202);
      await engine.waitForStatus("http-1");
      const done = await fetch(payload.statusQueryGetUri + "&showHistory=true");
      expect(done.status).toBe(200);
      const body = (await done.json()) as { output: unknown; historyEvents: Array<{ EventType: string }> };
      expect(body.output).toBe("x");
      expect(body.historyEvents.map((e) => e.EventType)).toContain("EventRaised");
      const late = await fetch(payload.sendEventPostUri.replace("{eventName}", "never"), {
        method: "POST",
        body: "1",
      });
      expect(late.status).toBe(410);
      const terminateLate = await fetch(
        `${baseUrl}/runtime/webhooks/durabletask/instances/http-1/terminate?reason=x`,
        {
          method: "POST",
        },
      );
      expect(terminateLate.status).toBe(410);
      const purge = await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/http-1`, {
        method: "DELETE",
      });
      expect(purge.status).toBe(200);
      expect(await purge.json()).toEqual({ instancesDeleted: 1 });
      expect(
        (await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/http-1`, { method: "DELETE" }))
          .status,
      ).toBe(404);
    });

    it("creates and waits for the output on createAndWaitOnNewInstancePostUri", async () => {
      const res = await fetch(`${baseUrl}/runtime/webhooks/durabletask/orchestrators/chain?timeout=20`, {
        method: "POST",
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(["Hello Tokyo", "Hello Seattle", "Hello London"]);
      const bad = await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/%E0%A4%A`);
      expect(bad.status).toBe(400);
    });

    it("pages queries with x-ms-continuation-token and filters by status and prefix", async () => {
      for (let i = 0; i < 5; i++) await run("chain", undefined, `q-done-${i}`);
      const live = await engine.startNew("waitForever", { instanceId: "q-live" });
      await engine.waitFor(live, (s) => s.runtimeStatus === "Running");
      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const res: Response = await fetch(
          `${baseUrl}/runtime/webhooks/durabletask/instances/?instanceIdPrefix=q-&runtimeStatus=Completed&top=2`,
          { headers: token ? { "x-ms-continuation-token": token } : {} },
        );
        expect(res.status).toBe(200);
        seen.push(...((await res.json()) as Array<{ instanceId: string }>).map((s) => s.instanceId));
        token = res.headers.get("x-ms-continuation-token");
        pages++;
      } while (token);
      expect(seen.sort()).toEqual(["q-done-0", "q-done-1", "q-done-2", "q-done-3", "q-done-4"]);
      expect(pages).toBeGreaterThanOrEqual(3);
      const single = await fetch(`${baseUrl}/runtime/webhooks/durabletask/instances/q-live`);
      expect(single.headers.get("x-ms-continuation-token")).toBeNull();
    });
  });
});
