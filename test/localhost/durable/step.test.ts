// The pure step of the durable engine, called directly: no functions invoked, no store, no clock.
import { describe, expect, it } from "vitest";
import {
  ActionType,
  EventType,
  LONG_TIMER_INTERVAL_MS,
  eventTypeName,
  type ActionJson,
  type HistoryEvent,
} from "../../../src/localhost/durable/history";
import { applyActions, beginEpisode, step, terminateStep } from "../../../src/localhost/durable/step";
import type { InstanceState, Message } from "../../../src/localhost/durable/types";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const DAY = 86_400_000;

function fresh(overrides: Partial<InstanceState> = {}): InstanceState {
  return {
    instanceId: "i1",
    name: "flow",
    gen: 0,
    ep: 0,
    status: "Pending",
    input: '"x"',
    output: null,
    customStatus: null,
    createdTime: new Date(T0).toISOString(),
    lastUpdatedTime: new Date(T0).toISOString(),
    seq: 0,
    acts: [],
    open: {},
    outbox: false,
    ...overrides,
  };
}

const answer = (actions: ActionJson[], extra: { isDone?: boolean; output?: unknown } = {}) => ({
  state: { isDone: extra.isDone ?? false, actions: [actions], output: extra.output },
});
const types = (events: HistoryEvent[]): string[] => events.map((e) => eventTypeName(e.EventType));
const activity = (name: string, input: unknown): ActionJson => ({
  actionType: ActionType.CallActivity,
  functionName: name,
  input,
});

describe("durable step (pure)", () => {
  it("starts an execution: numbers new actions in order, schedules activities and timers, copies the state", () => {
    const state = fresh();
    const timerAt = new Date(T0 + 2 * DAY).toISOString();
    const r = step(
      state,
      [],
      [],
      answer([
        activity("a", 1),
        { actionType: ActionType.CreateTimer, fireAt: timerAt, isCanceled: false },
        { actionType: ActionType.WaitForExternalEvent, externalEventName: "go" },
      ]),
      T0,
    );
    expect(r).toBeDefined();
    expect(types(r?.events ?? [])).toEqual([
      "OrchestratorStarted",
      "ExecutionStarted",
      "TaskScheduled",
      "TimerCreated",
      "OrchestratorCompleted",
    ]);
    expect(r?.dispatch).toEqual([{ instanceId: "i1", gen: 0, task: 0, name: "a", input: 1 }]);
    expect(r?.timers).toEqual([{ task: 1, at: T0 + 2 * DAY }]);
    expect(r?.state.status).toBe("Running");
    expect(r?.state.seq).toBe(2);
    expect(r?.state.acts).toEqual([
      ActionType.CallActivity,
      ActionType.CreateTimer,
      ActionType.WaitForExternalEvent,
    ]);
    // The caller's state is untouched: the step returns a new one.
    expect(state.status).toBe("Pending");
    expect(state.open).toEqual({});
  });

  it("delivers a due timer and an activity result, consuming stored messages only", () => {
    const state = fresh({
      status: "Running",
      seq: 2,
      acts: [ActionType.CallActivity, ActionType.CreateTimer],
      open: { "0": { k: "a", name: "a", ai: 0 }, "1": { k: "t", at: T0 + DAY, ai: 1 } },
    });
    const inbox: Message[] = [
      { rk: "result-0", at: "1", kind: "result", gen: 0, task: 0, ok: true, result: "42" },
      { rk: "event-1", at: "2", kind: "event", name: "go", input: "true", mem: true },
    ];
    const begun = beginEpisode(state, [], inbox, T0 + DAY);
    expect(types(begun.incoming)).toEqual([
      "OrchestratorStarted",
      "TimerFired",
      "TaskCompleted",
      "EventRaised",
    ]);
    expect(begun.cancelTimers).toEqual([1]);
    expect(begun.consumed).toEqual(["result-0"]);
    expect(begun.taken).toBe(2);
    expect(begun.state.open).toEqual({});
    // Not due yet: nothing delivered, no orchestrator run.
    expect(beginEpisode(state, [], [], T0).run).toBe(false);
  });

  it("walks a long timer in legs of the interval the SDK expects", () => {
    const r = step(
      fresh(),
      [],
      [],
      answer([{ actionType: ActionType.CreateTimer, fireAt: new Date(T0 + 40 * DAY).toISOString() }]),
      T0,
    );
    expect(r?.timers).toEqual([{ task: 0, at: T0 + LONG_TIMER_INTERVAL_MS }]);
    const leg = beginEpisode(r?.state as InstanceState, r?.events ?? [], [], T0 + LONG_TIMER_INTERVAL_MS);
    expect(types(leg.incoming)).toEqual(["OrchestratorStarted", "TimerFired"]);
    expect(types(leg.continuation)).toEqual(["TimerCreated"]);
    expect(leg.timers).toEqual([{ task: 1, at: T0 + 2 * LONG_TIMER_INTERVAL_MS }]);
  });

  it("after a failed attempt of a retried activity, waits on a retry timer, then schedules the next attempt", () => {
    const retryOptions = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 2 };
    const first = step(
      fresh(),
      [],
      [],
      answer([
        { actionType: ActionType.CallActivityWithRetry, functionName: "flaky", input: "k", retryOptions },
      ]),
      T0,
    );
    const history = first?.events ?? [];
    const failed: Message = {
      rk: "result-0",
      at: "1",
      kind: "result",
      gen: 0,
      task: 0,
      ok: false,
      reason: "boom",
    };
    const afterFail = beginEpisode(first?.state as InstanceState, history, [failed], T0 + 5);
    expect(types(afterFail.continuation)).toEqual(["TimerCreated"]);
    expect(afterFail.timers).toEqual([{ task: 1, at: T0 + 5 + 1000 }]);
    const state = applyActions(
      afterFail,
      answer([
        { actionType: ActionType.CallActivityWithRetry, functionName: "flaky", input: "k", retryOptions },
      ]),
      T0 + 5,
    ).state;
    const retry = beginEpisode(state, history, [], T0 + 5 + 1000);
    expect(retry.dispatch).toEqual([{ instanceId: "i1", gen: 0, task: 2, name: "flaky", input: "k" }]);
  });

  it("completes and reports to the parent through the outbox; work scheduled in the last episode is dropped", () => {
    const parent = { id: "p", name: "parentFlow", gen: 3, task: 7 };
    const r = step(
      fresh({ parent }),
      [],
      [],
      answer([activity("late", 0)], { isDone: true, output: { n: 1 } }),
      T0,
    );
    expect(r?.state.status).toBe("Completed");
    expect(r?.state.output).toBe('{"n":1}');
    expect(r?.dispatch).toEqual([]);
    expect(r?.closeAll).toBe(true);
    expect(r?.outbox).toEqual([{ t: "done", target: "p", gen: 3, task: 7, ok: true, result: '{"n":1}' }]);
    expect(types(r?.events ?? []).slice(-2)).toEqual(["ExecutionCompleted", "OrchestratorCompleted"]);
  });

  it("starts sub-orchestrations through the outbox with a deterministic child id", () => {
    const r = step(
      fresh(),
      [],
      [],
      answer([{ actionType: ActionType.CallSubOrchestrator, functionName: "child", input: { a: 1 } }]),
      T0,
    );
    expect(r?.outbox).toEqual([
      {
        t: "start",
        id: "i1:0",
        name: "child",
        input: '{"a":1}',
        parent: { id: "i1", name: "flow", gen: 0, task: 0 },
      },
    ]);
  });

  it("continues as new with the new input", () => {
    const r = step(
      fresh(),
      [],
      [],
      answer([{ actionType: ActionType.ContinueAsNew, input: { round: 2 } }], { isDone: true }),
      T0,
    );
    expect(r?.continuedAsNew).toBe(true);
    expect(r?.state.status).toBe("ContinuedAsNew");
    expect(r?.state.input).toBe('{"round":2}');
  });

  it("fails an orchestration whose actions differ from its history (non-determinism)", () => {
    const state = fresh({
      status: "Running",
      seq: 1,
      acts: [ActionType.CallActivity],
      open: { "0": { k: "a", name: "a", ai: 0 } },
    });
    const inbox: Message[] = [
      { rk: "result-0", at: "1", kind: "result", gen: 0, task: 0, ok: true, result: "1" },
    ];
    const r = step(
      state,
      [],
      inbox,
      answer([{ actionType: ActionType.CreateTimer, fireAt: new Date(T0).toISOString() }]),
      T0,
    );
    expect(r?.state.status).toBe("Failed");
    expect(String(r?.state.output)).toMatch(/Non-deterministic/);
  });

  it("replays the execution's history plus the new inputs to the orchestrator", () => {
    const started = step(
      fresh(),
      [],
      [],
      answer([{ actionType: ActionType.WaitForExternalEvent, externalEventName: "go" }]),
      T0,
    );
    const seen: string[][] = [];
    const event: Message = { rk: "event-1", at: "1", kind: "event", name: "go", input: "1" };
    step(
      started?.state as InstanceState,
      started?.events ?? [],
      [event],
      (replay) => {
        seen.push(types(replay));
        return answer([{ actionType: ActionType.WaitForExternalEvent, externalEventName: "go" }], {
          isDone: true,
          output: 1,
        });
      },
      T0 + DAY,
    );
    expect(seen).toEqual([[...types(started?.events ?? []), "OrchestratorStarted", "EventRaised"]]);
  });

  it("terminates with the reason and tells the parent", () => {
    const parent = { id: "p", name: "parentFlow", gen: 0, task: 1 };
    const t = terminateStep(
      fresh({ status: "Running", parent, open: { "0": { k: "t", at: T0, ai: 0 } } }),
      "stop",
      T0,
    );
    expect(t.state.status).toBe("Terminated");
    expect(t.state.open).toEqual({});
    expect(t.events.map((e) => e.EventType)).toEqual([EventType.ExecutionTerminated]);
    expect(t.outbox[0]).toMatchObject({ t: "done", target: "p", ok: false });
  });
});
