import { settingsSchema, type Settings } from "./schema";

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration; the app will not start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigurationError";
  }
}

/**
 * Reads the settings once, at start-up. Every missing or invalid setting is listed at once, so an
 * operator fixes a deployment in one pass; values are never echoed (some are secrets).
 */
export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(settings)";
    const missing = issue.code === "invalid_type" && env[String(issue.path[0])] === undefined;
    return missing ? `${name}: is missing` : `${name}: ${issue.message}`;
  });
  throw new ConfigurationError(problems);
}
