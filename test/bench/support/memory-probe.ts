/**
 * Preloaded into a host (`node --expose-gc --require dist/test/bench/support/memory-probe.js ...`):
 * on the IPC message `memory` it collects garbage and answers with the heap in use and the resident
 * set, so a benchmark compares what the process holds rather than what the collector has not yet
 * reclaimed. The app is not changed for it.
 */
export interface MemoryMessage {
  type: "memory";
  heapUsedMiB: number;
  rssMiB: number;
}

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

process.on("message", (message: { type?: string }) => {
  if (message?.type !== "memory") return;
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass may only queue finalizers that free more on the second.
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  const answer: MemoryMessage = { type: "memory", heapUsedMiB: mib(usage.heapUsed), rssMiB: mib(usage.rss) };
  process.send?.(answer);
});
