import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { z } from "zod";
import { callActivity, defineActivity } from "./activity";

/**
 * A canary any deployment can run to prove its durable backend works end to end: a chain of
 * activities, a fan-out/fan-in and a durable timer.
 */
export const DIAGNOSTICS_CANARY_ORCHESTRATION = "diagnosticsCanary";
export const DIAGNOSTICS_ECHO_ACTIVITY = "diagnosticsEcho";

export const canaryInputSchema = z
  .object({
    steps: z.number().int().min(1).max(10).default(3),
    timerSeconds: z.number().int().min(0).max(60).default(1),
  })
  .strict();
export type CanaryInput = z.infer<typeof canaryInputSchema>;

export const echoInputSchema = z
  .object({ step: z.number().int().min(0), branch: z.enum(["chain", "fan"]) })
  .strict();
export type EchoInput = z.infer<typeof echoInputSchema>;

export const echoResultSchema = z.object({
  step: z.number(),
  branch: z.enum(["chain", "fan"]),
  at: z.string(),
});
export type EchoResult = z.infer<typeof echoResultSchema>;

/** Not retried: the canary exists to show a failure. */
export const diagnosticsEchoActivity = defineActivity({
  name: DIAGNOSTICS_ECHO_ACTIVITY,
  input: echoInputSchema,
  result: echoResultSchema,
});

export interface CanaryOutput {
  ok: true;
  chain: number[];
  fan: number[];
  startedAt: string;
  finishedAt: string;
}

export const diagnosticsCanaryOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = canaryInputSchema.parse(context.df.getInput() ?? {});
  const startedAt = context.df.currentUtcDateTime;
  context.df.setCustomStatus({ phase: "chain" });
  const chain: number[] = [];
  for (let step = 0; step < input.steps; step++) {
    const result = echoResultSchema.parse(
      yield callActivity(context, diagnosticsEchoActivity, { step, branch: "chain" }),
    );
    chain.push(result.step);
  }
  context.df.setCustomStatus({ phase: "fan" });
  const fanTasks = Array.from({ length: input.steps }, (_, step) =>
    callActivity(context, diagnosticsEchoActivity, { step, branch: "fan" }),
  );
  const fanResults = z.array(echoResultSchema).parse(yield context.df.Task.all(fanTasks));
  context.df.setCustomStatus({ phase: "timer" });
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + input.timerSeconds * 1000));
  context.df.setCustomStatus({ phase: "done" });
  const output: CanaryOutput = {
    ok: true,
    chain,
    fan: fanResults.map((r) => r.step),
    startedAt: startedAt.toISOString(),
    finishedAt: context.df.currentUtcDateTime.toISOString(),
  };
  return output;
};
