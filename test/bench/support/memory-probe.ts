/**
 * Preloaded into a host (`node --expose-gc --require dist/test/bench/support/memory-probe.js ...`):
 * on the IPC message `memory` it collects garbage and answers with the heap in use and the resident
 * set, so a benchmark compares what the process holds rather than what the collector has not yet
 * reclaimed. The app is not changed for it.
 *
 * Node loads the preload in every thread, and each thread's V8 heap is its own: a collection on the
 * main thread leaves the durable thread's garbage in place, and an idle thread collects nothing by
 * itself. So the main thread asks every other thread that has loaded the probe to collect too and
 * waits for their heaps before it reads the resident set (a burst of work left the durable thread
 * holding about 100 MiB of garbage that the resident set counted).
 */
import { BroadcastChannel, isMainThread, threadId } from "node:worker_threads";

export interface MemoryMessage {
  type: "memory";
  /** The main thread's heap in use, where the durable engine keeps what it holds of each instance. */
  heapUsedMiB: number;
  /** The other threads' heaps in use (the app's durable copy), after their own collections. */
  threadsHeapUsedMiB: number;
  rssMiB: number;
  /** Threads that loaded the probe but did not answer in time (their garbage may be in `rssMiB`). */
  silentThreads: number;
}

type ThreadMessage =
  | { type: "hello" | "bye"; thread: number }
  | { type: "collect"; round: number }
  | { type: "collected"; round: number; thread: number; heapUsed: number };

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
/** A thread busy for longer than this is reported as silent rather than waited for. */
const ANSWER_TIMEOUT_MS = 5_000;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass may only queue finalizers that free more on the second.
  gc?.();
  gc?.();
}

const threads = new BroadcastChannel("bench-memory-probe");
threads.unref();

if (!isMainThread) {
  threads.onmessage = (event) => {
    const message = (event as { data: ThreadMessage }).data;
    if (message.type !== "collect") return;
    collectGarbage();
    threads.postMessage({
      type: "collected",
      round: message.round,
      thread: threadId,
      heapUsed: process.memoryUsage().heapUsed,
    } satisfies ThreadMessage);
  };
  threads.postMessage({ type: "hello", thread: threadId } satisfies ThreadMessage);
  process.on("exit", () => threads.postMessage({ type: "bye", thread: threadId } satisfies ThreadMessage));
} else {
  const workers = new Set<number>();
  let round = 0;
  let pending: { round: number; waiting: Set<number>; heapUsed: number; done: () => void } | undefined;
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
    } else if (message.type === "collected" && pending?.round === message.round) {
      if (!pending.waiting.delete(message.thread)) return;
      pending.heapUsed += message.heapUsed;
      settleIfDone();
    }
  };

  /** Every other thread collects; resolves with their heaps in use and how many did not answer. */
  const collectThreads = (): Promise<{ heapUsed: number; silent: number }> =>
    new Promise((resolve) => {
      const waiting = new Set(workers);
      const finish = (): void => {
        clearTimeout(timer);
        pending = undefined;
        resolve({ heapUsed: current.heapUsed, silent: waiting.size });
      };
      const timer = setTimeout(finish, ANSWER_TIMEOUT_MS);
      const current = { round: ++round, waiting, heapUsed: 0, done: finish };
      pending = current;
      threads.postMessage({ type: "collect", round } satisfies ThreadMessage);
      settleIfDone();
    });

  process.on("message", (message: { type?: string }) => {
    if (message?.type !== "memory") return;
    void collectThreads().then(({ heapUsed, silent }) => {
      collectGarbage();
      const usage = process.memoryUsage();
      const answer: MemoryMessage = {
        type: "memory",
        heapUsedMiB: mib(usage.heapUsed),
        threadsHeapUsedMiB: mib(heapUsed),
        rssMiB: mib(usage.rss),
        silentThreads: silent,
      };
      process.send?.(answer);
    });
  });
}
