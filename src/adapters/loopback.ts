import { isIP } from "node:net";

/**
 * True only for endpoints on this machine. Local emulators (the embedded Cosmos API server, the
 * Cosmos emulator) use self-signed certificates; certificate checks are relaxed for such an endpoint
 * alone, never for the process.
 */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}
