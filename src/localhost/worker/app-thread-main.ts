/**
 * Entry of the app's worker thread (`app-thread.ts` starts it): provides `@azure/functions-core`,
 * the host clock (read from shared memory) and loads the app, then runs the invocations the host
 * sends, through the same programming-model path as the main thread (`invoke.ts`).
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { publishClock, sharedClockNow } from "../clock";
import {
  serializeError,
  type AppThreadData,
  type AppThreadMessage,
  type AppThreadRequest,
} from "./app-thread";
import { installFunctionsCore, loadApp } from "./functions-core";
import { invokeFunction } from "./invoke";

const port = parentPort;
if (!port) throw new Error("app-thread-main runs as a worker thread (see app-thread.ts).");
const data = workerData as AppThreadData;
const send = (message: AppThreadMessage): void => port.postMessage(message);

const core = installFunctionsCore();
const hookData: Record<string, unknown> = {};

async function start(): Promise<void> {
  if (data.niceness !== undefined) lowerPriority(data.niceness);
  publishClock({ now: sharedClockNow(data.clock) });
  loadApp(core, data.appFile);
  await core.runHooks("appStart", { hookData, functionAppDirectory: data.functionAppDirectory });
  send({ type: "ready", functions: [...core.registrations.keys()] });
}

function invoke(request: Extract<AppThreadRequest, { type: "invoke" }>): void {
  const { id } = request;
  const registration = core.registrations.get(request.functionName);
  if (!registration) {
    send({
      type: "error",
      id,
      error: serializeError(new Error(`No function ${request.functionName} here.`)),
    });
    return;
  }
  invokeFunction(core, registration, request.input, (line) => send({ type: "log", id, line })).then(
    (response) => {
      try {
        send({ type: "result", id, response });
      } catch (e) {
        // A result that cannot be copied to the host (a function, say) fails the invocation only.
        send({ type: "error", id, error: serializeError(e) });
      }
    },
    (e: unknown) => send({ type: "error", id, error: serializeError(e) }),
  );
}

port.on("message", (request: AppThreadRequest) => {
  if (request.type === "invoke") invoke(request);
  else if (request.type === "stop") {
    core.runHooks("appTerminate", { hookData }).then(
      () => send({ type: "stopped" }),
      () => send({ type: "stopped" }),
    );
  }
});

/**
 * Linux keeps a nice value per thread, and `setpriority` with id 0 names the calling thread: this
 * thread alone yields the CPU to the host's main thread (requests), the Cosmos thread and other
 * processes when they want it, and takes what they leave. Elsewhere the call would lower the whole
 * process, so it is not made.
 */
function lowerPriority(niceness: number): void {
  if (process.platform !== "linux") return;
  try {
    os.setPriority(0, niceness);
  } catch {
    // Not allowed (a sandbox without the permission): the thread runs at the host's priority.
  }
}

start().catch((e: unknown) => send({ type: "failed", error: serializeError(e) }));
