/** Benchmark fixture: a five-activity sequential orchestration of trivial activities (measures the engine, not the work). */
import * as df from "durable-functions";
import { BENCH_ACTIVITY, BENCH_ORCHESTRATION, BENCH_STEPS } from "./bench-names";

df.app.orchestration(BENCH_ORCHESTRATION, function* (context) {
  let value = context.df.getInput<number>() ?? 0;
  for (let i = 0; i < BENCH_STEPS; i++)
    value = (yield context.df.callActivity(BENCH_ACTIVITY, value)) as number;
  return value;
});

df.app.activity(BENCH_ACTIVITY, { handler: (value: number): number => value + 1 });
