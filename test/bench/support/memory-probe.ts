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
  /**
   * What every thread's V8 heap holds from the system (used or not) and what its JavaScript objects
   * hold outside the heap (buffers, native handles), all threads together: beside `rssMiB` they
   * tell which part of the resident set is V8's, and the rest is the allocator's and the code's.
   */
  heapsCommittedMiB: number;
  externalMiB: number;
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

type ThreadMemory = Pick<NodeJS.MemoryUsage, "heapUsed" | "heapTotal" | "external">;

const threadMemory = (): ThreadMemory => {
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  return { heapUsed, heapTotal, external };
};

/** Each other thread collects when asked and answers with its heap (bytes). */
const poll = threadPoll<ThreadMemory>("bench-memory-probe", {
  answer: () => {
    collectGarbage();
    return threadMemory();
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
      const all = [usage, ...answers];
      const sum = (list: ThreadMemory[], key: keyof ThreadMemory): number =>
        list.reduce((total, thread) => total + thread[key], 0);
      const answer: MemoryMessage = {
        type: "memory",
        heapUsedMiB: mib(usage.heapUsed),
        threadsHeapUsedMiB: mib(sum(answers, "heapUsed")),
        heapsCommittedMiB: mib(sum(all, "heapTotal")),
        externalMiB: mib(sum(all, "external")),
        rssMiB: mib(usage.rss),
        silentThreads: silent,
      };
      process.send?.(answer);
    });
  });
