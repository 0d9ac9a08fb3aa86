/**
 * The in-process client API of the durable engine (what the durable client's HTTP calls, tests and the
 * benchmark use), the `durableClient` binding value and management URLs built for it, and the status
 * watchers behind `waitFor` / `onChange`. The HTTP management API (`http-api.ts`) is built on the
 * `DurableClientApi` interface only.
 */
import type { RpcTypedData } from "../worker/rpc";
import type { HistoryEvent } from "./history";
import type { InstanceQuery, InstanceStatus, ManagementUrls, RuntimeStatus } from "./types";

export interface DurableClientApi {
  readonly taskHub: string;
  /** Starts an orchestration; a terminal instance with the same id is replaced, a live one refused (409). */
  startNew(name: string, options?: { instanceId?: string; input?: unknown }): Promise<string>;
  getStatus(instanceId: string): Promise<InstanceStatus | undefined>;
  /** The history of the current execution, read from the store (what was durably recorded). */
  getHistory(instanceId: string): Promise<HistoryEvent[] | undefined>;
  waitForStatus(instanceId: string, statuses?: RuntimeStatus[], timeoutMs?: number): Promise<InstanceStatus>;
  raiseEvent(instanceId: string, eventName: string, inputJson: string): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
  suspend(instanceId: string, reason: string): Promise<void>;
  resume(instanceId: string, reason: string): Promise<void>;
  /** Deletes a finished instance and all its rows. Resolves false when there is nothing to purge. */
  purge(instanceId: string): Promise<boolean>;
  query(filter: InstanceQuery): Promise<{ items: InstanceStatus[]; continuationToken?: string }>;
  managementUrls(instanceId: string): ManagementUrls;
}

/** Where the durable client's URLs point: `{publicBaseUrl}/runtime/webhooks/durabletask`. */
export function webhookBase(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, "")}/runtime/webhooks/durabletask`;
}

function taskHubQuery(taskHub: string): string {
  return `taskHub=${encodeURIComponent(taskHub)}&connection=Storage`;
}

/** statusQueryGetUri and friends for one instance (the same shape the real host's webhook API has). */
export function managementUrls(publicBaseUrl: string, taskHub: string, instanceId: string): ManagementUrls {
  const base = webhookBase(publicBaseUrl);
  const qs = taskHubQuery(taskHub);
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

/** The value of a `durableClient` input binding, as the real host hands it to the worker. */
export function clientBindingData(publicBaseUrl: string, taskHub: string): RpcTypedData {
  const base = webhookBase(publicBaseUrl);
  const qs = taskHubQuery(taskHub);
  return {
    json: JSON.stringify({
      taskHubName: taskHub,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${qs}`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${qs}`,
      },
      managementUrls: managementUrls(publicBaseUrl, taskHub, "INSTANCEID"),
      baseUrl: base,
      requiredQueryStringParameters: qs,
      rpcBaseUrl: `${base}/`,
    }),
  };
}

/** Listeners per instance, called after every commit; `waitFor` is event driven (no polling interval). */
export class StatusWatchers {
  private readonly listeners = new Map<string, Set<(status: InstanceStatus) => void>>();

  constructor(private readonly read: (instanceId: string) => Promise<InstanceStatus | undefined>) {}

  has(instanceId: string): boolean {
    return (this.listeners.get(instanceId)?.size ?? 0) > 0;
  }

  notify(instanceId: string, status: InstanceStatus): void {
    const set = this.listeners.get(instanceId);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) listener(status);
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

  /**
   * Resolves with the status once `predicate` holds (checked now and after every change of the
   * instance), or rejects after `timeoutMs`.
   */
  waitFor(
    instanceId: string,
    predicate: (status: InstanceStatus) => boolean,
    timeoutMs = 30_000,
  ): Promise<InstanceStatus> {
    return new Promise<InstanceStatus>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | undefined, status?: InstanceStatus): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        if (err) reject(err);
        else resolve(status as InstanceStatus);
      };
      const listener = (status: InstanceStatus): void => {
        if (predicate(status)) finish(undefined, status);
      };
      const timer = setTimeout(() => {
        void this.read(instanceId).then((s) =>
          finish(
            new Error(
              `Timed out waiting for instance ${instanceId} (last status: ${s?.runtimeStatus ?? "none"}).`,
            ),
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.onChange(instanceId, listener);
      void this.read(instanceId).then((status) => {
        if (status) listener(status);
      });
    });
  }
}
