import { Agent } from "node:https";
import path from "node:path";
import { CosmosClient, type Database } from "@azure/cosmos";
import { createCosmosDatabase } from "../../src/adapters/cosmos/client";
import { readContainerSpecs, startEmbeddedCosmos } from "../../src/localhost/services/cosmos";

/** The embedded Cosmos of the tests and benchmarks (no test runner needed: benchmarks import it too). */

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

export interface CountedCosmos {
  db: Database;
  /** HTTP requests made through `db` since the last reset. */
  requests(): number;
  reset(): void;
  dispose(): void;
}

/**
 * A second client to the same database that counts every HTTP request it makes, at the client's
 * per-request hook (one count per request, retries included): what Cosmos would bill.
 */
export function countedCosmosDatabase(cosmos: {
  endpoint: string;
  key: string;
  database: string;
}): CountedCosmos {
  let requests = 0;
  const client = new CosmosClient({
    endpoint: cosmos.endpoint,
    key: cosmos.key,
    agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
    connectionPolicy: { enableEndpointDiscovery: false },
    plugins: [
      {
        on: "request",
        plugin: (context: unknown, _diagnostics: unknown, next: (c: unknown) => Promise<unknown>) => {
          requests++;
          return next(context);
        },
      },
    ],
  } as ConstructorParameters<typeof CosmosClient>[0]);
  return {
    db: client.database(cosmos.database),
    requests: () => requests,
    reset: () => {
      requests = 0;
    },
    dispose: () => client.dispose(),
  };
}
