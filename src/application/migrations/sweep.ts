import { performance } from "node:perf_hooks";
import { shouldSignal, sweepDays, type SweepCheckpoint } from "../../domain/subscriptions/sweep";
import { ConcurrencyConflict, type Clock } from "../ports";
import type { MigrationWorkflows, SubscriptionRepository, TermEndSchedule } from "../subscriptions/ports";

/** docs/migrations.md "The term-end sweep": one single-partition page of a day's entries at a time. */
export const TERM_END_SWEEP_PAGE_SIZE = 100;
/**
 * A run stops after the page that crosses this much wall time and the next run resumes from the
 * checkpoint; well under the Functions timeout (5 minutes on the consumption plan).
 */
export const TERM_END_SWEEP_BUDGET_MS = 4 * 60_000;

export interface TermEndSweepDeps {
  schedule: TermEndSchedule;
  subscriptions: SubscriptionRepository;
  workflows: MigrationWorkflows;
  clock: Clock;
}

export interface TermEndSweepReport {
  days: string[];
  pages: number;
  entries: number;
  signals: number;
  /** Why it stopped before walking every day: a concurrent run is ahead, or the budget ran out. */
  stopped?: "lostRace" | "outOfTime";
}

/**
 * Walks the due days from the checkpoint up to today: for each page of a day's index entries it
 * point-reads each subscription and signals `termEndDue` to its migration when the entry still
 * applies, then writes the checkpoint with If-Match. Idempotent: a signal only asks an
 * orchestration to look again, and a second run finds the checkpoint at today.
 */
export async function runTermEndSweep(
  deps: TermEndSweepDeps,
  options: { budgetMs?: number; pageSize?: number } = {},
): Promise<TermEndSweepReport> {
  const started = performance.now();
  const outOfTime = () => performance.now() - started >= (options.budgetMs ?? TERM_END_SWEEP_BUDGET_MS);
  const stored = await deps.schedule.readCheckpoint();
  const plan = sweepDays(stored?.value, deps.clock.now());
  const report: TermEndSweepReport = { days: plan.days, pages: 0, entries: 0, signals: 0 };
  let etag = stored?.etag;
  let lastCompletedDay = stored?.value.lastCompletedDay;
  let continuation = plan.continuation;

  for (const day of plan.days) {
    for (;;) {
      const page = await deps.schedule.page(day, {
        limit: options.pageSize ?? TERM_END_SWEEP_PAGE_SIZE,
        ...(continuation ? { continuationToken: continuation } : {}),
      });
      report.pages++;
      for (const entry of page.items) {
        report.entries++;
        const found = await deps.subscriptions.get(
          entry.partnerId,
          entry.customerTenantId,
          entry.subscriptionId,
        );
        const subscription = found?.value;
        if (shouldSignal(entry, subscription)) {
          await deps.workflows.signal(subscription.migrationId, { kind: "termEndDue" });
          report.signals++;
        }
      }
      continuation = page.continuationToken;
      if (!continuation) lastCompletedDay = day;
      const checkpoint: SweepCheckpoint = {
        ...(lastCompletedDay ? { lastCompletedDay } : {}),
        ...(continuation ? { day, continuation } : {}),
        updatedAt: deps.clock.now().toISOString(),
      };
      try {
        etag = (await deps.schedule.writeCheckpoint(checkpoint, etag)).etag;
      } catch (error) {
        if (error instanceof ConcurrencyConflict) return { ...report, stopped: "lostRace" };
        throw error;
      }
      if (outOfTime() && (continuation || day !== plan.days.at(-1)))
        return { ...report, stopped: "outOfTime" };
      if (!continuation) break;
    }
  }
  return report;
}
