import { describe, expect, it } from "vitest";
import { ConfigurationError, loadSettings } from "../../src/config/load";

const valid = {
  AUTH_MODE: "dev",
  AUTH_AUDIENCE: "api://csp-relationships",
  COSMOS_ENDPOINT: "https://127.0.0.1:8081",
  COSMOS_DATABASE: "csp",
  EMAIL_ENDPOINT: "http://127.0.0.1:9000",
  EMAIL_SENDER: "donotreply@partners.example.com",
  PUBLIC_BASE_URL: "http://localhost:7071",
  INVITATION_TTL_DAYS: "90",
  INVITATION_LINK_KEY: "dGhpcyBpcyBhIGxvY2FsIGRldmVsb3BtZW50IGtleSBvbmx5IQ==",
};

describe("settings", () => {
  it("parses a complete set and coerces numbers", () => {
    const settings = loadSettings({ ...valid });
    expect(settings.INVITATION_TTL_DAYS).toBe(90);
    expect(settings.COSMOS_KEY).toBeUndefined();
  });

  it("names every missing setting at once, without echoing values", () => {
    const env: NodeJS.ProcessEnv = { ...valid, COSMOS_KEY: "super-secret-value" };
    delete env.COSMOS_ENDPOINT;
    delete env.EMAIL_SENDER;
    let error: unknown;
    try {
      loadSettings(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems.join("\n");
    expect(problems).toMatch(/COSMOS_ENDPOINT: is missing/);
    expect(problems).toMatch(/EMAIL_SENDER: is missing/);
    expect((error as Error).message).not.toContain("super-secret-value");
  });

  it("rejects a malformed URL and an out-of-range TTL", () => {
    expect(() => loadSettings({ ...valid, PUBLIC_BASE_URL: "not a url", INVITATION_TTL_DAYS: "0" })).toThrow(
      /PUBLIC_BASE_URL[\s\S]*INVITATION_TTL_DAYS|INVITATION_TTL_DAYS[\s\S]*PUBLIC_BASE_URL/,
    );
  });

  it("requires the Entra settings in entra mode", () => {
    expect(() => loadSettings({ ...valid, AUTH_MODE: "entra" })).toThrow(
      /AUTH_ISSUER[\s\S]*AUTH_JWKS_URI[\s\S]*AUTH_CLIENT_ID/,
    );
  });
});

describe("settings for a multi-tenant issuer", () => {
  const entra = {
    ...valid,
    AUTH_MODE: "entra",
    AUTH_JWKS_URI: "https://login.microsoftonline.com/common/discovery/v2.0/keys",
    AUTH_CLIENT_ID: "00000000-0000-4000-8000-000000000001",
  };

  it("requires the operator's tenant when the issuer accepts every tenant", () => {
    expect(() =>
      loadSettings({ ...entra, AUTH_ISSUER: "https://login.microsoftonline.com/{tenantid}/v2.0" }),
    ).toThrow(/AUTH_OPERATOR_TENANT_ID/);
    const settings = loadSettings({
      ...entra,
      AUTH_ISSUER: "https://login.microsoftonline.com/{tenantid}/v2.0",
      AUTH_OPERATOR_TENANT_ID: "00000000-0000-4000-8000-0000000000ff",
    });
    expect(settings.AUTH_OPERATOR_TENANT_ID).toBe("00000000-0000-4000-8000-0000000000ff");
  });

  it("does not require it for a single-tenant issuer", () => {
    expect(() =>
      loadSettings({ ...entra, AUTH_ISSUER: "https://login.microsoftonline.com/contoso-tenant/v2.0" }),
    ).not.toThrow();
  });
});
