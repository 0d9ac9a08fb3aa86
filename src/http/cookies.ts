import type { Cookie, HttpRequest } from "@azure/functions";

/** The request's cookies by name; the first of duplicate names wins (the most specific path). */
export function readCookies(request: HttpRequest): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!jar.has(name)) jar.set(name, part.slice(eq + 1).trim());
  }
  return jar;
}

export function isHttps(request: HttpRequest): boolean {
  return new URL(request.url).protocol === "https:";
}

/** A cookie no script can read, Secure whenever the request came over HTTPS. */
export function httpOnlyCookie(
  request: HttpRequest,
  name: string,
  value: string,
  options: { path: string; maxAge: number; sameSite: "Strict" | "Lax" },
): Cookie {
  return {
    name,
    value,
    path: options.path,
    maxAge: options.maxAge,
    httpOnly: true,
    sameSite: options.sameSite,
    secure: isHttps(request),
  };
}

/** Tells the browser to drop a cookie set on `path`. */
export function clearedCookie(name: string, path: string): Cookie {
  return { name, value: "", path, maxAge: 0, httpOnly: true };
}
