/**
 * What every `npm run bench` scenario returns. The runner (`test/bench/run.ts`) prints these as one
 * table, writes them to `bench/results/latest.json` and draws the chart. Every measured figure sits
 * beside a baseline measured in the same run, because absolute times on a shared machine drift.
 */
export interface BenchFigure {
  /** e.g. "lifecycles/s", "POST /api/invitations p95". */
  readonly metric: string;
  readonly unit: string;
  readonly value: number;
  /** The same figure for the baseline measured in the same run, when there is one. */
  readonly baseline?: number;
  /** value / baseline (or the ratio the target is stated in, e.g. time(1M) / time(10k)). */
  readonly ratio?: number;
  /** The target in words, e.g. ">= 100", "<= 25 ms", "<= 1.5x". */
  readonly target?: string;
  readonly met?: boolean;
}

export interface BenchScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly figures: readonly BenchFigure[];
  /** Facts a reader needs to judge the figures (sizes, store, concurrency, where limits move on Azure). */
  readonly notes?: readonly string[];
  /**
   * Set by the runner: when and how this scenario was measured. A partial run keeps the others'
   * earlier results, so each result says for itself whether it was a quick run and how loaded the
   * machine was.
   */
  readonly measured?: {
    readonly at: string;
    readonly quick: boolean;
    readonly loadAverage: readonly number[];
  };
}

export interface BenchScenario {
  readonly name: string;
  /** `quick` runs a smaller size, for a smoke run (`BENCH_QUICK=1`); the full size is the default. */
  run(options: { readonly quick: boolean }): Promise<BenchScenarioResult>;
}
