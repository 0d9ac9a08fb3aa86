import { app, type InvocationContext, type Timer } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import * as df from "durable-functions";
import { runTermEndSweep, type TermEndSweepDeps } from "../src/application/migrations/sweep";
import { durableMigrationWorkflows } from "../src/adapters/durable/migration-workflows";

export const TERM_END_SWEEP_FUNCTION = "termEndSweep";

/**
 * The daily term-end sweep (docs/migrations.md). A timer trigger with the durable client, so it can
 * signal the migrations it finds due.
 */
export function makeTermEndSweepHandler(deps: Omit<TermEndSweepDeps, "workflows">) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const report = await runTermEndSweep({
      ...deps,
      workflows: durableMigrationWorkflows(durableClientOf(context)),
    });
    context.log(
      `Term-end sweep: ${report.days.length} day(s), ${report.pages} page(s), ${report.entries} entries, ${report.signals} signal(s)${report.stopped ? `, stopped: ${report.stopped}` : ""}.`,
    );
  };
}

export function registerTermEndSweep(schedule: string, deps: Omit<TermEndSweepDeps, "workflows">): void {
  app.timer(TERM_END_SWEEP_FUNCTION, {
    schedule,
    extraInputs: [df.input.durableClient()],
    handler: makeTermEndSweepHandler(deps),
  });
}
