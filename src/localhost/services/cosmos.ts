import { CosmosClient, type ContainerDefinition } from "@azure/cosmos";
import { createHttpsServer } from "@vercel/cosmosdb-server";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import type { AddressInfo } from "node:net";

export interface ContainerSpec {
  id: string;
  partitionKeyPath: string;
  defaultTtl?: number;
  /** Either `[["/a"], ["/b", "/c"]]` or the Cosmos shape `[{paths: ["/a"]}]`. */
  uniqueKeys?: (string[] | { paths: string[] })[];
}

/** Reads the `{containers:[...]}` file named by `LOCALHOST_COSMOS_CONTAINERS`. */
export function readContainerSpecs(file: string): ContainerSpec[] {
  const doc = JSON.parse(readFileSync(file, "utf8")) as { containers?: unknown };
  if (!Array.isArray(doc.containers)) throw new Error(`${file}: expected {"containers": [...]}`);
  return doc.containers.map((c: unknown, i) => {
    const spec = c as Partial<ContainerSpec>;
    if (typeof spec.id !== "string" || typeof spec.partitionKeyPath !== "string") {
      throw new Error(`${file}: containers[${i}] needs "id" and "partitionKeyPath".`);
    }
    return spec as ContainerSpec;
  });
}

/**
 * A client for a loopback Cosmos endpoint with a self-signed certificate. Certificate checks are
 * skipped for this client's own agent only, and only because the endpoint is on this machine.
 */
export function loopbackCosmosClient(endpoint: string, key: string): CosmosClient {
  const host = new URL(endpoint).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]" && host !== "::1") {
    throw new Error(`Refusing to relax TLS for non-loopback Cosmos endpoint ${endpoint}.`);
  }
  return new CosmosClient({
    endpoint,
    key,
    agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
    // The embedded server answers with its own address; discovery would only add round trips.
    connectionPolicy: { enableEndpointDiscovery: false },
  });
}

/** Creates the database and containers if missing (idempotent). */
export async function ensureCosmosResources(
  client: CosmosClient,
  database: string,
  containers: ContainerSpec[],
): Promise<void> {
  const { database: db } = await client.databases.createIfNotExists({ id: database });
  for (const spec of containers) {
    const definition: ContainerDefinition = {
      id: spec.id,
      partitionKey: { paths: [spec.partitionKeyPath] },
    };
    if (spec.defaultTtl !== undefined) definition.defaultTtl = spec.defaultTtl;
    if (spec.uniqueKeys && spec.uniqueKeys.length > 0) {
      definition.uniqueKeyPolicy = {
        uniqueKeys: spec.uniqueKeys.map((k) => ({ paths: Array.isArray(k) ? k : k.paths })),
      };
    }
    await db.containers.createIfNotExists(definition);
  }
}

export interface EmbeddedCosmos {
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * Starts the Cosmos DB API server (`@vercel/cosmosdb-server`, in memory, https with its bundled
 * self-signed certificate) on a free loopback port, and creates the database and containers.
 */
export async function startEmbeddedCosmos(options: {
  database?: string;
  containers?: ContainerSpec[];
  host?: string;
  port?: number;
}): Promise<EmbeddedCosmos> {
  const host = options.host ?? "127.0.0.1";
  const server = createHttpsServer({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const endpoint = `https://${host}:${(server.address() as AddressInfo).port}/`;
  // The server accepts any key; a random one keeps a real-looking setting without a shared secret.
  const key = randomBytes(64).toString("base64");
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  if (options.database) {
    const client = loopbackCosmosClient(endpoint, key);
    try {
      await ensureCosmosResources(client, options.database, options.containers ?? []);
    } catch (e) {
      await stop();
      throw e;
    } finally {
      client.dispose();
    }
  }
  return { endpoint, key, stop };
}
