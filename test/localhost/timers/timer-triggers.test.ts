import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSchedule } from "../../../src/localhost/timers/timer-triggers";
import { startHostProcess, type HostProcess } from "../../support/host-process";

interface TimerCall {
  name: string;
  isPastDue: boolean;
  last: string;
  next: string;
  hostNow: string;
}

let host: HostProcess;

beforeAll(async () => {
  host = await startHostProcess({
    app: "dist/test/fixtures/apps/http-app.js",
    args: ["--root", "test/fixtures/apps/http-root", "--store", "memory", "--clock", "virtual"],
  });
});

afterAll(async () => {
  await host?.stop();
});

async function calls(): Promise<TimerCall[]> {
  const res = await fetch(`${host.url}/api/timer-calls`);
  return ((await res.json()) as { items: TimerCall[] }).items;
}

/** Polls the app's record of timer invocations until `predicate` holds (no fixed sleeps). */
async function pollCalls(
  predicate: (items: TimerCall[]) => boolean,
  timeoutMs = 15_000,
): Promise<TimerCall[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await calls();
    if (predicate(items)) return items;
    if (Date.now() > deadline) throw new Error(`timer calls never matched: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function hostClock(): Promise<{ now: string; virtual: boolean }> {
  return (await (await fetch(`${host.url}/dev/clock`)).json()) as { now: string; virtual: boolean };
}

async function advance(body: unknown): Promise<Response> {
  return fetch(`${host.url}/dev/clock/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("NCRONTAB schedules", () => {
  it("reads six fields with seconds first, in UTC", () => {
    const next = parseSchedule("30 15 9 * * *", {});
    expect(new Date(next(Date.parse("2026-03-01T09:00:00Z")) ?? 0).toISOString()).toBe(
      "2026-03-01T09:15:30.000Z",
    );
  });

  it("requires day of month AND day of week to match, like NCrontab", () => {
    // The 13th that is a Friday, after 2026-01-01: 2026-02-13.
    const next = parseSchedule("0 0 0 13 * 5", {});
    expect(new Date(next(Date.parse("2026-01-01T00:00:00Z")) ?? 0).toISOString()).toBe(
      "2026-02-13T00:00:00.000Z",
    );
  });

  it("resolves %SETTING% references and accepts TimeSpan intervals", () => {
    const next = parseSchedule("%EVERY%", { EVERY: "01:30:00" });
    expect(next(0)).toBe(90 * 60_000);
  });

  it("rejects five-field cron", () => {
    expect(() => parseSchedule("0 * * * *", {})).toThrow(/six-field/);
  });
});

describe("timer triggers on the host clock", () => {
  it("runs a runOnStartup timer once when the host starts, not past due", async () => {
    const items = await pollCalls((c) => c.some((x) => x.name === "atStartup"));
    const startup = items.filter((c) => c.name === "atStartup");
    expect(startup).toHaveLength(1);
    expect(startup[0]?.isPastDue).toBe(false);
    expect(items.some((c) => c.name === "hourly")).toBe(false);
  });

  it("fires the hourly timer on time when the virtual clock reaches the hour", async () => {
    const { now, virtual } = await hostClock();
    expect(virtual).toBe(true);
    const nowMs = Date.parse(now);
    const nextHour = Math.ceil((nowMs + 1) / 3_600_000) * 3_600_000;
    const res = await advance({ seconds: (nextHour - nowMs + 200) / 1000 });
    expect(res.status).toBe(200);
    const items = await pollCalls((c) => c.some((x) => x.name === "hourly"));
    const hourly = items.filter((c) => c.name === "hourly");
    expect(hourly).toHaveLength(1);
    expect(hourly[0]?.isPastDue).toBe(false);
    expect(Date.parse(hourly[0]?.hostNow ?? "")).toBeGreaterThanOrEqual(nextHour);
    expect(hourly[0]?.next).toBe(new Date(nextHour + 3_600_000).toISOString());
  });

  it("fires each due timer once, past due, when the clock jumps 90 days", async () => {
    const before = Date.parse((await hostClock()).now);
    // `jump: true`: the downtime case (a stepped advance, the default, fires every occurrence on time).
    const res = await advance({ days: 90, jump: true });
    expect(res.status).toBe(200);
    const { now } = (await res.json()) as { now: string };
    expect(Date.parse(now) - before).toBeGreaterThanOrEqual(90 * 86_400_000);
    // 90 days from any date crosses an hour and (from late November) the yearly 1 January schedule
    // only sometimes, so only the hourly timer is asserted to have fired.
    const items = await pollCalls((c) => c.filter((x) => x.name === "hourly").length >= 2);
    const hourly = items.filter((c) => c.name === "hourly");
    expect(hourly).toHaveLength(2);
    const jumped = hourly[1] as TimerCall;
    expect(jumped.isPastDue).toBe(true);
    expect(Date.parse(jumped.hostNow)).toBeGreaterThanOrEqual(Date.parse(now));
    // The missed occurrences are not replayed one by one: the next one is after the new "now".
    expect(Date.parse(jumped.next)).toBeGreaterThan(Date.parse(now));
    expect(jumped.last).toBe(
      new Date(
        Date.parse(hourly[0]?.hostNow ?? "") - (Date.parse(hourly[0]?.hostNow ?? "") % 3_600_000),
      ).toISOString(),
    );
  });

  it("a stepped advance fires the hourly timer at each hour inside the jump, on time, in order", async () => {
    const seen = (await calls()).filter((c) => c.name === "hourly").length;
    const { now } = await hostClock();
    const nowMs = Date.parse(now);
    const firstHour = Math.ceil((nowMs + 1) / 3_600_000) * 3_600_000;
    const res = await advance({ hours: 3 });
    expect(res.status).toBe(200);
    // The advance answers once everything due inside it ran: no polling needed.
    const stepped = (await calls()).filter((c) => c.name === "hourly").slice(seen);
    expect(stepped.map((c) => c.hostNow)).toEqual(
      [0, 1, 2].map((h) => new Date(firstHour + h * 3_600_000).toISOString()),
    );
    expect(stepped.map((c) => c.isPastDue)).toEqual([false, false, false]);
  });

  it("moves the app's notion of now with the clock", async () => {
    const app = (await (await fetch(`${host.url}/api/clock-now`)).json()) as { now: string };
    const clock = await hostClock();
    expect(Math.abs(Date.parse(app.now) - Date.parse(clock.now))).toBeLessThan(60_000);
    expect(Date.parse(app.now) - Date.now()).toBeGreaterThan(89 * 86_400_000);
  });

  it("validates clock advance bodies", async () => {
    expect((await advance("not json")).status).toBe(400);
    const negative = await advance({ days: -1 });
    expect(negative.status).toBe(422);
    expect(((await negative.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("days");
    expect((await advance({ weeks: 1 })).status).toBe(422);
    expect((await advance([1])).status).toBe(422);
    const get = await fetch(`${host.url}/dev/clock/advance`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});
