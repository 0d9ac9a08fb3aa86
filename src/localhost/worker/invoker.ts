import type { FunctionsCore, Registration } from "./functions-core";
import { invokeFunction, type InvocationInput, type InvocationLogger } from "./invoke";
import type { RpcInvocationResponse } from "./rpc";

/**
 * Where an invocation runs: in this thread's copy of the app, or in a worker thread's (see
 * `thread-worker.ts`). The caller finds the registration in its own registry (the same app's, so
 * the same functions); the invoker runs it by name.
 */
export type Invoker = (
  registration: Registration,
  input: InvocationInput,
  log: InvocationLogger,
) => Promise<RpcInvocationResponse>;

/** Runs invocations in the app this thread loaded. */
export const inProcessInvoker =
  (core: FunctionsCore): Invoker =>
  (registration, input, log) =>
    invokeFunction(core, registration, input, log);
