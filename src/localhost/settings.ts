import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** The parts of `local.settings.json` the local host reads (same file Core Tools reads). */
export interface LocalSettings {
  /** Which file the values came from, or undefined when neither file exists. */
  file: string | undefined;
  values: Record<string, string>;
  /** `Host.LocalHttpPort`, used when neither `--port` nor `PORT` is given. */
  localHttpPort: number | undefined;
}

/**
 * Reads `local.settings.json` from the app root, or `local.settings.sample.json` when the former is
 * absent, so a fresh clone starts without copying files. Non-string values are stringified as the
 * real host does (app settings are always strings).
 */
export function readLocalSettings(root: string): LocalSettings {
  const candidates = ["local.settings.json", "local.settings.sample.json"].map((f) => path.join(root, f));
  const file = candidates.find((f) => existsSync(f));
  if (!file) return { file: undefined, values: {}, localHttpPort: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const doc = (parsed ?? {}) as { Values?: Record<string, unknown>; Host?: { LocalHttpPort?: unknown } };
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.Values ?? {})) {
    if (value === null || value === undefined) continue;
    values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const port = Number(doc.Host?.LocalHttpPort);
  return { file, values, localHttpPort: Number.isInteger(port) && port >= 0 ? port : undefined };
}

/**
 * Copies settings into `process.env` without overriding variables already set: the environment
 * wins, as with Core Tools, so tests and CI can point the app elsewhere.
 * Returns the names it set.
 */
export function applySettingsToEnv(
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const applied: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined) {
      env[key] = value;
      applied.push(key);
    }
  }
  return applied;
}

/** True when a setting is absent or blank: the embedded service should fill it. */
export function isUnset(value: string | undefined): boolean {
  return value === undefined || value.trim() === "";
}

/** `AzureWebJobsStorage` values that mean "the local storage emulator". */
export function wantsDevelopmentStorage(value: string | undefined): boolean {
  return isUnset(value) || /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i.test(value ?? "");
}

/** Resolves `%NAME%` app-setting references the way binding expressions and host.json use them. */
export function resolveSettingRefs(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/%([A-Za-z0-9_.:-]+)%/g, (whole, name: string) => env[name] ?? whole);
}

export interface HostJson {
  routePrefix: string;
  maxRequestBodySize: number;
  hubName: string | undefined;
  /** `extensions.durableTask.maxConcurrentActivityFunctions`, when a positive integer. */
  maxConcurrentActivityFunctions: number | undefined;
}

const DEFAULT_MAX_BODY = 100 * 1024 * 1024;

/** The few host.json settings the local host honours. */
export function readHostJson(root: string, env: NodeJS.ProcessEnv = process.env): HostJson {
  const file = path.join(root, "host.json");
  let doc: {
    extensions?: {
      http?: { routePrefix?: unknown; maxRequestBodySize?: unknown };
      durableTask?: { hubName?: unknown; maxConcurrentActivityFunctions?: unknown };
    };
  } = {};
  if (existsSync(file)) {
    try {
      doc = JSON.parse(readFileSync(file, "utf8")) as typeof doc;
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const http = doc.extensions?.http ?? {};
  const prefix = typeof http.routePrefix === "string" ? http.routePrefix : "api";
  const max = Number(http.maxRequestBodySize);
  const hub = doc.extensions?.durableTask?.hubName;
  const resolvedHub = typeof hub === "string" ? resolveSettingRefs(hub, env) : undefined;
  const activities = doc.extensions?.durableTask?.maxConcurrentActivityFunctions;
  return {
    routePrefix: prefix.replace(/^\/+|\/+$/g, ""),
    maxRequestBodySize: Number.isFinite(max) && max > 0 ? max : DEFAULT_MAX_BODY,
    // An unresolved %NAME% is not a usable hub name; fall back to the default.
    hubName: resolvedHub && !resolvedHub.includes("%") ? resolvedHub : undefined,
    maxConcurrentActivityFunctions:
      typeof activities === "number" && Number.isInteger(activities) && activities > 0
        ? activities
        : undefined,
  };
}

/**
 * The app root: the nearest folder at or above the app file holding host.json (where Core Tools
 * would be started), else the current directory.
 */
export function findAppRoot(appFile: string, cwd: string = process.cwd()): string {
  let dir = path.dirname(path.resolve(appFile));
  for (;;) {
    if (existsSync(path.join(dir, "host.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return cwd;
    dir = parent;
  }
}
