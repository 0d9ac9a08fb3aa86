import type { Database } from "@azure/cosmos";
import { afterAll, beforeAll } from "vitest";
import { ApiClient } from "../support/api-client";
import { startTestCosmos, type TestCosmos } from "../support/cosmos";
import { startHostProcess, type HostProcess } from "../support/host-process";

/** A customer tenant the host's dev tenant directory puts in the china cloud (DEV_TENANT_CLOUDS, R12). */
export const CHINA_CLOUD_TENANT = "c41a0000-0000-4000-8000-00000000c41a";

export interface ApiHost {
  api: ApiClient;
  host: HostProcess;
  /** The very database the app uses: tests read stored documents directly. */
  db: Database;
}

/**
 * The app on the local host (dev auth, virtual clock, in-memory durable store) against a Cosmos
 * server the test started itself, so stored documents can be compared before and after a request.
 */
export function useApiHost(options: { env?: Record<string, string> } = {}): () => ApiHost {
  let cosmos: TestCosmos | undefined;
  let host: HostProcess | undefined;
  let ready: ApiHost | undefined;
  beforeAll(async () => {
    cosmos = await startTestCosmos({ database: "csp-api-test" });
    host = await startHostProcess({
      args: ["--store", "memory", "--clock", "virtual"],
      env: {
        CLOCK: "virtual",
        AUTH_MODE: "dev",
        COSMOS_ENDPOINT: cosmos.endpoint,
        COSMOS_KEY: cosmos.key,
        COSMOS_DATABASE: cosmos.database,
        DEV_TENANT_CLOUDS: `${CHINA_CLOUD_TENANT}=china`,
        ...options.env,
      },
    });
    ready = { api: new ApiClient(host.url), host, db: cosmos.db };
  });
  afterAll(async () => {
    await host?.stop();
    await cosmos?.stop();
  });
  return () => {
    if (!ready) throw new Error("The host is not running (use the getter inside tests or hooks)");
    return ready;
  };
}

/** Every document of one partition, without Cosmos' system properties' volatile parts. */
export async function partitionDocuments(db: Database, container: string, key: string, path: string) {
  const { resources } = await db
    .container(container)
    .items.query<Record<string, unknown>>({
      query: `SELECT * FROM c WHERE c.${path} = @key`,
      parameters: [{ name: "@key", value: key }],
    })
    .fetchAll();
  return resources.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

export async function countDocuments(db: Database, container: string): Promise<number> {
  const { resources } = await db
    .container(container)
    .items.query<number>({ query: "SELECT VALUE COUNT(1) FROM c" })
    .fetchAll();
  return resources[0] ?? 0;
}

/** Polls until `done` holds (no sleeping in between beyond yielding); fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  what: string,
  timeoutMs = 20_000,
) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (performance.now() > deadline)
      throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
