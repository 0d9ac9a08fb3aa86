// Shared by the benchmark and its app without loading the app (which must load after functions-core is installed).
export const BENCH_ORCHESTRATION = "BenchFiveSteps";
export const BENCH_ACTIVITY = "BenchStep";
export const BENCH_STEPS = 5;
