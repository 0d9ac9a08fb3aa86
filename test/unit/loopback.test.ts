import { describe, expect, it } from "vitest";
import { isLoopbackEndpoint } from "../../src/adapters/loopback";

describe("TLS relaxation is only for loopback endpoints", () => {
  it.each([
    ["https://127.0.0.1:8081/", true],
    ["https://localhost:8081", true],
    ["https://[::1]:8081", true],
    ["https://127.9.9.9", true],
    ["https://myaccount.documents.azure.com:443/", false],
    ["https://localhost.evil.example.com", false],
    ["https://10.0.0.1", false],
    ["not a url", false],
  ])("%s -> %s", (endpoint, expected) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(expected);
  });
});
