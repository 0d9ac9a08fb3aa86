import { rmSync } from "node:fs";
import path from "node:path";
import { createClock, publishClock, type HostClock } from "./clock";
import type { DurableEngine } from "./durable/engine";
import { faultPoints } from "./faults";
import { Foreground } from "./foreground";
import { MemoryStore } from "./durable/memory-store";
import type { DurableStore } from "./durable/store";
import { clockRoutes, statusRoute } from "./http/dev-routes";
import { sendProblem } from "./http/problem";
import { HttpHost, type InputProvider, type SystemHandler } from "./http/server";
import { startAzurite, type AzuriteInstance } from "./services/azurite";
import type { EmbeddedCosmos } from "./services/cosmos";
import { mailRoutes, startEmailEndpoint, type EmailEndpoint } from "./services/email";
import {
  applySettingsToEnv,
  findAppRoot,
  isUnset,
  readHostJson,
  readLocalSettings,
  wantsDevelopmentStorage,
} from "./settings";
import { TimerHost } from "./timers/timer-triggers";
import {
  installFunctionsCore,
  loadApp,
  type FunctionsCore,
  type Registration,
} from "./worker/functions-core";
import { appThreadAvailable, startAppThread, type AppThread } from "./worker/app-thread";
import { consoleInvocationLogger, type InvocationLogger } from "./worker/invoke";

export interface StartHostOptions {
  /** Compiled v4 app entry file (its `require`s resolve from where it lives). */
  appFile: string;
  /** Folder with host.json and local.settings.json; default: nearest folder above the app file with host.json. */
  root?: string;
  /** Default: `PORT`, then local.settings.json `Host.LocalHttpPort`, then 7071. 0 = any free port. */
  port?: number;
  /** Listen address (loopback by default). */
  listenHost?: string;
  /** Default: "virtual" when `CLOCK=virtual`, else "real". Virtual needs AUTH_MODE `dev` (or unset). */
  clock?: "real" | "virtual";
  /** Durable store. Default "table" (Azure Table storage / Azurite). */
  store?: "memory" | "table";
  /**
   * Where the embedded services keep their data between runs: `azurite/` (durable state) and
   * `cosmos/` (the embedded Cosmos journal). Default `<root>/.localhost-data`. Unused with
   * `store: "memory"`, where the embedded Cosmos is in memory too.
   */
  dataDir?: string;
  /** Start empty: delete what the data folder holds for the embedded services first. */
  fresh?: boolean;
  activityConcurrency?: number;
  /**
   * Run orchestrators and activities in a copy of the app on a worker thread (default true when the
   * host runs from its compiled files): requests to HTTP triggers then never queue behind them.
   */
  durableThread?: boolean;
  /** That thread's nice value on Linux (default 10): it yields the CPU to the request path. */
  durableThreadNiceness?: number;
  /**
   * Set a service to false to never start it even when its setting is empty. None starts when the
   * app's AUTH_MODE setting is set to anything but `dev`: an empty setting is then a start-up error.
   */
  embedded?: { azurite?: boolean; cosmos?: boolean; email?: boolean };
  /** Banner and host messages. Default console.log. */
  print?: (line: string) => void;
  log?: InvocationLogger;
}

export interface RunningHost {
  /** e.g. http://127.0.0.1:7071 */
  url: string;
  port: number;
  root: string;
  clock: HostClock;
  core: FunctionsCore;
  engine: DurableEngine | undefined;
  services: { azurite?: AzuriteInstance; cosmos?: EmbeddedCosmos; email?: EmailEndpoint };
  stop(): Promise<void>;
}

/**
 * The durable thread's nice value: on a machine whose cores are all busy, the main thread (requests,
 * the engine) and the Cosmos thread get the CPU first and the orchestrators and activities take
 * what is left, as HTTP triggers on Azure do not share instances with them.
 */
const DURABLE_THREAD_NICENESS = 10;

const DURABLE_TRIGGERS = new Set(["orchestrationtrigger", "activitytrigger", "entitytrigger"]);

const RUN_TRIGGERS = new Set(["httptrigger", "timertrigger", ...DURABLE_TRIGGERS]);

/** Says at start which parts of the app this host will not run, instead of failing silently later. */
function warnUnsupported(
  registrations: Registration[],
  inputProviders: Map<string, InputProvider>,
  print: (line: string) => void,
): void {
  for (const r of registrations) {
    const name = r.metadata.name;
    if (!RUN_TRIGGERS.has(r.triggerType.toLowerCase())) {
      print(`warning: ${name}: ${r.triggerType} triggers are not run by the local host.`);
    }
    for (const [bindingName, b] of Object.entries(r.metadata.bindings)) {
      if (bindingName === r.triggerName) continue;
      const type = String(b.type);
      if (b.direction === "in" && !inputProviders.has(type.toLowerCase())) {
        print(
          `warning: ${name}: input binding "${bindingName}" (${type}) is not provided by the local host.`,
        );
      } else if (b.direction === "out" && type.toLowerCase() !== "http") {
        print(`warning: ${name}: output binding "${bindingName}" (${type}) is ignored by the local host.`);
      }
    }
  }
}

/** Task hub names are 3-45 letters and digits starting with a letter (Azure Storage table naming). */
export function sanitizeTaskHub(name: string | undefined): string {
  let hub = (name ?? "").replace(/[^A-Za-z0-9]/g, "");
  if (hub === "") return "TestHubName";
  if (!/^[A-Za-z]/.test(hub)) hub = `hub${hub}`;
  if (hub.length < 3) hub = `${hub}hub`;
  return hub.slice(0, 45);
}

function resolvePort(explicit: number | undefined, localHttpPort: number | undefined): number {
  if (explicit !== undefined) return explicit;
  const fromEnv = process.env.PORT;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`PORT=${fromEnv} is not a port number.`);
    return n;
  }
  return localHttpPort ?? 7071;
}

/**
 * Starts the local Functions host in this process: settings, embedded services, the app's
 * registrations, the durable engine, timers and the HTTP front. One app per process (the
 * functions-core registry is per process, as in the real worker).
 *
 * Order: install functions-core, read settings, bind the port (so settings can name the real port),
 * start embedded services and fill their settings, load the app, run appStart hooks, start the
 * durable engine and the timers, then answer requests (503 until then).
 */
export async function startHost(options: StartHostOptions): Promise<RunningHost> {
  const print = options.print ?? ((line: string) => console.log(line));
  const log = options.log ?? consoleInvocationLogger;
  const appFile = path.resolve(options.appFile);
  const core = installFunctionsCore();
  const root = path.resolve(options.root ?? findAppRoot(appFile));
  const settings = readLocalSettings(root);
  applySettingsToEnv(settings.values);
  const env = process.env;
  // Parsed now so a malformed LOCALHOST_FAULTS stops the start instead of arming nothing.
  const faults = faultPoints();
  const hostJson = readHostJson(root, env);
  const clockMode = options.clock ?? (env.CLOCK?.toLowerCase() === "virtual" ? "virtual" : "real");
  const clock = createClock(clockMode === "virtual");
  publishClock(clock);
  const storeKind = options.store ?? "table";

  const cleanups: (() => Promise<void>)[] = [];
  const services: RunningHost["services"] = {};
  const systemHandlers: SystemHandler[] = [];
  const inputProviders = new Map<string, InputProvider>();
  let engine: DurableEngine | undefined;
  let store: DurableStore | undefined;
  let timers: TimerHost | undefined;
  let appThread: AppThread | undefined;
  const appHookData: Record<string, unknown> = {};
  let appStarted = false;

  const foreground = new Foreground();
  const http = new HttpHost({
    core,
    foreground,
    routePrefix: hostJson.routePrefix,
    maxRequestBodySize: hostJson.maxRequestBodySize,
    ...requestTimeoutSetting(env.FUNCTIONS_LOCAL_REQUEST_TIMEOUT_MS),
    keys: () => ({
      functionKey: env.FUNCTIONS_LOCAL_FUNCTION_KEY,
      masterKey: env.FUNCTIONS_LOCAL_MASTER_KEY,
    }),
    inputProviders,
    systemHandlers,
    log,
    hostLog: print,
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const errors: unknown[] = [];
      const attempt = async (fn: () => Promise<void> | void): Promise<void> => {
        try {
          await fn();
        } catch (e) {
          errors.push(e);
        }
      };
      http.setReady(false);
      await attempt(() => timers?.stop());
      await attempt(() => http.close());
      await attempt(() => engine?.stop());
      await attempt(() => appThread?.stop());
      await attempt(() => store?.close());
      if (appStarted) await attempt(() => core.runHooks("appTerminate", { hookData: appHookData }));
      for (const cleanup of cleanups.reverse()) await attempt(cleanup);
      if (errors.length > 0)
        print(`warning: ${errors.length} error(s) while stopping: ${errors.map(String).join("; ")}`);
    })());

  try {
    const port = await http.listen(
      resolvePort(options.port, settings.localHttpPort),
      options.listenHost ?? "127.0.0.1",
    );
    const url = `http://${options.listenHost ?? "127.0.0.1"}:${port}`;
    if (isUnset(env.PUBLIC_BASE_URL)) env.PUBLIC_BASE_URL = `http://localhost:${port}`;
    if (isUnset(env.WEBSITE_HOSTNAME)) env.WEBSITE_HOSTNAME = `localhost:${port}`;

    // Which functions need what, from the registrations' shapes. Read after loading the app below;
    // services must exist first because apps read their settings while loading.
    const embedded = options.embedded ?? {};
    // The app's own switch between development and production: outside development the host starts
    // no stand-in service and serves no /dev route, so a production-like run can only reach the real
    // dependencies it was given. An app without the setting (the host's fixture apps) is development.
    const development = isUnset(env.AUTH_MODE) || env.AUTH_MODE?.trim() === "dev";
    const cosmosWanted = !isUnset(env.COSMOS_DATABASE) || !isUnset(env.LOCALHOST_COSMOS_CONTAINERS);
    if (!development) {
      const missing: [string, string][] = [];
      if (embedded.email !== false && isUnset(env.EMAIL_ENDPOINT))
        missing.push(["EMAIL_ENDPOINT", "email endpoint"]);
      if (embedded.cosmos !== false && cosmosWanted && isUnset(env.COSMOS_ENDPOINT))
        missing.push(["COSMOS_ENDPOINT", "Cosmos server"]);
      if (missing.length > 0) throw new Error(notInDevelopment(missing));
      if (clock.virtual) {
        throw new Error(
          "CLOCK=virtual needs AUTH_MODE=dev: the virtual clock is moved only through /dev/clock, which runs only in development.",
        );
      }
    }

    if (development && embedded.email !== false && isUnset(env.EMAIL_ENDPOINT)) {
      const email = await startEmailEndpoint({ now: () => clock.now() });
      cleanups.push(() => email.stop());
      services.email = email;
      env.EMAIL_ENDPOINT = email.endpoint;
      env.EMAIL_ACCESS_KEY = email.accessKey;
    }
    if (development) systemHandlers.push(services.email ? services.email.devRoutes() : mailRoutes(() => []));

    const cosmosEmbedded =
      development && embedded.cosmos !== false && cosmosWanted && isUnset(env.COSMOS_ENDPOINT);
    const storageEmbedded = embedded.azurite !== false && wantsDevelopmentStorage(env.AzureWebJobsStorage);
    // Both embedded services keep their data in one folder, so a restart finds both or (with
    // --fresh, or a new folder) neither. The memory store keeps nothing, so Cosmos keeps nothing then.
    const dataDir =
      storeKind === "table" ? path.resolve(options.dataDir ?? path.join(root, ".localhost-data")) : undefined;
    if (dataDir && options.fresh) {
      for (const part of ["azurite", "cosmos"])
        rmSync(path.join(dataDir, part), { recursive: true, force: true });
    }

    if (cosmosEmbedded) {
      // Loaded on demand: the Cosmos SDK and server take a while to require.
      const { readContainerSpecs } = await import("./services/cosmos.js");
      const { startEmbeddedCosmosThread } = await import("./services/cosmos-thread.js");
      const containersFile = env.LOCALHOST_COSMOS_CONTAINERS;
      const containers = isUnset(containersFile)
        ? []
        : readContainerSpecs(path.resolve(root, containersFile ?? ""));
      const cosmos = await startEmbeddedCosmosThread({
        database: env.COSMOS_DATABASE || undefined,
        containers,
        dataDir: dataDir && path.join(dataDir, "cosmos"),
      });
      cleanups.push(() => cosmos.stop());
      services.cosmos = cosmos;
      env.COSMOS_ENDPOINT = cosmos.endpoint;
      env.COSMOS_KEY = cosmos.key;
    }

    // The durable thread loads its copy of the app while this thread loads its own (the real host
    // starts its worker process the same way, before it knows the functions). An app without
    // orchestrators or activities stops it again below.
    const threadStarting =
      (options.durableThread ?? true) && appThreadAvailable()
        ? startAppThread({
            appFile,
            clock: clock.shared,
            functionAppDirectory: root,
            niceness: options.durableThreadNiceness ?? DURABLE_THREAD_NICENESS,
          })
        : undefined;
    // Its failure is met where the engine takes the thread; until then it must not count as unhandled.
    const unclaimedThread = threadStarting?.catch(() => undefined);
    // Ends the thread unless the engine took it (its stop is idempotent): at once for an app without
    // durable functions, and at stop for a start-up that failed first.
    const dropThread = async (): Promise<void> => {
      if (!appThread) await (await unclaimedThread)?.stop();
    };
    cleanups.push(dropThread);
    loadApp(core, appFile);
    // The worker asks for capabilities right after loading; that also locks `app.setup()`.
    const capabilities = (await core.programmingModel?.getCapabilities?.({})) ?? {};
    if (capabilities.HttpUri) {
      throw new Error(
        "The app enables HTTP streaming (app.setup({ enableHttpStream: true })); the local host does not support it.",
      );
    }

    const registrations = [...core.registrations.values()];
    const usesDurable = registrations.some(
      (r) =>
        DURABLE_TRIGGERS.has(r.triggerType.toLowerCase()) ||
        Object.values(r.metadata.bindings).some((b) => String(b.type).toLowerCase() === "durableclient"),
    );
    if (usesDurable) {
      const taskHub = sanitizeTaskHub(hostJson.hubName ?? "TestHubName");
      if (cosmosEmbedded && storeKind === "table" && !storageEmbedded) {
        throw new Error(
          `COSMOS_ENDPOINT is empty (embedded Cosmos, data in ${dataDir ?? ""}) but AzureWebJobsStorage points at ` +
            "other storage: the two would be kept (and wiped by --fresh) apart. Both kept together or both fresh, never half: " +
            "set both, or neither (or use --store memory).",
        );
      }
      // Azurite only runs for durable state, so it starts once the app showed it has durable
      // functions (the durable SDK reads AzureWebJobsStorage lazily, never at load).
      if (dataDir && storageEmbedded && !development)
        throw new Error(notInDevelopment([["AzureWebJobsStorage", "Azurite"]]));
      if (dataDir && storageEmbedded) {
        const azurite = await startAzurite({ location: path.join(dataDir, "azurite"), silent: true });
        cleanups.push(() => azurite.stop());
        services.azurite = azurite;
        env.AzureWebJobsStorage = azurite.connectionString;
      }
      let durableStore: DurableStore;
      if (storeKind === "table") {
        const connectionString = env.AzureWebJobsStorage;
        if (isUnset(connectionString))
          throw new Error("AzureWebJobsStorage is empty and embedded Azurite is disabled.");
        // Loaded on demand: apps without durable functions never pay for the Tables SDK.
        const { TableStore } = await import("./durable/table-store.js");
        durableStore = new TableStore({ connectionString: connectionString ?? "", taskHub });
      } else {
        durableStore = new MemoryStore();
      }
      store = durableStore;
      await durableStore.init();
      const runsDurable = registrations.some((r) => DURABLE_TRIGGERS.has(r.triggerType.toLowerCase()));
      if (runsDurable && threadStarting) appThread = await threadStarting;
      const { DurableEngine } = await import("./durable/engine.js");
      const durable = new DurableEngine({
        core,
        store: durableStore,
        clock,
        taskHub,
        publicBaseUrl: () => url,
        activityConcurrency: options.activityConcurrency ?? hostJson.maxConcurrentActivityFunctions,
        foreground,
        log,
        ...(appThread ? { invoke: appThread.invoke } : {}),
        // Recovered work waits until the host answers requests (an activity calling it would get 503).
        holdWorkUntilReady: true,
      });
      engine = durable;
      inputProviders.set("durableclient", () => durable.clientBindingData());
    }
    await dropThread();
    systemHandlers.unshift(async ({ req, res, url: u, body: readRequestBody }) => {
      if (
        !u.pathname.startsWith("/runtime/webhooks/durabletask/") &&
        u.pathname !== "/runtime/webhooks/durabletask"
      ) {
        return false;
      }
      if (!engine) {
        sendProblem(res, 404, "This app has no durable functions.");
        return true;
      }
      if (!(await engine.handleHttp(req, res, await readRequestBody())))
        sendProblem(res, 404, `Unknown durable API path ${u.pathname}.`);
      return true;
    });
    if (development) systemHandlers.push(clockRoutes(clock));
    systemHandlers.push(
      statusRoute(() => ({
        id: "localhost",
        state: "Running",
        version: "4.0.0-localhost",
        processUptime: Math.round(process.uptime() * 1000),
        functions: [...core.registrations.keys()],
        clock: { virtual: clock.virtual, now: new Date(clock.now()).toISOString() },
        durableStore: store?.kind ?? null,
        // What a fault test needs: the points it can arm (from what the app registered) and the
        // ones this process passed so far.
        faults: {
          activities: registrations
            .filter((r) => r.triggerType.toLowerCase() === "activitytrigger")
            .map((r) => r.metadata.name),
          armed: faults.armed,
          passed: faults.passed(),
        },
      })),
    );
    http.loadRoutes();
    warnUnsupported(registrations, inputProviders, print);
    timers = new TimerHost({ core, clock, inputProviders, log, env });

    await core.runHooks("appStart", { hookData: appHookData, functionAppDirectory: root });
    appStarted = true;
    await engine?.start();
    http.setReady(true);
    engine?.ready();
    timers.start();

    print(`Functions (${registrations.length}) from ${appFile}:`);
    for (const line of http.describeRoutes()) print(`  http  ${line}`);
    for (const line of timers.describe()) print(`  timer ${line}`);
    for (const r of registrations) {
      if (DURABLE_TRIGGERS.has(r.triggerType.toLowerCase())) print(`  ${r.triggerType} ${r.metadata.name}`);
    }
    print(
      `Settings: ${settings.file ?? "(no local.settings.json)"}; clock ${clock.virtual ? "virtual" : "real"}; durable store ${store?.kind ?? "none"}`,
    );
    print(`App:        ${url}/`);
    print(`Public URL: ${env.PUBLIC_BASE_URL ?? ""}`);
    if (services.azurite) print(`Azurite:    ${services.azurite.tableEndpoint} (tables)`);
    if (services.cosmos) {
      const kept = services.cosmos.dataDir
        ? `kept in ${services.cosmos.dataDir}, ${services.cosmos.loaded} resources loaded`
        : "in memory";
      print(`Cosmos:     ${services.cosmos.endpoint} (embedded, ${kept})`);
    }
    if (services.email) print(`Email:      ${services.email.endpoint} (local ACS endpoint)`);
    if (development) print(`Mail:       ${url}/dev/mail`);
    else print("Dev:        off (AUTH_MODE is not dev): no embedded service, no /dev route");
    if (faults.armed.length > 0)
      print(`Faults:     ${faults.armed.map((a) => `${a.point}@${a.at}`).join(", ")} (SIGKILL when passed)`);
    if (dataDir && (services.azurite || services.cosmos)) {
      print(`Data:       ${dataDir} (kept between runs; --fresh starts empty)`);
    } else if (!dataDir && cosmosEmbedded) {
      print("Data:       in memory (--store memory): nothing is kept when the host stops");
    }

    return { url, port, root, clock, core, engine, services, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The start-up error for settings the host fills only in development, one line per setting. */
function notInDevelopment(missing: [setting: string, service: string][]): string {
  return missing
    .map(
      ([setting, service]) =>
        `${setting} is required when AUTH_MODE is not dev: the embedded ${service} runs only in development.`,
    )
    .join("\n");
}

/** `FUNCTIONS_LOCAL_REQUEST_TIMEOUT_MS`: a positive number of milliseconds, else the default. */
function requestTimeoutSetting(value: string | undefined): { requestTimeoutMs?: number } {
  const ms = Number(value);
  return value !== undefined && Number.isFinite(ms) && ms > 0 ? { requestTimeoutMs: ms } : {};
}
