/**
 * Counts the Cosmos DB requests of the process it is preloaded into (`node --require
 * dist/test/bench/support/cosmos-counter.js ...`), at the client: every HTTP request the
 * `@azure/cosmos` SDK sends to `COSMOS_ENDPOINT` is seen on Node's `http.client.request.start`
 * diagnostics channel, classified by method, path and the SDK's headers, and tallied per container.
 * The app is not changed for it. The benchmark reads and resets the tally over the IPC channel.
 *
 * Node loads the preload in every thread and each has its own channels, so each thread keeps its
 * own running tally; the main thread collects the others' only when the benchmark asks. Counting
 * therefore costs no message between threads per request: a message per request woke the main
 * thread for every Cosmos call of the durable functions' thread, an overhead of the measurement
 * that fell on the durable phase alone.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import { BroadcastChannel, isMainThread, threadId } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { ClientRequest } from "node:http";
import { classifyCosmosRequest, type CosmosRequestKind } from "./cosmos-kinds";

/** This thread's counts since it loaded, by `kind|container`; never cleared (resets are snapshots). */
const tally = new Map<string, number>();

// The host sets COSMOS_ENDPOINT once its Cosmos server is up (after this preload ran): parsed once per value.
let endpointSeen: string | undefined;
let cosmosHostOfEndpoint: string | undefined;
function cosmosHost(): string | undefined {
  const endpoint = process.env.COSMOS_ENDPOINT;
  if (endpoint !== endpointSeen) {
    endpointSeen = endpoint;
    try {
      cosmosHostOfEndpoint = endpoint ? new URL(endpoint).host : undefined;
    } catch {
      cosmosHostOfEndpoint = undefined;
    }
  }
  return cosmosHostOfEndpoint;
}

/** Between the threads of one host: who is there, and each one's tally when the main thread asks. */
type ThreadMessage =
  | { type: "hello" | "bye"; thread: number }
  | { type: "collect"; round: number }
  | { type: "tally"; round: number; thread: number; entries: [string, number][] };

const threads = new BroadcastChannel("bench-cosmos-counter");
threads.unref();
/**
 * A thread makes itself known with its first counted request: the main thread waits for the tallies
 * of those alone, so a thread stopped without counting anything (the host ends an app's durable
 * thread when the app has no durable functions) is never waited for.
 */
let announced = false;

diagnosticsChannel.subscribe("http.client.request.start", (message) => {
  const request = (message as { request: ClientRequest }).request;
  const host = cosmosHost();
  if (!host || request.getHeader("host") !== host) return;
  const header = (name: string): string | undefined => {
    const value = request.getHeader(name);
    return value === undefined ? undefined : String(value);
  };
  const { kind, container } = classifyCosmosRequest(request.method, request.path, header);
  const key = `${kind}|${container}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  if (!isMainThread && !announced) {
    announced = true;
    threads.postMessage({ type: "hello", thread: threadId } satisfies ThreadMessage);
  }
});

if (!isMainThread) {
  threads.onmessage = (event) => {
    const message = (event as { data: ThreadMessage }).data;
    if (message.type === "collect")
      threads.postMessage({
        type: "tally",
        round: message.round,
        thread: threadId,
        entries: [...tally],
      } satisfies ThreadMessage);
  };
  process.on("exit", () => threads.postMessage({ type: "bye", thread: threadId } satisfies ThreadMessage));
}

export interface CosmosCountsMessage {
  type: "cosmos-counts";
  counts: { kind: CosmosRequestKind; container: string; count: number }[];
  /**
   * CPU the host spent since the last reset, in ms: all its threads (`process.cpuUsage`, user and
   * system) and the main thread alone. Unlike throughput on a shared
   * machine, these hardly move with the other processes' load.
   */
  cpu: { processMs: number; mainThreadMs: number };
}

/**
 * The main thread's CPU time in ms, from Linux's per-thread counters (the main thread's id is the
 * process id); elsewhere its event loop's busy time, which also counts waiting for a busy CPU.
 */
function mainThreadMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return performance.eventLoopUtilization().active;
  }
}
const CLOCK_TICKS = 100;

/** A thread that has not answered within this long is reported, never silently left out. */
const COLLECT_TIMEOUT_MS = 10_000;

if (isMainThread) {
  const workers = new Set<number>();
  let round = 0;
  let pending:
    | {
        round: number;
        waiting: Set<number>;
        included: Set<number>;
        sum: Map<string, number>;
        done: () => void;
      }
    | undefined;

  const settleIfDone = (): void => {
    if (pending && pending.waiting.size === 0) pending.done();
  };
  threads.onmessage = (event) => {
    const message = (event as { data: ThreadMessage }).data;
    if (message.type === "hello") workers.add(message.thread);
    else if (message.type === "bye") {
      workers.delete(message.thread);
      pending?.waiting.delete(message.thread);
      settleIfDone();
    } else if (message.type === "tally" && pending?.round === message.round) {
      // A thread whose hello is still on its way answers too: counted, once.
      if (pending.included.has(message.thread)) return;
      pending.included.add(message.thread);
      pending.waiting.delete(message.thread);
      for (const [key, n] of message.entries) pending.sum.set(key, (pending.sum.get(key) ?? 0) + n);
      settleIfDone();
    }
  };

  /** Every thread's running tally, summed. */
  const collect = (): Promise<Map<string, number>> =>
    new Promise((resolve, reject) => {
      const sum = new Map(tally);
      const waiting = new Set(workers);
      const timer = setTimeout(() => {
        pending = undefined;
        reject(new Error(`threads ${[...waiting].join(", ")} did not report their Cosmos counts`));
      }, COLLECT_TIMEOUT_MS);
      pending = {
        round: ++round,
        waiting,
        included: new Set(),
        sum,
        done: () => {
          clearTimeout(timer);
          pending = undefined;
          resolve(sum);
        },
      };
      threads.postMessage({ type: "collect", round } satisfies ThreadMessage);
      settleIfDone();
    });

  let countsFrom = new Map<string, number>();
  let cpuFrom = process.cpuUsage();
  let mainFrom = mainThreadMs();

  process.on("message", (message: { type?: string }) => {
    if (message?.type === "cosmos-reset") {
      void collect().then(
        (now) => {
          countsFrom = now;
          cpuFrom = process.cpuUsage();
          mainFrom = mainThreadMs();
          process.send?.({ type: "cosmos-reset-done" });
        },
        (e: unknown) => process.send?.({ type: "cosmos-reset-done", error: String(e) }),
      );
    } else if (message?.type === "cosmos-counts") {
      const used = process.cpuUsage(cpuFrom);
      const cpu = {
        processMs: (used.user + used.system) / 1000,
        mainThreadMs: mainThreadMs() - mainFrom,
      };
      void collect().then(
        (now) => {
          const counts = [...now]
            .map(([key, n]) => {
              const [kind, container] = key.split("|") as [CosmosRequestKind, string];
              return { kind, container, count: n - (countsFrom.get(key) ?? 0) };
            })
            .filter((c) => c.count > 0);
          process.send?.({ type: "cosmos-counts", counts, cpu } satisfies CosmosCountsMessage);
        },
        (e: unknown) => process.send?.({ type: "cosmos-counts", error: String(e) }),
      );
    }
  });
  // The IPC channel must not keep a stopping host alive.
  process.channel?.unref();
}
