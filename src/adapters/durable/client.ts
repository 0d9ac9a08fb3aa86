import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClient } from "durable-functions";

/**
 * The durable client operations the app needs beyond the SDK's own, written once. Instance ids are
 * deterministic wherever a thing must exist once, so starting and raising must both tolerate the
 * instance already being there, or already being gone.
 */

/**
 * The invocation's durable client, made on first use: building one is not free, and most
 * invocations that could start something (a webhook delivery, say) start nothing.
 */
export function lazyDurableClient(context: InvocationContext): () => DurableClient {
  let client: DurableClient | undefined;
  return () => (client ??= df.getClient(context));
}

/** Whether an instance with this id exists (running or finished). */
export async function instanceExists(client: DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId);
    return Boolean(status?.runtimeStatus);
  } catch (error) {
    // The SDK reports an unknown instance as an Error naming the extension's 404.
    if (error instanceof Error && /HTTP 404/.test(error.message)) return false;
    throw error;
  }
}

/**
 * Starts an orchestration by instance id, idempotently: an instance that exists (running or
 * finished) is left alone. Checking first matters on Azure, where starting a finished instance's
 * id would start it afresh. `fresh` skips the look (a round trip to the backend) for an id the
 * caller generated itself moments ago.
 */
export async function startIfAbsent(
  client: DurableClient,
  orchestration: string,
  instanceId: string,
  input: unknown,
  options: { fresh?: boolean } = {},
): Promise<void> {
  // A fresh id (made up by the caller just now) cannot name an instance yet: no need to look.
  if (!options.fresh && (await instanceExists(client, instanceId))) return;
  try {
    await client.startNew(orchestration, { instanceId, input });
  } catch (error) {
    // A concurrent caller started it between the check and the start: the host refuses the second
    // start of a live instance id, which is exactly the idempotence wanted here.
    if (await instanceExists(client, instanceId)) return;
    throw error;
  }
}

/**
 * Raises an event for an instance that may no longer listen. Callers record the truth in a
 * document first, so an instance that is missing (404) or already finished (410, which the SDK
 * treats as success) has nothing left to hear it.
 */
export async function raiseEventIfListening(
  client: DurableClient,
  instanceId: string,
  eventName: string,
  eventData: unknown,
): Promise<void> {
  try {
    await client.raiseEvent(instanceId, eventName, eventData);
  } catch (error) {
    if (error instanceof Error && /No instance with ID/.test(error.message)) return;
    throw error;
  }
}
