/**
 * jose is published as an ES module only, and this app compiles to CommonJS: a dynamic import
 * loads it once, on first use.
 */
import type * as JoseModule from "jose" with { "resolution-mode": "import" };

export type Jose = typeof JoseModule;
export type JWK = JoseModule.JWK;
export type JWTVerifyGetKey = JoseModule.JWTVerifyGetKey;

let loaded: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  loaded ??= import("jose");
  return loaded;
}
