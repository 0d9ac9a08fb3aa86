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
import { isMainThread } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { ClientRequest } from "node:http";
import { classifyCosmosRequest, type CosmosRequestKind } from "./cosmos-kinds";
import { threadPoll } from "./thread-poll";

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

/**
 * The other threads' tallies when the main thread asks. A thread takes part from its first counted
 * request: a thread stopped without counting anything (the host ends an app's durable thread when
 * the app has no durable functions) is never waited for, and one that does not answer in time makes
 * the counts an error rather than short.
 */
const poll = threadPoll<[string, number][]>("bench-cosmos-counter", {
  answer: () => [...tally],
  announceOnLoad: false,
  timeoutMs: 10_000,
});

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
  poll.announce();
});

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

if (isMainThread) {
  /** Every thread's running tally, summed. */
  const collect = async (): Promise<Map<string, number>> => {
    const { answers, silent } = await poll.ask();
    if (silent > 0) throw new Error(`${silent} thread(s) did not report their Cosmos counts`);
    const sum = new Map(tally);
    for (const [key, n] of answers.flat()) sum.set(key, (sum.get(key) ?? 0) + n);
    return sum;
  };

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
