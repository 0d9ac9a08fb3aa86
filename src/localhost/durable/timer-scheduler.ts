/**
 * Durable timers of unfinished instances, on the host clock's due-time index (waits of months work,
 * and a virtual clock advance stops at each of them in order). The due times themselves live in the
 * state rows; this only holds the wake-ups, each keyed by instance id and task (never the instance
 * itself, so a waiting instance can be let go from memory while its timers stay armed).
 */
import { Scheduler, type HostClock } from "../clock";

export class TimerScheduler {
  private readonly scheduler: Scheduler;
  private readonly armed = new Map<string, Map<number, () => void>>();

  constructor(clock: HostClock, onError: (e: unknown) => void) {
    this.scheduler = new Scheduler(clock, onError);
  }

  /** Wakes `instanceId` (calls `wake`) once the clock reaches `at`; re-arming a task replaces it. */
  arm(instanceId: string, task: number, at: number, wake: (instanceId: string) => void): void {
    let timers = this.armed.get(instanceId);
    if (!timers) {
      timers = new Map();
      this.armed.set(instanceId, timers);
    }
    timers.get(task)?.();
    const own = timers;
    timers.set(
      task,
      this.scheduler.at(at, () => {
        own.delete(task);
        if (own.size === 0 && this.armed.get(instanceId) === own) this.armed.delete(instanceId);
        wake(instanceId);
      }),
    );
  }

  /** How many wake-ups are armed. */
  size(): number {
    let n = 0;
    for (const timers of this.armed.values()) n += timers.size;
    return n;
  }

  cancel(instanceId: string, tasks: Iterable<number>): void {
    const timers = this.armed.get(instanceId);
    if (!timers) return;
    for (const task of tasks) {
      timers.get(task)?.();
      timers.delete(task);
    }
    if (timers.size === 0) this.armed.delete(instanceId);
  }

  cancelAll(instanceId: string): void {
    const timers = this.armed.get(instanceId);
    if (!timers) return;
    for (const cancel of timers.values()) cancel();
    this.armed.delete(instanceId);
  }

  stop(): void {
    this.scheduler.stop();
    this.armed.clear();
  }
}
