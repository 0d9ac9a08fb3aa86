import { startEmailEndpoint, type StoredMail } from "../../src/localhost/services/email";
import { startTestAzurite } from "./embedded-azurite";
import { startTestCosmos } from "./embedded-cosmos";

/**
 * The app's dependencies on loopback, started by the test itself, for a host that does not start
 * them: outside AUTH_MODE=dev the local host runs no embedded service and serves no /dev route, so
 * a production-mode test hands it endpoints, as a deployment does, and reads the mail here.
 */
export interface LoopbackServices {
  /** COSMOS_*, EMAIL_* (and AzureWebJobsStorage with `azurite`) for the host's environment. */
  env: Record<string, string>;
  /** Messages the email endpoint accepted, newest first. */
  mail(): StoredMail[];
  stop(): Promise<void>;
}

export async function startLoopbackServices(options: { azurite?: boolean } = {}): Promise<LoopbackServices> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const cosmos = await startTestCosmos();
    stops.push(() => cosmos.stop());
    const email = await startEmailEndpoint({ silent: true });
    stops.push(() => email.stop());
    const env: Record<string, string> = {
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DATABASE: cosmos.database,
      EMAIL_ENDPOINT: email.endpoint,
      EMAIL_ACCESS_KEY: email.accessKey,
    };
    if (options.azurite) {
      const azurite = await startTestAzurite({ inMemory: true });
      stops.push(() => azurite.stop());
      env.AzureWebJobsStorage = azurite.connectionString;
    }
    return { env, mail: () => email.messages(), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
