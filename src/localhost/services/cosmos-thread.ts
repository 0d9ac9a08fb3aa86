/**
 * Runs the embedded Cosmos server (`cosmos.ts`) on a worker thread of the host process. The host
 * is one Node process serving HTTP, running the functions, the durable engine and this server; on
 * its main thread the server's TLS, parsing and queries took the core the functions need, while
 * the machine's other core idled. Behaviour is the same: the same server code, journal and
 * `LOCALHOST_COSMOS_FAULTS` (the worker reads the environment the host set), and its fault points
 * (`cosmos-write`, `cosmos-fault:*`) are counted in `/admin/host/status` and kill the process.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { faultPoints } from "../faults";
import { startEmbeddedCosmos, type EmbeddedCosmos, type EmbeddedCosmosOptions } from "./cosmos";

/** The points the worker passes; their counts live in a shared buffer, in this order. */
export const WORKER_FAULT_POINTS: readonly string[] = [
  "cosmos-write",
  "cosmos-fault:429",
  "cosmos-fault:503",
  "cosmos-fault:412",
];

export interface CosmosWorkerData {
  options: EmbeddedCosmosOptions;
  counts: SharedArrayBuffer;
}

export type CosmosWorkerMessage =
  | { type: "ready"; endpoint: string; key: string; loaded: number }
  | { type: "stopped" }
  | { type: "error"; message: string };

const WORKER_FILE = path.join(__dirname, "cosmos-worker.js");

/**
 * Starts the embedded Cosmos server on a worker thread; from the sources (no compiled worker
 * file beside this one, as under vitest) it runs on the calling thread instead.
 */
export async function startEmbeddedCosmosThread(options: EmbeddedCosmosOptions): Promise<EmbeddedCosmos> {
  if (!existsSync(WORKER_FILE)) return startEmbeddedCosmos(options);
  const counts = new SharedArrayBuffer(WORKER_FAULT_POINTS.length * Int32Array.BYTES_PER_ELEMENT);
  const view = new Int32Array(counts);
  const worker = new Worker(WORKER_FILE, { workerData: { options, counts } satisfies CosmosWorkerData });
  let stopping = false;
  const ready = await new Promise<Extract<CosmosWorkerMessage, { type: "ready" }>>((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`The embedded Cosmos worker exited (${code}).`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: CosmosWorkerMessage) => {
      worker.off("error", reject);
      worker.off("exit", onExit);
      if (message.type === "ready") resolve(message);
      else
        reject(new Error(message.type === "error" ? message.message : "The embedded Cosmos worker stopped."));
    });
  });
  // A server that dies under the host must take the host down, as it did on the main thread.
  worker.on("error", (e) => {
    if (!stopping)
      process.nextTick(() => {
        throw e;
      });
  });
  faultPoints().include(() =>
    Object.fromEntries(WORKER_FAULT_POINTS.map((point, i) => [point, Atomics.load(view, i)])),
  );
  return {
    endpoint: ready.endpoint,
    key: ready.key,
    dataDir: options.dataDir,
    loaded: ready.loaded,
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      const answered = new Promise<void>((resolve, reject) => {
        worker.on("message", (message: CosmosWorkerMessage) => {
          if (message.type === "stopped") resolve();
          else if (message.type === "error") reject(new Error(message.message));
        });
      });
      worker.postMessage({ type: "stop" });
      try {
        await Promise.race([answered, exited]);
      } finally {
        // Stopped (server closed, journal flushed): nothing of the thread is needed any more.
        await worker.terminate();
      }
    },
  };
}
