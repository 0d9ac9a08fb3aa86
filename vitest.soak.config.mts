import { defineConfig } from "vitest/config";

// The soak (issue 13): long, so never part of `npm test`; `npm run test:soak` runs it alone.
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.ts"],
    pool: "forks",
    maxWorkers: 1,
    testTimeout: 24 * 3_600_000,
    hookTimeout: 120_000,
  },
});
