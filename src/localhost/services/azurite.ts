import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";

/**
 * Azurite's published development account. The key is public (it is in Microsoft's docs and in
 * every Azurite install), so it is no secret; it only ever talks to the loopback emulator.
 */
export const AZURITE_ACCOUNT_NAME = "devstoreaccount1";
export const AZURITE_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Workspace folder Azurite persists its data in (created if missing; its working directory when in memory). */
  location: string;
  /** Loopback address to listen on. Defaults to 127.0.0.1. */
  host?: string;
  /** Do not forward Azurite's console output. */
  silent?: boolean;
  /** Keep data in memory only (nothing survives a stop). */
  inMemory?: boolean;
  /** Fold the write journal into a snapshot once it is this large (default 64 MiB). */
  journalCompactBytes?: number;
  /** Give up if Azurite has not answered within this many milliseconds (default 60 s). */
  startTimeoutMs?: number;
}

export interface AzuriteInstance {
  /** Explicit connection string (no `UseDevelopmentStorage`), so ports other than the defaults work. */
  connectionString: string;
  tableEndpoint: string;
  blobEndpoint: string;
  queueEndpoint: string;
  /** Process id of the Azurite child. */
  pid: number;
  /** Stops this Azurite child (graceful first). Idempotent. Every answered write is on disk already. */
  stop(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);
/** A journal past this many bytes is folded into a snapshot (in the background). */
const JOURNAL_COMPACT_BYTES = 64 * 2 ** 20;
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/;

/** Azurite's LokiJS table store: the preloads patch it, and reach LokiJS from where it does. */
function lokiTableStoreModule(): string {
  return path.join(
    path.dirname(require.resolve("azurite/package.json")),
    "dist",
    "src",
    "table",
    "persistence",
    "LokiTableMetadataStore.js",
  );
}

/**
 * Azurite keeps its tables in LokiJS and saves them to disk every 5 seconds, so a kill loses what
 * it acknowledged in the last seconds. This preload (run in the Azurite process before Azurite
 * itself) makes every write durable before Azurite answers, without writing the whole database
 * each time (a snapshot costs time in proportion to everything stored, so a store of 100,000 rows
 * slowed every write to a crawl):
 *
 * - An entity write (or a whole entity-group transaction, once it ended, committed or rolled back)
 *   appends the resulting state of each row it touched, one JSON line per row, to a journal beside
 *   the database file, before the answer. Appends reach the OS before the answer, as the snapshot's
 *   rename did: a killed process loses nothing it acknowledged.
 * - Table and service changes (rare) still wait for a snapshot. A snapshot is also taken once the
 *   journal grows past a size; the journal is sealed (renamed) in the same instant the snapshot is
 *   serialized, and removed once the snapshot is on disk. Snapshots are never taken in the middle of
 *   an entity-group transaction (whose rows change one by one and may still be rolled back), and
 *   replace the file by rename. The periodic save is turned off.
 * - At start-up, after Azurite loaded the last snapshot, the sealed journals and then the current
 *   one are applied in order (each line states a row's whole state, so applying one twice is
 *   harmless), and a snapshot is taken.
 */
function durableWritesPreload(compactBytes: number): string {
  const storeModule = lokiTableStoreModule();
  const source = `
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
const Store = createRequire(${JSON.stringify(storeModule)})(${JSON.stringify(storeModule)}).default;
const SNAPSHOT_WRITES = ["createTable", "deleteTable", "setTableACL", "setServiceProperties"];
const ENTITY_WRITES = ["insertTableEntity", "insertOrUpdateTableEntity", "insertOrMergeTableEntity",
  "updateTableEntity", "mergeTableEntity", "deleteTableEntity"];
const COMPACT_BYTES = ${compactBytes};
const states = new WeakMap();
const state = (store) => {
  let s = states.get(store);
  if (!s) states.set(store, (s = { batches: 0, batchKeys: new Map(), saving: false, waiters: [],
    fd: undefined, bytes: 0, sealed: 0, compacting: false }));
  return s;
};
const journalPath = (store) => store.lokiDBPath + ".journal";
const sealedPaths = (store) => {
  const dir = path.dirname(store.lokiDBPath);
  const prefix = path.basename(store.lokiDBPath) + ".journal.";
  return fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).map((f) => ({ f: path.join(dir, f), n: Number(f.slice(prefix.length)) }))
    .filter((x) => Number.isInteger(x.n)).sort((a, b) => a.n - b.n);
};
const openJournal = (store) => {
  const s = state(store);
  s.fd = fs.openSync(journalPath(store), "a");
  s.bytes = fs.fstatSync(s.fd).size;
};
/** The current state of one row as a line: its document without Loki's own fields, or null. */
const rowLine = (collection, pk, rk) => {
  const doc = collection.findOne({ PartitionKey: pk, RowKey: rk });
  return JSON.stringify({ c: collection.name, pk, rk, d: doc ?? null }, (k, v) => (k === "$loki" || k === "meta" ? undefined : v)) + "\\n";
};
const append = (store, lines) => {
  const s = state(store);
  if (lines.length === 0) return;
  if (s.fd === undefined) openJournal(store);
  const text = lines.join("");
  fs.writeSync(s.fd, text);
  s.bytes += Buffer.byteLength(text);
  // Compacting is a snapshot nobody waits for.
  if (s.bytes > COMPACT_BYTES && !s.compacting) {
    s.compacting = true;
    saved(store).catch(() => undefined).finally(() => { s.compacting = false; });
  }
};
const kick = (store) => {
  const s = state(store);
  if (s.saving || s.batches > 0 || s.waiters.length === 0) return;
  s.saving = true;
  setImmediate(() => {
    if (s.batches > 0) { s.saving = false; return; }
    const waiters = s.waiters;
    s.waiters = [];
    // Sealed in the same turn the snapshot is serialized: the snapshot holds every sealed line.
    let sealedFile;
    if (s.fd !== undefined && s.bytes > 0) {
      fs.closeSync(s.fd);
      s.fd = undefined;
      sealedFile = journalPath(store) + "." + ++s.sealed;
      fs.renameSync(journalPath(store), sealedFile);
    }
    store.db.saveDatabase((err) => {
      s.saving = false;
      if (!err) for (const x of sealedPaths(store)) if (x.n <= s.sealed) fs.rmSync(x.f, { force: true });
      for (const w of waiters) w(err);
      kick(store);
    });
  });
};
const saved = (store) => new Promise((resolve, reject) => {
  state(store).waiters.push((err) => (err ? reject(err) : resolve()));
  kick(store);
});
const replay = (store) => {
  const files = [...sealedPaths(store).map((x) => x.f), journalPath(store)].filter((f) => fs.existsSync(f));
  let applied = 0;
  for (const file of files) {
    for (const line of fs.readFileSync(file, "utf8").split("\\n")) {
      if (!line) continue;
      let row;
      // A line cut short by a kill was never acknowledged: nothing after it was either.
      try { row = JSON.parse(line); } catch { break; }
      const collection = store.db.getCollection(row.c);
      if (!collection) continue;
      const existing = collection.findOne({ PartitionKey: row.pk, RowKey: row.rk });
      if (row.d === null) { if (existing) collection.remove(existing); }
      else if (existing) {
        for (const k of Object.keys(existing)) if (k !== "$loki" && k !== "meta") delete existing[k];
        Object.assign(existing, row.d);
        collection.update(existing);
      } else collection.insert(row.d);
      applied++;
    }
  }
  const s = state(store);
  s.sealed = Math.max(0, ...sealedPaths(store).map((x) => x.n));
  return { files, applied };
};
const init = Store.prototype.init;
Store.prototype.init = async function (...args) {
  this.db.autosaveDisable();
  this.db.autosave = false;
  const result = await init.apply(this, args);
  const { files } = replay(this);
  if (files.length > 0) {
    // What was replayed goes into a snapshot; the journals it came from are then removed.
    const s = state(this);
    await new Promise((resolve, reject) => this.db.saveDatabase((err) => (err ? reject(err) : resolve())));
    for (const f of files) fs.rmSync(f, { force: true });
    s.sealed = 0;
  }
  openJournal(this);
  return result;
};
for (const name of SNAPSHOT_WRITES) {
  const write = Store.prototype[name];
  Store.prototype[name] = async function (...args) {
    const result = await write.apply(this, args);
    await saved(this);
    return result;
  };
}
for (const name of ENTITY_WRITES) {
  const write = Store.prototype[name];
  Store.prototype[name] = async function (...args) {
    const [context, table, account] = args;
    const [pk, rk] = name === "deleteTableEntity" ? [args[3], args[4]] : [args[3]?.PartitionKey, args[3]?.RowKey];
    const s = state(this);
    const batchId = args.find((a) => typeof a === "string" && s.batchKeys.has(a));
    const inBatch = batchId !== undefined;
    // A row a transaction touches is written to the journal when the transaction ends (even when
    // this operation fails: the rollback may have changed it back).
    if (inBatch) s.batchKeys.get(batchId).set(JSON.stringify([account, table, pk, rk]), { table, account, pk, rk });
    const result = await write.apply(this, args);
    if (!inBatch) append(this, [rowLine(this.getEntityCollection(account, table, context), pk, rk)]);
    return result;
  };
}
const begin = Store.prototype.beginBatchTransaction;
Store.prototype.beginBatchTransaction = async function (...args) {
  const s = state(this);
  s.batches++;
  s.batchKeys.set(args[0], new Map());
  try { return await begin.apply(this, args); } catch (e) { s.batches--; s.batchKeys.delete(args[0]); kick(this); throw e; }
};
const end = Store.prototype.endBatchTransaction;
Store.prototype.endBatchTransaction = async function (...args) {
  const s = state(this);
  const [account, table, batchId, context] = args;
  try { return await end.apply(this, args); } finally {
    const keys = [...(s.batchKeys.get(batchId)?.values() ?? [])];
    s.batchKeys.delete(batchId);
    s.batches--;
    const lines = [];
    for (const k of keys) {
      try { lines.push(rowLine(this.getEntityCollection(k.account ?? account, k.table ?? table, context), k.pk, k.rk)); } catch {}
    }
    append(this, lines);
    kick(this);
  }
};
`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * Azurite keeps each table in one LokiJS collection, indexed by partition key and by row key, and
 * two of its reads ignore the partition index. This preload (run in the Azurite process before
 * Azurite itself) makes both start from the partition; the rows and the answers stay the same.
 *
 * - A point read or write finds its row with `findOne({ RowKey, PartitionKey })`, and LokiJS narrows
 *   by the first property with its index and scans what that leaves for the second. Row keys repeat
 *   in every partition (each durable instance has a `state` row), so each one scanned a row per
 *   instance: creating 20,000 waiting instances slowed from 70 to 8 a second. It now asks for the
 *   partition key first. Both are equalities, so the row found is the same.
 * - A query runs its filter as a predicate over every row of the table, whatever the filter says.
 *   A filter whose first term is `PartitionKey eq '...'`, joined to the rest by `and` with no `or`
 *   outside parentheses, can only match rows of that partition, so the query now starts from that
 *   partition's rows (through the index) and applies the whole filter to them as before. Any other
 *   filter runs as it did. Azurite calls `chain()` synchronously, before its first `await`, so the
 *   narrowed chain is in place for that one call and no other.
 */
function partitionFirstPreload(): string {
  const storeModule = lokiTableStoreModule();
  const source = `
import { createRequire } from "node:module";
const storeRequire = createRequire(${JSON.stringify(storeModule)});
const { Collection } = storeRequire("lokijs");
const Store = storeRequire(${JSON.stringify(storeModule)}).default;
const findOne = Collection.prototype.findOne;
Collection.prototype.findOne = function (query) {
  if (query && typeof query === "object" && "RowKey" in query && "PartitionKey" in query && Object.keys(query).length === 2)
    return findOne.call(this, { PartitionKey: query.PartitionKey, RowKey: query.RowKey });
  return findOne.call(this, query);
};
${onePartitionOf.toString()}
const query = Store.prototype.queryTableEntities;
Store.prototype.queryTableEntities = function (context, account, table, queryOptions, ...rest) {
  const partitionKey = onePartitionOf(queryOptions?.filter);
  if (partitionKey === undefined) return query.call(this, context, account, table, queryOptions, ...rest);
  let collection;
  try {
    collection = this.getEntityCollection(account, table, context);
  } catch {
    // A missing table: Azurite's own call answers it as it always did.
    return query.call(this, context, account, table, queryOptions, ...rest);
  }
  collection.chain = function () {
    return Collection.prototype.chain.call(this).find({ PartitionKey: partitionKey });
  };
  try {
    return query.call(this, context, account, table, queryOptions, ...rest);
  } finally {
    delete collection.chain;
  }
};
`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * The partition an OData filter is confined to, when it says so in the way the durable store writes
 * its queries: `PartitionKey eq '<key>'` first, then nothing or `and` more, with no `or` outside
 * parentheses (`and` binds tighter, so `PartitionKey eq 'a' and x or y` reaches other partitions).
 * Undefined for anything else: such filters simply run over the whole table. Self-contained: its
 * source is copied into the Azurite preload.
 */
export function onePartitionOf(filter: unknown): string | undefined {
  if (typeof filter !== "string") return undefined;
  const first = /^\s*PartitionKey\s+eq\s+'((?:[^']|'')*)'/.exec(filter);
  if (!first) return undefined;
  // Literals out of the way (a quote left over is one that never closed).
  const rest = filter.slice(first[0].length).replace(/'(?:[^']|'')*'/g, " 0 ");
  if (rest.includes("'")) return undefined;
  if (rest.trim() !== "" && !/^\s+and[\s(]/i.test(rest)) return undefined;
  let depth = 0;
  for (const token of rest.match(/\(|\)|[A-Za-z_]+/g) ?? []) {
    if (token === "(") depth++;
    else if (token === ")") depth--;
    else if (depth === 0 && token.toLowerCase() === "or") return undefined;
    if (depth < 0) return undefined;
  }
  if (depth !== 0) return undefined;
  return (first[1] ?? "").replace(/''/g, "'");
}

function azuriteEntryPoint(): string {
  // The package has no "exports" map; its bin entry is the combined blob+queue+table server.
  const pkg = require.resolve("azurite/package.json");
  return path.join(path.dirname(pkg), "dist", "src", "azurite.js");
}

/** Resolves once the address answers any HTTP request: that proves the server is serving, not just bound. */
function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("error", () => resolve(false));
  });
}

/**
 * Starts the installed Azurite (blob, queue and table) on free loopback ports. Ports are chosen by
 * the OS (Azurite accepts port 0 and prints the bound address), which avoids races with other
 * processes picking the same "free" port.
 */
export async function startAzurite(options: AzuriteOptions): Promise<AzuriteInstance> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) {
    // The emulator is plain http with a public key: it must never be reachable from the network.
    throw new Error(`Azurite must listen on loopback, not ${host}`);
  }
  mkdirSync(options.location, { recursive: true });
  const args = [
    azuriteEntryPoint(),
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--loose",
    "--blobHost",
    host,
    "--blobPort",
    "0",
    "--queueHost",
    host,
    "--queuePort",
    "0",
    "--tableHost",
    host,
    "--tablePort",
    "0",
  ];
  if (options.silent) args.push("--silent");
  // Azurite refuses --location together with --inMemoryPersistence; it still runs in that folder.
  if (options.inMemory) args.push("--inMemoryPersistence");
  else args.push("--location", options.location);

  // The parent holds the write end of the child's stdin. When the parent dies, even by SIGKILL
  // (where no exit handler runs), the pipe closes and this preload ends the emulator with it.
  // unref: the pipe alone must not keep Azurite alive once SIGTERM has closed its servers.
  const exitWithParent =
    "data:text/javascript,process.stdin.on('end',()=>process.exit(0));process.stdin.resume();process.stdin.unref();";
  const preloads = ["--import", exitWithParent, "--import", partitionFirstPreload()];
  if (!options.inMemory)
    preloads.push("--import", durableWritesPreload(options.journalCompactBytes ?? JOURNAL_COMPACT_BYTES));
  const child = spawn(process.execPath, [...preloads, ...args], {
    cwd: options.location,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stopChild = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  // A crashed or killed parent must not leave an orphaned emulator holding the workspace.
  process.once("exit", stopChild);

  const endpoints: Partial<Record<"Blob" | "Queue" | "Table", string>> = {};
  const tail: string[] = [];
  const remember = (line: string): void => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${options.startTimeoutMs ?? 60_000} ms`)),
        options.startTimeoutMs ?? 60_000,
      );
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        reject(
          new Error(
            `Azurite exited before it was ready (code ${code}, signal ${signal}):\n${tail.join("\n")}`,
          ),
        );
      };
      child.once("exit", onExit);
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      const onLine = (line: string): void => {
        remember(line);
        if (!options.silent) console.log(`[azurite] ${line}`);
        const m = LISTENING.exec(line);
        if (!m) return;
        endpoints[m[1] as "Blob" | "Queue" | "Table"] = m[2];
        if (endpoints.Blob && endpoints.Queue && endpoints.Table) {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve();
        }
      };
      lines(child, "stdout", onLine);
      lines(child, "stderr", (line) => {
        remember(line);
        if (!options.silent) console.error(`[azurite] ${line}`);
      });
    });
    const base = { Blob: endpoints.Blob!, Queue: endpoints.Queue!, Table: endpoints.Table! };
    // The "listening" line comes from the listen callback; one answered request confirms it serves.
    for (const url of Object.values(base)) {
      if (!(await probe(url))) throw new Error(`Azurite at ${url} does not answer`);
    }
    const blobEndpoint = `${base.Blob}/${AZURITE_ACCOUNT_NAME}`;
    const queueEndpoint = `${base.Queue}/${AZURITE_ACCOUNT_NAME}`;
    const tableEndpoint = `${base.Table}/${AZURITE_ACCOUNT_NAME}`;
    const connectionString =
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`;

    let stopping: Promise<void> | undefined;
    return {
      connectionString,
      tableEndpoint,
      blobEndpoint,
      queueEndpoint,
      pid: child.pid!,
      stop() {
        stopping ??= stop(child, stopChild);
        return stopping;
      },
    };
  } catch (err) {
    stopChild();
    process.off("exit", stopChild);
    throw err;
  }
}

async function stop(child: ChildProcess, stopChild: () => void): Promise<void> {
  process.off("exit", stopChild);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // SIGTERM lets Azurite close its servers and save its database; SIGKILL only if it hangs.
  child.kill("SIGTERM");
  const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(force);
}

function lines(child: ChildProcess, stream: "stdout" | "stderr", onLine: (line: string) => void): void {
  let buffered = "";
  const source = child[stream];
  if (!source) return;
  source.setEncoding("utf8");
  source.on("data", (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf("\n");
    while (nl >= 0) {
      onLine(buffered.slice(0, nl).replace(/\r$/, ""));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf("\n");
    }
  });
}
