import { CosmosClient, type ContainerDefinition } from "@azure/cosmos";
import Account from "@vercel/cosmosdb-server/lib/account";
import route from "@vercel/cosmosdb-server/lib/routes";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Agent, createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { COSMOS_WRITE, faultPoints, parseCosmosFaults, type CosmosFault } from "../faults";
import { CosmosJournal } from "./cosmos-journal";
import { inPartitionScope, installPartitionScopedQueries, queryPartitionKey } from "./cosmos-partitions";

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
  /** The folder the data is kept in, or undefined when it lives in memory only. */
  dataDir: string | undefined;
  /** Resources (databases, containers, documents) loaded from the data folder at start. */
  loaded: number;
  stop(): Promise<void>;
}

type Handler = (account: Account, req: IncomingMessage, res: ServerResponse, params: unknown) => unknown;

/**
 * The server's request handling (as in `@vercel/cosmosdb-server`'s own `createHttpsServer`), with
 * two differences: a query with a partition key reads that partition only (`cosmos-partitions.ts`),
 * and when the data is kept on disk, the response waits until every change made so far
 * is written and fsynced, so whatever a client was told is stored survives a kill.
 */
function requestHandler(
  account: Account,
  journal: CosmosJournal | undefined,
  faults: CosmosFault[] = [],
): (req: IncomingMessage, res: ServerResponse) => void {
  let writes = 0;
  return (req, res) => {
    // Documents only: the database and containers made at start are not the app's writes.
    if (faults.length > 0 && isWrite(req) && /\/docs(\/|$)/.test(req.url ?? "")) {
      writes++;
      const fault = faults.find(
        (f) => writes % f.every === 0 && (f.status !== 412 || req.headers["if-match"] !== undefined),
      );
      if (fault) {
        // Answered before the server sees the request: nothing is applied, as with the real service.
        faultPoints().hit(`cosmos-fault:${fault.status}`);
        req.resume();
        res.statusCode = fault.status;
        res.setHeader("content-type", "application/json");
        res.setHeader("x-ms-activity-id", randomUUID());
        if (fault.status === 429) res.setHeader("x-ms-retry-after-ms", "20");
        res.end(
          JSON.stringify({
            code: String(fault.status),
            message: "Injected fault (LOCALHOST_COSMOS_FAULTS).",
          }),
        );
        return;
      }
    }
    const run = async (): Promise<void> => {
      const found = (route as (r: IncomingMessage) => [unknown, Handler] | undefined)(req);
      let body: Record<string, unknown> | unknown[] | undefined;
      if (found) {
        const [params, handler] = found;
        try {
          // A query naming one partition key runs over that partition only, as in Cosmos DB.
          body = (await inPartitionScope(queryPartitionKey(req.headers), () =>
            handler(account, req, res, params),
          )) as typeof body;
        } catch (err) {
          console.error(err);
          body = { message: (err as Error).message };
          res.statusCode = 500;
        }
        if (res.statusCode > 399 && body && !Array.isArray(body) && !body.message) body.message = "";
      } else {
        res.statusCode = 400;
        body = { message: "no route" };
      }
      const etag = body && !Array.isArray(body) ? body._etag : undefined;
      if (typeof etag === "string") res.setHeader("etag", etag);
      res.setHeader("content-type", "application/json");
      res.setHeader("content-location", `https://${req.headers.host ?? ""}${req.url ?? ""}`);
      res.setHeader("connection", "keep-alive");
      res.setHeader("x-ms-activity-id", randomUUID());
      res.setHeader("x-ms-request-charge", "1");
      if (req.headers["a-im"] && res.statusCode === 200) {
        if (req.headers["if-none-match"]) res.statusCode = 304;
        res.setHeader("etag", "1");
      }
      if (journal && !journal.idle) await journal.flush();
      const wrote = isWrite(req) && res.statusCode < 400;
      res.end(JSON.stringify(body), () => {
        if (wrote) faultPoints().hit(COSMOS_WRITE);
      });
    };
    run().catch((err: unknown) => {
      console.error(err);
      if (!res.writableEnded) {
        res.statusCode = 500;
        res.end("");
      }
    });
  };
}

/** Creates, replaces, upserts, patches, deletes and batches; a query is a POST that changes nothing. */
function isWrite(req: IncomingMessage): boolean {
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") return false;
  const flag = (name: string): boolean => /^true$/i.test(String(req.headers[name] ?? ""));
  return !(
    method === "POST" &&
    (flag("x-ms-documentdb-isquery") || flag("x-ms-cosmos-is-query-plan-request"))
  );
}

function serverPackageFile(name: string): string {
  return path.join(path.dirname(require.resolve("@vercel/cosmosdb-server/package.json")), name);
}

/**
 * Starts the Cosmos DB API server (`@vercel/cosmosdb-server`, https with its bundled self-signed
 * certificate) on a free loopback port, and creates the database and containers. With `dataDir`
 * it loads what that folder holds and keeps every change there (see `cosmos-journal.ts`);
 * without, everything is in memory.
 */
export interface EmbeddedCosmosOptions {
  database?: string;
  containers?: ContainerSpec[];
  host?: string;
  port?: number;
  dataDir?: string;
}

export async function startEmbeddedCosmos(options: EmbeddedCosmosOptions): Promise<EmbeddedCosmos> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  // The account names its own address in its metadata; a port chosen by the OS is only known after
  // listening, so the account is made then, and requests wait for it (none can come before).
  let account: Account | undefined;
  let journal: CosmosJournal | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createHttpsServer(
    {
      cert: readFileSync(serverPackageFile("cert.pem")),
      key: readFileSync(serverPackageFile("key.pem")),
      keepAlive: true,
    },
    (req, res) => {
      if (handle) handle(req, res);
      else {
        res.statusCode = 503;
        res.end(JSON.stringify({ message: "starting" }));
      }
    },
  );
  // Node closes a kept-alive connection after 5 s idle. A client whose event loop lags (a loaded
  // host) can pick such a socket just as the server closes it, and the SDK does not retry a write on
  // the reset ("socket hang up"). Clients on this machine close their own sockets; the server keeps
  // idle ones open until they do, and `stop` closes the rest.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const endpoint = `https://${host}:${address.port}/`;
  // The server accepts any key; a random one keeps a real-looking setting without a shared secret.
  const key = randomBytes(64).toString("base64");
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    await journal?.close();
  };
  let loaded = 0;
  try {
    installPartitionScopedQueries();
    account = new Account(host, address.port);
    if (options.dataDir) {
      const opened = await CosmosJournal.open(options.dataDir, account);
      journal = opened.journal;
      loaded = opened.resources;
    }
    handle = requestHandler(account, journal, parseCosmosFaults(process.env.LOCALHOST_COSMOS_FAULTS));
    if (options.database) {
      const client = loopbackCosmosClient(endpoint, key);
      try {
        await ensureCosmosResources(client, options.database, options.containers ?? []);
      } finally {
        client.dispose();
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, key, dataDir: options.dataDir, loaded, stop };
}
