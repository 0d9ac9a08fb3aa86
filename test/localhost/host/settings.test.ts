import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sanitizeTaskHub } from "../../../src/localhost/host";
import {
  applySettingsToEnv,
  findAppRoot,
  readHostJson,
  readLocalSettings,
  resolveSettingRefs,
  wantsDevelopmentStorage,
} from "../../../src/localhost/settings";

const dirs: string[] = [];
function dir(files: Record<string, unknown> = {}): string {
  const d = mkdtempSync(path.join(tmpdir(), "localhost-settings-"));
  dirs.push(d);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
    writeFileSync(path.join(d, name), typeof content === "string" ? content : JSON.stringify(content));
  }
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("local settings", () => {
  it("prefers local.settings.json, stringifies values, and reads Host.LocalHttpPort", () => {
    const root = dir({
      "local.settings.json": { Values: { A: "1", N: 5, B: true, Z: null }, Host: { LocalHttpPort: 7100 } },
      "local.settings.sample.json": { Values: { A: "sample" } },
    });
    const s = readLocalSettings(root);
    expect(path.basename(s.file ?? "")).toBe("local.settings.json");
    expect(s.values).toEqual({ A: "1", N: "5", B: "true" });
    expect(s.localHttpPort).toBe(7100);
  });

  it("uses the sample when local.settings.json is absent, and nothing when both are", () => {
    expect(readLocalSettings(dir({ "local.settings.sample.json": { Values: { A: "s" } } })).values).toEqual({
      A: "s",
    });
    expect(readLocalSettings(dir())).toEqual({ file: undefined, values: {}, localHttpPort: undefined });
  });

  it("names the file when it is not JSON", () => {
    expect(() => readLocalSettings(dir({ "local.settings.json": "{ nope" }))).toThrow(
      /local\.settings\.json is not valid JSON/,
    );
  });

  it("never overrides variables already in the environment (an empty one included)", () => {
    const env: NodeJS.ProcessEnv = { KEEP: "env", EMPTY: "" };
    expect(applySettingsToEnv({ KEEP: "file", EMPTY: "file", NEW: "file" }, env)).toEqual(["NEW"]);
    expect(env).toEqual({ KEEP: "env", EMPTY: "", NEW: "file" });
  });

  it("recognises the development storage settings", () => {
    expect(wantsDevelopmentStorage(undefined)).toBe(true);
    expect(wantsDevelopmentStorage(" ")).toBe(true);
    expect(wantsDevelopmentStorage("UseDevelopmentStorage=true")).toBe(true);
    expect(wantsDevelopmentStorage("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=eA==")).toBe(
      false,
    );
  });
});

describe("host.json", () => {
  it("defaults to the api prefix and 100 MB", () => {
    expect(readHostJson(dir())).toEqual({
      routePrefix: "api",
      maxRequestBodySize: 100 * 1024 * 1024,
      hubName: undefined,
      maxConcurrentActivityFunctions: undefined,
    });
  });

  it("reads routePrefix, the body limit and a %SETTING% hub name", () => {
    const root = dir({
      "host.json": {
        extensions: {
          http: { routePrefix: "/v1/", maxRequestBodySize: 65536 },
          durableTask: { hubName: "%HUB%", maxConcurrentActivityFunctions: 8 },
        },
      },
    });
    expect(readHostJson(root, { HUB: "myhub" })).toEqual({
      routePrefix: "v1",
      maxRequestBodySize: 65536,
      hubName: "myhub",
      maxConcurrentActivityFunctions: 8,
    });
    expect(readHostJson(root, {}).hubName).toBeUndefined();
  });

  it("ignores a maxConcurrentActivityFunctions that is not a positive whole number", () => {
    for (const value of [0, -1, 2.5, "8", null]) {
      const root = dir({
        "host.json": { extensions: { durableTask: { maxConcurrentActivityFunctions: value } } },
      });
      expect(readHostJson(root).maxConcurrentActivityFunctions).toBeUndefined();
    }
  });

  it("resolves only known %NAME% references", () => {
    expect(resolveSettingRefs("%A% and %B%", { A: "x" })).toBe("x and %B%");
  });

  it("finds the app root at the nearest host.json above the app file", () => {
    const root = dir({ "host.json": {}, "dist/app/index.js": "" });
    expect(findAppRoot(path.join(root, "dist/app/index.js"), "/elsewhere")).toBe(root);
  });

  it("makes task hub names Azure-safe", () => {
    expect(sanitizeTaskHub("csp-local_1")).toBe("csplocal1");
    expect(sanitizeTaskHub("1hub")).toBe("hub1hub");
    expect(sanitizeTaskHub("")).toBe("TestHubName");
    expect(sanitizeTaskHub("x".repeat(60))).toHaveLength(45);
  });
});
