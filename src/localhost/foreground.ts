/**
 * Whether the host is serving HTTP requests. On Azure's Flex Consumption plan HTTP triggers and
 * durable functions scale in separate groups of instances, so a request never queues behind
 * activities. One local process comes nearest to that by starting activities only a few at a time
 * while it serves requests (the durable engine's `activityConcurrencyWhileServing`).
 *
 * "Serving" lasts a quiet interval past the last request's end: closed-loop clients leave gaps of a
 * few milliseconds between requests, and activities started in such a gap would all be running
 * when the next request arrives.
 */
export interface ForegroundOptions {
  /** ms after the last request during which the host still counts as serving; default 50. */
  quietMs?: number;
  /** Monotonic ms; default `performance.now`. */
  now?: () => number;
}

export class Foreground {
  private running = 0;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly idleListeners = new Set<() => void>();
  private readonly quietMs: number;
  private readonly now: () => number;

  constructor(options: ForegroundOptions = {}) {
    this.quietMs = Math.max(0, options.quietMs ?? 50);
    this.now = options.now ?? (() => performance.now());
  }

  get busy(): boolean {
    return this.running > 0 || this.now() - this.lastEnd < this.quietMs;
  }

  /** Counts `work` as a request being served while it runs. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.lastEnd = this.now();
      if (this.running === 0) {
        clearTimeout(this.idleTimer);
        if (this.quietMs === 0) this.idle();
        else this.idleTimer = setTimeout(() => this.idle(), this.quietMs).unref();
      }
    }
  }

  /** Called when the host stops serving (the quiet interval passed with no request); returns a function that stops it. */
  onIdle(listener: () => void): () => void {
    this.idleListeners.add(listener);
    return () => this.idleListeners.delete(listener);
  }

  private idle(): void {
    if (this.busy) return;
    for (const listener of this.idleListeners) listener();
  }
}
