import { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { describe, expect, it } from "vitest";
import { durableClientOf } from "../../src/adapters/durable/client";

/** An invocation context as the worker builds it, with a durable client binding holding `data`. */
function invocationWith(data: unknown): InvocationContext {
  const binding = df.input.durableClient();
  const context = new InvocationContext({
    options: { trigger: { type: "httpTrigger", name: "req" }, extraInputs: [binding] },
  });
  if (data !== undefined) context.extraInputs.set(binding, data);
  return context;
}

function bindingData(base: string) {
  const qs = "taskHub=hub&connection=Storage";
  const webhooks = `${base}/runtime/webhooks/durabletask`;
  return {
    taskHubName: "hub",
    creationUrls: {
      createNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?${qs}`,
      createAndWaitOnNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${qs}`,
    },
    managementUrls: {
      id: "INSTANCEID",
      statusQueryGetUri: `${webhooks}/instances/INSTANCEID?${qs}`,
      sendEventPostUri: `${webhooks}/instances/INSTANCEID/raiseEvent/{eventName}?${qs}`,
      terminatePostUri: `${webhooks}/instances/INSTANCEID/terminate?reason={text}&${qs}`,
      rewindPostUri: `${webhooks}/instances/INSTANCEID/rewind?reason={text}&${qs}`,
      purgeHistoryDeleteUri: `${webhooks}/instances/INSTANCEID?${qs}`,
      restartPostUri: `${webhooks}/instances/INSTANCEID/restart?${qs}`,
      suspendPostUri: `${webhooks}/instances/INSTANCEID/suspend?reason={text}&${qs}`,
      resumePostUri: `${webhooks}/instances/INSTANCEID/resume?reason={text}&${qs}`,
    },
    baseUrl: webhooks,
    requiredQueryStringParameters: qs,
  };
}

describe("the durable client of an invocation", () => {
  it("is shared by invocations handed the same binding value, and made afresh for another", () => {
    const first = durableClientOf(invocationWith(bindingData("http://127.0.0.1:7071")));
    const again = durableClientOf(invocationWith(bindingData("http://127.0.0.1:7071")));
    const elsewhere = durableClientOf(invocationWith(bindingData("http://127.0.0.1:7072")));
    expect(again).toBe(first);
    expect(elsewhere).not.toBe(first);
    expect(elsewhere.taskHubName).toBe("hub");
  });

  it("leaves a missing binding value to the SDK's own error", () => {
    expect(() => durableClientOf(invocationWith(undefined))).toThrow(/durable client input/);
  });
});
