import type { BenchScenario } from "../scenario";
import { scenario as termEndSweep } from "./term-end-sweep";
import { scenario as waitingAtScale } from "./waiting-at-scale";

/** The scenarios `npm run bench` runs, in order. */
export const scenarios: readonly BenchScenario[] = [termEndSweep, waitingAtScale];
