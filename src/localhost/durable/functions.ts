/** Finding the app's durable functions and the extra inputs (durable client) their invocations carry. */
import type { FunctionsCore, Registration } from "../worker/functions-core";
import type { RpcParameterBinding, RpcTypedData } from "../worker/rpc";

export function findFunction(
  core: FunctionsCore,
  name: string,
  trigger: "orchestrationTrigger" | "activityTrigger",
): Registration | undefined {
  const wanted = trigger.toLowerCase();
  const exact = core.registrations.get(name);
  if (exact && exact.triggerType.toLowerCase() === wanted) return exact;
  const lower = name.toLowerCase();
  for (const r of core.registrations.values()) {
    if (r.metadata.name.toLowerCase() === lower && r.triggerType.toLowerCase() === wanted) return r;
  }
  return undefined;
}

/** The `durableClient` inputs a registration declares, each given the client binding value. */
export function extraInputs(
  registration: Registration,
  clientBinding: () => RpcTypedData,
): RpcParameterBinding[] {
  const inputs: RpcParameterBinding[] = [];
  for (const [name, binding] of Object.entries(registration.metadata.bindings)) {
    const type = binding.type?.toLowerCase();
    if ((type === "durableclient" || type === "orchestrationclient") && binding.direction !== "out") {
      inputs.push({ name, data: clientBinding() });
    }
  }
  return inputs;
}
