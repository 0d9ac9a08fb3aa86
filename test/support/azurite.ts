import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startAzurite, type AzuriteInstance } from "../../src/localhost/services/azurite";

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

/**
 * One Azurite for the whole test file: started in `beforeAll`, stopped in `afterAll`.
 * Returns a getter because the instance only exists once the hook has run.
 */
export function useAzurite(options: { inMemory?: boolean } = {}): () => TestAzurite {
  let azurite: TestAzurite | undefined;
  beforeAll(async () => {
    azurite = await startTestAzurite(options);
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  return () => {
    if (!azurite) throw new Error("Azurite is not running (use the getter inside tests or hooks)");
    return azurite;
  };
}
