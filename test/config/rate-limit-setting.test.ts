import { describe, expect, it } from "vitest";
import { ConfigurationError, loadSettings } from "../../src/config/load";
import { creationRateLimit } from "../../src/application/invitations/rate-limit";

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

const perMinute = (value: string | undefined) =>
  loadSettings({ ...DEV_ENV, INVITATIONS_PER_PARTNER_PER_MINUTE: value }).INVITATIONS_PER_PARTNER_PER_MINUTE;

describe("INVITATIONS_PER_PARTNER_PER_MINUTE", () => {
  it("defaults to 60 when unset or empty, and reads a number otherwise (0 turns the limit off)", () => {
    expect(perMinute(undefined)).toBe(60);
    expect(perMinute("")).toBe(60);
    expect(perMinute("3")).toBe(3);
    expect(perMinute("0")).toBe(0);
  });

  it("refuses values that are not a whole, non-negative number", () => {
    for (const value of ["-1", "1.5", "many"]) {
      expect(() => perMinute(value), value).toThrow(ConfigurationError);
    }
  });

  it("a window is the UTC minute; Retry-After points at the next one; 0 means no window at all", () => {
    const limit = creationRateLimit(new Date("2026-03-01T10:15:42.300Z"), 3);
    expect(limit?.window).toEqual({ start: "2026-03-01T10:15:00.000Z", limit: 3, ttlSeconds: 120 });
    expect(limit?.endsAt).toBe(Date.parse("2026-03-01T10:16:00.000Z"));
    expect(creationRateLimit(new Date(), 0)).toBeUndefined();
  });
});
