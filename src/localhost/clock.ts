/**
 * The host's clock. Real by default; virtual (`CLOCK=virtual`) runs with real time plus an offset
 * that only moves forward, so durable timers, timer triggers and "now" in functions jump together.
 */
export interface HostClock {
  readonly virtual: boolean;
  now(): number;
  /** Moves a virtual clock forward at once (no stepping); throws on a real clock. Returns the new now. */
  advance(ms: number): number;
  /**
   * Moves a virtual clock forward through every due time on the way, in order, like a time-skipping
   * test server: the clock stops at each due time of an attached scheduler, runs what is due there,
   * waits until the work that became runnable has settled (it may schedule more inside the jump),
   * then goes on to the next, until the target. Time stands still while it steps, so a timer's work
   * sees exactly its due time. Advances are serialized. Throws (rejects) on a real clock.
   */
  advanceStepped(ms: number): Promise<number>;
  /** Called after every advance, so schedulers can re-evaluate what has become due. */
  onAdvance(listener: () => void): () => void;
  /** A due-time index the stepped advance stops at (see `Scheduler`). Returns the detach function. */
  attach(source: DueSource): () => void;
  /**
   * Work whose end a stepped advance waits for before the next step. `settle` resolves true when it
   * had to wait for something (the advance then checks every settler again), false when idle.
   */
  onSettle(settle: () => Promise<boolean>): () => void;
  /**
   * The clock's state for other threads of the process (`sharedClockNow`): the app's worker thread
   * reads "now" from it without a message, so a virtual advance reaches it at once.
   */
  readonly shared: SharedArrayBuffer;
}

export interface DueSource {
  /** The earliest due time held, if any. */
  nextDue(): number | undefined;
  /** Runs everything due at the clock's now. */
  runDue(): void;
}

/** A settle round that never ends (work stuck on something outside the host) must not hang the advance forever. */
const SETTLE_LIMIT_MS = 120_000;

/** Two numbers: the instant "now" stands at during a stepped advance (NaN otherwise), and the offset. */
const SHARED_CLOCK_BYTES = 16;

function checkAdvance(virtual: boolean, ms: number): void {
  if (!virtual) throw new Error("The clock is real; start the host with CLOCK=virtual to move it.");
  if (!Number.isFinite(ms) || ms < 0) throw new Error("The clock only moves forward.");
}

export function createClock(virtual: boolean, startOffsetMs = 0): HostClock {
  let offset = startOffsetMs;
  /** While a stepped advance runs, "now" stands at the step's due time. */
  let frozen: number | undefined;
  const shared = new SharedArrayBuffer(SHARED_CLOCK_BYTES);
  const view = new Float64Array(shared);
  // The offset first, then "frozen": a reader that sees a step end also sees the offset it left.
  const publish = (): void => {
    view[1] = offset;
    view[0] = frozen ?? Number.NaN;
  };
  publish();
  let stepping: Promise<unknown> = Promise.resolve();
  const listeners = new Set<() => void>();
  const sources = new Set<DueSource>();
  const settlers = new Set<() => Promise<boolean>>();
  const now = (): number => frozen ?? Date.now() + offset;
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const settle = async (): Promise<void> => {
    const deadline = Date.now() + SETTLE_LIMIT_MS;
    let busy = true;
    while (busy && Date.now() < deadline) {
      busy = false;
      // Work started by a timer callback may only begin on the next turn of the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (const s of [...settlers]) if (await s()) busy = true;
    }
  };
  const stepTo = async (target: number): Promise<number> => {
    frozen = now();
    publish();
    try {
      await settle();
      for (;;) {
        let next: number | undefined;
        for (const source of sources) {
          const due = source.nextDue();
          if (due !== undefined && (next === undefined || due < next)) next = due;
        }
        if (next === undefined || next > target) break;
        frozen = Math.max(frozen, next);
        publish();
        for (const source of [...sources]) source.runDue();
        await settle();
      }
      frozen = Math.max(frozen, target);
    } finally {
      offset = (frozen ?? target) - Date.now();
      frozen = undefined;
      publish();
    }
    notify();
    return now();
  };
  return {
    virtual,
    now,
    shared,
    advance(ms: number): number {
      checkAdvance(virtual, ms);
      if (frozen !== undefined) frozen += ms;
      else offset += ms;
      publish();
      notify();
      return now();
    },
    advanceStepped(ms: number): Promise<number> {
      try {
        checkAdvance(virtual, ms);
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      // The target is fixed when the request arrives, queued behind any advance still stepping.
      const run = stepping.then(() => stepTo(now() + ms));
      stepping = run.catch(() => undefined);
      return run;
    },
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    attach(source) {
      sources.add(source);
      return () => sources.delete(source);
    },
    onSettle(s) {
      settlers.add(s);
      return () => settlers.delete(s);
    },
  };
}

/** Where an app running inside the local host finds the host's time without importing the host. */
export const HOST_CLOCK_GLOBAL = Symbol.for("azure-functions-localhost.clock");

export function publishClock(clock: Pick<HostClock, "now">): void {
  (globalThis as Record<symbol, unknown>)[HOST_CLOCK_GLOBAL] = { now: () => new Date(clock.now()) };
}

/** "now" of a clock made in another thread of this process, from its `shared` state. */
export function sharedClockNow(shared: SharedArrayBuffer): () => number {
  const view = new Float64Array(shared);
  return () => {
    const frozen = view[0] ?? Number.NaN;
    return Number.isNaN(frozen) ? Date.now() + (view[1] ?? 0) : frozen;
  };
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
export class Scheduler implements DueSource {
  private readonly items: Due[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly detach: () => void;

  constructor(
    private readonly clock: HostClock,
    private readonly onError: (e: unknown) => void = (e) => console.error("scheduled work failed", e),
  ) {
    this.unsubscribe = clock.onAdvance(() => this.arm());
    this.detach = clock.attach(this);
  }

  nextDue(): number | undefined {
    return this.items[0]?.at;
  }

  runDue(): void {
    if (this.timer) clearTimeout(this.timer);
    this.fire();
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
    this.detach();
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
        this.onError(e);
      }
    }
    this.arm();
  }
}
