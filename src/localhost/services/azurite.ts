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
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (\S+)/;

/**
 * Azurite keeps its tables in LokiJS and saves them to disk every 5 seconds, so a kill loses what
 * it acknowledged in the last seconds. This preload (run in the Azurite process before Azurite
 * itself) makes every write wait, before Azurite answers, for a save of the database that includes
 * it. Saves are shared by the writes that queue while one runs, are never taken in the middle of an
 * entity-group transaction (whose rows change one by one and may still be rolled back), and replace
 * the file by rename, so the file on disk always holds whole, answered transactions. The periodic
 * save is turned off: two saves writing the same temporary file at once could interleave.
 */
function saveBeforeAnswerPreload(): string {
  const storeModule = path.join(
    path.dirname(require.resolve("azurite/package.json")),
    "dist",
    "src",
    "table",
    "persistence",
    "LokiTableMetadataStore.js",
  );
  const source = `
import { createRequire } from "node:module";
const Store = createRequire(${JSON.stringify(storeModule)})(${JSON.stringify(storeModule)}).default;
const WRITES = ["createTable", "deleteTable", "setTableACL", "insertTableEntity", "insertOrUpdateTableEntity",
  "insertOrMergeTableEntity", "updateTableEntity", "mergeTableEntity", "deleteTableEntity", "setServiceProperties"];
const states = new WeakMap();
const state = (store) => {
  let s = states.get(store);
  if (!s) states.set(store, (s = { batches: 0, batchIds: new Set(), saving: false, waiters: [] }));
  return s;
};
const kick = (store) => {
  const s = state(store);
  if (s.saving || s.batches > 0 || s.waiters.length === 0) return;
  s.saving = true;
  setImmediate(() => {
    if (s.batches > 0) { s.saving = false; return; }
    const waiters = s.waiters;
    s.waiters = [];
    store.db.saveDatabase((err) => {
      s.saving = false;
      for (const w of waiters) w(err);
      kick(store);
    });
  });
};
const saved = (store) => new Promise((resolve, reject) => {
  state(store).waiters.push((err) => (err ? reject(err) : resolve()));
  kick(store);
});
const init = Store.prototype.init;
Store.prototype.init = async function (...args) {
  this.db.autosaveDisable();
  this.db.autosave = false;
  return init.apply(this, args);
};
for (const name of WRITES) {
  const write = Store.prototype[name];
  Store.prototype[name] = async function (...args) {
    const result = await write.apply(this, args);
    // A row of a transaction is saved with the whole transaction, when it ends.
    const s = state(this);
    if (!args.some((a) => typeof a === "string" && s.batchIds.has(a))) await saved(this);
    return result;
  };
}
const begin = Store.prototype.beginBatchTransaction;
Store.prototype.beginBatchTransaction = async function (...args) {
  const s = state(this);
  s.batches++;
  s.batchIds.add(args[0]);
  try { return await begin.apply(this, args); } catch (e) { s.batches--; s.batchIds.delete(args[0]); kick(this); throw e; }
};
const end = Store.prototype.endBatchTransaction;
Store.prototype.endBatchTransaction = async function (...args) {
  const s = state(this);
  try { return await end.apply(this, args); } finally { s.batches--; s.batchIds.delete(args[2]); await saved(this); }
};
`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
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
  const preloads = ["--import", exitWithParent];
  if (!options.inMemory) preloads.push("--import", saveBeforeAnswerPreload());
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
