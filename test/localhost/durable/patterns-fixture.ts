/**
 * The durable patterns app (test/fixtures/durable/patterns-app.ts), loaded into this test file's
 * functions registry (one per process, as in the real worker), and its exports for tests to steer.
 */
import Module from "node:module";
import path from "node:path";
import { installFunctionsCore, loadApp } from "../../../src/localhost/worker/functions-core";

const appFile = path.resolve(__dirname, "../../../dist/test/fixtures/durable/patterns-app.js");

export const core = installFunctionsCore();
loadApp(core, appFile);

export const fixture = Module.createRequire(appFile)(appFile) as {
  attempts: Map<string, number>;
  gateFor(key: string): { entered: { promise: Promise<void> }; release: { resolve(): void } };
};
