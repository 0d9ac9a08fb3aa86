import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { customerFor, eventually, Journey } from "./support";

/**
 * `npm start` keeps its data: the embedded Cosmos (journal) and the durable state (Azurite) live in
 * one data folder. The whole host (its process group: Azurite too) is killed with SIGKILL right after
 * the API answered, and a host started on the same folder finds what was acknowledged, with the
 * invitation's workflow still running on its timers. `--fresh` starts empty.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "local-data-journey-"));
const hosts = new Set<HostProcess>();

afterAll(async () => {
  await Promise.all([...hosts].map((h) => h.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function startHost(extra: string[] = []): Promise<Journey> {
  const host = await startHostProcess({
    // The default store: Azure Tables on the embedded Azurite, Cosmos embedded, both in dataDir.
    args: ["--clock", "virtual", "--data-dir", dataDir, ...extra],
    env: { AUTH_MODE: "dev", CLOCK: "virtual" },
  });
  hosts.add(host);
  return new Journey(host);
}

/** SIGKILL for the host and everything it started: nothing gets to save or close anything. */
async function killEverything(journey: Journey): Promise<void> {
  process.kill(-journey.host.pid, "SIGKILL");
  await journey.host.exited;
  hosts.delete(journey.host);
}

describe("local runs keep their data", () => {
  it("R5: after a SIGKILL the partner, the invitation and its workflow are there; the reminder and the expiry still come; --fresh starts empty", async () => {
    let journey = await startHost();
    expect(journey.host.output()).toContain(`Data:       ${dataDir} (kept between runs`);
    let partner = await journey.enrolPartner();
    const customer = customerFor();
    const { id, expiresAt } = await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
    await killEverything(journey);

    journey = await startHost();
    expect(journey.host.output()).toMatch(/Cosmos:.*kept in .*cosmos, [1-9]\d* resources loaded/);
    partner = await journey.refresh(partner);
    const stored = await journey.invitation(partner, id);
    expect(stored).toMatchObject({ id, status: "pending", expiresAt });
    await journey.waitUntilWaiting(id);
    // The reminder 7 days after creation (sent by the orchestration that survived the kill).
    await journey.advance(8);
    const reminder = await eventually(
      () => journey.mailTo(customer.adminEmail),
      (items) => items.some((m) => /remind/i.test(m.subject)),
      "the reminder after the restart",
    );
    expect(reminder.some((m) => /remind/i.test(m.subject))).toBe(true);
    await killEverything(journey);

    journey = await startHost();
    partner = await journey.refresh(partner);
    await journey.waitUntilWaiting(id);
    await journey.advance(100);
    // Tokens minted before the jump have expired.
    partner = await journey.refresh(partner);
    await journey.waitForStatus(partner, id, "expired");
    await journey.host.stop();
    hosts.delete(journey.host);

    journey = await startHost(["--fresh"]);
    expect(journey.host.output()).toMatch(/Cosmos:.*kept in .*cosmos, 0 resources loaded/);
    partner = await journey.refresh(partner);
    const gone = await journey.call("GET", `/api/invitations/${id}`, { token: partner.token });
    // The partner is no longer enrolled, so it is refused before the invitation is looked up.
    expect(gone.status).toBe(403);
    const instance = await journey.call("GET", `/runtime/webhooks/durabletask/instances/${id}`);
    expect(instance.status).toBe(404);
  }, 180_000); // two host starts and a restart after SIGKILL
});
