import { randomUUID } from "node:crypto";
import type { FunctionsCore, Registration } from "./functions-core";
import type { LogCategory, LogLevel, RpcInvocationResponse, RpcParameterBinding, RpcTypedData } from "./rpc";

export interface InvocationInput {
  /** Trigger and input binding values, already in RPC form, keyed by binding name. */
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Shown in every log line of this invocation (e.g. a durable instance id). */
  logScope?: string;
  invocationId?: string;
}

export interface InvocationLogLine {
  functionName: string;
  invocationId: string;
  scope?: string;
  level: LogLevel;
  category: LogCategory;
  message: string;
}

export type InvocationLogger = (line: InvocationLogLine) => void;

/*
 * Invocation lines leave in one write per stream and turn of the event loop. Writes to a pipe (how
 * tests and the benchmark read the host) are synchronous system calls that wake the reader; a line
 * each cost the main thread several writes per invocation. Nothing is dropped or reordered against
 * the answers: the buffer is written before every HTTP answer (`http/server.ts`), on the next turn,
 * at exit, and before a fault point kills the process.
 */
const pending: { out: string; err: string } = { out: "", err: "" };
let flushScheduled = false;

/** Writes the buffered invocation lines now. */
export function flushInvocationLog(): void {
  flushScheduled = false;
  const { out, err } = pending;
  pending.out = "";
  pending.err = "";
  if (out) process.stdout.write(out);
  if (err) process.stderr.write(err);
}

process.on("exit", flushInvocationLog);

export const consoleInvocationLogger: InvocationLogger = (line) => {
  if (line.level === "trace" || line.level === "debug") return;
  const scope = line.scope ? ` ${line.scope}` : "";
  const text = `[${new Date().toISOString()}] ${line.functionName} (${line.invocationId.slice(0, 8)}${scope}) ${line.message}\n`;
  // Errors and warnings on stderr, the rest on stdout, as console.error / console.warn / console.log.
  if (line.level === "error" || line.level === "critical" || line.level === "warning") pending.err += text;
  else pending.out += text;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushInvocationLog);
  }
};

/**
 * Runs one invocation the way the Node worker does: the programming model turns RPC data into the
 * handler's arguments, the handler runs, and the model turns its result back into RPC data.
 */
export async function invokeFunction(
  core: FunctionsCore,
  registration: Registration,
  input: InvocationInput,
  log: InvocationLogger = consoleInvocationLogger,
): Promise<RpcInvocationResponse> {
  const model = core.programmingModel;
  if (!model) throw new Error("The app set no programming model (it did not load @azure/functions).");
  const invocationId = input.invocationId ?? randomUUID();
  const functionName = registration.metadata.name;
  const coreCtx = {
    invocationId,
    request: {
      invocationId,
      functionId: registration.metadata.functionId ?? functionName,
      inputData: input.inputData,
      triggerMetadata: input.triggerMetadata ?? {},
    },
    metadata: registration.metadata,
    state: "invocation" as "preInvocationHooks" | "postInvocationHooks" | "invocation",
    log: (level: LogLevel, category: LogCategory, message: string) =>
      log({ functionName, invocationId, scope: input.logScope, level, category, message }),
  };
  const invocationModel = model.getInvocationModel(coreCtx);
  const { context, inputs } = await invocationModel.getArguments();
  const hookData: Record<string, unknown> = {};
  coreCtx.state = "preInvocationHooks";
  let handler = registration.callback;
  const preCtx: Record<string, unknown> = {
    invocationContext: context,
    inputs,
    functionCallback: handler,
    hookData,
  };
  await core.runHooks("preInvocation", preCtx);
  handler = preCtx.functionCallback as typeof handler;
  coreCtx.state = "invocation";
  let result: unknown;
  let error: unknown;
  try {
    result = await invocationModel.invokeFunction(context, inputs, handler);
  } catch (e) {
    error = e;
  }
  coreCtx.state = "postInvocationHooks";
  const postCtx: Record<string, unknown> = { invocationContext: context, inputs, result, error, hookData };
  await core.runHooks("postInvocation", postCtx);
  if (postCtx.error !== undefined && postCtx.error !== null) {
    throw postCtx.error instanceof Error ? postCtx.error : new Error(JSON.stringify(postCtx.error));
  }
  return invocationModel.getResponse(context, postCtx.result);
}
