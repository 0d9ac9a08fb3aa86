/**
 * Named fault points: places in the local host where a test can make the process die with SIGKILL,
 * as a power cut or an out-of-memory kill would, to prove that a restart on the same data loses
 * nothing and repeats nothing the client can see. Azure runs the real Functions host, so these
 * points never exist in a deployment.
 *
 * `LOCALHOST_FAULTS` arms them, comma-separated, each `point` or `point@n` (die on the n-th time
 * the point is passed, default the first):
 *
 * - `activity:<name>:before`: an activity is about to run (the work item was taken).
 * - `activity:<name>:after`: the activity returned (its effects are done) and its result is not
 *   recorded yet.
 * - `cosmos-write`: the embedded Cosmos server answered a write (create, replace, upsert, patch,
 *   delete, batch) after it was on disk; the client may or may not have read the answer.
 *
 * Unset (the default) nothing is armed and no point costs more than a counter increment. The host
 * counts every point passed (`/admin/host/status` → `faults.passed`), so a clean run tells a test
 * which points a journey passes and how many Cosmos writes it makes.
 */

import { flushInvocationLog } from "./worker/invoke";

export interface FaultPoints {
  /** Passes a point: counts it, and kills the process if it is armed for this pass. */
  hit(point: string): void;
  /** How often each point was passed since the process started. */
  passed(): Record<string, number>;
  /** The armed points, as parsed. */
  readonly armed: readonly { point: string; at: number }[];
  /** Adds the counts of points passed in another thread (the embedded Cosmos worker) to `passed`. */
  include(counts: () => Record<string, number>): void;
}

export function activityFaultPoint(name: string, when: "before" | "after"): string {
  return `activity:${name}:${when}`;
}

export const COSMOS_WRITE = "cosmos-write";

/** Parses `LOCALHOST_FAULTS`; throws on a malformed entry so a typo never passes silently. */
export function parseFaultSpec(spec: string | undefined): { point: string; at: number }[] {
  if (!spec || spec.trim() === "") return [];
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((entry) => {
      const m = /^(activity:[^:@,]+:(?:before|after)|cosmos-write)(?:@(\d+))?$/.exec(entry);
      if (!m) {
        throw new Error(
          `LOCALHOST_FAULTS: "${entry}" is not a fault point (activity:<name>:before|after or cosmos-write, optionally @n).`,
        );
      }
      const at = m[2] === undefined ? 1 : Number(m[2]);
      if (at < 1) throw new Error(`LOCALHOST_FAULTS: "${entry}": n counts from 1.`);
      return { point: m[1] as string, at };
    });
}

export function createFaultPoints(
  spec: string | undefined,
  die: () => void = () => {
    // The lines that led here are what a failing fault test shows.
    flushInvocationLog();
    process.kill(process.pid, "SIGKILL");
  },
  onPass?: (point: string, n: number) => void,
): FaultPoints {
  const armed = parseFaultSpec(spec);
  const counts = new Map<string, number>();
  const others: (() => Record<string, number>)[] = [];
  return {
    armed,
    hit(point) {
      const n = (counts.get(point) ?? 0) + 1;
      counts.set(point, n);
      onPass?.(point, n);
      if (armed.some((a) => a.point === point && a.at === n)) die();
    },
    passed: () => {
      const all = Object.fromEntries(counts);
      for (const other of others)
        for (const [point, n] of Object.entries(other())) if (n > 0) all[point] = (all[point] ?? 0) + n;
      return all;
    },
    include: (source) => others.push(source),
  };
}

let current: FaultPoints | undefined;

/**
 * Replaces the process's fault points; the embedded Cosmos worker thread installs its own, which
 * publish what they count to the main thread (a worker has its own module state).
 */
export function installFaultPoints(points: FaultPoints): void {
  current = points;
}

/**
 * The process's fault points, armed from `LOCALHOST_FAULTS` on first use (after the host applied
 * local.settings.json to the environment).
 */
export function faultPoints(): FaultPoints {
  current ??= createFaultPoints(process.env.LOCALHOST_FAULTS);
  return current;
}

/**
 * `LOCALHOST_COSMOS_FAULTS`: dependency faults of the embedded Cosmos server, comma-separated
 * `status:n`, each answering every n-th write with that status instead of applying it: `429`
 * (request rate too large, with `x-ms-retry-after-ms`), `503` (service unavailable), `412` (an
 * ETag conflict, only for writes that carry `If-Match`). Off unless set.
 */
export interface CosmosFault {
  status: 429 | 503 | 412;
  every: number;
}

export function parseCosmosFaults(spec: string | undefined): CosmosFault[] {
  if (!spec || spec.trim() === "") return [];
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((entry) => {
      const m = /^(429|503|412):(\d+)$/.exec(entry);
      if (!m || Number(m[2]) < 1) {
        throw new Error(
          `LOCALHOST_COSMOS_FAULTS: "${entry}" is not status:n (status 429, 503 or 412, n >= 1).`,
        );
      }
      return { status: Number(m[1]) as CosmosFault["status"], every: Number(m[2]) };
    });
}
