import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { DurableClient } from "durable-functions";

/**
 * The durable client operations the app needs beyond the SDK's own, written once. Instance ids are
 * deterministic wherever a thing must exist once, so starting and raising must both tolerate the
 * instance already being there, or already being gone.
 */

/** Clients by the binding value they were made from; a host hands every invocation the same one. */
const clients = new Map<string, DurableClient>();
const MAX_CLIENTS = 8;

/**
 * The durable client for an invocation's `durableClient` binding. The SDK builds a new client (an
 * HTTP client and its URL checks) per call; a client holds nothing but the binding's URLs, so one is
 * kept per distinct binding value and shared. A changed value (a rotated system key, say) gets its own.
 */
export function durableClientOf(context: InvocationContext): DurableClient {
  const binding = context.options.extraInputs.find(
    (input) => input.type === "durableClient" || input.type === "orchestrationClient",
  );
  const data: unknown = binding ? context.extraInputs.get(binding) : undefined;
  // Without a binding value the SDK's own error says what is missing.
  if (data === undefined || data === null) return df.getClient(context);
  const key = JSON.stringify(data);
  let client = clients.get(key);
  if (!client) {
    client = df.getClient(context);
    if (clients.size >= MAX_CLIENTS) clients.clear();
    clients.set(key, client);
  }
  return client;
}

/**
 * The invocation's durable client, looked up on first use: most invocations that could start
 * something (a webhook delivery, say) start nothing.
 */
export function lazyDurableClient(context: InvocationContext): () => DurableClient {
  let client: DurableClient | undefined;
  return () => (client ??= durableClientOf(context));
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
