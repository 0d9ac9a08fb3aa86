/**
 * The host's clock. Real by default; virtual (`CLOCK=virtual`) runs with real time plus an offset
 * that only moves forward, so durable timers, timer triggers and "now" in functions jump together.
 */
export interface HostClock {
  readonly virtual: boolean;
  now(): number;
  /** Moves a virtual clock forward; throws on a real clock. Returns the new now. */
  advance(ms: number): number;
  /** Called after every advance, so schedulers can re-evaluate what has become due. */
  onAdvance(listener: () => void): () => void;
}

export function createClock(virtual: boolean, startOffsetMs = 0): HostClock {
  let offset = startOffsetMs;
  const listeners = new Set<() => void>();
  return {
    virtual,
    now: () => Date.now() + offset,
    advance(ms: number): number {
      if (!virtual) throw new Error("The clock is real; start the host with CLOCK=virtual to move it.");
      if (!Number.isFinite(ms) || ms < 0) throw new Error("The clock only moves forward.");
      offset += ms;
      for (const listener of [...listeners]) listener();
      return Date.now() + offset;
    },
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Where an app running inside the local host finds the host's time without importing the host. */
export const HOST_CLOCK_GLOBAL = Symbol.for("azure-functions-localhost.clock");

export function publishClock(clock: HostClock): void {
  (globalThis as Record<symbol, unknown>)[HOST_CLOCK_GLOBAL] = { now: () => new Date(clock.now()) };
}

interface Due {
  id: number;
  at: number;
  run: () => void;
}

// setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); longer waits are re-armed.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A due-time index driven by one Node timer. Handles waits of any length (months) and reacts to a
 * virtual clock jumping forward.
 */
export class Scheduler {
  private readonly items: Due[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly clock: HostClock) {
    this.unsubscribe = clock.onAdvance(() => this.arm());
  }

  /** Runs `run` once the clock reaches `at` (epoch ms). Returns a cancel function. */
  at(at: number, run: () => void): () => void {
    const item: Due = { id: this.nextId++, at, run };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid] as Due).at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
    if (lo === 0) this.arm();
    return () => {
      const index = this.items.findIndex((i) => i.id === item.id);
      if (index >= 0) this.items.splice(index, 1);
    };
  }

  get size(): number {
    return this.items.length;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.items.length = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const first = this.items[0];
    if (!first) return;
    const wait = Math.min(Math.max(first.at - this.clock.now(), 0), MAX_TIMEOUT_MS);
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.items.length > 0 && (this.items[0] as Due).at <= now) {
      const item = this.items.shift() as Due;
      try {
        item.run();
      } catch (e) {
        console.error("scheduled work failed", e);
      }
    }
    this.arm();
  }
}
