import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, customer } from "../support/api-client";
import { startHostProcess, type HostProcess } from "../support/host-process";

/**
 * Issue 8, part 2: parallel creations by one partner race on the one counter document of its
 * window. A lost race means another creation got in, not that the window is full: only a full
 * window is refused, and its Retry-After names the window's real end.
 */
const LIMIT = 60;
const PARALLEL = 100;

let host: HostProcess | undefined;
let client: ApiClient | undefined;

beforeAll(async () => {
  host = await startHostProcess({
    args: ["--store", "memory", "--clock", "virtual"],
    env: { CLOCK: "virtual", AUTH_MODE: "dev", INVITATIONS_PER_PARTNER_PER_MINUTE: String(LIMIT) },
  });
  client = new ApiClient(host.url);
});

afterAll(async () => {
  await host?.stop();
});

function api(): ApiClient {
  if (!client) throw new Error("The host is not running");
  return client;
}

async function hostNow(): Promise<number> {
  const answer = await api().call<{ now: string }>("GET", "/dev/clock");
  return Date.parse(answer.body.now);
}

describe(`${PARALLEL} parallel creations by one partner, limit ${LIMIT} a minute`, () => {
  it("admits exactly the limit; every refusal is a full window with a true Retry-After", async () => {
    const p = await api().enrolPartner();
    // A whole fresh window (a minute of real time) for the burst.
    const now = await hostNow();
    const windowEnd = Math.floor(now / 60_000) * 60_000 + 120_000;
    await api().call("POST", "/dev/clock/advance", { body: { seconds: (windowEnd - 60_000 - now) / 1000 } });

    const before = await hostNow();
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        api().createInvitation(p.token, { kind: "reseller", customer: customer() }),
      ),
    );
    const after = await hostNow();
    expect(after, "the burst stayed inside one window").toBeLessThan(windowEnd);

    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status !== 202);
    expect(accepted).toHaveLength(LIMIT);
    // Anything but 429 was the host's failure: its log says which (seen once, under a loaded machine).
    const hostErrors = (host?.output() ?? "")
      .split("\n")
      .filter((line) => /error/i.test(line))
      .slice(-20)
      .join("\n");
    expect(
      refused.map((a) => a.status),
      hostErrors,
    ).toEqual(Array<number>(PARALLEL - LIMIT).fill(429));
    // Each refusal was decided between `before` and `after`: its Retry-After is the whole seconds
    // to the window's end at that moment, rounded up.
    for (const answer of refused) {
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((windowEnd - after) / 1000));
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil((windowEnd - before) / 1000));
      expect(answer.body.detail).toContain(`${retryAfter} seconds`);
    }
    const listed = await api().call<{ items: { id: string }[] }>("GET", "/api/invitations?limit=100", {
      token: p.token,
    });
    expect(listed.body.items.map((i) => i.id).sort()).toEqual(accepted.map((a) => a.body.id).sort());
  });
});
