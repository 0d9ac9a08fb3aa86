import Module from "node:module";
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  LogCategory,
  LogLevel,
  ProgrammingModel,
} from "./rpc";

export interface Registration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  /** The binding whose type ends in "Trigger". */
  triggerName: string;
  triggerType: string;
}

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";

export type CoreLogger = (level: LogLevel, category: LogCategory, message: string) => void;

/**
 * What the real Node worker exposes to `@azure/functions` as the `@azure/functions-core` module:
 * the registry of functions, the programming model and the hooks. One per process, like the worker.
 */
export class FunctionsCore {
  readonly registrations = new Map<string, Registration>();
  programmingModel: ProgrammingModel | undefined;
  readonly hooks = new Map<HookName, Set<HookCallback>>();
  logger: CoreLogger = (level, category, message) => {
    const line = `[${category}] ${message}`;
    if (level === "error" || level === "critical") console.error(line);
    else if (level === "warning") console.warn(line);
    else console.log(line);
  };

  /** The object `require("@azure/functions-core")` returns. */
  moduleExports(): Record<string, unknown> {
    return {
      version: "4.0.0-localhost",
      hostVersion: "4.0.0-localhost",
      registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback) =>
        this.register(metadata, callback),
      setProgrammingModel: (model: ProgrammingModel) => {
        this.programmingModel = model;
      },
      getProgrammingModel: () => this.programmingModel,
      registerHook: (name: HookName, callback: HookCallback) => {
        let set = this.hooks.get(name);
        if (!set) {
          set = new Set();
          this.hooks.set(name, set);
        }
        set.add(callback);
        return { dispose: () => set.delete(callback) };
      },
      log: (level: LogLevel, category: LogCategory, message: string) => this.logger(level, category, message),
      Disposable: class {
        constructor(private readonly callOnDispose: () => void) {}
        dispose(): void {
          this.callOnDispose();
        }
      },
    };
  }

  private register(metadata: FunctionMetadata, callback: FunctionCallback): { dispose(): void } {
    if (this.registrations.has(metadata.name)) {
      throw new Error(`A function named "${metadata.name}" is already registered.`);
    }
    const trigger = Object.entries(metadata.bindings).find(([, b]) =>
      b.type?.toLowerCase().endsWith("trigger"),
    );
    if (!trigger) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
    const [triggerName, binding] = trigger;
    this.registrations.set(metadata.name, {
      metadata,
      callback,
      triggerName,
      triggerType: binding.type ?? "",
    });
    return { dispose: () => this.registrations.delete(metadata.name) };
  }

  async runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const hook of this.hooks.get(name) ?? []) await hook(context);
  }

  byTrigger(type: string): Registration[] {
    const lower = type.toLowerCase();
    return [...this.registrations.values()].filter((r) => r.triggerType.toLowerCase() === lower);
  }
}

let installed: FunctionsCore | undefined;

/**
 * Makes `require("@azure/functions-core")` resolve to this process's FunctionsCore, as the worker
 * does. Only that one module name is intercepted.
 */
export function installFunctionsCore(): FunctionsCore {
  if (installed) return installed;
  const core = new FunctionsCore();
  const exports = core.moduleExports();
  type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
  const moduleWithLoad = Module as unknown as { _load: Load };
  const originalLoad = moduleWithLoad._load;
  moduleWithLoad._load = function (request: string, parent: unknown, isMain: boolean): unknown {
    if (request === "@azure/functions-core") return exports;
    return originalLoad.call(this, request, parent, isMain);
  };
  installed = core;
  return core;
}

/** Loads a compiled v4 app file; its own `require`s resolve from where it lives. */
export function loadApp(core: FunctionsCore, appFile: string): void {
  const requireFromApp = Module.createRequire(appFile);
  requireFromApp(appFile);
  if (core.registrations.size === 0) {
    throw new Error(`${appFile} registered no functions (is it a @azure/functions v4 app?)`);
  }
}
