/**
 * Counts the Cosmos DB requests of the process it is preloaded into (`node --require
 * dist/test/bench/support/cosmos-counter.js ...`), at the client: every HTTP request the
 * `@azure/cosmos` SDK sends to `COSMOS_ENDPOINT` is seen on Node's `http.client.request.start`
 * diagnostics channel, classified by method, path and the SDK's headers, and tallied per container.
 * The app is not changed for it. The benchmark reads and resets the tally over the IPC channel.
 * Node loads the preload in every thread and each has its own channels: a worker thread (the app's
 * durable functions run on one) passes each request it sees to the main thread's tally.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import { BroadcastChannel, isMainThread } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { ClientRequest } from "node:http";
import { classifyCosmosRequest, type CosmosRequestKind } from "./cosmos-kinds";

const tally = new Map<string, number>();

function cosmosHost(): string | undefined {
  const endpoint = process.env.COSMOS_ENDPOINT;
  if (!endpoint) return undefined;
  try {
    return new URL(endpoint).host;
  } catch {
    return undefined;
  }
}

diagnosticsChannel.subscribe("http.client.request.start", (message) => {
  const request = (message as { request: ClientRequest }).request;
  const host = cosmosHost();
  if (!host || request.getHeader("host") !== host) return;
  const header = (name: string): string | undefined => {
    const value = request.getHeader(name);
    return value === undefined ? undefined : String(value);
  };
  const { kind, container } = classifyCosmosRequest(request.method, request.path, header);
  count(`${kind}|${container}`);
});

const threads = new BroadcastChannel("bench-cosmos-counter");
threads.unref();
function count(key: string): void {
  if (isMainThread) tally.set(key, (tally.get(key) ?? 0) + 1);
  else threads.postMessage(key);
}
if (isMainThread) threads.onmessage = (event) => count(String((event as { data: unknown }).data));

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

let cpuFrom = process.cpuUsage();
let mainFrom = mainThreadMs();

if (isMainThread)
  process.on("message", (message: { type?: string }) => {
    if (message?.type === "cosmos-reset") {
      tally.clear();
      cpuFrom = process.cpuUsage();
      mainFrom = mainThreadMs();
      process.send?.({ type: "cosmos-reset-done" });
    } else if (message?.type === "cosmos-counts") {
      const counts = [...tally].map(([key, count]) => {
        const [kind, container] = key.split("|") as [CosmosRequestKind, string];
        return { kind, container, count };
      });
      const used = process.cpuUsage(cpuFrom);
      const cpu = {
        processMs: (used.user + used.system) / 1000,
        mainThreadMs: mainThreadMs() - mainFrom,
      };
      process.send?.({ type: "cosmos-counts", counts, cpu } satisfies CosmosCountsMessage);
    }
  });
// The IPC channel must not keep a stopping host alive.
if (isMainThread) process.channel?.unref();
