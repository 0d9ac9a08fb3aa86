/**
 * Durable throughput benchmark (`npm run bench:durable`; not part of `npm test`).
 * Runs the engine in-process on the memory store and on the table store over a fresh Azurite, starts N
 * five-activity sequential orchestrations at once and measures until the last one completed. Each
 * store runs several rounds (fresh engine and store each) and the median round is reported, since
 * this 2-core machine is often shared with other work.
 *
 * Options (env): BENCH_MEMORY_N (default 2000), BENCH_TABLE_N (default 500), BENCH_ROUNDS (default 3),
 * BENCH_ONLY=memory|table, BENCH_AZURITE_IN_MEMORY=1 (Azurite without disk persistence),
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

interface Round {
  seconds: number;
  orchPerSec: number;
  failed: number;
}

interface Result {
  store: "memory" | "table";
  label: string;
  n: number;
  rounds: Round[];
  median: Round;
}

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

async function round(core: FunctionsCore, store: DurableStore, n: number): Promise<Round> {
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
    // Warm-up: JIT, connection pool, first writes to a new table.
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
    return { seconds, orchPerSec: n / seconds, failed };
  } finally {
    await engine.stop();
    await store.close();
  }
}

async function measure(
  core: FunctionsCore,
  kind: "memory" | "table",
  label: string,
  n: number,
  newStore: (round: number) => Promise<DurableStore>,
): Promise<Result> {
  const rounds: Round[] = [];
  const count = envInt("BENCH_ROUNDS", 3);
  for (let i = 0; i < count; i++) {
    const r = await round(core, await newStore(i), n);
    console.log(`  round ${i + 1}: ${r.orchPerSec.toFixed(1)} orchestrations/s (${r.seconds.toFixed(2)} s)`);
    rounds.push(r);
  }
  const sorted = [...rounds].sort((a, b) => a.orchPerSec - b.orchPerSec);
  return { store: kind, label, n, rounds, median: sorted[Math.floor(sorted.length / 2)]! };
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
    console.log(`memory store: ${n} concurrent five-activity orchestrations`);
    results.push(
      await measure(core, "memory", "Local host, memory store", n, () => Promise.resolve(new MemoryStore())),
    );
  }
  if (only !== "memory") {
    const n = envInt("BENCH_TABLE_N", 500);
    const inMemory = process.env.BENCH_AZURITE_IN_MEMORY === "1";
    console.log(
      `table store on Azurite (${inMemory ? "in memory" : "persisting to disk"}, a fresh one per round): ` +
        `${n} concurrent five-activity orchestrations`,
    );
    const label = `Local host, Azurite tables${inMemory ? " (in-memory Azurite)" : ""}`;
    const running: (() => Promise<void>)[] = [];
    try {
      results.push(
        await measure(core, "table", label, n, async () => {
          // A fresh emulator per round: Azurite re-saves its whole database every few seconds, so
          // data left by earlier rounds would slow later ones and make rounds incomparable.
          for (const stop of running.splice(0)) await stop();
          const location = mkdtempSync(path.join(os.tmpdir(), "azurite-bench-"));
          const azurite = await startAzurite({ location, silent: true, inMemory });
          running.push(async () => {
            await azurite.stop();
            rmSync(location, { recursive: true, force: true });
          });
          const store = new TableStore({ connectionString: azurite.connectionString, taskHub: "BenchHub" });
          await store.init();
          return store;
        }),
      );
    } finally {
      for (const stop of running.splice(0)) await stop();
    }
  }

  const rows: string[][] = [
    ["Backend", "5-activity orchestrations/s", "Activities/s", "N", "Rounds (orch/s)", "Target", "Correct"],
  ];
  for (const r of results) {
    const target = TARGETS[r.store];
    const failed = r.rounds.reduce((sum, x) => sum + x.failed, 0);
    rows.push([
      r.label,
      r.median.orchPerSec.toFixed(1),
      (r.median.orchPerSec * BENCH_STEPS).toFixed(0),
      String(r.n),
      r.rounds.map((x) => x.orchPerSec.toFixed(0)).join(", "),
      `>= ${target}: ${r.median.orchPerSec >= target ? "met" : "MISSED"}`,
      failed ? `${failed} wrong` : "all",
    ]);
  }
  // Reference figures from docs/durable-protocol.md ("Published throughput of the real backends").
  rows.push([
    "Real host, Azure Storage backend, small VM",
    "(~1 per instance)",
    "~5 sequential per instance; 100 fan-out",
    "",
    "",
    "reference",
    "",
  ]);
  rows.push(["Real host, Netherite, one EP1 worker", "50", "250 sequential", "", "", "reference", ""]);
  rows.push([
    "Real host, Durable Task Scheduler, one EP2",
    "",
    "~1,400 work items (Azure Storage ~250)",
    "",
    "",
    "reference",
    "",
  ]);
  console.log("");
  console.log("Median round; activities/s = 5 x orchestrations/s.");
  console.log(table(rows));
  process.exitCode = results.some((r) => r.rounds.some((x) => x.failed > 0)) ? 1 : 0;
}

main().then(
  // Keep-alive sockets or a stray timer must not keep a finished benchmark alive.
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
