import { afterAll, beforeAll } from "vitest";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { Journey } from "./client";

export * from "./client";

/**
 * A local host (the app in dist/, virtual clock, in-memory durable store) and the journeys' client
 * (`client.ts`).
 */

/**
 * Starts one host for the test file; the getter works inside tests and hooks. `env` is read when the
 * host starts (after earlier hooks, e.g. a test Cosmos the host should use).
 */
export function useJourneyHost(options: { env?: () => Record<string, string> } = {}): () => Journey {
  let host: HostProcess | undefined;
  let journey: Journey | undefined;
  beforeAll(async () => {
    host = await startHostProcess({
      args: ["--store", "memory", "--clock", "virtual"],
      env: { CLOCK: "virtual", AUTH_MODE: "dev", ...(options.env?.() ?? {}) },
    });
    journey = new Journey(host);
  });
  afterAll(async () => {
    await host?.stop();
  });
  return () => {
    if (!journey) throw new Error("The host is not running (use the getter inside tests or hooks)");
    return journey;
  };
}
