/**
 * The app's durable functions on a worker thread of the host process. The real host hands
 * invocations to a language worker process over gRPC, and on Azure's Flex Consumption plan the
 * durable functions scale on other instances than the HTTP triggers; here the orchestrator episodes
 * and activities run in a second copy of the app on its own thread (`app-thread-main.ts`), so a
 * request to an HTTP trigger on the main thread does not queue behind them, and the durable work
 * uses the machine's other core. Invocations cross as the RPC shapes they already are; the host
 * clock is shared memory; invocation lines come back as messages and are logged here, in order.
 *
 * Like the real worker, the thread holds nothing the host needs between invocations: module state
 * (caches, clients) is per copy of the app, as it is per instance on Azure.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { SHARE_ENV, Worker } from "node:worker_threads";
import type { InvocationInput, InvocationLogLine, InvocationLogger } from "./invoke";
import type { Invoker } from "./invoker";
import type { RpcInvocationResponse } from "./rpc";

export interface AppThreadData {
  appFile: string;
  /** The host clock's `shared` state. */
  clock: SharedArrayBuffer;
  functionAppDirectory: string;
  /** The thread's nice value (Linux: per thread), so durable work yields the CPU to requests. */
  niceness?: number;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type AppThreadRequest =
  { type: "invoke"; id: number; functionName: string; input: InvocationInput } | { type: "stop" };

export type AppThreadMessage =
  | { type: "ready"; functions: string[] }
  | { type: "failed"; error: SerializedError }
  | { type: "log"; id: number; line: InvocationLogLine }
  | { type: "result"; id: number; response: RpcInvocationResponse }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "stopped" };

export interface AppThread {
  invoke: Invoker;
  /** Runs the app's appTerminate hooks there and ends the thread. */
  stop(): Promise<void>;
}

const THREAD_FILE = path.join(__dirname, "app-thread-main.js");

/** Whether this build can start the thread (not from the TypeScript sources, as under vitest). */
export const appThreadAvailable = (): boolean => existsSync(THREAD_FILE);

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    return { name: e.name, message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) };
  }
  return { name: "Error", message: typeof e === "string" ? e : (JSON.stringify(e) ?? String(e)) };
}

export function deserializeError(s: SerializedError): Error {
  const error = new Error(s.message);
  error.name = s.name;
  if (s.stack !== undefined) error.stack = s.stack;
  return error;
}

interface Pending {
  resolve: (response: RpcInvocationResponse) => void;
  reject: (e: Error) => void;
  log: InvocationLogger;
}

/**
 * Starts the thread and loads the app there; resolves once its functions are registered and its
 * appStart hooks ran. The app must register the same functions there as here (it is the same file).
 */
export async function startAppThread(data: AppThreadData): Promise<AppThread> {
  // The same environment as the host's (settings, filled endpoints), kept in step both ways.
  const worker = new Worker(THREAD_FILE, { workerData: data, env: SHARE_ENV });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopping = false;
  let dead: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`The app's worker thread exited (${code}).`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: AppThreadMessage) => {
      worker.off("error", reject);
      worker.off("exit", onExit);
      if (message.type === "ready") resolve();
      else if (message.type === "failed") reject(deserializeError(message.error));
      else reject(new Error(`The app's worker thread answered ${message.type} before it was ready.`));
    });
  });

  worker.on("message", (message: AppThreadMessage) => {
    switch (message.type) {
      case "log":
        pending.get(message.id)?.log(message.line);
        break;
      case "result":
      case "error": {
        const p = pending.get(message.id);
        if (!p) break;
        pending.delete(message.id);
        if (message.type === "result") p.resolve(message.response);
        else p.reject(deserializeError(message.error));
        break;
      }
      default:
        break;
    }
  });
  // An error the app left uncaught ends the thread; in one process it would have ended the host,
  // and so it does here (a supervisor restarts it, as Azure restarts a crashed worker).
  worker.on("error", (e) => {
    dead = e;
    if (!stopping)
      process.nextTick(() => {
        throw e;
      });
  });
  worker.on("exit", (code) => {
    dead ??= new Error(`The app's worker thread exited (${code}).`);
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  });

  return {
    invoke(registration, input, log) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise<RpcInvocationResponse>((resolve, reject) => {
        pending.set(id, { resolve, reject, log });
        const request: AppThreadRequest = {
          type: "invoke",
          id,
          functionName: registration.metadata.name,
          input,
        };
        worker.postMessage(request);
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (dead) return;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      const stopped = new Promise<void>((resolve) =>
        worker.on("message", (message: AppThreadMessage) => {
          if (message.type === "stopped") resolve();
        }),
      );
      worker.postMessage({ type: "stop" } satisfies AppThreadRequest);
      try {
        await Promise.race([stopped, exited]);
      } finally {
        await worker.terminate();
      }
    },
  };
}
