/**
 * The pure step of an orchestration episode (durabletask-go's "runtime state" + "apply actions"): which
 * inputs an episode delivers, and what an orchestrator's replay result (its OOProc actions) does to the
 * instance. No I/O, no clock reads: time comes in as `now`, the state is copied, and everything the
 * engine must do afterwards (history to append, timers to arm or cancel, activities to run, messages
 * to other instances) comes back as data.
 */
import {
  ActionType,
  EventType,
  LONG_TIMER_INTERVAL_MS,
  MAX_SHORT_TIMER_MS,
  actionInputValue,
  flattenActions,
  historyEvent,
  retryDelayMs,
  takesSequenceNumber,
  type ActionJson,
  type HistoryEvent,
  type OrchestratorStateJson,
} from "./history";
import {
  isTerminal,
  parseJson,
  type ActivityWork,
  type InstanceState,
  type Message,
  type OpenTimer,
  type OutboxItem,
  type RetryState,
  type TimerWork,
} from "./types";

/** At most this many waiting messages per episode, so one transaction stays <= 100 row operations. */
export const MAX_MESSAGES_PER_EPISODE = 90;

/** What the orchestrator answered to one replay: its state, or why it failed. */
export interface OrchestratorOutcome {
  state?: OrchestratorStateJson;
  failure?: string;
}

/** The inputs chosen for one episode, and the state after delivering them. */
export interface EpisodeStart {
  state: InstanceState;
  /** The execution starts in this episode (its history is `incoming` alone). */
  started: boolean;
  /** OrchestratorStarted, ExecutionStarted and the delivered inputs: what the orchestrator replays after the history. */
  incoming: HistoryEvent[];
  /** Events the SDK assigns no number to (retry re-attempts, next timer legs): after `incoming`, before new actions. */
  continuation: HistoryEvent[];
  dispatch: ActivityWork[];
  outbox: OutboxItem[];
  timers: TimerWork[];
  /** Timers that fired or went away: their armed wake-ups are no longer needed. */
  cancelTimers: number[];
  /** Row keys of stored messages this episode consumes. */
  consumed: string[];
  /** How many messages from the head of the inbox the episode took. */
  taken: number;
  /** False when nothing was delivered (only stale inputs): no orchestrator run, just drop `consumed`. */
  run: boolean;
}

/** Everything one episode changes, for the engine to commit and then carry out. */
export interface StepResult {
  state: InstanceState;
  /** History events this episode appends (OrchestratorStarted ... OrchestratorCompleted). */
  events: HistoryEvent[];
  dispatch: ActivityWork[];
  outbox: OutboxItem[];
  timers: TimerWork[];
  cancelTimers: number[];
  /** The execution ended or continued as new: every armed timer of the instance goes. */
  closeAll: boolean;
  /** continueAsNew: the next execution starts with fresh history and numbering. */
  continuedAsNew: boolean;
  consumed: string[];
  taken: number;
}

/**
 * A deep copy of the instance state, which is plain data (what its row stores as JSON). Copied by
 * hand: structuredClone serialises through the engine and cost about four times as much, twice per
 * episode on the host's busiest thread.
 */
function copy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = copy(field);
  return out as T;
}

function scheduledInput(history: readonly HistoryEvent[], task: number): unknown {
  const event = history.find(
    (e) =>
      (e.EventType === EventType.TaskScheduled ||
        e.EventType === EventType.SubOrchestrationInstanceCreated) &&
      e.EventId === task,
  );
  return parseJson(event?.Input as string | undefined);
}

/**
 * Chooses an episode's inputs: due timers first (oldest first), then messages in arrival order. An input
 * after which the SDK hands out a sequence number by itself (retry bookkeeping, the next leg of a long
 * timer) goes alone in its episode, so the numbers stay predictable.
 */
export function beginEpisode(
  current: InstanceState,
  history: readonly HistoryEvent[],
  inbox: readonly Message[],
  now: number,
): EpisodeStart {
  const s = copy(current);
  const started = s.status === "Pending" || s.status === "ContinuedAsNew";
  const incoming: HistoryEvent[] = [historyEvent(EventType.OrchestratorStarted, now)];
  if (started) {
    incoming.push(
      historyEvent(EventType.ExecutionStarted, now, {
        Name: s.name,
        Input: s.input,
        Version: "",
        OrchestrationInstance: { InstanceId: s.instanceId, ExecutionId: `${s.instanceId}:${s.gen}` },
        ParentInstance: s.parent
          ? {
              Name: s.parent.name,
              OrchestrationInstance: { InstanceId: s.parent.id },
              TaskScheduleId: s.parent.task,
            }
          : undefined,
      }),
    );
  }
  const continuation: HistoryEvent[] = [];
  const dispatch: ActivityWork[] = [];
  const outbox: OutboxItem[] = [];
  const timers: TimerWork[] = [];
  const cancelTimers: number[] = [];
  const consumed: string[] = [];
  let delivered = 0;

  const dueTimers = Object.entries(s.open)
    .filter(([, t]) => t.k === "t" && t.at <= now)
    .map(([id, t]) => [Number(id), t] as [number, OpenTimer])
    .sort((a, b) => a[1].at - b[1].at);
  let solo = false;
  for (const [id, timer] of dueTimers) {
    const isSolo = timer.final !== undefined || timer.retryOf !== undefined;
    if (isSolo && delivered > 0) break;
    delete s.open[id];
    cancelTimers.push(id);
    incoming.push(
      historyEvent(EventType.TimerFired, now, { TimerId: id, FireAt: new Date(timer.at).toISOString() }),
    );
    delivered++;
    if (timer.final !== undefined && timer.final > now) {
      const next = s.seq++;
      const at = timer.final - now > MAX_SHORT_TIMER_MS ? now + LONG_TIMER_INTERVAL_MS : timer.final;
      s.open[next] = { k: "t", at, ai: timer.ai, final: timer.final };
      timers.push({ task: next, at });
      continuation.push(
        historyEvent(EventType.TimerCreated, now, { EventId: next, FireAt: new Date(at).toISOString() }),
      );
    }
    if (timer.retryOf) {
      const { k, name, retry } = timer.retryOf;
      if (retry.attempt <= retry.options.maxNumberOfAttempts) {
        const next = s.seq++;
        const input = scheduledInput(history, retry.inputOf);
        const nextRetry: RetryState = { ...retry, inputOf: retry.inputOf };
        if (k === "a") {
          s.open[next] = { k: "a", name, ai: timer.ai, retry: nextRetry };
          continuation.push(
            historyEvent(EventType.TaskScheduled, now, {
              EventId: next,
              Name: name,
              Input: JSON.stringify(input ?? null),
            }),
          );
          dispatch.push({ instanceId: s.instanceId, gen: s.gen, task: next, name, input });
        } else {
          const child = retry.childId ?? `${s.instanceId}:${next}`;
          s.open[next] = { k: "s", name, ai: timer.ai, child, retry: nextRetry };
          continuation.push(
            historyEvent(EventType.SubOrchestrationInstanceCreated, now, {
              EventId: next,
              Name: name,
              InstanceId: child,
              Input: JSON.stringify(input ?? null),
            }),
          );
          outbox.push({
            t: "start",
            id: child,
            name,
            input: JSON.stringify(input ?? null),
            parent: { id: s.instanceId, name: s.name, gen: s.gen, task: next },
          });
        }
      }
    }
    if (isSolo) {
      solo = true;
      break;
    }
  }

  let taken = 0;
  if (!solo) {
    const consume = (message: Message): void => {
      if (!message.mem) consumed.push(message.rk);
      taken++;
    };
    for (const message of inbox) {
      if (taken >= MAX_MESSAGES_PER_EPISODE) break;
      if (message.kind === "event") {
        incoming.push(
          historyEvent(EventType.EventRaised, now, { Name: message.name, Input: message.input ?? "null" }),
        );
        consume(message);
        delivered++;
        continue;
      }
      const id = message.task ?? -1;
      const task = s.open[id];
      if (message.gen !== s.gen || !task || task.k === "t") {
        // A duplicate or a result for an earlier execution: consume without delivering.
        consume(message);
        continue;
      }
      const retryFails = !message.ok && task.retry !== undefined;
      if (retryFails && delivered > 0) break;
      consume(message);
      delivered++;
      delete s.open[id];
      // Activities and sub-orchestrations report back with the same fields, under their own event types.
      const [completed, failed] =
        task.k === "a"
          ? [EventType.TaskCompleted, EventType.TaskFailed]
          : [EventType.SubOrchestrationInstanceCompleted, EventType.SubOrchestrationInstanceFailed];
      incoming.push(
        message.ok
          ? historyEvent(completed, now, { TaskScheduledId: id, Result: message.result ?? "null" })
          : historyEvent(failed, now, {
              TaskScheduledId: id,
              Reason: message.reason ?? "",
              Details: message.details ?? "",
            }),
      );
      if (retryFails && task.retry) {
        // The SDK waits for a timer after every failed attempt, also after the last one.
        const next = s.seq++;
        const last = task.retry.attempt >= task.retry.options.maxNumberOfAttempts;
        const at = last ? now : now + retryDelayMs(task.retry.options, task.retry.attempt);
        s.open[next] = {
          k: "t",
          at,
          ai: task.ai,
          retryOf: { k: task.k, name: task.name, retry: { ...task.retry, attempt: task.retry.attempt + 1 } },
        };
        timers.push({ task: next, at });
        continuation.push(
          historyEvent(EventType.TimerCreated, now, { EventId: next, FireAt: new Date(at).toISOString() }),
        );
        break;
      }
    }
  }
  return {
    state: s,
    started,
    incoming,
    continuation,
    dispatch,
    outbox,
    timers,
    cancelTimers,
    consumed,
    taken,
    run: delivered > 0 || started,
  };
}

/** The history the orchestrator replays for an episode: the execution's history plus the new inputs. */
export function replayHistory(history: readonly HistoryEvent[], begun: EpisodeStart): HistoryEvent[] {
  return begun.started ? begun.incoming : history.concat(begun.incoming);
}

/**
 * Applies the orchestrator's replay result to the state `beginEpisode` produced: numbers the new actions
 * (in the flattened action list, as the SDK does), turns them into history events and work, checks the
 * action list still matches the execution's (determinism), and ends, fails or continues the execution.
 */
export function applyActions(begun: EpisodeStart, outcome: OrchestratorOutcome, now: number): StepResult {
  const s = copy(begun.state);
  const events: HistoryEvent[] = [...begun.incoming, ...begun.continuation];
  let dispatch = [...begun.dispatch];
  let outbox = [...begun.outbox];
  let timers = [...begun.timers];
  const cancelTimers = [...begun.cancelTimers];
  let failure = outcome.failure;
  let continueAsNew: ActionJson | undefined;

  if (!failure && outcome.state) {
    const flat = flattenActions(outcome.state.actions?.[0] ?? []);
    const known = s.acts.length;
    if (flat.length < known || s.acts.some((t, i) => flat[i]?.actionType !== t)) {
      failure = "Non-deterministic workflow detected: the orchestrator's actions differ from its history.";
    } else {
      // Cancelled timers no longer need to fire.
      for (const [key, task] of Object.entries(s.open)) {
        if (task.k === "t" && !task.retryOf && flat[task.ai]?.isCanceled) {
          delete s.open[key];
          cancelTimers.push(Number(key));
        }
      }
      for (let ai = known; ai < flat.length && !failure; ai++) {
        const action = flat[ai] as ActionJson;
        s.acts.push(action.actionType);
        if (!takesSequenceNumber(action.actionType)) {
          if (action.actionType === ActionType.ContinueAsNew) continueAsNew = action;
          continue;
        }
        const id = s.seq++;
        switch (action.actionType) {
          case ActionType.CallActivity:
          case ActionType.CallActivityWithRetry: {
            const name = action.functionName ?? "";
            const input = actionInputValue(action.input);
            s.open[id] = {
              k: "a",
              name,
              ai,
              retry: action.retryOptions
                ? { options: action.retryOptions, attempt: 1, inputOf: id }
                : undefined,
            };
            events.push(
              historyEvent(EventType.TaskScheduled, now, {
                EventId: id,
                Name: name,
                Input: JSON.stringify(input ?? null),
              }),
            );
            dispatch.push({ instanceId: s.instanceId, gen: s.gen, task: id, name, input });
            break;
          }
          case ActionType.CallSubOrchestrator:
          case ActionType.CallSubOrchestratorWithRetry: {
            const name = action.functionName ?? "";
            const inputJson = JSON.stringify(action.input ?? null);
            const child = action.instanceId ?? `${s.instanceId}:${id}`;
            s.open[id] = {
              k: "s",
              name,
              ai,
              child,
              retry: action.retryOptions
                ? { options: action.retryOptions, attempt: 1, inputOf: id, childId: action.instanceId }
                : undefined,
            };
            events.push(
              historyEvent(EventType.SubOrchestrationInstanceCreated, now, {
                EventId: id,
                Name: name,
                InstanceId: child,
                Input: inputJson,
              }),
            );
            outbox.push({
              t: "start",
              id: child,
              name,
              input: inputJson,
              parent: { id: s.instanceId, name: s.name, gen: s.gen, task: id },
            });
            break;
          }
          case ActionType.CreateTimer: {
            const final = Date.parse(action.fireAt ?? "");
            if (!Number.isFinite(final)) {
              failure = `Timer ${id} has no valid fireAt.`;
              break;
            }
            // The SDK splits long timers itself (schema V3): it waits for legs of the interval length.
            const long = final - now > MAX_SHORT_TIMER_MS;
            const at = long ? now + LONG_TIMER_INTERVAL_MS : final;
            events.push(
              historyEvent(EventType.TimerCreated, now, { EventId: id, FireAt: new Date(at).toISOString() }),
            );
            if (!action.isCanceled) {
              s.open[id] = long ? { k: "t", at, ai, final } : { k: "t", at, ai };
              timers.push({ task: id, at });
            }
            break;
          }
          default:
            failure = `The local host does not support action type ${action.actionType} (entities and durable HTTP calls).`;
        }
      }
    }
  }

  if (outcome.state?.customStatus !== undefined) s.customStatus = JSON.stringify(outcome.state.customStatus);
  if (begun.started) s.status = "Running";
  let continuedAsNew = false;
  const doneOutbox: OutboxItem[] = [];
  if (failure) {
    s.status = "Failed";
    s.output = JSON.stringify(`Orchestrator function '${s.name}' failed: ${failure}`);
    events.push(
      historyEvent(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: "Failed",
        Result: s.output,
        FailureDetails: { ErrorType: "Error", ErrorMessage: failure },
      }),
    );
    if (s.parent) {
      doneOutbox.push({
        t: "done",
        target: s.parent.id,
        gen: s.parent.gen,
        task: s.parent.task,
        ok: false,
        reason: `Orchestrator function '${s.name}' failed: ${failure}`,
        details: "",
      });
    }
  } else if (outcome.state?.isDone && continueAsNew) {
    const input = continueAsNew.input;
    const inputJson = typeof input === "string" ? input : JSON.stringify(input ?? null);
    events.push(
      historyEvent(EventType.ContinueAsNew, now, {
        OrchestrationStatus: "ContinuedAsNew",
        Result: inputJson,
      }),
    );
    s.status = "ContinuedAsNew";
    s.input = inputJson;
    continuedAsNew = true;
  } else if (outcome.state?.isDone) {
    s.status = "Completed";
    s.output = JSON.stringify(outcome.state.output ?? null);
    events.push(
      historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: "Completed", Result: s.output }),
    );
    if (s.parent) {
      doneOutbox.push({
        t: "done",
        target: s.parent.id,
        gen: s.parent.gen,
        task: s.parent.task,
        ok: true,
        result: s.output,
      });
    }
  }
  events.push(historyEvent(EventType.OrchestratorCompleted, now));

  const closeAll = isTerminal(s.status) || continuedAsNew;
  if (closeAll) {
    // Work scheduled in the episode that ended the execution is abandoned, as in the extension.
    dispatch = [];
    outbox = [];
    timers = [];
    s.open = {};
  }
  outbox.push(...doneOutbox);
  return {
    state: s,
    events,
    dispatch,
    outbox,
    timers,
    cancelTimers,
    closeAll,
    continuedAsNew,
    consumed: begun.consumed,
    taken: begun.taken,
  };
}

/**
 * One whole step for a given replay result: choose the inputs at `now`, then apply `outcome` (what the
 * orchestrator answered when replaying `replayHistory(history, start)`). Returns undefined when the
 * episode has nothing to deliver.
 */
export function step(
  state: InstanceState,
  history: readonly HistoryEvent[],
  inbox: readonly Message[],
  outcome: OrchestratorOutcome | ((replay: HistoryEvent[]) => OrchestratorOutcome),
  now: number,
): StepResult | undefined {
  const begun = beginEpisode(state, history, inbox, now);
  if (!begun.run) return undefined;
  const answer = typeof outcome === "function" ? outcome(replayHistory(history, begun)) : outcome;
  return applyActions(begun, answer, now);
}

/** Terminating an instance: the events to append and the failure to report to a parent. */
export function terminateStep(
  current: InstanceState,
  reason: string,
  now: number,
): { state: InstanceState; events: HistoryEvent[]; outbox: OutboxItem[] } {
  const s = copy(current);
  const events = [historyEvent(EventType.ExecutionTerminated, now, { Input: JSON.stringify(reason) })];
  s.status = "Terminated";
  s.output = JSON.stringify(reason);
  s.open = {};
  const outbox: OutboxItem[] = [];
  if (s.parent) {
    outbox.push({
      t: "done",
      target: s.parent.id,
      gen: s.parent.gen,
      task: s.parent.task,
      ok: false,
      reason: `Orchestration '${s.name}' (${s.instanceId}) was terminated: ${reason}`,
      details: "",
    });
  }
  return { state: s, events, outbox };
}
