/**
 * Runs one bench scenario by name and prints its result as JSON (`node dist/test/bench/run-one.js
 * <name>`; BENCH_QUICK=1 for the small size). For working on one scenario without the whole runner.
 */
import { scenarios } from "./scenarios";

async function main(): Promise<void> {
  const name = process.argv[2];
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) {
    console.error(`Usage: run-one <${scenarios.map((s) => s.name).join("|")}>`);
    process.exitCode = 2;
    return;
  }
  const result = await scenario.run({ quick: process.env.BENCH_QUICK === "1" });
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
