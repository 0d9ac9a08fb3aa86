import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../support/host-process";

/**
 * The foundation's "done when": the app runs on the local host with its embedded services, health
 * names each dependency it checked, and the durable canary completes through the check-status URL.
 */
describe("health and the durable canary on the local host", () => {
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess({ args: ["--clock", "virtual"] });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("GET /api/health answers 200 and names Cosmos, the durable store and the email endpoint", async () => {
    const response = await fetch(`${host.url}/api/health`);
    const body = (await response.json()) as { status: string; checks: { name: string; status: string }[] };
    expect(body.checks.filter((c) => c.status !== "ok")).toEqual([]);
    expect(response.status).toBe(200);
    expect(body.status).toBe("ok");
    expect(body.checks.map((c) => c.name).sort()).toEqual(["cosmos", "durable", "email"]);
  });

  it("the canary needs a function key", async () => {
    const response = await fetch(`${host.url}/api/diagnostics/canary`, { method: "POST" });
    expect(response.status).toBe(401);
  });

  it("refuses an invalid canary input with 422 and starts nothing", async () => {
    const response = await fetch(`${host.url}/api/diagnostics/canary?code=local-dev-function-key`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ steps: 0 }),
    });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain("steps");
  });

  it("a started canary completes and reports through the check-status URL", async () => {
    const start = await fetch(`${host.url}/api/diagnostics/canary?code=local-dev-function-key`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ steps: 4, timerSeconds: 30 }),
    });
    expect(start.status).toBe(202);
    const urls = (await start.json()) as { id: string; statusQueryGetUri: string };
    expect(start.headers.get("location")).toBe(urls.statusQueryGetUri);

    // The canary's 30-second timer fires when the virtual clock passes it; no sleeping.
    await expect
      .poll(
        async () =>
          ((await (await fetch(urls.statusQueryGetUri)).json()) as { customStatus?: { phase?: string } })
            .customStatus?.phase,
        {
          timeout: 30_000,
        },
      )
      .toBe("timer");
    const advanced = await fetch(`${host.url}/dev/clock/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ minutes: 1 }),
    });
    expect(advanced.status).toBe(200);

    let status:
      { runtimeStatus: string; output: { ok: boolean; chain: number[]; fan: number[] } } | undefined;
    await expect
      .poll(
        async () => {
          status = (await (await fetch(urls.statusQueryGetUri)).json()) as typeof status;
          return status?.runtimeStatus;
        },
        { timeout: 30_000 },
      )
      .toBe("Completed");
    expect(status?.output).toMatchObject({ ok: true, chain: [0, 1, 2, 3], fan: [0, 1, 2, 3] });
  });
});
