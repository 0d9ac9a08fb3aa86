// Shared by the benchmark and its app without loading the app (which must load after functions-core is installed).
export const BENCH_ORCHESTRATION = "BenchFiveSteps";
export const BENCH_ACTIVITY = "BenchStep";
export const BENCH_STEPS = 5;
// The lifecycle baseline's routes (test/bench/baseline-app.ts), named where the client reaches them.
export const BASELINE_CREATE_ROUTE = "api/baseline/invitations";
export const BASELINE_ACCEPT_ROUTE = "api/baseline/invitations/{partnerId}/{id}/accept";
