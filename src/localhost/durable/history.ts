/**
 * History events and orchestrator actions as the durable-functions SDK reads and writes them
 * (PascalCase events with integer `EventType`, camelCase actions with integer `actionType`).
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeName = keyof typeof EventType;

const eventTypeNames = new Map<number, EventTypeName>(
  Object.entries(EventType).map(([name, value]) => [value, name as EventTypeName]),
);

export function eventTypeName(type: number): string {
  return eventTypeNames.get(type) ?? `Unknown(${type})`;
}

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export function historyEvent(
  type: number,
  timestamp: number,
  fields: Record<string, unknown> = {},
): HistoryEvent {
  return {
    EventType: type,
    EventId: -1,
    IsPlayed: false,
    Timestamp: new Date(timestamp).toISOString(),
    ...fields,
  };
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface RetryOptionsJson {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface ActionJson {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptionsJson;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: ActionJson[];
}

/** What an orchestrator invocation returns (`OrchestratorState`). */
export interface OrchestratorStateJson {
  isDone: boolean;
  actions: ActionJson[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

/** Compound actions (Task.all / Task.any) expanded in array order, the order the SDK numbers tasks in. */
export function flattenActions(actions: ActionJson[], into: ActionJson[] = []): ActionJson[] {
  for (const action of actions) {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      flattenActions(action.compoundActions ?? [], into);
    } else {
      into.push(action);
    }
  }
  return into;
}

/** Action types that take a sequence number from the SDK when first yielded. */
export function takesSequenceNumber(actionType: number): boolean {
  return actionType !== ActionType.WaitForExternalEvent && actionType !== ActionType.ContinueAsNew;
}

/** The SDK puts string inputs through JSON.stringify once more ("processInput"); undo that. */
export function actionInputValue(input: unknown): unknown {
  if (typeof input === "string") {
    try {
      return JSON.parse(input);
    } catch {
      return input;
    }
  }
  return input;
}

/** Retry delay before the attempt after `failedAttempt` (1-based), as the extension computes it. */
export function retryDelayMs(options: RetryOptionsJson, failedAttempt: number): number {
  const coefficient =
    options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  let delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempt - 1);
  if (options.maxRetryIntervalInMilliseconds && options.maxRetryIntervalInMilliseconds > 0) {
    delay = Math.min(delay, options.maxRetryIntervalInMilliseconds);
  }
  return Math.max(0, Math.round(delay));
}

/** "d.hh:mm:ss" as the extension sends durations. */
export const LONG_TIMER_INTERVAL = "3.00:00:00";
export const MAX_SHORT_TIMER = "6.00:00:00";
export const LONG_TIMER_INTERVAL_MS = 3 * 24 * 3600_000;
export const MAX_SHORT_TIMER_MS = 6 * 24 * 3600_000;
