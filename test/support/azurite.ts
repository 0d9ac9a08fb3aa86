import { afterAll, beforeAll } from "vitest";
import { startTestAzurite, type TestAzurite } from "./embedded-azurite";

export { startTestAzurite, type TestAzurite };

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
