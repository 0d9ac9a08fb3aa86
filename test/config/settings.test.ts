import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadSettings } from "../../src/config/load";
import { ENTRA_REQUIRED, SETTING_NAMES, settingsSchema } from "../../src/config/schema";
import { CLI, REPO_ROOT } from "../support/host-process";
import { bicepParams, bicepVarObjectEntries, type BicepEntry } from "./bicep";
import { MAX_IMPORT_BODY_BYTES } from "../../functions/subscriptions";

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), "utf8");

/** A complete, valid development configuration. */
const DEV_ENV: NodeJS.ProcessEnv = {
  AUTH_MODE: "dev",
  AUTH_AUDIENCE: "api://csp-relationships",
  COSMOS_ENDPOINT: "https://127.0.0.1:8081",
  COSMOS_DATABASE: "csp",
  EMAIL_ENDPOINT: "https://127.0.0.1:8443",
  EMAIL_SENDER: "donotreply@partners.example.com",
  PUBLIC_BASE_URL: "http://localhost:7071",
  INVITATION_TTL_DAYS: "90",
  INVITATION_LINK_KEY: "k".repeat(40),
};

const ENTRA_ENV: NodeJS.ProcessEnv = {
  ...DEV_ENV,
  AUTH_MODE: "entra",
  AUTH_ISSUER: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0",
  AUTH_JWKS_URI: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/discovery/v2.0/keys",
  AUTH_CLIENT_ID: "00000000-0000-0000-0000-000000000002",
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error("loadSettings accepted the configuration");
}

const named = (problems: string[], name: string): boolean => problems.some((p) => p.startsWith(`${name}:`));

/** Settings the schema cannot do without (derived from the schema, so a new required setting is covered). */
const REQUIRED = SETTING_NAMES.filter((name) => !settingsSchema.shape[name].safeParse(undefined).success);

describe("start-up refuses missing or invalid settings, naming each one", () => {
  it("accepts a complete development configuration", () => {
    const settings = loadSettings(DEV_ENV);
    expect(settings.AUTH_MODE).toBe("dev");
    expect(settings.INVITATION_TTL_DAYS).toBe(90);
    expect(settings.COSMOS_KEY).toBeUndefined();
  });

  it("lists every required setting when none is set", () => {
    expect(REQUIRED).toEqual(expect.arrayContaining(["AUTH_MODE", "COSMOS_ENDPOINT", "INVITATION_LINK_KEY"]));
    const problems = problemsOf({});
    for (const name of REQUIRED)
      expect(named(problems, name), `${name} in ${problems.join("; ")}`).toBe(true);
    expect(problems).toHaveLength(REQUIRED.length);
  });

  it("in entra mode also requires the issuer, JWKS and client id, listed with the other problems", () => {
    const problems = problemsOf({ AUTH_MODE: "entra", COSMOS_DATABASE: "csp" });
    for (const name of [
      ...REQUIRED.filter((n) => n !== "AUTH_MODE" && n !== "COSMOS_DATABASE"),
      ...ENTRA_REQUIRED,
    ]) {
      expect(named(problems, name), `${name} in ${problems.join("; ")}`).toBe(true);
    }
    expect(named(problems, "COSMOS_DATABASE")).toBe(false);
  });

  it("accepts a complete entra configuration, and dev mode does without the entra settings", () => {
    expect(loadSettings(ENTRA_ENV).AUTH_MODE).toBe("entra");
    expect(
      loadSettings({ ...DEV_ENV, AUTH_ISSUER: "", AUTH_JWKS_URI: "", AUTH_CLIENT_ID: "" }).AUTH_MODE,
    ).toBe("dev");
  });

  it("refuses signing keys over plain http except from a loopback server, and non-URL issuers", () => {
    const remoteHttp = problemsOf({ ...ENTRA_ENV, AUTH_JWKS_URI: "http://login.example.com/keys" });
    expect(remoteHttp).toEqual(["AUTH_JWKS_URI: must use https when AUTH_MODE is entra"]);
    expect(loadSettings({ ...ENTRA_ENV, AUTH_JWKS_URI: "http://127.0.0.1:5000/keys" }).AUTH_JWKS_URI).toBe(
      "http://127.0.0.1:5000/keys",
    );
    expect(problemsOf({ ...ENTRA_ENV, AUTH_ISSUER: "contoso" })).toEqual([
      "AUTH_ISSUER: must be an absolute URL",
    ]);
    expect(problemsOf({ ...ENTRA_ENV, AUTH_CLIENT_ID: "  " })).toEqual([
      "AUTH_CLIENT_ID: is required when AUTH_MODE is entra",
    ]);
  });

  it("rejects bad values without echoing them (some are secrets)", () => {
    const secret = "short-secret-value";
    const problems = problemsOf({
      ...DEV_ENV,
      INVITATION_LINK_KEY: secret,
      COSMOS_ENDPOINT: "not a url",
      INVITATION_TTL_DAYS: "0",
      EMAIL_SENDER: "nobody",
      AUTH_MODE: "prod",
    });
    for (const name of [
      "INVITATION_LINK_KEY",
      "COSMOS_ENDPOINT",
      "INVITATION_TTL_DAYS",
      "EMAIL_SENDER",
      "AUTH_MODE",
    ]) {
      expect(named(problems, name), name).toBe(true);
    }
    const message = problems.join("\n");
    expect(message).not.toContain(secret);
    expect(message).not.toContain("not a url");
  });

  it("the local host exits non-zero and prints the list when the app's settings are missing", async () => {
    // Real start-up path: the CLI loads local settings, then the app's composition root reads them.
    // Embedded services stay off so COSMOS_ENDPOINT/EMAIL_ENDPOINT stay unset too.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AUTH_MODE: "entra",
      AUTH_AUDIENCE: "",
      COSMOS_DATABASE: "",
    };
    for (const name of [...ENTRA_REQUIRED, "COSMOS_ENDPOINT", "EMAIL_ENDPOINT", "PORT"]) delete env[name];
    // A root of its own, so a developer's local.settings.json cannot fill in what the test leaves out.
    const root = mkdtempSync(path.join(tmpdir(), "csp-settings-"));
    copyFileSync(path.join(REPO_ROOT, "host.json"), path.join(root, "host.json"));
    writeFileSync(
      path.join(root, "local.settings.json"),
      JSON.stringify({ IsEncrypted: false, Values: { FUNCTIONS_WORKER_RUNTIME: "node" } }),
    );
    const child = spawn(
      process.execPath,
      [CLI, "--root", root, "--port", "0", "--store", "memory", "--no-azurite", "--no-cosmos", "--no-email"],
      { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    rmSync(root, { recursive: true, force: true });

    expect(code, output).not.toBe(0);
    expect(output).not.toMatch(/Host ready on/);
    expect(output).toContain("Invalid configuration; the app will not start");
    for (const name of [
      "AUTH_AUDIENCE",
      "COSMOS_DATABASE",
      "COSMOS_ENDPOINT",
      "EMAIL_ENDPOINT",
      ...ENTRA_REQUIRED,
    ]) {
      expect(output).toMatch(new RegExp(`- ${name}: `));
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Drift: the schema, local.settings.sample.json and the Bicep app settings name the same settings.
// ---------------------------------------------------------------------------------------------------

/**
 * Names that are not the app's own settings: the Functions host's and platform's (storage, runtime,
 * host.json overrides, telemetry), the durable backend's connection, the credential's client id, and the
 * local host's. Each side may carry them without the schema.
 */
const HOST_ONLY: RegExp[] = [
  /^FUNCTIONS_/,
  /^AzureWebJobs/,
  /^AzureFunctionsJobHost__/,
  /^APPLICATIONINSIGHTS_/,
  /^LOCALHOST_/,
  /^TASKHUB_NAME$/,
  /^DURABLE_TASK_SCHEDULER_CONNECTION_STRING$/,
  /^AZURE_CLIENT_ID$/,
];
const hostOnly = (name: string): boolean => HOST_ONLY.some((p) => p.test(name));

/** Keys for local emulators; on Azure the identity replaces them, so Bicep must not set them. */
const KEY_SETTINGS = ["COSMOS_KEY", "EMAIL_ACCESS_KEY"];
/** Secrets: on Azure they come from Key Vault, never as a value in the template. */
const SECRET_SETTINGS = ["INVITATION_LINK_KEY", "AUTH_CLIENT_SECRET"];

function sampleValues(): Record<string, string> {
  const sample = JSON.parse(read("local.settings.sample.json")) as { Values: Record<string, string> };
  return sample.Values;
}

const bicepFiles = (): string[] =>
  readdirSync(path.join(REPO_ROOT, "infra", "app"))
    .filter((f) => f.endsWith(".bicep"))
    .map((f) => path.join("infra", "app", f));

function bicepAppSettings(): BicepEntry[] {
  const found = bicepFiles()
    .map((file) => ({ file, entries: bicepVarObjectEntries(read(file), "appSettings") }))
    .filter((f): f is { file: string; entries: BicepEntry[] } => f.entries !== undefined);
  expect(
    found.map((f) => f.file),
    "exactly one infra/app/*.bicep declares var appSettings",
  ).toHaveLength(1);
  return (found[0] as { entries: BicepEntry[] }).entries;
}

describe("settings drift: schema, sample settings and Bicep agree", () => {
  it("the allow-list of host-only names swallows none of the app's settings", () => {
    expect(SETTING_NAMES.filter(hostOnly)).toEqual([]);
    for (const name of [...KEY_SETTINGS, ...SECRET_SETTINGS]) expect(SETTING_NAMES).toContain(name);
  });

  it("local.settings.sample.json lists every setting of the schema, and nothing else but host names", () => {
    const names = Object.keys(sampleValues());
    expect(
      SETTING_NAMES.filter((n) => !names.includes(n)),
      "in the schema, missing from the sample",
    ).toEqual([]);
    expect(
      names.filter((n) => !hostOnly(n) && !(SETTING_NAMES as string[]).includes(n)),
      "in the sample, unknown to the schema",
    ).toEqual([]);
  });

  it("the Bicep app settings set every setting of the schema but the emulator keys, and nothing else but host names", () => {
    const names = bicepAppSettings().map((e) => e.key);
    expect(new Set(names).size, "no setting twice").toBe(names.length);
    expect(
      SETTING_NAMES.filter((n) => !KEY_SETTINGS.includes(n) && !names.includes(n)),
      "in the schema, missing from the Bicep app settings",
    ).toEqual([]);
    expect(
      names.filter((n) => !hostOnly(n) && !(SETTING_NAMES as string[]).includes(n)),
      "in the Bicep app settings, unknown to the schema",
    ).toEqual([]);
  });

  it("Azure gets no keys: emulator keys are absent, secrets are Key Vault references, connections use the identity", () => {
    const settings = new Map(bicepAppSettings().map((e) => [e.key, e.value]));
    for (const name of KEY_SETTINGS) expect(settings.has(name), name).toBe(false);
    // A secret is a Key Vault reference; an optional one may instead be empty when none was provided.
    const reference = String.raw`'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'`;
    for (const name of SECRET_SETTINGS) {
      expect(settings.get(name), name).toMatch(
        new RegExp(`^(?:${reference}|empty\\(\\w+\\) \\? '' : ${reference})$`),
      );
    }
    expect(settings.get("AUTH_MODE")).toBe("'entra'");
    expect(settings.get("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(settings.has("AzureWebJobsStorage")).toBe(false);
    expect(settings.get("DURABLE_TASK_SCHEDULER_CONNECTION_STRING")).toContain(
      "Authentication=ManagedIdentity",
    );
    expect(settings.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toContain("Authorization=AAD");
    // Flex Consumption rejects these as app settings; the runtime comes from functionAppConfig.
    expect(settings.has("FUNCTIONS_WORKER_RUNTIME")).toBe(false);
    expect(settings.has("FUNCTIONS_EXTENSION_VERSION")).toBe(false);
    for (const file of [...bicepFiles(), "infra/main.bicep"]) {
      expect(read(file), file).not.toMatch(/listKeys\(|listConnectionStrings\(|AccountKey=|primaryMasterKey/);
    }
  });

  it("host.json's durable settings are provided on Azure and locally", () => {
    const host = JSON.parse(read("host.json")) as {
      extensions: {
        http: { routePrefix: string; maxRequestBodySize: number };
        durableTask: { hubName: string; storageProvider: { type: string; connectionStringName: string } };
      };
    };
    const { hubName, storageProvider } = host.extensions.durableTask;
    const hubSetting = /^%(\w+)%$/.exec(hubName)?.[1];
    expect(hubSetting).toBeDefined();
    const azure = bicepAppSettings().map((e) => e.key);
    const local = sampleValues();
    expect(azure).toContain(hubSetting);
    expect(Object.keys(local)).toContain(hubSetting);
    // On Azure the file's provider (the Durable Task Scheduler) is used as written...
    expect(storageProvider.type).toBe("azureManaged");
    expect(azure).toContain(storageProvider.connectionStringName);
    // ...locally `func start` switches to the Azure Storage provider on Azurite through host.json overrides.
    const override = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__";
    expect(local[`${override}type`]).toBe("AzureStorage");
    expect(Object.keys(local)).toContain(local[`${override}connectionStringName`]);
    expect(azure.filter((n) => n.startsWith("AzureFunctionsJobHost__"))).toEqual([]);
    // The local host reads these two; keep them. The host's limit is the largest body any route takes
    // (the bulk import); every other route refuses over 64 KiB itself, from Content-Length, early.
    expect(host.extensions.http).toEqual({ routePrefix: "", maxRequestBodySize: MAX_IMPORT_BODY_BYTES });
  });

  it("every field of infra/cosmos-containers.json is one the Bicep passes on", () => {
    const layout = JSON.parse(read("infra/cosmos-containers.json")) as {
      containers: Record<string, unknown>[];
    };
    const known = ["id", "partitionKeyPath", "defaultTtl", "indexingPolicy", "uniqueKeys"];
    const cosmos = read("infra/app/cosmos.bicep");
    expect(cosmos).toContain("loadJsonContent('../cosmos-containers.json')");
    for (const container of layout.containers) {
      expect(
        Object.keys(container).filter((k) => !known.includes(k)),
        String(container.id),
      ).toEqual([]);
      for (const field of Object.keys(container))
        expect(cosmos).toMatch(new RegExp(`container\\.\\??${field}\\b`));
      // Bicep passes uniqueKeys through as Cosmos' own shape.
      const uniqueKeys = container.uniqueKeys as unknown[] | undefined;
      for (const key of uniqueKeys ?? []) expect(key).toEqual({ paths: expect.any(Array) as unknown });
    }
  });

  it("main.parameters.json feeds only declared params, and every param without a default gets a value", () => {
    const params = bicepParams(read("infra/main.bicep"));
    const file = JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, unknown> };
    const names = params.map((p) => p.name);
    expect(Object.keys(file.parameters).filter((n) => !names.includes(n))).toEqual([]);
    const unfed = params.filter(
      (p) => !p.hasDefault && !(p.name in file.parameters) && !/type:\s*'generate'/.test(p.decorators),
    );
    expect(unfed.map((p) => p.name)).toEqual([]);
  });
});
