/** Scenario 1: invitation lifecycles over HTTP, N concurrent partners, beside the inline baseline. */
import type { BenchFigure, BenchScenario } from "../scenario";
import { lifecycleRun, type PhaseResult } from "../support/lifecycle-run";
import { percentile, round } from "../support/stats";

function latency(
  metric: string,
  values: number[],
  baseline: number[],
  p: number,
  target?: number,
): BenchFigure {
  const value = round(percentile(values, p));
  const base = round(percentile(baseline, p));
  return {
    metric: `${metric} p${p}`,
    unit: "ms",
    value,
    baseline: base,
    ratio: round(value / base, 2),
    ...(target !== undefined ? { target: `< ${target} ms`, met: value < target } : {}),
  };
}

const cpuText = (phase: PhaseResult): string =>
  `${round(phase.cpuPerLifecycle.processMs)} / ${round(phase.cpuPerLifecycle.mainThreadMs)} ms`;

export const scenario: BenchScenario = {
  name: "invitation-lifecycles",
  async run({ quick }) {
    const run = await lifecycleRun(quick);
    const { durable, baseline } = run;
    const ratio = round(run.ratio, 2);
    const figures: BenchFigure[] = [
      {
        metric: "lifecycles/s",
        unit: "1/s",
        value: round(durable.perSecond),
        baseline: round(baseline.perSecond),
        ratio,
        target: ">= 100",
        met: durable.perSecond >= 100,
      },
      {
        metric: "lifecycles/s, durable / baseline",
        unit: "x",
        value: ratio,
        target: ">= 0.5x",
        met: ratio >= 0.5,
      },
      ...[50, 95, 99].map((p) =>
        latency("POST /api/invitations", durable.post, baseline.post, p, p === 95 ? 25 : undefined),
      ),
      ...[50, 95, 99].map((p) =>
        latency("create-to-email", durable.createToEmail, baseline.createToEmail, p),
      ),
    ];
    return {
      name: "invitation-lifecycles",
      title: "Invitation lifecycles over HTTP",
      figures,
      notes: [
        `${run.lifecycles} lifecycles (create -> customer email -> accept -> reseller and admin relationships active, partner told) by ${run.clients} concurrent partners, after one unmeasured lifecycle each, in each phase of ${run.rounds.length} round(s). The measured loops join one at a time (each when the one before has had its first POST answered), so no phase starts with ${run.clients} simultaneous POSTs.`,
        `Each round runs the durable phase and the baseline phase back to back, on a fresh host each, alternating which goes first. lifecycles/s is the median round's and the ratio the median of the rounds' ratios; latencies, requests and CPU are over every round's lifecycles. Rounds (durable / baseline lifecycles/s): ${run.rounds.map((r) => `${round(r.durable.perSecond)} / ${round(r.baseline.perSecond)} (${round(r.ratio, 2)}x)`).join(", ")}.`,
        "Local host as `npm start` runs it with `--store memory`: one Node process serves HTTP and runs the durable engine on its main thread, the app's orchestrators and activities on a second thread (at nice 10), and the embedded Cosmos server on a third; the benchmark runs the email endpoint. While the host serves requests (and for 50 ms after the last one) it runs at most 2 activities at a time, so requests do not queue behind durable work (on Azure's Flex Consumption plan HTTP triggers and durable functions scale on separate instances).",
        "Baseline: the same lifecycle as plain handlers on the same host, doing the same Cosmos writes (the invitation and its audit records, both relationships and the partner's index copies, one batch per partition) and the same three emails inline (no durable, no auth, no rule checks, no intents or re-reads).",
        `Host CPU per lifecycle (all threads / main thread): durable ${cpuText(durable)}, baseline ${cpuText(baseline)}. The baseline has no durable thread.`,
      ],
    };
  },
};
