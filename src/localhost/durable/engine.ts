import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Scheduler, type HostClock } from "../clock";
import type { FunctionsCore, Registration } from "../worker/functions-core";
import { consoleInvocationLogger, invokeFunction, type InvocationLogger } from "../worker/invoke";
import { fromTypedData, type RpcParameterBinding, type RpcTypedData } from "../worker/rpc";
import {
  ActionType,
  EventType,
  LONG_TIMER_INTERVAL,
  LONG_TIMER_INTERVAL_MS,
  MAX_SHORT_TIMER,
  MAX_SHORT_TIMER_MS,
  actionInputValue,
  flattenActions,
  historyEvent,
  retryDelayMs,
  takesSequenceNumber,
  type ActionJson,
  type HistoryEvent,
  type OrchestratorStateJson,
  type RetryOptionsJson,
} from "./history";
import { handleDurableHttp } from "./http-api";
import {
  ConcurrencyError,
  MAX_TRANSACTION_OPS,
  type DurableStore,
  type RowOp,
  type StoredRow,
} from "./store";

export type RuntimeStatus =
  "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Terminated" | "Suspended";

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(["Completed", "Failed", "Terminated"]);
export const isTerminal = (status: RuntimeStatus): boolean => TERMINAL.has(status);

export interface DurableEngineOptions {
  core: FunctionsCore;
  store: DurableStore;
  clock: HostClock;
  taskHub: string;
  /** e.g. http://127.0.0.1:7071; the durable client's URLs are built from it. */
  publicBaseUrl: () => string;
  activityConcurrency?: number;
  log?: InvocationLogger;
  /**
   * Write every activity result as a message row before the episode that consumes it. Off by default:
   * a result for an instance that is in memory is committed by the consuming episode's transaction
   * (one write fewer per activity); a crash in between re-runs the activity (at least once).
   */
  persistActivityResults?: boolean;
}

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

export class DurableHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "DurableHttpError";
  }
}

interface RetryState {
  options: RetryOptionsJson;
  /** Number of the attempt this entry stands for (1-based). */
  attempt: number;
  /** Task id whose scheduling event holds the input shared by every attempt. */
  inputOf: number;
  /** Sub-orchestrations: the instance id the caller asked for, if any. */
  childId?: string;
}

/** Something the orchestrator waits on, keyed by the sequence number the SDK gave it. */
type OpenTask =
  | { k: "a"; name: string; ai: number; retry?: RetryState }
  | { k: "s"; name: string; ai: number; child: string; retry?: RetryState }
  | {
      k: "t";
      at: number;
      ai: number;
      final?: number;
      retryOf?: { k: "a" | "s"; name: string; retry: RetryState };
    };

interface ParentRef {
  id: string;
  name: string;
  gen: number;
  task: number;
}

/** The instance's state row (small: no history, no inputs of pending work). */
interface InstanceState {
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
interface Message {
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

type OutboxItem =
  | { t: "start"; id: string; name: string; input: string; parent: ParentRef }
  | {
      t: "done";
      target: string;
      gen: number;
      task: number;
      ok: boolean;
      result?: string;
      reason?: string;
      details?: string;
    };

interface ActivityWork {
  instanceId: string;
  gen: number;
  task: number;
  name: string;
  input: unknown;
}

class Instance {
  history: HistoryEvent[] = [];
  inbox: Message[] = [];
  readonly timers = new Map<number, () => void>();
  tail: Promise<void> = Promise.resolve();
  kicked = false;
  /** Not in the store yet: its first episode inserts the state row (creation and first episode in one write). */
  unsaved = false;
  private settleFirst: ((err?: unknown) => void) | undefined;
  firstCommit: Promise<void> | undefined;
  constructor(public s: InstanceState) {}

  expectFirstCommit(): Promise<void> {
    this.unsaved = true;
    this.firstCommit = new Promise<void>((resolve, reject) => {
      this.settleFirst = (err) =>
        err === undefined ? resolve() : reject(err instanceof Error ? err : new Error(errorMessage(err)));
    });
    return this.firstCommit;
  }

  firstCommitted(err?: unknown): void {
    const settle = this.settleFirst;
    this.settleFirst = undefined;
    if (err === undefined) this.unsaved = false;
    settle?.(err);
  }
}

const STATE_ROW = "state";
const MAX_MESSAGES_PER_EPISODE = 90;

const pad = (n: number, width: number): string => String(n).padStart(width, "0");
const historyRowKey = (gen: number, ep: number): string => `h-${pad(gen, 6)}-${pad(ep, 8)}`;
const historyPrefix = (gen: number): string => `h-${pad(gen, 6)}-`;
const resultRowKey = (gen: number, task: number): string => `m-r-${pad(gen, 6)}-${pad(task, 8)}`;
const outboxRowKey = (gen: number, ep: number): string => `o-${pad(gen, 6)}-${pad(ep, 8)}`;

/**
 * Rows stay well under Azure Tables' 1 MiB entity limit (strings count two bytes a character): a long
 * list is split over `key`, `key-1`, `key-2`... which sort right after `key` and before the next episode.
 */
const MAX_ROW_CHARS = 200_000;
function chunkedRows(pk: string, key: string, items: unknown[]): StoredRow[] {
  const rows: StoredRow[] = [];
  let current: string[] = [];
  let size = 2;
  const flush = (): void => {
    rows.push({
      partitionKey: pk,
      rowKey: rows.length === 0 ? key : `${key}-${rows.length}`,
      data: `[${current.join(",")}]`,
    });
    current = [];
    size = 2;
  };
  for (const item of items) {
    const text = JSON.stringify(item);
    if (current.length > 0 && size + text.length + 1 > MAX_ROW_CHARS) flush();
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0 || rows.length === 0) flush();
  return rows;
}

/**
 * Instance ids become partition keys; Azure Tables refuses / \ # ? and control characters there.
 * Percent-encoding only those keeps the prefix property that `instanceIdPrefix` queries need.
 */
export function partitionKeyOf(instanceId: string): string {
  return instanceId.replace(
    // eslint-disable-next-line no-control-regex
    /[%/\\#?\u0000-\u001f\u007f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The durable engine: runs orchestrations and activities of the loaded app through the
 * out-of-process protocol the durable-functions SDK speaks, persisting each episode in one
 * transaction of the instance's partition. See README.md next to this file for the design.
 */
export class DurableEngine {
  private readonly core: FunctionsCore;
  private readonly store: DurableStore;
  private readonly clock: HostClock;
  readonly taskHub: string;
  private readonly publicBaseUrl: () => string;
  private readonly log: InvocationLogger;
  private readonly scheduler: Scheduler;
  private readonly instances = new Map<string, Instance>();
  private readonly loading = new Map<string, Promise<Instance | undefined>>();
  private readonly reloadAttempts = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly listeners = new Map<string, Set<(status: InstanceStatus) => void>>();
  private readonly activityQueue: ActivityWork[] = [];
  private readonly activityConcurrency: number;
  private readonly persistActivityResults: boolean;
  private runningActivities = 0;
  private started = false;
  private stopping = false;
  private abandoned = false;
  private messageCounter = 0;

  constructor(o: DurableEngineOptions) {
    this.core = o.core;
    this.store = o.store;
    this.clock = o.clock;
    this.taskHub = o.taskHub;
    this.publicBaseUrl = o.publicBaseUrl;
    this.log = o.log ?? consoleInvocationLogger;
    this.activityConcurrency = Math.max(1, o.activityConcurrency ?? 32);
    this.persistActivityResults = o.persistActivityResults ?? false;
    this.scheduler = new Scheduler(o.clock);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Recovers every unfinished instance: re-arms timers, re-runs unrecorded activities, delivers outboxes. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.store.init();
    this.started = true;
    const seen = new Set<string>();
    const recover = async (filter: Record<string, string[]>): Promise<void> => {
      let token: string | undefined;
      do {
        const page = await this.store.query({
          rowKey: STATE_ROW,
          indexIn: filter,
          top: 500,
          continuationToken: token,
        });
        const fresh = page.rows.map((r) => r.partitionKey).filter((pk) => !seen.has(pk));
        for (const pk of fresh) seen.add(pk);
        // A few partitions at a time: recovery of many instances should not take one round trip each in turn.
        for (let i = 0; i < fresh.length; i += 16) {
          await Promise.all(fresh.slice(i, i + 16).map((pk) => this.recoverPartition(pk)));
        }
        token = page.continuationToken;
      } while (token);
    };
    await recover({ runtimeStatus: ["Pending", "Running", "Suspended", "ContinuedAsNew"] });
    await recover({ outbox: ["1"] });
  }

  /** Stops taking work and waits (up to `graceMs`) for running episodes and activities. */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    this.scheduler.stop();
    this.activityQueue.length = 0;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
      timer.unref();
    });
    try {
      while (this.inFlight.size > 0) {
        const outcome = await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
        if (outcome === "late") {
          // Work that outlives the grace period is abandoned; its results are not recorded and it
          // runs again after the next start (at least once).
          this.abandoned = true;
          console.warn(`[durable] stopped with ${this.inFlight.size} unfinished operation(s) abandoned`);
          return;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Stops at once without waiting, as if the process died: work still running is abandoned and its
   * results are not recorded. For crash tests; a new engine on the same store picks everything up.
   */
  abandon(): void {
    this.abandoned = true;
    this.stopping = true;
    this.scheduler.stop();
    this.activityQueue.length = 0;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  // ---------------------------------------------------------------- durable client binding + HTTP

  private webhookBase(): string {
    return `${this.publicBaseUrl().replace(/\/+$/, "")}/runtime/webhooks/durabletask`;
  }

  /** The value of a `durableClient` input binding, as the real host hands it to the worker. */
  clientBindingData(): RpcTypedData {
    const base = this.webhookBase();
    const qs = `taskHub=${encodeURIComponent(this.taskHub)}&connection=Storage`;
    return {
      json: JSON.stringify({
        taskHubName: this.taskHub,
        creationUrls: {
          createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${qs}`,
          createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${qs}`,
        },
        managementUrls: this.managementUrls("INSTANCEID"),
        baseUrl: base,
        requiredQueryStringParameters: qs,
        rpcBaseUrl: `${base}/`,
      }),
    };
  }

  /** statusQueryGetUri and friends for one instance (the same shape the real host's webhook API has). */
  managementUrls(instanceId: string): ManagementUrls {
    const base = this.webhookBase();
    const qs = `taskHub=${encodeURIComponent(this.taskHub)}&connection=Storage`;
    const id = instanceId === "INSTANCEID" ? instanceId : encodeURIComponent(instanceId);
    const instance = `${base}/instances/${id}`;
    return {
      id: instanceId,
      statusQueryGetUri: `${instance}?${qs}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${qs}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${qs}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${qs}`,
      purgeHistoryDeleteUri: `${instance}?${qs}`,
      restartPostUri: `${instance}/restart?${qs}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${qs}`,
      resumePostUri: `${instance}/resume?reason={text}&${qs}`,
    };
  }

  /** Serves `/runtime/webhooks/durabletask/*`; resolves false for any other path. */
  handleHttp(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    return handleDurableHttp(this, req, res, body);
  }

  // ---------------------------------------------------------------- in-process client API

  orchestratorNames(): string[] {
    return this.core.byTrigger("orchestrationTrigger").map((r) => r.metadata.name);
  }

  /** Starts an orchestration; a terminal instance with the same id is replaced, a live one refused (409). */
  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    const registration = this.orchestrator(name);
    if (!registration)
      throw new DurableHttpError(
        400,
        `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, "");
    if (!instanceId || instanceId.length > 256) throw new DurableHttpError(400, "Invalid instance id.");
    const inputJson = options.input === undefined ? "null" : JSON.stringify(options.input);
    await this.createInstance(instanceId, registration.metadata.name, inputJson, undefined, true);
    return instanceId;
  }

  async getStatus(instanceId: string): Promise<InstanceStatus | undefined> {
    const cached = this.instances.get(instanceId);
    if (cached) return toStatus(cached.s);
    const row = await this.store.readRow(partitionKeyOf(instanceId), STATE_ROW);
    return row ? toStatus(JSON.parse(row.data) as InstanceState) : undefined;
  }

  /** The history of the current execution, read from the store (what was durably recorded). */
  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    const pk = partitionKeyOf(instanceId);
    const stateRow = await this.store.readRow(pk, STATE_ROW);
    if (!stateRow) return undefined;
    const s = JSON.parse(stateRow.data) as InstanceState;
    const rows = await this.store.readPartition(pk, historyPrefix(s.gen));
    return rows.flatMap((r) => JSON.parse(r.data) as HistoryEvent[]);
  }

  /**
   * Resolves with the status once `predicate` holds (checked now and after every change of the
   * instance), or rejects after `timeoutMs`. Event driven: no polling interval.
   */
  async waitFor(
    instanceId: string,
    predicate: (status: InstanceStatus) => boolean,
    timeoutMs = 30_000,
  ): Promise<InstanceStatus> {
    return new Promise<InstanceStatus>((resolve, reject) => {
      let set = this.listeners.get(instanceId);
      if (!set) {
        set = new Set();
        this.listeners.set(instanceId, set);
      }
      const listeners = set;
      let done = false;
      const finish = (err: Error | undefined, status?: InstanceStatus): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        listeners.delete(listener);
        if (listeners.size === 0) this.listeners.delete(instanceId);
        if (err) reject(err);
        else resolve(status as InstanceStatus);
      };
      const listener = (status: InstanceStatus): void => {
        if (predicate(status)) finish(undefined, status);
      };
      const timer = setTimeout(() => {
        void this.getStatus(instanceId).then((s) =>
          finish(
            new Error(
              `Timed out waiting for instance ${instanceId} (last status: ${s?.runtimeStatus ?? "none"}).`,
            ),
          ),
        );
      }, timeoutMs);
      listeners.add(listener);
      void this.getStatus(instanceId).then((status) => {
        if (status) listener(status);
      });
    });
  }

  /** Calls `listener` after every commit of the instance; returns the unsubscribe function. */
  onChange(instanceId: string, listener: (status: InstanceStatus) => void): () => void {
    let set = this.listeners.get(instanceId);
    if (!set) {
      set = new Set();
      this.listeners.set(instanceId, set);
    }
    const listeners = set;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listeners.get(instanceId) === listeners)
        this.listeners.delete(instanceId);
    };
  }

  /** Waits until the instance reaches one of `statuses` (default: any terminal status). */
  waitForStatus(
    instanceId: string,
    statuses: RuntimeStatus[] = ["Completed", "Failed", "Terminated"],
    timeoutMs?: number,
  ): Promise<InstanceStatus> {
    return this.waitFor(instanceId, (s) => statuses.includes(s.runtimeStatus), timeoutMs);
  }

  async raiseEvent(instanceId: string, eventName: string, inputJson: string): Promise<void> {
    const inst = await this.liveInstance(instanceId);
    const at = this.arrivalStamp();
    const message: Message = { rk: `m-e-${at}`, at, kind: "event", name: eventName, input: inputJson };
    await this.store.transact(partitionKeyOf(instanceId), [
      { op: "insert", row: this.messageRow(instanceId, message) },
    ]);
    inst.inbox.push(message);
    this.kick(inst);
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const inst = await this.liveInstance(instanceId);
    await this.serial(inst, async () => {
      if (isTerminal(inst.s.status)) return;
      const now = this.clock.now();
      const s = inst.s;
      const events = [historyEvent(EventType.ExecutionTerminated, now, { Input: JSON.stringify(reason) })];
      s.status = "Terminated";
      s.output = JSON.stringify(reason);
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
      this.closeOpen(inst);
      await this.commit(inst, events, [], outbox, now);
    });
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    const inst = await this.liveInstance(instanceId);
    await this.serial(inst, async () => {
      const s = inst.s;
      if (isTerminal(s.status) || s.status === "Suspended") return;
      const now = this.clock.now();
      s.resumeTo = s.status;
      s.status = "Suspended";
      await this.commit(
        inst,
        [historyEvent(EventType.ExecutionSuspended, now, { Reason: reason })],
        [],
        [],
        now,
      );
    });
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    const inst = await this.liveInstance(instanceId);
    await this.serial(inst, async () => {
      const s = inst.s;
      if (s.status !== "Suspended") return;
      const now = this.clock.now();
      s.status = s.resumeTo ?? "Running";
      delete s.resumeTo;
      await this.commit(
        inst,
        [historyEvent(EventType.ExecutionResumed, now, { Reason: reason })],
        [],
        [],
        now,
      );
    });
    this.kick(inst);
  }

  /** Deletes a finished instance and all its rows. Resolves false when there is nothing to purge. */
  async purge(instanceId: string): Promise<boolean> {
    const status = await this.getStatus(instanceId);
    if (!status || !isTerminal(status.runtimeStatus)) return false;
    this.instances.delete(instanceId);
    await this.store.deletePartition(partitionKeyOf(instanceId));
    return true;
  }

  async query(filter: {
    runtimeStatus?: RuntimeStatus[];
    createdTimeFrom?: string;
    createdTimeTo?: string;
    instanceIdPrefix?: string;
    top?: number;
    continuationToken?: string;
  }): Promise<{ items: InstanceStatus[]; continuationToken?: string }> {
    const page = await this.store.query({
      rowKey: STATE_ROW,
      partitionKeyPrefix: filter.instanceIdPrefix ? partitionKeyOf(filter.instanceIdPrefix) : undefined,
      indexIn:
        filter.runtimeStatus && filter.runtimeStatus.length > 0
          ? { runtimeStatus: filter.runtimeStatus }
          : undefined,
      indexFrom: filter.createdTimeFrom ? { createdTime: filter.createdTimeFrom } : undefined,
      indexTo: filter.createdTimeTo ? { createdTime: filter.createdTimeTo } : undefined,
      top: filter.top,
      continuationToken: filter.continuationToken,
    });
    const items = page.rows.map((row) => toStatus(JSON.parse(row.data) as InstanceState));
    return page.continuationToken ? { items, continuationToken: page.continuationToken } : { items };
  }

  // ---------------------------------------------------------------- instances

  private orchestrator(name: string): Registration | undefined {
    const lower = name.toLowerCase();
    for (const r of this.core.registrations.values()) {
      if (r.metadata.name.toLowerCase() === lower && r.triggerType.toLowerCase() === "orchestrationtrigger")
        return r;
    }
    return undefined;
  }

  private activity(name: string): Registration | undefined {
    const exact = this.core.registrations.get(name);
    if (exact && exact.triggerType.toLowerCase() === "activitytrigger") return exact;
    const lower = name.toLowerCase();
    for (const r of this.core.registrations.values()) {
      if (r.metadata.name.toLowerCase() === lower && r.triggerType.toLowerCase() === "activitytrigger")
        return r;
    }
    return undefined;
  }

  /** The cached instance, or loads it; 404 when missing, 410 when it already finished. */
  private async liveInstance(instanceId: string): Promise<Instance> {
    const cached = this.instances.get(instanceId);
    if (cached) {
      if (isTerminal(cached.s.status))
        throw new DurableHttpError(410, `Instance ${instanceId} already finished.`);
      return cached;
    }
    const row = await this.store.readRow(partitionKeyOf(instanceId), STATE_ROW);
    if (!row) throw new DurableHttpError(404, `No instance with ID '${instanceId}' found.`);
    const s = JSON.parse(row.data) as InstanceState;
    if (isTerminal(s.status)) throw new DurableHttpError(410, `Instance ${instanceId} already finished.`);
    const loaded = await this.recoverPartition(partitionKeyOf(instanceId));
    if (!loaded) throw new DurableHttpError(404, `No instance with ID '${instanceId}' found.`);
    return loaded;
  }

  private async createInstance(
    instanceId: string,
    name: string,
    inputJson: string,
    parent: ParentRef | undefined,
    fromClient: boolean,
  ): Promise<void> {
    const pk = partitionKeyOf(instanceId);
    const existing = this.instances.get(instanceId)?.s ?? (await this.readState(pk));
    if (existing) {
      const sameParent =
        parent &&
        existing.parent &&
        existing.parent.id === parent.id &&
        existing.parent.gen === parent.gen &&
        existing.parent.task === parent.task;
      // A re-delivered sub-orchestration start: the child exists already.
      if (sameParent) return;
      if (!isTerminal(existing.status)) {
        throw new DurableHttpError(409, `An instance with ID '${instanceId}' already exists.`);
      }
      this.instances.delete(instanceId);
      await this.store.deletePartition(pk);
    }
    const now = new Date(this.clock.now()).toISOString();
    const s: InstanceState = {
      instanceId,
      name,
      gen: 0,
      ep: 0,
      status: "Pending",
      input: inputJson,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      parent,
      seq: 0,
      acts: [],
      open: {},
      outbox: false,
    };
    if (this.stopping) throw new DurableHttpError(503, "The durable engine is stopping.");
    const inst = new Instance(s);
    const firstCommit = inst.expectFirstCommit();
    this.instances.set(instanceId, inst);
    this.notify(inst);
    this.kick(inst);
    try {
      await firstCommit;
    } catch (e) {
      if (this.instances.get(instanceId) === inst) this.instances.delete(instanceId);
      if (e instanceof ConcurrencyError) {
        if (fromClient)
          throw new DurableHttpError(409, `An instance with ID '${instanceId}' already exists.`);
        return;
      }
      throw e;
    }
  }

  private async readState(pk: string): Promise<InstanceState | undefined> {
    const row = await this.store.readRow(pk, STATE_ROW);
    return row ? (JSON.parse(row.data) as InstanceState) : undefined;
  }

  /** Loads one partition into memory and resumes whatever it was doing. */
  private recoverPartition(pk: string): Promise<Instance | undefined> {
    let loading = this.loading.get(pk);
    if (!loading) {
      loading = this.loadPartition(pk).finally(() => this.loading.delete(pk));
      this.loading.set(pk, loading);
    }
    return loading;
  }

  private async loadPartition(pk: string): Promise<Instance | undefined> {
    const rows = await this.store.readPartition(pk);
    const stateRow = rows.find((r) => r.rowKey === STATE_ROW);
    if (!stateRow) return undefined;
    const s = JSON.parse(stateRow.data) as InstanceState;
    const already = this.instances.get(s.instanceId);
    if (already) return already;
    const inst = new Instance(s);
    const prefix = historyPrefix(s.gen);
    const outboxRows: StoredRow[] = [];
    for (const row of rows) {
      if (row.rowKey.startsWith(prefix)) {
        for (const e of JSON.parse(row.data) as HistoryEvent[]) {
          e.IsPlayed = true;
          inst.history.push(e);
        }
      } else if (row.rowKey.startsWith("m-")) {
        inst.inbox.push(JSON.parse(row.data) as Message);
      } else if (row.rowKey.startsWith("o-")) {
        outboxRows.push(row);
      }
    }
    inst.inbox.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    if (!isTerminal(s.status)) this.instances.set(s.instanceId, inst);
    if (outboxRows.length > 0) {
      await this.serial(inst, async () => {
        for (const row of outboxRows) await this.deliverOutbox(JSON.parse(row.data) as OutboxItem[]);
        await this.clearOutbox(
          inst,
          outboxRows.map((r) => r.rowKey),
        );
      });
    }
    if (isTerminal(s.status)) return inst;
    const recorded = new Set(
      inst.inbox.filter((m) => m.kind === "result" && m.gen === s.gen).map((m) => m.task),
    );
    for (const [key, task] of Object.entries(s.open)) {
      const id = Number(key);
      if (task.k === "t") this.armTimer(inst, id, task.at);
      else if (task.k === "a" && !recorded.has(id)) {
        // At least once: the activity's result was never recorded, so it runs again.
        this.enqueueActivity({
          instanceId: s.instanceId,
          gen: s.gen,
          task: id,
          name: task.name,
          input: this.scheduledInput(inst, task.retry ? task.retry.inputOf : id),
        });
      }
    }
    this.kick(inst);
    return inst;
  }

  private scheduledInput(inst: Instance, task: number): unknown {
    const event = inst.history.find(
      (e) =>
        (e.EventType === EventType.TaskScheduled ||
          e.EventType === EventType.SubOrchestrationInstanceCreated) &&
        e.EventId === task,
    );
    return parseJson(event?.Input as string | undefined);
  }

  // ---------------------------------------------------------------- per-instance processing

  private serial<T>(inst: Instance, fn: () => Promise<T>): Promise<T> {
    const p = inst.tail.then(fn);
    inst.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return this.track(p);
  }

  private kick(inst: Instance): void {
    if (this.stopping) {
      if (inst.unsaved) inst.firstCommitted(new DurableHttpError(503, "The durable engine is stopping."));
      return;
    }
    if (inst.kicked) return;
    inst.kicked = true;
    void this.serial(inst, async () => {
      inst.kicked = false;
      try {
        while (!this.stopping && this.hasWork(inst)) await this.episode(inst);
        if (inst.unsaved) inst.firstCommitted(new DurableHttpError(503, "The durable engine is stopping."));
      } catch (e) {
        // Memory may be ahead of the store now: forget the instance and reload it from its rows.
        const id = inst.s.instanceId;
        if (inst.unsaved) {
          // Never stored: whoever started it hears the error; nothing to reload.
          inst.firstCommitted(e);
          this.closeOpen(inst);
          if (this.instances.get(id) === inst) this.instances.delete(id);
          return;
        }
        this.closeOpen(inst);
        if (this.instances.get(id) === inst) this.instances.delete(id);
        if (this.stopping) return;
        // Backing off: a failure that repeats (e.g. the store is down) must not spin.
        const attempt = (this.reloadAttempts.get(id) ?? 0) + 1;
        this.reloadAttempts.set(id, attempt);
        const delay = Math.min(60_000, 500 * 2 ** attempt);
        console.error(
          `[durable] instance ${id}: episode failed (${errorMessage(e)}); reloading it in ${delay} ms`,
        );
        setTimeout(() => {
          if (!this.stopping) void this.recoverPartition(partitionKeyOf(id)).catch(() => undefined);
        }, delay).unref();
      }
    });
  }

  private hasWork(inst: Instance): boolean {
    const s = inst.s;
    if (isTerminal(s.status)) return inst.inbox.length > 0;
    if (s.status === "Suspended") return false;
    if (s.status === "Pending" || s.status === "ContinuedAsNew") return true;
    if (inst.inbox.length > 0) return true;
    const now = this.clock.now();
    for (const task of Object.values(s.open)) if (task.k === "t" && task.at <= now) return true;
    return false;
  }

  /** One orchestrator episode: deliver new inputs, run the orchestrator, commit, then act. */
  private async episode(inst: Instance): Promise<void> {
    const s = inst.s;
    const now = this.clock.now();
    const consumed: string[] = [];
    if (isTerminal(s.status)) {
      // Inputs that arrived after the end (e.g. a late activity result) are dropped.
      const stale = inst.inbox.splice(0, MAX_MESSAGES_PER_EPISODE).filter((m) => !m.mem);
      await this.store.transact(
        partitionKeyOf(s.instanceId),
        stale.map((m) => ({ op: "delete", rowKey: m.rk })),
      );
      return;
    }
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
    // Events the SDK assigns no sequence number to: they are after `incoming` and before new actions.
    const continuation: HistoryEvent[] = [];
    const dispatch: ActivityWork[] = [];
    const outbox: OutboxItem[] = [];
    const newTimers: Array<[number, number]> = [];
    let delivered = 0;

    // Due timers first (oldest first), then messages in arrival order. An input after which the SDK
    // hands out a sequence number by itself (retry bookkeeping, the next leg of a long timer) goes
    // alone in its episode, so the numbers stay predictable.
    const dueTimers = Object.entries(s.open)
      .filter(([, t]) => t.k === "t" && t.at <= now)
      .map(([id, t]) => [Number(id), t] as [number, Extract<OpenTask, { k: "t" }>])
      .sort((a, b) => a[1].at - b[1].at);
    let solo = false;
    for (const [id, timer] of dueTimers) {
      const isSolo = timer.final !== undefined || timer.retryOf !== undefined;
      if (isSolo && delivered > 0) break;
      delete s.open[id];
      inst.timers.get(id)?.();
      inst.timers.delete(id);
      incoming.push(
        historyEvent(EventType.TimerFired, now, { TimerId: id, FireAt: new Date(timer.at).toISOString() }),
      );
      delivered++;
      if (timer.final !== undefined && timer.final > now) {
        const next = s.seq++;
        const at = timer.final - now > MAX_SHORT_TIMER_MS ? now + LONG_TIMER_INTERVAL_MS : timer.final;
        s.open[next] = { k: "t", at, ai: timer.ai, final: timer.final };
        newTimers.push([next, at]);
        continuation.push(
          historyEvent(EventType.TimerCreated, now, { EventId: next, FireAt: new Date(at).toISOString() }),
        );
      }
      if (timer.retryOf) {
        const { k, name, retry } = timer.retryOf;
        if (retry.attempt <= retry.options.maxNumberOfAttempts) {
          const next = s.seq++;
          const input = this.scheduledInput(inst, retry.inputOf);
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
      for (const message of inst.inbox) {
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
            retryOf: {
              k: task.k,
              name: task.name,
              retry: { ...task.retry, attempt: task.retry.attempt + 1 },
            },
          };
          newTimers.push([next, at]);
          continuation.push(
            historyEvent(EventType.TimerCreated, now, { EventId: next, FireAt: new Date(at).toISOString() }),
          );
          break;
        }
      }
    }
    inst.inbox.splice(0, taken);

    if (delivered === 0 && !started) {
      // Only stale inputs: drop them.
      if (consumed.length > 0) {
        await this.store.transact(
          partitionKeyOf(s.instanceId),
          consumed.map((rk) => ({ op: "delete", rowKey: rk })),
        );
      }
      return;
    }

    const history = started ? incoming : inst.history.concat(incoming);
    const outcome = await this.runOrchestrator(inst, history);
    const events: HistoryEvent[] = [...incoming, ...continuation];
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
            inst.timers.get(Number(key))?.();
            inst.timers.delete(Number(key));
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
                historyEvent(EventType.TimerCreated, now, {
                  EventId: id,
                  FireAt: new Date(at).toISOString(),
                }),
              );
              if (!action.isCanceled) {
                s.open[id] = long ? { k: "t", at, ai, final } : { k: "t", at, ai };
                newTimers.push([id, at]);
              }
              break;
            }
            default:
              failure = `The local host does not support action type ${action.actionType} (entities and durable HTTP calls).`;
          }
        }
      }
    }

    if (outcome.state?.customStatus !== undefined)
      s.customStatus = JSON.stringify(outcome.state.customStatus);
    if (started) s.status = "Running";
    let resetHistory = false;
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
      resetHistory = true;
    } else if (outcome.state?.isDone) {
      s.status = "Completed";
      s.output = JSON.stringify(outcome.state.output ?? null);
      events.push(
        historyEvent(EventType.ExecutionCompleted, now, {
          OrchestrationStatus: "Completed",
          Result: s.output,
        }),
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

    const finished = isTerminal(s.status) || resetHistory;
    if (finished) {
      // Work scheduled in the episode that ended the execution is abandoned, as in the extension.
      dispatch.length = 0;
      outbox.length = 0;
      this.closeOpen(inst);
      newTimers.length = 0;
    }
    outbox.push(...doneOutbox);

    await this.commit(inst, events, consumed, outbox, now, resetHistory);
    if (resetHistory) {
      // Next execution: fresh numbering, fresh history. Results for the old one are dropped;
      // events raised but not yet delivered carry over (delivered-but-unconsumed ones are gone).
      inst.inbox = inst.inbox.filter((m) => m.kind === "event");
    }
    for (const [id, at] of newTimers) this.armTimer(inst, id, at);
    for (const work of dispatch) this.enqueueActivity(work);
    if (isTerminal(s.status)) this.evict(inst);
  }

  private closeOpen(inst: Instance): void {
    for (const cancel of inst.timers.values()) cancel();
    inst.timers.clear();
    inst.s.open = {};
  }

  private evict(inst: Instance): void {
    if (inst.inbox.length === 0 && this.instances.get(inst.s.instanceId) === inst) {
      this.instances.delete(inst.s.instanceId);
    }
  }

  /**
   * Writes one episode atomically: state row, the episode's history row, consumed inputs and the
   * outbox; then updates memory and delivers the outbox.
   */
  private async commit(
    inst: Instance,
    events: HistoryEvent[],
    consumed: string[],
    outbox: OutboxItem[],
    now: number,
    resetHistory = false,
  ): Promise<void> {
    const s = inst.s;
    const pk = partitionKeyOf(s.instanceId);
    const gen = s.gen;
    const ep = s.ep;
    s.lastUpdatedTime = new Date(now).toISOString();
    if (outbox.length > 0) s.outbox = true;
    if (resetHistory) {
      s.gen = gen + 1;
      s.ep = 0;
      s.seq = 0;
      s.acts = [];
      s.open = {};
      s.output = null;
    } else {
      s.ep = ep + 1;
    }
    const ops: RowOp[] = [
      inst.unsaved ? { op: "insert", row: this.stateRow(s) } : { op: "upsert", row: this.stateRow(s) },
    ];
    if (!resetHistory) {
      for (const row of chunkedRows(pk, historyRowKey(gen, ep), events)) ops.push({ op: "insert", row });
    }
    for (const rk of consumed) ops.push({ op: "delete", rowKey: rk });
    const outboxRows = outbox.length > 0 ? chunkedRows(pk, outboxRowKey(gen, ep), outbox) : [];
    for (const row of outboxRows) ops.push({ op: "upsert", row });
    if (ops.length > MAX_TRANSACTION_OPS) {
      throw new Error(
        `Episode ${ep} of ${s.instanceId} needs ${ops.length} row operations, more than one transaction holds; schedule less per episode.`,
      );
    }
    if (resetHistory) {
      // continueAsNew replaces the history, as in the extension. The finished execution's rows go
      // when they fit in this transaction; rows of older executions are never read, purge removes them.
      for (let e = 0; e < ep && ops.length < MAX_TRANSACTION_OPS; e++)
        ops.push({ op: "delete", rowKey: historyRowKey(gen, e) });
    }
    if (this.abandoned) throw new Error("The engine was abandoned.");
    await this.store.transact(pk, ops);
    if (inst.unsaved) inst.firstCommitted();
    if (resetHistory) {
      inst.history = [];
    } else {
      for (const e of events) e.IsPlayed = true;
      inst.history.push(...events);
    }
    this.notify(inst);
    this.reloadAttempts.delete(s.instanceId);
    if (outbox.length > 0) {
      await this.deliverOutbox(outbox);
      await this.clearOutbox(
        inst,
        outboxRows.map((r) => r.rowKey),
      );
    }
  }

  /** Delivers an outbox (items are independent, so in parallel); throws if any must be retried. */
  private async deliverOutbox(items: OutboxItem[]): Promise<void> {
    const results = await Promise.allSettled(items.map((item) => this.deliverOutboxItem(item)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(errorMessage(failed.reason));
  }

  private async deliverOutboxItem(item: OutboxItem): Promise<void> {
    if (item.t === "done") return this.deliverResult(item.target, item);
    try {
      const registration = this.orchestrator(item.name);
      if (!registration) {
        throw new DurableHttpError(
          400,
          `The function '${item.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
        );
      }
      await this.createInstance(item.id, registration.metadata.name, item.input, item.parent, false);
    } catch (e) {
      // Unknown orchestrator or a live instance with that id: the parent's task fails. Anything
      // else (stopping, store trouble) leaves the outbox row for the next delivery attempt.
      if (!(e instanceof DurableHttpError) || (e.status !== 400 && e.status !== 409)) throw e;
      await this.deliverResult(item.parent.id, {
        gen: item.parent.gen,
        task: item.parent.task,
        ok: false,
        reason: errorMessage(e),
        details: "",
      });
    }
  }

  private async clearOutbox(inst: Instance, rowKeys: string[]): Promise<void> {
    const s = inst.s;
    s.outbox = false;
    const ops: RowOp[] = [{ op: "upsert", row: this.stateRow(s) }];
    for (const rk of rowKeys) ops.push({ op: "delete", rowKey: rk });
    await this.store.transact(partitionKeyOf(s.instanceId), ops);
  }

  private stateRow(s: InstanceState): StoredRow {
    const index: Record<string, string> = {
      runtimeStatus: s.status,
      name: s.name,
      createdTime: s.createdTime,
    };
    if (s.outbox) index.outbox = "1";
    return { partitionKey: partitionKeyOf(s.instanceId), rowKey: STATE_ROW, data: JSON.stringify(s), index };
  }

  private messageRow(instanceId: string, message: Message): StoredRow {
    return { partitionKey: partitionKeyOf(instanceId), rowKey: message.rk, data: JSON.stringify(message) };
  }

  private arrivalStamp(): string {
    this.messageCounter = (this.messageCounter + 1) % 1_000_000;
    return `${pad(this.clock.now(), 15)}-${pad(this.messageCounter, 6)}`;
  }

  /** Records a task result in the target's partition (once per task id) and wakes the instance. */
  private async deliverResult(
    instanceId: string,
    r: { gen: number; task: number; ok: boolean; result?: string; reason?: string; details?: string },
    fromActivity = false,
  ): Promise<void> {
    const message: Message = {
      rk: resultRowKey(r.gen, r.task),
      at: this.arrivalStamp(),
      kind: "result",
      gen: r.gen,
      task: r.task,
      ok: r.ok,
      result: r.result,
      reason: r.reason,
      details: r.details,
    };
    const inst = this.instances.get(instanceId);
    if (fromActivity && !this.persistActivityResults && inst && inst.s.status !== "Suspended") {
      if (isTerminal(inst.s.status) || inst.s.gen !== r.gen || !inst.s.open[r.task]) return;
      if (inst.inbox.some((m) => m.rk === message.rk)) return;
      message.mem = true;
      inst.inbox.push(message);
      this.kick(inst);
      return;
    }
    if (!inst) {
      const s = await this.readState(partitionKeyOf(instanceId));
      if (!s || isTerminal(s.status)) return;
    } else if (isTerminal(inst.s.status) || inst.s.gen !== r.gen) {
      return;
    }
    try {
      await this.store.transact(partitionKeyOf(instanceId), [
        { op: "insert", row: this.messageRow(instanceId, message) },
      ]);
    } catch (e) {
      if (e instanceof ConcurrencyError) return; // recorded already (the activity ran twice)
      throw e;
    }
    const target =
      this.instances.get(instanceId) ?? (await this.recoverPartition(partitionKeyOf(instanceId)));
    if (!target) return;
    if (!target.inbox.some((m) => m.rk === message.rk)) target.inbox.push(message);
    this.kick(target);
  }

  private armTimer(inst: Instance, id: number, at: number): void {
    inst.timers.get(id)?.();
    inst.timers.set(
      id,
      this.scheduler.at(at, () => this.kick(inst)),
    );
  }

  private notify(inst: Instance): void {
    const set = this.listeners.get(inst.s.instanceId);
    if (!set || set.size === 0) return;
    const status = toStatus(inst.s);
    for (const listener of [...set]) listener(status);
  }

  // ---------------------------------------------------------------- invoking functions

  private extraInputs(registration: Registration): RpcParameterBinding[] {
    const inputs: RpcParameterBinding[] = [];
    for (const [name, binding] of Object.entries(registration.metadata.bindings)) {
      const type = binding.type?.toLowerCase();
      if ((type === "durableclient" || type === "orchestrationclient") && binding.direction !== "out") {
        inputs.push({ name, data: this.clientBindingData() });
      }
    }
    return inputs;
  }

  private async runOrchestrator(
    inst: Instance,
    history: HistoryEvent[],
  ): Promise<{ state?: OrchestratorStateJson; failure?: string }> {
    const s = inst.s;
    const registration = this.orchestrator(s.name);
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
      const response = await invokeFunction(
        this.core,
        registration,
        {
          inputData: [
            { name: registration.triggerName, data: { json: JSON.stringify(trigger) } },
            ...this.extraInputs(registration),
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
      const marker = message.indexOf("$OutOfProcData$:");
      if (marker >= 0) {
        try {
          const state = JSON.parse(
            message.slice(marker + "$OutOfProcData$:".length),
          ) as OrchestratorStateJson;
          return { state, failure: state.error ?? message.slice(0, marker).trim() };
        } catch {
          return { failure: message.slice(0, marker).trim() };
        }
      }
      return { failure: message };
    }
  }

  private enqueueActivity(work: ActivityWork): void {
    if (this.stopping) return;
    this.activityQueue.push(work);
    this.pumpActivities();
  }

  private pumpActivities(): void {
    while (
      !this.stopping &&
      this.runningActivities < this.activityConcurrency &&
      this.activityQueue.length > 0
    ) {
      const work = this.activityQueue.shift() as ActivityWork;
      this.runningActivities++;
      void this.track(
        this.runActivity(work).finally(() => {
          this.runningActivities--;
          this.pumpActivities();
        }),
      );
    }
  }

  private async runActivity(work: ActivityWork): Promise<void> {
    const registration = this.activity(work.name);
    let result: { ok: boolean; result?: string; reason?: string; details?: string };
    if (!registration) {
      result = {
        ok: false,
        reason: `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`,
        details: "",
      };
    } else {
      try {
        const response = await invokeFunction(
          this.core,
          registration,
          {
            inputData: [
              { name: registration.triggerName, data: { json: JSON.stringify(work.input ?? null) } },
              ...this.extraInputs(registration),
            ],
            logScope: work.instanceId,
          },
          this.log,
        );
        result = { ok: true, result: JSON.stringify(activityResult(response.returnValue) ?? null) };
      } catch (e) {
        const stack = e instanceof Error && e.stack ? e.stack.split("\n").slice(1).join("\n") : "";
        result = {
          ok: false,
          reason: `Activity function '${registration.metadata.name}' failed: ${errorMessage(e)}`,
          details: stack,
        };
      }
    }
    if (this.abandoned) return;
    try {
      await this.deliverResult(work.instanceId, { gen: work.gen, task: work.task, ...result }, true);
    } catch (e) {
      console.error(
        `[durable] could not record the result of ${work.name} for ${work.instanceId}: ${errorMessage(e)}`,
      );
    }
  }
}

/** An activity's return value: strings stay strings (even "42"), JSON is parsed, bytes become base64. */
function activityResult(data: RpcTypedData | null | undefined): unknown {
  if (!data) return null;
  if (typeof data.string === "string") return data.string;
  if (data.bytes || data.stream)
    return Buffer.from((data.bytes ?? data.stream) as Uint8Array).toString("base64");
  return fromTypedData(data);
}

function toStatus(s: InstanceState): InstanceStatus {
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
