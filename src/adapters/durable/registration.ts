import { app, type InvocationContext, type TimerHandler } from "@azure/functions";
import * as df from "durable-functions";
import type { ActivityHandler, OrchestrationHandler } from "durable-functions";
import type { z } from "zod";
import type { ActivityContract } from "../../workflows/activity";

/**
 * Orchestrations and activities described once, like HTTP functions (src/http/descriptor.ts): the
 * composition root registers a list of them. An activity's name, schemas and retry policy come
 * from its contract (src/workflows), which the orchestrator calls it by.
 */
export interface OrchestrationFunction {
  kind: "orchestration";
  name: string;
  input: z.ZodType;
  handler: OrchestrationHandler;
}

export interface ActivityFunction<D = never> {
  kind: "activity";
  name: string;
  contract: ActivityContract;
  /** Registers the durable client input binding (`df.getClient(context)` in the handler). */
  durableClient: boolean;
  handler: (deps: D) => ActivityHandler;
}

export type DurableFunction<D = never> = OrchestrationFunction | ActivityFunction<D>;

export function orchestrationFunction(options: {
  name: string;
  input: z.ZodType;
  handler: OrchestrationHandler;
}): OrchestrationFunction {
  return { kind: "orchestration", ...options };
}

/**
 * An activity from its contract and a handler factory. The registered handler parses its input with
 * the contract's schema before the handler sees it, so a bad input fails before touching anything.
 */
export function activityFunction<D, I extends z.ZodType, R extends z.ZodType>(
  contract: ActivityContract<I, R>,
  options: {
    durableClient?: boolean;
    handler: (
      deps: D,
    ) => (input: z.output<I>, context: InvocationContext) => z.input<R> | Promise<z.input<R>>;
  },
): ActivityFunction<D> {
  return {
    kind: "activity",
    name: contract.name,
    contract,
    durableClient: options.durableClient ?? false,
    handler: (deps) => {
      const run = options.handler(deps);
      return (input: unknown, context: InvocationContext) => run(contract.input.parse(input), context);
    },
  };
}

export function registerDurable<D>(functions: readonly DurableFunction<D>[], deps: D): void {
  for (const f of functions) {
    if (f.kind === "orchestration") {
      df.app.orchestration(f.name, f.handler);
    } else {
      df.app.activity(f.name, {
        ...(f.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
        handler: f.handler(deps),
      });
    }
  }
}

/**
 * A timer trigger, described like the others. The schedule comes from the dependencies (a setting
 * with a default), so the function cannot be registered with an unresolved `%SETTING%`.
 */
export interface TimerFunction<D = never> {
  kind: "timer";
  name: string;
  /** Six-field NCRONTAB. */
  schedule: (deps: D) => string;
  /** Also run when the host starts (e.g. to catch up on work a crash left behind). */
  runOnStartup: boolean;
  durableClient: boolean;
  handler: (deps: D) => TimerHandler;
}

export function timerFunction<D>(descriptor: Omit<TimerFunction<D>, "kind">): TimerFunction<D> {
  return { kind: "timer", ...descriptor };
}

export function registerTimers<D>(functions: readonly TimerFunction<D>[], deps: D): void {
  for (const f of functions) {
    app.timer(f.name, {
      schedule: f.schedule(deps),
      runOnStartup: f.runOnStartup,
      ...(f.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
      handler: f.handler(deps),
    });
  }
}
