#!/usr/bin/env node
// Makes sure the browser the journey tests drive is present. The only source we trust is the
// distribution's package manager: playwright's own browser download is deliberately not used, so
// the tests run the same signed Debian build that CI installs. A CJK font comes along because the
// customer page is rendered in zh-CN too; without one its screenshots show empty boxes.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}`);
  }
}

function explainAndFail(reason) {
  console.error(
    [
      `ensure-chromium: ${CHROMIUM} is missing (${reason}).`,
      "The browser tests need Chromium from your distribution, for example:",
      "  Debian/Ubuntu: sudo apt-get install -y chromium",
      "  Fedora:        sudo dnf install -y chromium",
      "or point CHROMIUM_PATH at an installed Chromium binary.",
    ].join("\n"),
  );
  process.exit(1);
}

function hasChineseFont() {
  const result = spawnSync("fc-list", [":lang=zh", "family"], { encoding: "utf8" });
  return result.status === 0 && result.stdout.trim().length > 0;
}

const browserPresent = isExecutable(CHROMIUM);
// fc-list only exists once fontconfig is installed (chromium pulls it in), so a bare system
// asks for both packages at once.
const missing = [...(browserPresent ? [] : ["chromium"]), ...(hasChineseFont() ? [] : ["fonts-wqy-zenhei"])];
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const isDebian = existsSync("/etc/debian_version") && isExecutable("/usr/bin/apt-get");
if (!isDebian || !isRoot || process.env.CHROMIUM_PATH) {
  // A missing CJK font only degrades screenshots; never fail the run for it alone.
  if (browserPresent) {
    console.warn(
      "ensure-chromium: no Chinese font found; zh-CN pages will render as boxes (install fonts-wqy-zenhei).",
    );
    process.exit(0);
  }
  if (process.env.CHROMIUM_PATH) explainAndFail("CHROMIUM_PATH is set, so nothing is installed");
  if (!isDebian) explainAndFail("not a Debian-based system, so it is not installed automatically");
  explainAndFail("not running as root, so it is not installed automatically");
}

console.log(`ensure-chromium: installing ${missing.join(", ")} with apt-get ...`);
try {
  run("apt-get", ["-qq", "update"]);
  run("apt-get", ["-qq", "install", "-y", "--no-install-recommends", ...missing]);
} catch (error) {
  explainAndFail(`apt-get failed: ${error instanceof Error ? error.message : String(error)}`);
}
if (!isExecutable(CHROMIUM)) explainAndFail("apt-get finished but the binary is not there");
console.log(`ensure-chromium: ${missing.join(", ")} installed.`);
