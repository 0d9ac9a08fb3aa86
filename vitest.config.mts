import { defineConfig } from "vitest/config";

// Integration tests start real servers (host, Azurite, Cosmos API) as child processes on loopback;
// forks keep each file's process state (the functions-core registry is per process) apart.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
});
