/**
 * Types and errors every part of the durable engine shares. This module imports nothing of the
 * engine, so the parts import it (and each other) one way only.
 */
import type { RetryOptionsJson } from "./history";

export type RuntimeStatus =
  "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Terminated" | "Suspended";

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(["Completed", "Failed", "Terminated"]);
export const isTerminal = (status: RuntimeStatus): boolean => TERMINAL.has(status);

/** What the status endpoint and the in-process helpers answer. */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
}

export interface ManagementUrls {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

/** A refusal of the client API, carrying the HTTP status the management API answers with. */
export class DurableHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "DurableHttpError";
  }
}

export interface RetryState {
  options: RetryOptionsJson;
  /** Number of the attempt this entry stands for (1-based). */
  attempt: number;
  /** Task id whose scheduling event holds the input shared by every attempt. */
  inputOf: number;
  /** Sub-orchestrations: the instance id the caller asked for, if any. */
  childId?: string;
}

/**
 * Something the orchestrator waits on, keyed by the sequence number the SDK gave it. Persisted in the
 * state row: `k` is the kind (activity, sub-orchestration, timer), `ai` the index of the action that
 * created it in the execution's flattened action list.
 */
export type OpenTask =
  | { k: "a"; name: string; ai: number; retry?: RetryState }
  | { k: "s"; name: string; ai: number; child: string; retry?: RetryState }
  | {
      k: "t";
      at: number;
      ai: number;
      /** A long timer walked in legs: the final due time. */
      final?: number;
      retryOf?: { k: "a" | "s"; name: string; retry: RetryState };
    };
export type OpenTimer = Extract<OpenTask, { k: "t" }>;

export interface ParentRef {
  id: string;
  name: string;
  gen: number;
  task: number;
}

/** The instance's state row (small: no history, no inputs of pending work). */
export interface InstanceState {
  instanceId: string;
  name: string;
  /** Execution number; continueAsNew starts the next one. */
  gen: number;
  /** Number of history rows written for this execution. */
  ep: number;
  status: RuntimeStatus;
  /** Status to return to on resume. */
  resumeTo?: RuntimeStatus;
  input: string;
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: ParentRef;
  /** Next sequence number the SDK will hand out in this execution. */
  seq: number;
  /** Action types of every action already seen in this execution (for the determinism check). */
  acts: number[];
  open: Record<string, OpenTask>;
  outbox: boolean;
}

/** An input for an instance waiting in its partition until an episode consumes it. */
export interface Message {
  rk: string;
  at: string;
  kind: "result" | "event";
  gen?: number;
  task?: number;
  ok?: boolean;
  result?: string;
  reason?: string;
  details?: string;
  name?: string;
  input?: string;
  /** Held in memory only; committed by the episode that consumes it. */
  mem?: boolean;
}

/** A task's outcome as reported to the instance that waits for it. */
export interface TaskResult {
  gen: number;
  task: number;
  ok: boolean;
  result?: string;
  reason?: string;
  details?: string;
}

/** Messages to other instances, written with the episode and delivered after its commit. */
export type OutboxItem =
  | { t: "start"; id: string; name: string; input: string; parent: ParentRef }
  | ({ t: "done"; target: string } & TaskResult);

export interface ActivityWork {
  instanceId: string;
  gen: number;
  task: number;
  name: string;
  input: unknown;
}

/** A durable timer to arm: the task id the SDK waits on and its due time (epoch ms). */
export interface TimerWork {
  task: number;
  at: number;
}

export function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function toStatus(s: InstanceState): InstanceStatus {
  return {
    name: s.name,
    instanceId: s.instanceId,
    runtimeStatus: s.status,
    input: parseJson(s.input),
    output: s.output === null ? null : parseJson(s.output),
    customStatus: s.customStatus === null ? null : parseJson(s.customStatus),
    createdTime: s.createdTime,
    lastUpdatedTime: s.lastUpdatedTime,
  };
}

/** Filter of `query` (the management API's list of instances). */
export interface InstanceQuery {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: string;
  createdTimeTo?: string;
  instanceIdPrefix?: string;
  top?: number;
  continuationToken?: string;
}
