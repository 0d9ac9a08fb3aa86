import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startAzurite, type AzuriteInstance } from "../../src/localhost/services/azurite";

/** Azurite for tests and benchmarks (no test runner needed: benchmarks import it too). */

export interface TestAzurite extends AzuriteInstance {
  /** The temporary workspace; removed by `stop()`. */
  location: string;
}

/** Starts a silent Azurite in a fresh temporary folder; `stop()` stops it and removes the folder. */
export async function startTestAzurite(options: { inMemory?: boolean } = {}): Promise<TestAzurite> {
  const location = mkdtempSync(path.join(os.tmpdir(), "azurite-test-"));
  try {
    const azurite = await startAzurite({ location, silent: true, inMemory: options.inMemory });
    return {
      ...azurite,
      location,
      async stop() {
        await azurite.stop();
        rmSync(location, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(location, { recursive: true, force: true });
    throw err;
  }
}
