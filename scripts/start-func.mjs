#!/usr/bin/env node
// Runs the app on the real Azure Functions Core Tools (`func start`) with Azurite, when `func` is
// installed. The local host (`npm start`) needs no Core Tools; this is for checking the app against
// the real host. Cosmos and email endpoints left empty in the settings are served by the local
// host's embedded ones (built into dist/ by `npm run build`).
import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const root = process.cwd();
const require = createRequire(path.join(root, "package.json"));

function onPath(name) {
  const exts = process.platform === "win32" ? (process.env.PATHEXT ?? ".EXE;.CMD").split(";") : [""];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

const func = onPath("func");
if (!func) {
  console.error(`Azure Functions Core Tools ("func") is not on PATH.

Install Azure Functions Core Tools v4, then run this again:
  npm install -g azure-functions-core-tools@4 --unsafe-perm true
  (or see https://learn.microsoft.com/azure/azure-functions/functions-run-local)

Without Core Tools, run the app on the local host instead:  npm start`);
  process.exit(1);
}

const children = [];
const stoppers = [];
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  for (const stop of stoppers) await stop().catch(() => undefined);
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(130));
process.on("SIGTERM", () => void stopAll(143));

// Azurite on its default ports, which is where UseDevelopmentStorage=true points.
const azuriteLocation = path.join(root, ".localhost-data", "azurite-func");
mkdirSync(azuriteLocation, { recursive: true });
const azuriteMain = path.join(
  path.dirname(require.resolve("azurite/package.json")),
  "dist",
  "src",
  "azurite.js",
);
const azurite = spawn(
  process.execPath,
  [azuriteMain, "--disableTelemetry", "--silent", "--location", azuriteLocation],
  {
    stdio: ["ignore", "inherit", "inherit"],
  },
);
children.push(azurite);
azurite.on("exit", (code) => {
  if (!stopping) {
    console.error(`Azurite exited (${code}); is something else using ports 10000-10002?`);
    void stopAll(1);
  }
});

const { readLocalSettings, isUnset } = require("./dist/src/localhost/settings.js");
// Core Tools reads local.settings.json itself; when there is only the sample, its values go in as
// environment variables (which Core Tools does not override), so no settings file is written.
const settings = readLocalSettings(root);
const fromSample = settings.file && path.basename(settings.file) === "local.settings.sample.json";
const env = fromSample ? { ...settings.values, ...process.env } : { ...process.env };
const values = { ...settings.values, ...process.env };
if (isUnset(values.COSMOS_ENDPOINT) && !isUnset(values.COSMOS_DATABASE)) {
  const { startEmbeddedCosmos, readContainerSpecs } = require("./dist/src/localhost/services/cosmos.js");
  const containersFile = values.LOCALHOST_COSMOS_CONTAINERS;
  const cosmos = await startEmbeddedCosmos({
    database: values.COSMOS_DATABASE,
    containers: isUnset(containersFile) ? [] : readContainerSpecs(path.resolve(root, containersFile)),
  });
  stoppers.push(() => cosmos.stop());
  env.COSMOS_ENDPOINT = cosmos.endpoint;
  env.COSMOS_KEY = cosmos.key;
  console.log(`Cosmos (embedded, in memory): ${cosmos.endpoint}`);
}
if (isUnset(values.EMAIL_ENDPOINT)) {
  const { startEmailEndpoint } = require("./dist/src/localhost/services/email.js");
  const email = await startEmailEndpoint();
  stoppers.push(() => email.stop());
  env.EMAIL_ENDPOINT = email.endpoint;
  env.EMAIL_ACCESS_KEY = email.accessKey;
  console.log(
    `Email (local ACS endpoint): ${email.endpoint} (messages are kept in this process; /dev/mail is served by npm start only)`,
  );
}
if (isUnset(values.AzureWebJobsStorage)) env.AzureWebJobsStorage = "UseDevelopmentStorage=true";
if (isUnset(values.PUBLIC_BASE_URL)) env.PUBLIC_BASE_URL = "http://localhost:7071";

const host = spawn(func, ["start", ...process.argv.slice(2)], { stdio: "inherit", env });
children.push(host);
host.on("exit", (code) => void stopAll(code ?? 1));
