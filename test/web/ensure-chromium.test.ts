import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CHROMIUM_PATH } from "../support/browser";

const SCRIPT = "scripts/ensure-chromium.mjs";

describe("scripts/ensure-chromium.mjs", () => {
  it("is quiet and succeeds when the browser is already installed", () => {
    const run = spawnSync(process.execPath, [SCRIPT], {
      encoding: "utf8",
      env: { ...process.env, CHROMIUM_PATH },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe("");
  });

  it("with a browser it cannot install itself, says what to install and fails without touching apt", () => {
    const run = spawnSync(process.execPath, [SCRIPT], {
      encoding: "utf8",
      env: { ...process.env, CHROMIUM_PATH: "/nonexistent/chromium" },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain("installing");
    expect(run.stderr).toContain("/nonexistent/chromium is missing");
    expect(run.stderr).toContain("apt-get install -y chromium");
  });
});
