import type { HealthCheck } from "./ports";

export interface HealthReport {
  status: "ok" | "degraded";
  checks: { name: string; status: "ok" | "failed"; durationMs: number; detail?: string }[];
}

const CHECK_TIMEOUT_MS = 5_000;

/** Runs every dependency check at once, each bounded in time; failures are named, not thrown. */
export async function runHealthChecks(checks: HealthCheck[]): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)),
              CHECK_TIMEOUT_MS,
            );
          }),
        ]);
        return { name: c.name, status: "ok" as const, durationMs: Math.round(performance.now() - started) };
      } catch (e) {
        return {
          name: c.name,
          status: "failed" as const,
          durationMs: Math.round(performance.now() - started),
          // Only the error's class and message: connection errors may carry URLs but never keys.
          detail: e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : "failed",
        };
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  return { status: results.every((r) => r.status === "ok") ? "ok" : "degraded", checks: results };
}
