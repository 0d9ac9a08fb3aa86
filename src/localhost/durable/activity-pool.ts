/**
 * The activity pool (durabletask-js's activity executor + work-item queue): runs activity work items
 * with bounded concurrency through the programming model and hands each outcome to `report`.
 */
import { activityFaultPoint, faultPoints } from "../faults";
import type { FunctionsCore } from "../worker/functions-core";
import type { InvocationLogger } from "../worker/invoke";
import type { Invoker } from "../worker/invoker";
import { fromTypedData, type RpcTypedData } from "../worker/rpc";
import { extraInputs, findFunction } from "./functions";
import { errorMessage, type ActivityWork } from "./types";

export type ActivityOutcome = { ok: boolean; result?: string; reason?: string; details?: string };

export interface ActivityPoolOptions {
  core: FunctionsCore;
  concurrency: number;
  /** How many may run at once now: `concurrency`, or fewer while the host serves requests. */
  capacity?: () => number;
  clientBinding: () => RpcTypedData;
  log: InvocationLogger;
  /** Runs an activity invocation (in this thread's app or a worker thread's). */
  invoke: Invoker;
  /** Records an outcome (the engine delivers it to the instance). */
  report: (work: ActivityWork, outcome: ActivityOutcome) => Promise<void>;
  /** Every running activity's promise, so the engine can wait for (or abandon) them. */
  track: <T>(p: Promise<T>) => Promise<T>;
}

export class ActivityPool {
  private readonly queue: ActivityWork[] = [];
  private running = 0;
  private closed = false;
  private held: boolean;

  constructor(
    private readonly o: ActivityPoolOptions,
    options: { held?: boolean } = {},
  ) {
    this.held = options.held ?? false;
  }

  get queued(): number {
    return this.queue.length;
  }

  enqueue(work: ActivityWork): void {
    if (this.closed) return;
    this.queue.push(work);
    this.pump();
  }

  /** Lets held work run (the host is ready). */
  release(): void {
    this.held = false;
    this.pump();
  }

  /** Drops queued work and takes no more. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  /** Starts queued work up to the capacity; also called when the capacity grows. */
  pump(): void {
    const capacity = Math.max(1, Math.min(this.o.concurrency, this.o.capacity?.() ?? this.o.concurrency));
    while (!this.closed && !this.held && this.running < capacity && this.queue.length > 0) {
      const work = this.queue.shift() as ActivityWork;
      this.running++;
      void this.o.track(
        this.run(work).finally(() => {
          this.running--;
          this.pump();
        }),
      );
    }
  }

  private async run(work: ActivityWork): Promise<void> {
    faultPoints().hit(activityFaultPoint(work.name, "before"));
    const outcome = await this.invoke(work);
    faultPoints().hit(activityFaultPoint(work.name, "after"));
    if (this.closed) return;
    await this.o.report(work, outcome);
  }

  private async invoke(work: ActivityWork): Promise<ActivityOutcome> {
    const registration = findFunction(this.o.core, work.name, "activityTrigger");
    if (!registration) {
      return {
        ok: false,
        reason: `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`,
        details: "",
      };
    }
    try {
      const response = await this.o.invoke(
        registration,
        {
          inputData: [
            { name: registration.triggerName, data: { json: JSON.stringify(work.input ?? null) } },
            ...extraInputs(registration, this.o.clientBinding),
          ],
          logScope: work.instanceId,
        },
        this.o.log,
      );
      return { ok: true, result: JSON.stringify(activityResult(response.returnValue) ?? null) };
    } catch (e) {
      const stack = e instanceof Error && e.stack ? e.stack.split("\n").slice(1).join("\n") : "";
      return {
        ok: false,
        reason: `Activity function '${registration.metadata.name}' failed: ${errorMessage(e)}`,
        details: stack,
      };
    }
  }
}

/** An activity's return value: strings stay strings (even "42"), JSON is parsed, bytes become base64. */
function activityResult(data: RpcTypedData | null | undefined): unknown {
  if (!data) return null;
  if (typeof data.string === "string") return data.string;
  if (data.bytes || data.stream)
    return Buffer.from((data.bytes ?? data.stream) as Uint8Array).toString("base64");
  return fromTypedData(data);
}
