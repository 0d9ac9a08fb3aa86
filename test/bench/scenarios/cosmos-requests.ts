/**
 * Scenario 2: Cosmos DB requests per invitation lifecycle, counted at the app's client during the
 * run of scenario 1, turned into request units and an Azure cost per 1,000 lifecycles.
 */
import type { BenchFigure, BenchScenario } from "../scenario";
import { COSMOS_REQUEST_KINDS, WRITE_KINDS, type CosmosRequestKind } from "../support/cosmos-kinds";
import { countOf, lifecycleRun, type PhaseResult } from "../support/lifecycle-run";
import { FLEX_INSTANCE_GB, PRICES, PRICES_AS_OF, RU_PER_REQUEST } from "../support/prices";
import { round } from "../support/stats";

/**
 * Durable work per lifecycle, counted from the orchestrators (src/workflows/invitation.ts and
 * admin-relationship.ts): the invitation orchestration starts (1), runs five activities (read,
 * email, read, create relationships, start admin lifecycles, notify: 6, two actions each) and takes
 * one external event; the admin relationship's own orchestration starts and schedules its first
 * activity and timer (about 4).
 */
const SCHEDULER_ACTIONS_PER_LIFECYCLE = 1 + 6 * 2 + 1 + 4;
/** Two HTTP calls, six activities, about eight orchestrator episodes, about three for the admin lifecycle. */
const EXECUTIONS_PER_LIFECYCLE = 2 + 6 + 8 + 3;

function perLifecycle(phase: PhaseResult, kinds: ReadonlySet<CosmosRequestKind> | CosmosRequestKind): number {
  return countOf(phase.counts, kinds) / phase.lifecycles;
}

function ruPerLifecycle(phase: PhaseResult): number {
  return phase.counts.reduce((sum, c) => sum + c.count * RU_PER_REQUEST[c.kind], 0) / phase.lifecycles;
}

const ALL = new Set(COSMOS_REQUEST_KINDS);
const DATA = new Set(COSMOS_REQUEST_KINDS.filter((k) => k !== "metadata" && k !== "query plan"));
const QUERIES = new Set<CosmosRequestKind>(["query", "cross-partition query"]);

export const scenario: BenchScenario = {
  name: "cosmos-requests",
  async run({ quick }) {
    const run = await lifecycleRun(quick);
    const { durable, baseline } = run;
    const figure = (
      metric: string,
      kinds: ReadonlySet<CosmosRequestKind> | CosmosRequestKind,
      target?: { text: string; max: number },
    ): BenchFigure => {
      const value = round(perLifecycle(durable, kinds), 2);
      const base = round(perLifecycle(baseline, kinds), 2);
      return {
        metric,
        unit: "requests",
        value,
        baseline: base,
        ...(base > 0 ? { ratio: round(value / base, 2) } : {}),
        ...(target ? { target: target.text, met: value <= target.max } : {}),
      };
    };
    const ru = ruPerLifecycle(durable);
    const cosmosUsd = ((ru * 1000) / 1e6) * PRICES.cosmosServerlessPerMillionRu.usd;
    // At full load a Flex instance executes all the time: its GB-s per lifecycle is its memory
    // times the time one lifecycle takes of it at the throughput measured here (pessimistic: the
    // local process also runs the Cosmos server and the durable engine).
    const gbSeconds = FLEX_INSTANCE_GB / durable.perSecond;
    const functionsUsd =
      1000 *
      (gbSeconds * PRICES.flexPerGbSecond.usd +
        (EXECUTIONS_PER_LIFECYCLE / 1e6) * PRICES.flexPerMillionExecutions.usd);
    const schedulerUsd =
      ((1000 * SCHEDULER_ACTIONS_PER_LIFECYCLE) / 1e6) * PRICES.durableTaskSchedulerPerMillionActions.usd;
    const usd = (metric: string, value: number): BenchFigure => ({
      metric,
      unit: "USD",
      value: round(value, 4),
    });
    const breakdown = durable.counts
      .filter((c) => c.count > 0)
      .sort((a, b) => b.count - a.count)
      .map((c) => `${c.kind} ${c.container}: ${round(c.count / durable.lifecycles, 2)}`)
      .join("; ");
    return {
      name: "cosmos-requests",
      title: "Cosmos requests per lifecycle and cost",
      figures: [
        figure("Cosmos requests / lifecycle", DATA, { text: "<= 8", max: 8 }),
        figure("point reads / lifecycle", "point read"),
        figure("writes / lifecycle", WRITE_KINDS),
        figure("queries / lifecycle", QUERIES),
        figure("cross-partition queries / lifecycle", "cross-partition query", { text: "0", max: 0 }),
        figure("metadata requests / lifecycle", new Set<CosmosRequestKind>(["metadata", "query plan"])),
        figure("all requests / lifecycle", ALL),
        {
          metric: "estimated RU / lifecycle",
          unit: "RU",
          value: round(ru, 1),
          baseline: round(ruPerLifecycle(baseline), 1),
        },
        usd("Cosmos serverless / 1,000 lifecycles", cosmosUsd),
        usd("Functions Flex / 1,000 lifecycles", functionsUsd),
        usd("Durable Task Scheduler / 1,000 lifecycles", schedulerUsd),
        usd("total Azure / 1,000 lifecycles", cosmosUsd + functionsUsd + schedulerUsd),
      ],
      notes: [
        `Counted at the app's Cosmos client over ${durable.lifecycles} lifecycles (scenario 1's run); "Cosmos requests" excludes metadata (container and partition-range reads the SDK caches).`,
        `Per lifecycle by kind and container: ${breakdown}.`,
        `Prices as of ${PRICES_AS_OF}, USD, pay-as-you-go: Cosmos serverless $${PRICES.cosmosServerlessPerMillionRu.usd} per million RU (${PRICES.cosmosServerlessPerMillionRu.source}); Flex Consumption $${PRICES.flexPerGbSecond.usd} per GB-s and $${PRICES.flexPerMillionExecutions.usd} per million executions (${PRICES.flexPerGbSecond.source}); Durable Task Scheduler consumption $${PRICES.durableTaskSchedulerPerMillionActions.usd} per million actions (${PRICES.durableTaskSchedulerPerMillionActions.source}). Free grants are not deducted.`,
        `RU per request are estimates for ~1 KB documents (point read 1, create 6, replace 10, query 3, cross-partition query 6); Functions: ${FLEX_INSTANCE_GB} GB instance busy 1/(lifecycles/s) s per lifecycle plus ${EXECUTIONS_PER_LIFECYCLE} executions; scheduler: ${SCHEDULER_ACTIONS_PER_LIFECYCLE} actions per lifecycle, counted from the orchestrators.`,
      ],
    };
  },
};
