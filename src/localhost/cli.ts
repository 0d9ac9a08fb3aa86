#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { startHost, type StartHostOptions } from "./host";

const USAGE = `Usage: node dist/src/localhost/cli.js [options]

  --app <file>            compiled v4 app entry (default: "main" of ./package.json)
  --root <dir>            folder with host.json and local.settings.json
                          (default: nearest folder above the app file that has host.json)
  --port <n>              listen port (default: PORT, then Host.LocalHttpPort, then 7071; 0 = any)
  --store memory|table    durable store (default: table = Azure Table storage / Azurite)
  --clock real|virtual    host clock (default: real; CLOCK=virtual env also works)
  --data-dir <dir>        where embedded Azurite and Cosmos keep their data between runs
                          (default: <root>/.localhost-data)
  --fresh                 start empty: delete the embedded services' data in the data folder
  --no-azurite, --no-cosmos, --no-email
                          never start that embedded service
  -h, --help`;

function fail(message: string): never {
  console.error(message);
  console.error(USAGE);
  process.exit(2);
}

function parseArgs(argv: string[]): StartHostOptions {
  const options: Partial<StartHostOptions> & { embedded: NonNullable<StartHostOptions["embedded"]> } = {
    embedded: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") fail(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case "--app":
        options.appFile = value();
        break;
      case "--root":
        options.root = value();
        break;
      case "--port": {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) fail("--port must be 0-65535.");
        options.port = port;
        break;
      }
      case "--store": {
        const store = value();
        if (store !== "memory" && store !== "table") fail("--store must be memory or table.");
        options.store = store;
        break;
      }
      case "--clock": {
        const clock = value();
        if (clock !== "real" && clock !== "virtual") fail("--clock must be real or virtual.");
        options.clock = clock;
        break;
      }
      case "--data-dir":
        options.dataDir = path.resolve(value());
        break;
      case "--fresh":
        options.fresh = true;
        break;
      case "--no-azurite":
        options.embedded.azurite = false;
        break;
      case "--no-cosmos":
        options.embedded.cosmos = false;
        break;
      case "--no-email":
        options.embedded.email = false;
        break;
      case "-h":
      case "--help":
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        fail(`Unknown option ${arg}.`);
    }
  }
  if (!options.appFile) {
    const pkgFile = path.resolve("package.json");
    const main = existsSync(pkgFile)
      ? (JSON.parse(readFileSync(pkgFile, "utf8")) as { main?: unknown }).main
      : undefined;
    if (typeof main !== "string") fail('No --app given and ./package.json has no "main".');
    options.appFile = path.resolve(main);
  }
  if (!existsSync(options.appFile))
    fail(`App file ${options.appFile} does not exist (run the build first?).`);
  return options as StartHostOptions;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // A promise an app forgot to await must not take the whole host (and every instance) down; the
  // Node worker logs these too.
  process.on("unhandledRejection", (reason) => {
    console.error(
      `Unhandled promise rejection in the app: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
  const host = await startHost(options);
  let firstSignalAt: number | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      // Tools like `timeout` signal the process and then its group: a repeat within a second is
      // the same request. A later one is a user insisting.
      if (Date.now() - firstSignalAt < 1_000) return;
      console.error(`${signal} again: exiting without waiting.`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    console.log(`${signal}: stopping the host...`);
    host.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  // Tests parse this line; keep its shape.
  console.log(`Host ready on ${host.url}`);
}

main().catch((e: unknown) => {
  console.error(`The host failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
