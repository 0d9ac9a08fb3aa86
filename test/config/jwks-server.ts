import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for Microsoft Entra ID's signing keys: an RSA key pair made per test file, its public half
 * served as a JWKS on a loopback port, and RS256 access tokens signed with the private half — what the
 * app sees from Entra in production, without the network.
 */
export interface LoopbackIssuer {
  jwksUri: string;
  /** The published key's id and its public half (PEM), for tokens forged with it (HS256 with the public key). */
  kid: string;
  publicKeyPem: string;
  /** Number of JWKS downloads so far (the app caches the key set). */
  jwksRequests(): number;
  sign(claims: Record<string, unknown>, options?: { kid?: string; key?: KeyObject }): string;
  close(): Promise<void>;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

export function signRs256(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const signingInput = `${base64url({ alg: "RS256", typ: "JWT", kid })}.${base64url(claims)}`;
  const signature = sign("sha256", Buffer.from(signingInput, "ascii"), key).toString("base64url");
  return `${signingInput}.${signature}`;
}

export async function startLoopbackIssuer(): Promise<LoopbackIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = createHash("sha256").update(randomUUID()).digest("hex").slice(0, 16);
  const jwks = { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] };
  let requests = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/discovery/v2.0/keys") {
      requests++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/discovery/v2.0/keys`,
    kid,
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    jwksRequests: () => requests,
    sign: (claims, options) => signRs256(claims, options?.key ?? privateKey, options?.kid ?? kid),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
