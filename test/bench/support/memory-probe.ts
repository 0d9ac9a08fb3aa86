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
import { isMainThread } from "node:worker_threads";
import { threadPoll } from "./thread-poll";

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

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass may only queue finalizers that free more on the second.
  gc?.();
  gc?.();
}

/** Each other thread collects when asked and answers with its heap in use (bytes). */
const poll = threadPoll<number>("bench-memory-probe", {
  answer: () => {
    collectGarbage();
    return process.memoryUsage().heapUsed;
  },
  announceOnLoad: true,
  // A thread busy for longer than this is reported as silent rather than waited for.
  timeoutMs: 5_000,
});

if (isMainThread)
  process.on("message", (message: { type?: string }) => {
    if (message?.type !== "memory") return;
    void poll.ask().then(({ answers, silent }) => {
      collectGarbage();
      const usage = process.memoryUsage();
      const answer: MemoryMessage = {
        type: "memory",
        heapUsedMiB: mib(usage.heapUsed),
        threadsHeapUsedMiB: mib(answers.reduce((sum, n) => sum + n, 0)),
        rssMiB: mib(usage.rss),
        silentThreads: silent,
      };
      process.send?.(answer);
    });
  });
