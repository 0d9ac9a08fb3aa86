/**
 * The durable engine's backend (durabletask-go's "backend" + work-item scheduler): instances in memory,
 * one episode at a time per instance, each episode committed in one transaction of the instance's
 * partition, then its work carried out (activities to the pool, timers to the scheduler, outbox to other
 * instances). Recovery after a restart, and the in-process client API. The episode's logic is the pure
 * step (`step.ts`), run by the episode runner. See README.md next to this file.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HostClock } from "../clock";
import type { Foreground } from "../foreground";
import type { FunctionsCore } from "../worker/functions-core";
import { inProcessInvoker, type Invoker } from "../worker/invoker";
import { consoleInvocationLogger, type InvocationLogger } from "../worker/invoke";
import type { RpcTypedData } from "../worker/rpc";
import { ActivityPool, type ActivityOutcome } from "./activity-pool";
import { StatusWatchers, clientBindingData, managementUrls, type DurableClientApi } from "./client-api";
import { EpisodeRunner } from "./episode-runner";
import { findFunction } from "./functions";
import { EventType, historyEvent, type HistoryEvent } from "./history";
import { handleDurableHttp } from "./http-api";
import {
  STATE_ROW,
  arrivalStamp,
  chunkedRows,
  eventRowKey,
  historyPrefix,
  historyRowKey,
  isMessageRow,
  isOutboxRow,
  messageRow,
  outboxRowKey,
  partitionKeyOf,
  resultRowKey,
  stateRow,
} from "./instance-rows";
import { MAX_MESSAGES_PER_EPISODE, terminateStep } from "./step";
import {
  ConcurrencyError,
  MAX_TRANSACTION_OPS,
  type DurableStore,
  type RowOp,
  type StoredRow,
} from "./store";
import { TimerScheduler } from "./timer-scheduler";
import {
  DurableHttpError,
  errorMessage,
  isTerminal,
  parseJson,
  toStatus,
  type ActivityWork,
  type InstanceQuery,
  type InstanceState,
  type InstanceStatus,
  type ManagementUrls,
  type Message,
  type OutboxItem,
  type ParentRef,
  type RuntimeStatus,
  type TaskResult,
} from "./types";

export { DurableHttpError, isTerminal, partitionKeyOf };
export type { InstanceStatus, ManagementUrls, RuntimeStatus };

export interface DurableEngineOptions {
  core: FunctionsCore;
  store: DurableStore;
  clock: HostClock;
  taskHub: string;
  /** e.g. http://127.0.0.1:7071; the durable client's URLs are built from it. */
  publicBaseUrl: () => string;
  /** Activities running at once (host.json `maxConcurrentActivityFunctions`); default 32. */
  activityConcurrency?: number;
  /**
   * The host's HTTP trigger invocations. While any runs, at most `activityConcurrencyWhileServing`
   * activities (default 2) run: requests go first, as on Azure, where HTTP triggers and durable
   * functions scale on separate instances (see ../foreground.ts).
   */
  foreground?: Pick<Foreground, "busy" | "onIdle">;
  activityConcurrencyWhileServing?: number;
  /**
   * Runs orchestrator and activity invocations; default: in this thread's app. A host passes a
   * worker thread's (`worker/thread-worker.ts`), as the real host hands them to a worker process.
   */
  invoke?: Invoker;
  /** Invocation lines and the engine's own lines (the engine never writes to the console itself). */
  log?: InvocationLogger;
  /**
   * Write every activity result as a message row before the episode that consumes it. Off by default:
   * a result for an instance that is in memory is committed by the consuming episode's transaction
   * (one write fewer per activity); a crash in between re-runs the activity (at least once).
   */
  persistActivityResults?: boolean;
  /**
   * Run no work item (episode or activity) until `ready()` is called. A host sets it so that work
   * recovered at start-up waits until every function is registered and the host answers requests
   * (an activity calling the host before that would get 503).
   */
  holdWorkUntilReady?: boolean;
}

class Instance {
  history: HistoryEvent[] = [];
  inbox: Message[] = [];
  tail: Promise<void> = Promise.resolve();
  kicked = false;
  /** Turns queued or running in `serial`; an instance is let go only from its last one. */
  pending = 0;
  /**
   * Loaded for a client operation (raise, suspend, resume, terminate) that has not had its turn yet:
   * letting it go before then would make the operation load it again, and again.
   */
  loadedFor = false;
  constructor(public s: InstanceState) {}
}

const stopping503 = (): DurableHttpError => new DurableHttpError(503, "The durable engine is stopping.");

/**
 * The durable engine: runs orchestrations and activities of the loaded app through the
 * out-of-process protocol the durable-functions SDK speaks, persisting each episode in one
 * transaction of the instance's partition.
 */
export class DurableEngine implements DurableClientApi {
  private readonly core: FunctionsCore;
  private readonly store: DurableStore;
  private readonly clock: HostClock;
  readonly taskHub: string;
  private readonly publicBaseUrl: () => string;
  private readonly log: InvocationLogger;
  private readonly runner: EpisodeRunner;
  private readonly activities: ActivityPool;
  private readonly timers: TimerScheduler;
  private readonly watchers: StatusWatchers;
  private readonly instances = new Map<string, Instance>();
  private readonly loading = new Map<string, Promise<Instance | undefined>>();
  private readonly reloadAttempts = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly persistActivityResults: boolean;
  private readonly detachSettle: () => void;
  /** Instances woken while work is held; they run once the host is ready. */
  private held: Set<Instance> | undefined;
  private heldDeliveries: (() => Promise<void>)[] = [];
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
    this.persistActivityResults = o.persistActivityResults ?? false;
    if (o.holdWorkUntilReady) this.held = new Set();
    const binding = (): RpcTypedData => this.clientBindingData();
    const invoke = o.invoke ?? inProcessInvoker(o.core);
    this.runner = new EpisodeRunner(o.core, binding, this.log, invoke);
    this.activities = new ActivityPool(
      {
        core: o.core,
        concurrency: Math.max(1, o.activityConcurrency ?? 32),
        capacity: () =>
          o.foreground?.busy ? (o.activityConcurrencyWhileServing ?? 2) : Number.POSITIVE_INFINITY,
        clientBinding: binding,
        log: this.log,
        invoke,
        track: (p) => this.track(p),
        report: (work, outcome) => this.reportActivity(work, outcome),
      },
      { held: o.holdWorkUntilReady },
    );
    this.timers = new TimerScheduler(o.clock, (e) =>
      this.logLine("error", `timer wake-up failed: ${errorMessage(e)}`),
    );
    this.watchers = new StatusWatchers((id) => this.getStatus(id));
    // A stepped clock advance waits for the episodes and activities its timers set off.
    const onSettle = o.clock.onSettle(() => this.settle());
    const onIdle = o.foreground?.onIdle(() => this.activities.pump());
    this.detachSettle = () => {
      onSettle();
      onIdle?.();
    };
  }

  private logLine(level: "warning" | "error", message: string, scope?: string): void {
    this.log({
      functionName: "DurableTask",
      invocationId: "engine",
      scope,
      level,
      category: "system",
      message,
    });
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

  /** With `holdWorkUntilReady`: the host is ready, run the work that waited (and everything after). */
  ready(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    for (const deliver of this.heldDeliveries.splice(0)) void deliver();
    for (const inst of held) this.kick(inst);
    this.activities.release();
  }

  /** Waits until no episode or activity is running; resolves true when it had to wait. */
  async settle(): Promise<boolean> {
    let waited = false;
    while (this.inFlight.size > 0) {
      waited = true;
      await Promise.allSettled([...this.inFlight]);
    }
    return waited;
  }

  /** Stops taking work and waits (up to `graceMs`) for running episodes and activities. */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    this.detachSettle();
    this.timers.stop();
    this.activities.close();
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
          this.logLine("warning", `stopped with ${this.inFlight.size} unfinished operation(s) abandoned`);
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
    this.detachSettle();
    this.timers.stop();
    this.activities.close();
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

  /** The value of a `durableClient` input binding, as the real host hands it to the worker. */
  clientBindingData(): RpcTypedData {
    return clientBindingData(this.publicBaseUrl(), this.taskHub);
  }

  /** statusQueryGetUri and friends for one instance (the same shape the real host's webhook API has). */
  managementUrls(instanceId: string): ManagementUrls {
    return managementUrls(this.publicBaseUrl(), this.taskHub, instanceId);
  }

  /** Serves `/runtime/webhooks/durabletask/*`; resolves false for any other path. */
  handleHttp(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    return handleDurableHttp(this, req, res, body);
  }

  // ---------------------------------------------------------------- in-process client API

  orchestratorNames(): string[] {
    return this.core.byTrigger("orchestrationTrigger").map((r) => r.metadata.name);
  }

  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    const registration = findFunction(this.core, name, "orchestrationTrigger");
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
    const s = await this.readState(partitionKeyOf(instanceId));
    return s ? toStatus(s) : undefined;
  }

  async getHistory(instanceId: string): Promise<HistoryEvent[] | undefined> {
    const pk = partitionKeyOf(instanceId);
    const s = await this.readState(pk);
    if (!s) return undefined;
    const rows = await this.store.readPartition(pk, historyPrefix(s.gen));
    return rows.flatMap((r) => JSON.parse(r.data) as HistoryEvent[]);
  }

  waitFor(
    instanceId: string,
    predicate: (status: InstanceStatus) => boolean,
    timeoutMs = 30_000,
  ): Promise<InstanceStatus> {
    return this.watchers.waitFor(instanceId, predicate, timeoutMs);
  }

  onChange(instanceId: string, listener: (status: InstanceStatus) => void): () => void {
    return this.watchers.onChange(instanceId, listener);
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
    await this.checkLive(instanceId);
    const at = this.arrivalStamp();
    const message: Message = { rk: eventRowKey(at), at, kind: "event", name: eventName, input: inputJson };
    await this.store.transact(partitionKeyOf(instanceId), [
      { op: "insert", row: messageRow(instanceId, message) },
    ]);
    await this.deliverStored(instanceId, message);
  }

  /**
   * Hands a message whose row is stored to the instance's live copy, loading it when it was let go
   * (the load reads the row). A copy let go meanwhile has either consumed the row or never had it
   * (it was loaded before the row was written); the row still being there tells which.
   */
  private async deliverStored(instanceId: string, message: Message): Promise<void> {
    const pk = partitionKeyOf(instanceId);
    for (;;) {
      const target = this.instances.get(instanceId) ?? (await this.recoverPartition(pk));
      if (!target) return;
      if (this.instances.get(instanceId) === target) {
        if (!target.inbox.some((m) => m.rk === message.rk)) target.inbox.push(message);
        this.kick(target);
        return;
      }
      if (isTerminal(target.s.status) || this.stopping) return;
      if (!(await this.store.readRow(pk, message.rk))) return;
    }
  }

  /**
   * Runs `fn` in the instance's turn on its live copy: a copy let go (see `letGoIfWaiting`) before
   * the turn came is stale, so the instance is loaded again. A copy loaded here is kept until its
   * turn (`loadedFor`), so this ends.
   */
  private async inTurn(instanceId: string, fn: (inst: Instance) => Promise<void>): Promise<void> {
    for (;;) {
      const inst = await this.liveInstance(instanceId);
      const ran = await this.serial(inst, async () => {
        if (this.instances.get(instanceId) !== inst) return false;
        inst.loadedFor = false;
        await fn(inst);
        return true;
      });
      if (ran) return;
    }
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    await this.inTurn(instanceId, async (inst) => {
      if (isTerminal(inst.s.status)) return;
      const now = this.clock.now();
      const { state, events, outbox } = terminateStep(inst.s, reason, now);
      this.timers.cancelAll(state.instanceId);
      inst.s = state;
      await this.commit(inst, events, [], outbox, now);
      this.evict(inst);
    });
  }

  async suspend(instanceId: string, reason: string): Promise<void> {
    await this.inTurn(instanceId, async (inst) => {
      const s = inst.s;
      if (!isTerminal(s.status) && s.status !== "Suspended") {
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
      }
      this.letGoIfWaiting(inst);
    });
  }

  async resume(instanceId: string, reason: string): Promise<void> {
    await this.inTurn(instanceId, async (inst) => {
      // Kicked from its turn, while this copy is surely the live one; that kick lets it go again
      // when it still only waits.
      this.kick(inst);
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
  }

  async purge(instanceId: string): Promise<boolean> {
    const status = await this.getStatus(instanceId);
    if (!status || !isTerminal(status.runtimeStatus)) return false;
    this.instances.delete(instanceId);
    await this.store.deletePartition(partitionKeyOf(instanceId));
    return true;
  }

  async query(filter: InstanceQuery): Promise<{ items: InstanceStatus[]; continuationToken?: string }> {
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

  /** 404 when the instance is missing, 410 when it already finished; loads nothing. */
  private async checkLive(instanceId: string): Promise<void> {
    const s = this.instances.get(instanceId)?.s ?? (await this.readState(partitionKeyOf(instanceId)));
    if (!s) throw new DurableHttpError(404, `No instance with ID '${instanceId}' found.`);
    if (isTerminal(s.status)) throw new DurableHttpError(410, `Instance ${instanceId} already finished.`);
  }

  /** The cached instance, or loads it; 404 when missing, 410 when it already finished. */
  private async liveInstance(instanceId: string): Promise<Instance> {
    const cached = this.instances.get(instanceId);
    if (cached) {
      if (isTerminal(cached.s.status))
        throw new DurableHttpError(410, `Instance ${instanceId} already finished.`);
      return cached;
    }
    const s = await this.readState(partitionKeyOf(instanceId));
    if (!s) throw new DurableHttpError(404, `No instance with ID '${instanceId}' found.`);
    if (isTerminal(s.status)) throw new DurableHttpError(410, `Instance ${instanceId} already finished.`);
    const loaded = await this.recoverPartition(partitionKeyOf(instanceId), true);
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
    if (this.stopping) throw stopping503();
    // Stored as Pending and answered, as the extension's backends do: the first episode runs after
    // the start returns, so a starter (an HTTP request, say) never waits for the orchestrator. The
    // insert decides between concurrent starts of one id, in this process or another.
    try {
      await this.store.transact(pk, [{ op: "insert", row: stateRow(s) }]);
    } catch (e) {
      if (e instanceof ConcurrencyError) {
        if (fromClient)
          throw new DurableHttpError(409, `An instance with ID '${instanceId}' already exists.`);
        return;
      }
      throw e;
    }
    const inst = new Instance(s);
    this.instances.set(instanceId, inst);
    this.notify(inst);
    this.kick(inst);
  }

  private async readState(pk: string): Promise<InstanceState | undefined> {
    const row = await this.store.readRow(pk, STATE_ROW);
    return row ? (JSON.parse(row.data) as InstanceState) : undefined;
  }

  /** Loads one partition into memory and resumes whatever it was doing. */
  private recoverPartition(pk: string, forClient = false): Promise<Instance | undefined> {
    let loading = this.loading.get(pk);
    if (!loading) {
      loading = this.loadPartition(pk, forClient).finally(() => this.loading.delete(pk));
      this.loading.set(pk, loading);
    }
    return loading;
  }

  private async loadPartition(pk: string, forClient: boolean): Promise<Instance | undefined> {
    const rows = await this.store.readPartition(pk);
    const stateRowFound = rows.find((r) => r.rowKey === STATE_ROW);
    if (!stateRowFound) return undefined;
    const s = JSON.parse(stateRowFound.data) as InstanceState;
    const already = this.instances.get(s.instanceId);
    if (already) return already;
    const inst = new Instance(s);
    inst.loadedFor = forClient;
    const prefix = historyPrefix(s.gen);
    const outboxRows: StoredRow[] = [];
    for (const row of rows) {
      if (row.rowKey.startsWith(prefix)) {
        for (const e of JSON.parse(row.data) as HistoryEvent[]) {
          e.IsPlayed = true;
          inst.history.push(e);
        }
      } else if (isMessageRow(row.rowKey)) {
        inst.inbox.push(JSON.parse(row.data) as Message);
      } else if (isOutboxRow(row.rowKey)) {
        outboxRows.push(row);
      }
    }
    inst.inbox.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    if (!isTerminal(s.status)) this.instances.set(s.instanceId, inst);
    if (outboxRows.length > 0) {
      const deliver = (): Promise<void> =>
        this.serial(inst, async () => {
          for (const row of outboxRows) await this.deliverOutbox(JSON.parse(row.data) as OutboxItem[]);
          await this.clearOutbox(
            inst,
            outboxRows.map((r) => r.rowKey),
          );
        });
      // Delivering starts other instances, which is work: while work is held it waits for `ready()`.
      if (this.held) {
        this.heldDeliveries.push(() =>
          deliver().catch((e) =>
            this.logLine("error", `could not deliver the outbox: ${errorMessage(e)}`, s.instanceId),
          ),
        );
      } else {
        await deliver();
      }
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
        this.activities.enqueue({
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
    inst.pending++;
    const p = inst.tail.then(fn).finally(() => inst.pending--);
    inst.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return this.track(p);
  }

  private kick(inst: Instance): void {
    if (this.stopping) return;
    if (this.held) {
      this.held.add(inst);
      return;
    }
    if (inst.kicked) return;
    inst.kicked = true;
    void this.serial(inst, async () => {
      inst.kicked = false;
      try {
        while (!this.stopping && this.hasWork(inst)) await this.episode(inst);
        this.letGoIfWaiting(inst);
      } catch (e) {
        // Memory may be ahead of the store now: forget the instance and reload it from its rows.
        const id = inst.s.instanceId;
        this.timers.cancelAll(id);
        if (this.instances.get(id) === inst) this.instances.delete(id);
        if (this.stopping) return;
        // Backing off: a failure that repeats (e.g. the store is down) must not spin.
        const attempt = (this.reloadAttempts.get(id) ?? 0) + 1;
        this.reloadAttempts.set(id, attempt);
        const delay = Math.min(60_000, 500 * 2 ** attempt);
        this.logLine(
          "error",
          `episode failed (${errorMessage(e)}); reloading the instance in ${delay} ms`,
          id,
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

  /** One orchestrator episode: the runner computes it, one transaction commits it, then its work starts. */
  private async episode(inst: Instance): Promise<void> {
    inst.loadedFor = false;
    const s = inst.s;
    const now = this.clock.now();
    if (isTerminal(s.status)) {
      // Inputs that arrived after the end (e.g. a late activity result) are dropped.
      const stale = inst.inbox.splice(0, MAX_MESSAGES_PER_EPISODE).filter((m) => !m.mem);
      await this.store.transact(
        partitionKeyOf(s.instanceId),
        stale.map((m) => ({ op: "delete", rowKey: m.rk })),
      );
      return;
    }
    const outcome = await this.runner.run(s, inst.history, inst.inbox, now);
    if ("stale" in outcome) {
      // Only stale inputs: drop them.
      inst.inbox.splice(0, outcome.stale.taken);
      if (outcome.stale.consumed.length > 0) {
        await this.store.transact(
          partitionKeyOf(s.instanceId),
          outcome.stale.consumed.map((rk) => ({ op: "delete", rowKey: rk })),
        );
      }
      return;
    }
    const r = outcome.result;
    inst.inbox.splice(0, r.taken);
    inst.s = r.state;
    if (r.closeAll) this.timers.cancelAll(s.instanceId);
    else this.timers.cancel(s.instanceId, r.cancelTimers);
    await this.commit(inst, r.events, r.consumed, r.outbox, now, r.continuedAsNew);
    if (r.continuedAsNew) {
      // Next execution: fresh numbering, fresh history. Results for the old one are dropped;
      // events raised but not yet delivered carry over (delivered-but-unconsumed ones are gone).
      inst.inbox = inst.inbox.filter((m) => m.kind === "event");
    }
    for (const timer of r.timers) this.armTimer(inst, timer.task, timer.at);
    for (const work of r.dispatch) this.activities.enqueue(work);
    if (isTerminal(inst.s.status)) this.evict(inst);
  }

  /**
   * An instance that only waits (on timers, external events, or suspended) with nothing in its inbox,
   * no activity or sub-orchestration out and no outbox needs no memory: its rows hold everything, and
   * it is loaded again when a timer is due (timers wake by id), input arrives, or a client names it.
   * Thousands of invitations and migrations wait like this for weeks. Called from the instance's turn,
   * so nothing else works on this copy meanwhile; any later work finds it gone from `instances`.
   */
  private letGoIfWaiting(inst: Instance): void {
    const s = inst.s;
    if (s.status !== "Running" && s.status !== "Suspended") return;
    if (inst.loadedFor || inst.kicked || inst.pending > 1 || this.held) return;
    if (s.outbox || inst.inbox.length > 0) return;
    for (const task of Object.values(s.open)) if (task.k !== "t") return;
    if (this.instances.get(s.instanceId) === inst) this.instances.delete(s.instanceId);
  }

  /** How many instances the engine holds in memory (waiting ones are not held: see letGoIfWaiting). */
  heldInstances(): number {
    return this.instances.size;
  }

  /** Activities waiting for a turn (see `activityConcurrencyWhileServing`). */
  queuedActivities(): number {
    return this.activities.queued;
  }

  /** How many timer wake-ups are armed (each holds an instance id, a task and a due time). */
  armedTimers(): number {
    return this.timers.size();
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
    const ops: RowOp[] = [{ op: "upsert", row: stateRow(s) }];
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
      const registration = findFunction(this.core, item.name, "orchestrationTrigger");
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
    const ops: RowOp[] = [{ op: "upsert", row: stateRow(s) }];
    for (const rk of rowKeys) ops.push({ op: "delete", rowKey: rk });
    await this.store.transact(partitionKeyOf(s.instanceId), ops);
  }

  private arrivalStamp(): string {
    this.messageCounter = (this.messageCounter + 1) % 1_000_000;
    return arrivalStamp(this.clock.now(), this.messageCounter);
  }

  private async reportActivity(work: ActivityWork, outcome: ActivityOutcome): Promise<void> {
    if (this.abandoned) return;
    try {
      await this.deliverResult(work.instanceId, { gen: work.gen, task: work.task, ...outcome }, true);
    } catch (e) {
      this.logLine(
        "error",
        `could not record the result of ${work.name}: ${errorMessage(e)}`,
        work.instanceId,
      );
    }
  }

  /** Records a task result in the target's partition (once per task id) and wakes the instance. */
  private async deliverResult(instanceId: string, r: TaskResult, fromActivity = false): Promise<void> {
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
        { op: "insert", row: messageRow(instanceId, message) },
      ]);
    } catch (e) {
      if (e instanceof ConcurrencyError) return; // recorded already (the activity ran twice)
      throw e;
    }
    await this.deliverStored(instanceId, message);
  }

  private armTimer(inst: Instance, task: number, at: number): void {
    // By id, not by object: an armed timer must not keep a let-go instance (and its history) alive.
    this.timers.arm(inst.s.instanceId, task, at, (id) => this.wake(id));
  }

  /** A timer of `instanceId` is due: kick its live copy, or load it (loading kicks it). */
  private wake(instanceId: string): void {
    const live = this.instances.get(instanceId);
    if (live) return this.kick(live);
    if (this.stopping) return;
    // Tracked, so a stepped clock advance waits for the load and the episode it starts.
    void this.track(this.recoverPartition(partitionKeyOf(instanceId))).catch((e: unknown) =>
      this.logLine("error", `could not load the instance: ${errorMessage(e)}`, instanceId),
    );
  }

  private notify(inst: Instance): void {
    if (!this.watchers.has(inst.s.instanceId)) return;
    this.watchers.notify(inst.s.instanceId, toStatus(inst.s));
  }
}
