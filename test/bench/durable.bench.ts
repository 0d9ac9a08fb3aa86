/**
 * Durable throughput benchmark (`npm run bench:durable`; not part of `npm test`).
 * Runs the engine in-process on the memory store and on the table store over a fresh Azurite, starts N
 * five-activity sequential orchestrations at once and measures until the last one completed.
 *
 * Options (env): BENCH_MEMORY_N (default 2000), BENCH_TABLE_N (default 500), BENCH_ONLY=memory|table,
 * BENCH_ACTIVITY_CONCURRENCY (engine default when unset).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClock, publishClock } from "../../src/localhost/clock";
import { DurableEngine } from "../../src/localhost/durable/engine";
import { MemoryStore } from "../../src/localhost/durable/memory-store";
import type { DurableStore } from "../../src/localhost/durable/store";
import { TableStore } from "../../src/localhost/durable/table-store";
import { startAzurite } from "../../src/localhost/services/azurite";
import { installFunctionsCore, loadApp, type FunctionsCore } from "../../src/localhost/worker/functions-core";
import { BENCH_ORCHESTRATION, BENCH_STEPS } from "./bench-names";

const TARGETS = { memory: 300, table: 60 } as const;

interface Result {
  store: "memory" | "table";
  n: number;
  seconds: number;
  orchPerSec: number;
  activitiesPerSec: number;
  failed: number;
}

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

async function run(
  core: FunctionsCore,
  kind: "memory" | "table",
  store: DurableStore,
  n: number,
): Promise<Result> {
  const clock = createClock(false);
  publishClock(clock);
  const concurrency = process.env.BENCH_ACTIVITY_CONCURRENCY
    ? envInt("BENCH_ACTIVITY_CONCURRENCY", 32)
    : undefined;
  const engine = new DurableEngine({
    core,
    store,
    clock,
    taskHub: "BenchHub",
    publicBaseUrl: () => "http://127.0.0.1:7071",
    ...(concurrency ? { activityConcurrency: concurrency } : {}),
    // Per-invocation console lines would measure the terminal, not the engine.
    log: () => undefined,
  });
  await engine.start();
  try {
    // Warm-up: JIT, connection pool, table creation paths.
    const warm = await Promise.all(
      Array.from({ length: 20 }, (_, i) => engine.startNew(BENCH_ORCHESTRATION, { input: i })),
    );
    await Promise.all(warm.map((id) => engine.waitForStatus(id, undefined, 120_000)));

    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: n }, (_, i) => engine.startNew(BENCH_ORCHESTRATION, { input: i })),
    );
    const finals = await Promise.all(ids.map((id) => engine.waitForStatus(id, undefined, 600_000)));
    const seconds = (performance.now() - started) / 1000;
    const failed = finals.filter(
      (s, i) => s.runtimeStatus !== "Completed" || s.output !== i + BENCH_STEPS,
    ).length;
    return {
      store: kind,
      n,
      seconds,
      orchPerSec: n / seconds,
      activitiesPerSec: (n * BENCH_STEPS) / seconds,
      failed,
    };
  } finally {
    await engine.stop();
    await store.close();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]): string => "| " + r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ") + " |";
  const sep = "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|";
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const core = installFunctionsCore();
  loadApp(core, path.join(__dirname, "bench-app.js"));
  const results: Result[] = [];

  if (only !== "table") {
    const n = envInt("BENCH_MEMORY_N", 2000);
    console.log(`memory store: ${n} concurrent five-activity orchestrations...`);
    results.push(await run(core, "memory", new MemoryStore(), n));
  }
  if (only !== "memory") {
    const n = envInt("BENCH_TABLE_N", 500);
    const location = mkdtempSync(path.join(os.tmpdir(), "azurite-bench-"));
    const azurite = await startAzurite({ location, silent: true });
    try {
      console.log(
        `table store (Azurite at ${azurite.tableEndpoint}): ${n} concurrent five-activity orchestrations...`,
      );
      const store = new TableStore({ connectionString: azurite.connectionString, taskHub: "BenchHub" });
      results.push(await run(core, "table", store, n));
    } finally {
      await azurite.stop();
      rmSync(location, { recursive: true, force: true });
    }
  }

  const rows: string[][] = [
    ["Backend", "Orchestrations (5 activities)/s", "Activities/s", "N", "Seconds", "Target", "Note"],
  ];
  for (const r of results) {
    const target = TARGETS[r.store];
    rows.push([
      r.store === "memory" ? "Local host, memory store" : "Local host, Azurite tables",
      r.orchPerSec.toFixed(1),
      r.activitiesPerSec.toFixed(0),
      String(r.n),
      r.seconds.toFixed(2),
      `>= ${target}/s ${r.orchPerSec >= target ? "met" : "MISSED"}`,
      r.failed ? `${r.failed} not completed correctly` : "all completed",
    ]);
  }
  // Reference figures from DURABLE-PROTOCOL.md ("Real-host reference figures").
  rows.push([
    "Real host, Azure Storage (one small VM)",
    "~1 per instance",
    "~5 sequential / 100 fan-out",
    "",
    "",
    "",
    "reference",
  ]);
  rows.push(["Real host, Netherite (one EP1)", "50", "250 sequential", "", "", "", "reference"]);
  rows.push([
    "Real host, Durable Task Scheduler (one EP2)",
    "",
    "~1,400 work items (Azure Storage ~250)",
    "",
    "",
    "",
    "reference",
  ]);
  console.log("");
  console.log(table(rows));
  process.exitCode = results.some((r) => r.failed > 0) ? 1 : 0;
}

main().then(
  // Keep-alive sockets or a stray timer must not keep a finished benchmark alive.
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
