import path from "node:path";
import type { Database } from "@azure/cosmos";
import { afterAll, beforeAll } from "vitest";
import { createCosmosDatabase } from "../../src/adapters/cosmos/client";
import { readContainerSpecs, startEmbeddedCosmos } from "../../src/localhost/services/cosmos";

export interface TestCosmos {
  endpoint: string;
  key: string;
  /** The database name. */
  database: string;
  /** A database handle built by the app's own client factory (loopback-only TLS relaxation). */
  db: Database;
  stop(): Promise<void>;
}

const CONTAINERS_FILE = path.resolve(__dirname, "../../infra/cosmos-containers.json");
// Compiled copies of this file live under dist/test/support, two levels deeper than the repo root.
const CONTAINERS_FILE_FROM_DIST = path.resolve(__dirname, "../../../infra/cosmos-containers.json");

function containersFile(): string {
  // Works both from the sources (vitest) and from dist/ (tests that import compiled helpers).
  return __dirname.includes(`${path.sep}dist${path.sep}`) ? CONTAINERS_FILE_FROM_DIST : CONTAINERS_FILE;
}

/**
 * Starts the embedded Cosmos DB API server on 127.0.0.1 (free port), in memory, with the database
 * and the containers of `infra/cosmos-containers.json` — the same layout production uses.
 */
export async function startTestCosmos(options: { database?: string } = {}): Promise<TestCosmos> {
  const database = options.database ?? "csp-test";
  const cosmos = await startEmbeddedCosmos({ database, containers: readContainerSpecs(containersFile()) });
  const db = createCosmosDatabase({
    COSMOS_ENDPOINT: cosmos.endpoint,
    COSMOS_KEY: cosmos.key,
    COSMOS_DATABASE: database,
  });
  return {
    endpoint: cosmos.endpoint,
    key: cosmos.key,
    database,
    db,
    async stop() {
      db.client.dispose();
      await cosmos.stop();
    },
  };
}

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
