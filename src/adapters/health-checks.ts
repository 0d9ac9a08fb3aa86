import { request as httpRequest } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import type { Database } from "@azure/cosmos";
import type { HealthCheck } from "../application/ports";
import { isLoopbackEndpoint } from "./loopback";

export function cosmosHealthCheck(database: Database): HealthCheck {
  return { name: "cosmos", check: async () => void (await database.read()) };
}

const loopbackAgent = new Agent({ rejectUnauthorized: false });

/**
 * The email service has no health operation; any HTTP answer from its operations endpoint (401 for
 * an unsigned request) proves it is reachable, without sending mail or spending quota.
 */
export function emailEndpointHealthCheck(endpoint: string): HealthCheck {
  return {
    name: "email",
    check: () =>
      new Promise<void>((resolve, reject) => {
        const url = new URL(
          "emails/operations/health-probe?api-version=2023-03-31",
          endpoint.endsWith("/") ? endpoint : `${endpoint}/`,
        );
        const send = url.protocol === "https:" ? httpsRequest : httpRequest;
        const req = send(
          url,
          {
            method: "GET",
            ...(url.protocol === "https:" && isLoopbackEndpoint(endpoint) ? { agent: loopbackAgent } : {}),
          },
          (res) => {
            res.resume();
            if ((res.statusCode ?? 500) >= 500)
              reject(new Error(`email endpoint answered ${res.statusCode}`));
            else resolve();
          },
        );
        req.on("error", reject);
        req.end();
      }),
  };
}
