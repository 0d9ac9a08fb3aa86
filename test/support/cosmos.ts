import { afterAll, beforeAll } from "vitest";
import { startTestCosmos, type TestCosmos } from "./embedded-cosmos";

export { startTestCosmos, type TestCosmos };

/** One embedded Cosmos for the whole test file; the getter works inside tests and hooks. */
export function useCosmos(options: { database?: string } = {}): () => TestCosmos {
  let cosmos: TestCosmos | undefined;
  beforeAll(async () => {
    cosmos = await startTestCosmos(options);
  });
  afterAll(async () => {
    await cosmos?.stop();
  });
  return () => {
    if (!cosmos) throw new Error("Cosmos is not running (use the getter inside tests or hooks)");
    return cosmos;
  };
}
