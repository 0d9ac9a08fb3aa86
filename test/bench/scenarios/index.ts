/** Every scenario `npm run bench` runs, in this order (`BENCH_ONLY=name,name` picks some). */
import type { BenchScenario } from "../scenario";
import { scenario as invitationLifecycles } from "./invitation-lifecycles";
import { scenario as cosmosRequests } from "./cosmos-requests";
import { scenario as termEndSweep } from "./term-end-sweep";
import { scenario as waitingAtScale } from "./waiting-at-scale";
import { scenario as durableEngine } from "./durable-engine";

export const scenarios: readonly BenchScenario[] = [
  invitationLifecycles,
  cosmosRequests,
  termEndSweep,
  waitingAtScale,
  durableEngine,
];
