import { Cron } from "croner";
import { randomUUID } from "node:crypto";
import { Scheduler, type HostClock } from "../clock";
import type { InputProvider } from "../http/server";
import { resolveSettingRefs } from "../settings";
import type { FunctionsCore, Registration } from "../worker/functions-core";
import { consoleInvocationLogger, invokeFunction, type InvocationLogger } from "../worker/invoke";
import type { RpcParameterBinding } from "../worker/rpc";

/** When the next occurrence after `from` (epoch ms) is; undefined when there is none. */
export type Schedule = (from: number) => number | undefined;

/**
 * A timer trigger schedule: six-field NCRONTAB (`sec min hour day month weekday`) or a TimeSpan
 * (`hh:mm:ss`, `d.hh:mm:ss`), with `%SETTING%` references resolved like the real host does.
 * Cron schedules run in `WEBSITE_TIME_ZONE` when set, else UTC (Azure's default).
 */
export function parseSchedule(expression: string, env: NodeJS.ProcessEnv = process.env): Schedule {
  const text = resolveSettingRefs(expression, env).trim();
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (span) {
    const [, d, h, m, s] = span;
    const ms = ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000;
    if (ms <= 0) throw new Error(`Timer schedule "${expression}" must be longer than zero.`);
    return (from) => from + ms;
  }
  if (text.split(/\s+/).length !== 6) {
    throw new Error(
      `Timer schedule "${expression}" is not a six-field NCRONTAB expression (sec min hour day month weekday).`,
    );
  }
  const cron = new Cron(text, {
    paused: true,
    mode: "6-part",
    timezone: env.WEBSITE_TIME_ZONE || "Etc/UTC",
    // NCrontab (what the Functions host uses) requires day-of-month AND day-of-week to match.
    domAndDow: true,
  });
  return (from) => cron.nextRun(new Date(from))?.getTime();
}

/** A timer that fires this much after its due time counts as past due (missed while down / clock jumped). */
const PAST_DUE_AFTER_MS = 5_000;

interface TimerState {
  registration: Registration;
  schedule: Schedule;
  expression: string;
  runOnStartup: boolean;
  last: number | undefined;
  cancel: (() => void) | undefined;
  running: Promise<void> | undefined;
}

export interface TimerHostOptions {
  core: FunctionsCore;
  clock: HostClock;
  inputProviders?: Map<string, InputProvider>;
  log?: InvocationLogger;
  env?: NodeJS.ProcessEnv;
}

function iso(ms: number | undefined): string {
  // The host reports "never" as DateTime.MinValue.
  return ms === undefined ? "0001-01-01T00:00:00.000Z" : new Date(ms).toISOString();
}

/**
 * Runs the app's timer triggers on the host clock. Each timer waits in the clock's due-time index,
 * so a virtual clock jump fires every due timer once (with `isPastDue`), as the real host does for
 * occurrences missed while it was down. A timer never overlaps itself: the next occurrence is
 * planned when the current invocation ends.
 */
export class TimerHost {
  private readonly scheduler: Scheduler;
  private readonly timers: TimerState[] = [];
  private readonly log: InvocationLogger;
  private stopped = false;
  private readonly detachSettle: () => void;

  constructor(private readonly options: TimerHostOptions) {
    this.scheduler = new Scheduler(options.clock);
    // A stepped clock advance waits for the timer functions it fired before it moves on.
    this.detachSettle = options.clock.onSettle(() => this.settle());
    this.log = options.log ?? consoleInvocationLogger;
    const env = options.env ?? process.env;
    for (const registration of options.core.byTrigger("timerTrigger")) {
      const binding = registration.metadata.bindings[registration.triggerName] ?? {};
      const expression = typeof binding.schedule === "string" ? binding.schedule : "";
      let schedule: Schedule;
      try {
        schedule = parseSchedule(expression, env);
      } catch (e) {
        throw new Error(`Function "${registration.metadata.name}": ${(e as Error).message}`);
      }
      this.timers.push({
        registration,
        schedule,
        expression,
        runOnStartup: binding.runOnStartup === true || binding.runOnStartup === "true",
        last: undefined,
        cancel: undefined,
        running: undefined,
      });
    }
  }

  /** "name: schedule (next ...)" lines for the startup banner. */
  describe(): string[] {
    const now = this.options.clock.now();
    return this.timers.map(
      (t) => `${t.registration.metadata.name}: ${t.expression} (next ${iso(t.schedule(now))})`,
    );
  }

  start(): void {
    for (const timer of this.timers) {
      if (timer.runOnStartup) {
        timer.running = this.fire(timer, this.options.clock.now(), false).finally(() => {
          timer.running = undefined;
          this.plan(timer);
        });
      } else {
        this.plan(timer);
      }
    }
  }

  /** Waits for running timer functions (and the planning of their next occurrence); true when it waited. */
  async settle(): Promise<boolean> {
    let waited = false;
    for (;;) {
      const running = this.timers.flatMap((t) => (t.running ? [t.running] : []));
      if (running.length === 0) return waited;
      waited = true;
      await Promise.allSettled(running);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.detachSettle();
    for (const timer of this.timers) timer.cancel?.();
    this.scheduler.stop();
    await Promise.all(this.timers.map((t) => t.running ?? Promise.resolve()));
  }

  private plan(timer: TimerState): void {
    if (this.stopped) return;
    const next = timer.schedule(this.options.clock.now());
    if (next === undefined) return;
    timer.cancel = this.scheduler.at(next, () => {
      timer.cancel = undefined;
      const late = this.options.clock.now() - next > PAST_DUE_AFTER_MS;
      timer.running = this.fire(timer, next, late).finally(() => {
        timer.running = undefined;
        this.plan(timer);
      });
    });
  }

  private async fire(timer: TimerState, dueAt: number, isPastDue: boolean): Promise<void> {
    const { registration } = timer;
    const functionName = registration.metadata.name;
    const invocationId = randomUUID();
    const now = this.options.clock.now();
    const input = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: { Last: iso(timer.last), Next: iso(timer.schedule(now)), LastUpdated: iso(now) },
      IsPastDue: isPastDue,
    };
    timer.last = dueAt;
    const inputData: RpcParameterBinding[] = [
      { name: registration.triggerName, data: { json: JSON.stringify(input) } },
    ];
    for (const [name, binding] of Object.entries(registration.metadata.bindings)) {
      if (name === registration.triggerName || binding.direction !== "in") continue;
      const provider = this.options.inputProviders?.get(String(binding.type).toLowerCase());
      if (provider) inputData.push({ name, data: provider(binding, registration) });
    }
    const line = (level: "information" | "error", message: string): void =>
      this.log({ functionName, invocationId, level, category: "system", message });
    const started = performance.now();
    line(
      "information",
      `Executing 'Functions.${functionName}' (Reason='Timer fired at ${new Date(now).toISOString()}${isPastDue ? ", past due" : ""}', Id=${invocationId})`,
    );
    try {
      await invokeFunction(this.options.core, registration, { inputData, invocationId }, this.log);
      line(
        "information",
        `Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms)`,
      );
    } catch (e) {
      line(
        "error",
        `Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${Math.round(performance.now() - started)}ms): ${(e as Error)?.stack ?? String(e)}`,
      );
    }
  }
}
