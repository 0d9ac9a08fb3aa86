import type { Clock } from "../../application/ports";

const HOST_CLOCK = Symbol.for("azure-functions-localhost.clock");

/**
 * The system clock, unless the local Functions host published its own (it can run a virtual clock
 * that tests and demos move forward). The real Functions host publishes none.
 */
export function resolveClock(): Clock {
  const published = (globalThis as Record<symbol, unknown>)[HOST_CLOCK] as { now(): Date } | undefined;
  if (published && typeof published.now === "function") return { now: () => published.now() };
  return { now: () => new Date() };
}
