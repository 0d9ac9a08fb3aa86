/**
 * Entry of the embedded Cosmos server's worker thread (`cosmos-thread.ts` starts it): runs
 * `startEmbeddedCosmos` there, so the server's TLS, HTTP parsing, queries and journal writes use
 * another core than the functions. Its fault points count in a buffer the main thread reads, and an
 * armed `cosmos-write` kills the process from here, right after the answer, as before.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createFaultPoints, installFaultPoints } from "../faults";
import { startEmbeddedCosmos } from "./cosmos";
import { WORKER_FAULT_POINTS, type CosmosWorkerData, type CosmosWorkerMessage } from "./cosmos-thread";

const port = parentPort;
if (!port) throw new Error("cosmos-worker runs as a worker thread (see cosmos-thread.ts).");
const data = workerData as CosmosWorkerData;
const counts = new Int32Array(data.counts);
installFaultPoints(
  createFaultPoints(process.env.LOCALHOST_FAULTS, undefined, (point, n) => {
    const i = WORKER_FAULT_POINTS.indexOf(point);
    if (i >= 0) Atomics.store(counts, i, n);
  }),
);

const send = (message: CosmosWorkerMessage): void => port.postMessage(message);

startEmbeddedCosmos(data.options).then(
  (cosmos) => {
    port.on("message", (message: { type?: string }) => {
      if (message?.type !== "stop") return;
      cosmos.stop().then(
        () => {
          send({ type: "stopped" });
          port.close();
        },
        (e: unknown) => send({ type: "error", message: errorText(e) }),
      );
    });
    send({ type: "ready", endpoint: cosmos.endpoint, key: cosmos.key, loaded: cosmos.loaded });
  },
  (e: unknown) => {
    send({ type: "error", message: errorText(e) });
    port.close();
  },
);

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
