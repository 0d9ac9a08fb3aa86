import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The repository root (this file compiles to dist/test/support/, and runs from test/support/ under vitest). */
export const REPO_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? "../../.." : "../..",
);
export const CLI = path.join(REPO_ROOT, "dist", "src", "localhost", "cli.js");

export interface HostProcessOptions {
  /** App file; default: the project's app (package.json "main"). */
  app?: string;
  /** Extra environment; `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  /**
   * Extra CLI arguments, e.g. ["--store", "memory", "--clock", "virtual"]. Without `--data-dir` the
   * host keeps its data in a new temporary folder, removed when it stops: test files running in
   * parallel never share data, nor touch the developer's `.localhost-data`.
   */
  args?: string[];
  /** Working directory; default the repository root. */
  cwd?: string;
  /** How long to wait for the ready line (default 90 s). */
  readyTimeoutMs?: number;
  /** Node options before the CLI, e.g. ["--require", file] (the benchmark's request counter). */
  nodeArgs?: string[];
  /** Opens an IPC channel to the host (`child.send`); the benchmark asks its counter over it. */
  ipc?: boolean;
}

export interface HostProcess {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  pid: number;
  /** SIGTERM, wait for a clean exit (embedded services included), SIGKILL the group if it hangs. */
  stop(): Promise<void>;
  /**
   * Sends a signal to the host process only (e.g. "SIGKILL" for crash tests) and resolves when it
   * exited, after ending whatever it left in its group and removing the data folder made for it
   * (no later host can be handed that folder). A host started with its own `--data-dir` keeps it.
   */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Everything the host printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves with the next output chunk matching `pattern` (no sleeping: it listens to the stream). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
}

const READY = /Host ready on (http:\/\/[^\s]+)/;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // The host runs in its own process group: this reaches its children (Azurite) too.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

// Hosts run in their own process groups; if the test process ends without stopping one (a crash,
// a timeout), take the groups down with it rather than leave servers behind.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForExit(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of live) killGroup(c, "SIGKILL");
  });
}

/**
 * Spawns `node dist/src/localhost/cli.js --port 0 ...` and resolves once it printed its ready line.
 * Requires a build (`npm run build`; `npm test` builds first).
 */
export async function startHostProcess(options: HostProcessOptions = {}): Promise<HostProcess> {
  const args = [...(options.nodeArgs ?? []), CLI, "--port", "0"];
  if (options.app) args.push("--app", path.resolve(REPO_ROOT, options.app));
  args.push(...(options.args ?? []));
  const ownDataDir = args.includes("--data-dir")
    ? undefined
    : mkdtempSync(path.join(tmpdir(), "localhost-data-"));
  if (ownDataDir) args.push("--data-dir", ownDataDir);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A PORT from the caller's shell must not win over --port 0; vitest sets NODE_ENV=test, keep it.
  delete env.PORT;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    detached: true,
  });
  trackForExit(child);
  let output = "";
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    for (const w of [...watchers]) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve(code ?? (signal ? -1 : null));
      for (const w of [...watchers]) w();
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const waitForOutput = (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = output.match(pattern);
        if (m) {
          done();
          resolve(m);
        } else if (hasExited || child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`Host exited before printing ${String(pattern)}:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Host did not print ${String(pattern)} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        watchers.delete(check);
      };
      watchers.add(check);
      check();
    });

  const removeOwnDataDir = (): void => {
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      killGroup(child, "SIGKILL");
      removeOwnDataDir();
      return;
    }
    child.kill("SIGTERM");
    const timeout = new Promise<"timeout">((resolve) => {
      const t = setTimeout(() => resolve("timeout"), 15_000);
      t.unref();
    });
    if ((await Promise.race([exited, timeout])) === "timeout") {
      killGroup(child, "SIGKILL");
      await exited;
    }
    // Whatever the host left behind in its group (it should be nothing).
    killGroup(child, "SIGKILL");
    removeOwnDataDir();
  };

  let ready: RegExpMatchArray;
  try {
    ready = await waitForOutput(READY, options.readyTimeoutMs ?? 90_000);
  } catch (e) {
    await stop();
    throw e;
  }
  const url = (ready[1] as string).replace(/\/$/, "");
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid as number,
    stop,
    kill: async (signal) => {
      child.kill(signal);
      await exited;
      killGroup(child, "SIGKILL");
      removeOwnDataDir();
    },
    output: () => output,
    waitForOutput,
    exited,
    child,
  };
}
