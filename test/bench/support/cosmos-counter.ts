/**
 * Counts the Cosmos DB requests of the process it is preloaded into (`node --require
 * dist/test/bench/support/cosmos-counter.js ...`), at the client: every HTTP request the
 * `@azure/cosmos` SDK sends to `COSMOS_ENDPOINT` is seen on Node's `http.client.request.start`
 * diagnostics channel, classified by method, path and the SDK's headers, and tallied per container.
 * The app is not changed for it. The benchmark reads and resets the tally over the IPC channel.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { classifyCosmosRequest, type CosmosRequestKind } from "./cosmos-kinds";

const tally = new Map<string, number>();

function cosmosHost(): string | undefined {
  const endpoint = process.env.COSMOS_ENDPOINT;
  if (!endpoint) return undefined;
  try {
    return new URL(endpoint).host;
  } catch {
    return undefined;
  }
}

diagnosticsChannel.subscribe("http.client.request.start", (message) => {
  const request = (message as { request: ClientRequest }).request;
  const host = cosmosHost();
  if (!host || request.getHeader("host") !== host) return;
  const header = (name: string): string | undefined => {
    const value = request.getHeader(name);
    return value === undefined ? undefined : String(value);
  };
  const { kind, container } = classifyCosmosRequest(request.method, request.path, header);
  const key = `${kind}|${container}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
});

export interface CosmosCountsMessage {
  type: "cosmos-counts";
  counts: { kind: CosmosRequestKind; container: string; count: number }[];
}

process.on("message", (message: { type?: string }) => {
  if (message?.type === "cosmos-reset") {
    tally.clear();
    process.send?.({ type: "cosmos-reset-done" });
  } else if (message?.type === "cosmos-counts") {
    const counts = [...tally].map(([key, count]) => {
      const [kind, container] = key.split("|") as [CosmosRequestKind, string];
      return { kind, container, count };
    });
    process.send?.({ type: "cosmos-counts", counts } satisfies CosmosCountsMessage);
  }
});
// The IPC channel must not keep a stopping host alive.
process.channel?.unref();
