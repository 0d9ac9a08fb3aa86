/**
 * The episode runner (durabletask-js's orchestration executor): chooses an episode's inputs, replays the
 * orchestrator through the programming model, and applies its answer, all through the pure step. It
 * does not touch the store: the engine commits what it returns.
 */
import type { FunctionsCore } from "../worker/functions-core";
import type { InvocationLogger } from "../worker/invoke";
import type { Invoker } from "../worker/invoker";
import { fromTypedData, type RpcTypedData } from "../worker/rpc";
import { extraInputs, findFunction } from "./functions";
import {
  EventType,
  LONG_TIMER_INTERVAL,
  MAX_SHORT_TIMER,
  type HistoryEvent,
  type OrchestratorStateJson,
} from "./history";
import {
  applyActions,
  beginEpisode,
  replayHistory,
  type EpisodeStart,
  type OrchestratorOutcome,
  type StepResult,
} from "./step";
import { errorMessage, parseJson, type InstanceState, type Message } from "./types";

const OOPROC_MARKER = "$OutOfProcData$:";

export class EpisodeRunner {
  constructor(
    private readonly core: FunctionsCore,
    private readonly clientBinding: () => RpcTypedData,
    private readonly log: InvocationLogger,
    private readonly invoke: Invoker,
  ) {}

  /** One episode at `now`: the step result, or the stale inputs to drop when nothing was delivered. */
  async run(
    state: InstanceState,
    history: readonly HistoryEvent[],
    inbox: readonly Message[],
    now: number,
  ): Promise<{ result: StepResult } | { stale: EpisodeStart }> {
    const begun = beginEpisode(state, history, inbox, now);
    if (!begun.run) return { stale: begun };
    const outcome = await this.replay(begun.state, replayHistory(history, begun));
    return { result: applyActions(begun, outcome, now) };
  }

  /** Invokes the orchestrator function with the history to replay; a throwing orchestrator is a failure. */
  async replay(s: InstanceState, history: HistoryEvent[]): Promise<OrchestratorOutcome> {
    const registration = findFunction(this.core, s.name, "orchestrationTrigger");
    if (!registration) return { failure: `The orchestrator function '${s.name}' is not registered.` };
    const trigger = {
      history,
      input: parseJson(s.input),
      instanceId: s.instanceId,
      isReplaying: history.filter((e) => e.EventType === EventType.OrchestratorStarted).length > 1,
      parentInstanceId: s.parent?.id,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: LONG_TIMER_INTERVAL,
      maximumShortTimerDuration: MAX_SHORT_TIMER,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    try {
      const response = await this.invoke(
        registration,
        {
          inputData: [
            { name: registration.triggerName, data: { json: JSON.stringify(trigger) } },
            ...extraInputs(registration, this.clientBinding),
          ],
          logScope: s.instanceId,
        },
        this.log,
      );
      const state = fromTypedData(response.returnValue) as OrchestratorStateJson | undefined;
      if (!state || !Array.isArray(state.actions)) return { failure: "The orchestrator returned no state." };
      return { state };
    } catch (e) {
      const message = errorMessage(e);
      const marker = message.indexOf(OOPROC_MARKER);
      if (marker >= 0) {
        try {
          const state = JSON.parse(message.slice(marker + OOPROC_MARKER.length)) as OrchestratorStateJson;
          return { state, failure: state.error ?? message.slice(0, marker).trim() };
        } catch {
          return { failure: message.slice(0, marker).trim() };
        }
      }
      return { failure: message };
    }
  }
}
