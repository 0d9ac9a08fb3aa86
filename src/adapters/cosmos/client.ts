import { Agent } from "node:https";
import { CosmosClient, type Database } from "@azure/cosmos";
import { DefaultAzureCredential } from "@azure/identity";
import { isLoopbackEndpoint } from "../loopback";

export interface CosmosSettings {
  COSMOS_ENDPOINT: string;
  COSMOS_KEY?: string | undefined;
  COSMOS_DATABASE: string;
}

/** One client per process (it pools connections); keyless settings use the managed identity. */
export function createCosmosDatabase(settings: CosmosSettings): Database {
  const loopback = isLoopbackEndpoint(settings.COSMOS_ENDPOINT);
  const client = new CosmosClient({
    endpoint: settings.COSMOS_ENDPOINT,
    ...(settings.COSMOS_KEY
      ? { key: settings.COSMOS_KEY }
      : { aadCredentials: new DefaultAzureCredential() }),
    // Emulators on loopback serve self-signed certificates and a single region.
    ...(loopback
      ? {
          agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
          connectionPolicy: { enableEndpointDiscovery: false },
        }
      : {}),
  });
  return client.database(settings.COSMOS_DATABASE);
}
