/**
 * `npm run bench`: runs the scenarios of ./scenarios/index.ts on the local host, prints one table,
 * writes bench/results/latest.json and bench/results/latest.svg and refreshes the README's table.
 * Not part of `npm test`: speed is measured here, never asserted there.
 *
 * BENCH_QUICK=1 runs small sizes (a smoke run); BENCH_ONLY=name,name (or names as arguments) picks
 * scenarios. A partial run keeps the other scenarios' last results in latest.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../support/host-process";
import { markdownTable, svgChart, withReadmeBlock, currentReadmeBlock, type BenchResults } from "./report";
import type { BenchScenarioResult } from "./scenario";
import { scenarios } from "./scenarios";

const RESULTS_DIR = path.join(REPO_ROOT, "bench", "results");
export const LATEST_JSON = path.join(RESULTS_DIR, "latest.json");

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === "1";
  const picked = [...(process.env.BENCH_ONLY ?? "").split(","), ...process.argv.slice(2)]
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = picked.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0)
    throw new Error(
      `Unknown scenario(s) ${unknown.join(", ")}; known: ${scenarios.map((s) => s.name).join(", ")}`,
    );
  const chosen = picked.length ? scenarios.filter((s) => picked.includes(s.name)) : scenarios;

  const fresh: BenchScenarioResult[] = [];
  let failed = false;
  for (const scenario of chosen) {
    console.log(`\n== ${scenario.name}${quick ? " (quick)" : ""}`);
    const started = performance.now();
    try {
      const result = await scenario.run({ quick });
      fresh.push({ ...result, measured: { at: new Date().toISOString(), quick, loadAverage: os.loadavg() } });
      console.log(`   done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
      failed = true;
      console.error(`   ${scenario.name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  // A partial run keeps what the others measured last time, in the index's order.
  const previous: BenchResults | undefined = existsSync(LATEST_JSON)
    ? (JSON.parse(readFileSync(LATEST_JSON, "utf8")) as BenchResults)
    : undefined;
  const merged = scenarios
    .map((s) => fresh.find((r) => r.name === s.name) ?? previous?.scenarios.find((r) => r.name === s.name))
    .filter((r): r is BenchScenarioResult => r !== undefined);
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg(), node: process.version },
    scenarios: merged,
  };

  console.log("");
  console.log(markdownTable({ ...results, scenarios: fresh }));
  for (const r of fresh) for (const note of r.notes ?? []) console.log(`- ${r.name}: ${note}`);

  if (fresh.length > 0) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(LATEST_JSON, JSON.stringify(results, null, 2) + "\n");
    writeFileSync(path.join(RESULTS_DIR, "latest.svg"), svgChart(results));
    const readmeFile = path.join(REPO_ROOT, "README.md");
    const readme = readFileSync(readmeFile, "utf8");
    if (currentReadmeBlock(readme) !== undefined) writeFileSync(readmeFile, withReadmeBlock(readme, results));
    console.log(
      `\nWrote ${path.relative(REPO_ROOT, LATEST_JSON)}, bench/results/latest.svg and the README table.`,
    );
  }
  process.exitCode = failed ? 1 : 0;
}

main().then(
  // Keep-alive sockets or a stray timer must not keep a finished benchmark alive.
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
