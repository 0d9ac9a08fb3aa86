import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmailEndpoint, type EmailEndpoint, type StoredMail } from "../../src/localhost/services/email";
import { startHostProcess, type HostProcess } from "../support/host-process";
import { customerFor, DAY_MS, eventually, Journey, type PartnerSetup } from "./support";

/**
 * Issue 8, part 1: many parallel creations, the whole host (Cosmos and Azurite with it) killed with
 * SIGKILL at a random point of them, several rounds, each restart on the same data folder. Whatever
 * was stored, acknowledged or not, must be carried out: exactly one invitation email each, and the
 * expiry at its own expiresAt (R5). The email endpoint lives in the test process, so it outlives the
 * hosts and counts every send.
 */
const PARALLEL = 30;
const ROUNDS = 3;
const dataDir = mkdtempSync(path.join(tmpdir(), "creation-crash-"));
const hosts = new Set<HostProcess>();
let email: EmailEndpoint;

beforeAll(async () => {
  email = await startEmailEndpoint();
});

afterAll(async () => {
  await Promise.all([...hosts].map((h) => h.stop()));
  await email?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startHost(): Promise<Journey> {
  const host = await startHostProcess({
    args: ["--clock", "virtual", "--data-dir", dataDir, "--no-email"],
    env: {
      AUTH_MODE: "dev",
      CLOCK: "virtual",
      EMAIL_ENDPOINT: email.endpoint,
      EMAIL_ACCESS_KEY: email.accessKey,
    },
  });
  hosts.add(host);
  return new Journey(host);
}

async function killEverything(journey: Journey): Promise<void> {
  process.kill(-journey.host.pid, "SIGKILL");
  await journey.host.exited;
  hosts.delete(journey.host);
}

const invitationMails = (address: string): StoredMail[] =>
  email.messages().filter((m) => m.to.includes(address) && !/^Reminder/.test(m.subject));

async function listAll(journey: Journey, partner: PartnerSetup) {
  const items: {
    id: string;
    status: string;
    expiresAt: string;
    createdAt: string;
    customer: { adminEmail: string };
  }[] = [];
  let continuation: string | undefined;
  do {
    const answer = await journey.call<{ items: typeof items; continuationToken?: string }>(
      "GET",
      `/api/invitations?limit=100${continuation ? `&continuationToken=${continuation}` : ""}`,
      { token: partner.token },
    );
    expect(answer.status, answer.text).toBe(200);
    items.push(...answer.body.items);
    continuation = answer.body.continuationToken;
  } while (continuation);
  return items;
}

describe("R5: a host killed during parallel creations, restarted on the same data", () => {
  it(
    "R5: every stored invitation gets exactly one invitation email and expires on time",
    async () => {
      let journey = await startHost();
      const partners: PartnerSetup[] = [];
      const acknowledged = new Set<string>();
      let killedRounds = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // A partner per round: 30 creations stay within the default 60 a minute.
        const partner = await journey.enrolPartner();
        partners.push(partner);
        let answered = 0;
        // The kill comes once a random number of answers arrived: while other creations are between
        // their store and their start (state, not a timer, decides the moment).
        const killAfter = 1 + Math.floor(Math.random() * (PARALLEL / 2));
        let kill!: () => void;
        const killPoint = new Promise<void>((resolve) => (kill = resolve));
        const requests = Array.from({ length: PARALLEL }, () =>
          journey
            .call<{ id: string }>("POST", "/api/invitations", {
              token: partner.token,
              json: { kind: "reseller", customer: customerFor(`Round${round}`), locale: "en" },
            })
            .then(
              (answer) => {
                if (answer.status === 202) acknowledged.add(answer.body.id);
                if (++answered >= killAfter) kill();
              },
              () => undefined,
            ),
        );
        await killPoint;
        await killEverything(journey);
        killedRounds++;
        await Promise.all(requests);
        journey = await startHost();
      }

      // The sweep leaves intents younger than a minute to their requests, and runs daily (and at
      // start-up): one day later it has run past every intent.
      await journey.advance(1);
      const fresh = await Promise.all(partners.map((p) => journey.refresh(p)));
      const stored = (await Promise.all(fresh.map((p) => listAll(journey, p)))).flat();
      const storedIds = new Set(stored.map((i) => i.id));
      // Nothing acknowledged was lost.
      for (const id of acknowledged) expect(storedIds.has(id), id).toBe(true);
      expect(stored.every((i) => i.status === "pending")).toBe(true);

      await eventually(
        () =>
          Promise.resolve(stored.filter((i) => invitationMails(i.customer.adminEmail).length === 0).length),
        (missing) => missing === 0,
        "an invitation email for every stored invitation",
        90_000,
      );
      for (const i of stored) await journey.waitUntilWaiting(i.id);
      for (const i of stored) expect(invitationMails(i.customer.adminEmail), i.id).toHaveLength(1);
      const emailed = stored.length;

      // R5: still pending the day before expiry, expired just after it.
      for (const i of stored) expect(Date.parse(i.expiresAt) - Date.parse(i.createdAt)).toBe(90 * DAY_MS);
      await journey.advance(88);
      const dayBefore = await Promise.all(fresh.map(async (p) => listAll(journey, await journey.refresh(p))));
      expect(dayBefore.flat().filter((i) => i.status !== "pending")).toEqual([]);
      await journey.advance(2);
      const after = await Promise.all(fresh.map(async (p) => journey.refresh(p)));
      const expired = await eventually(
        async () => (await Promise.all(after.map((p) => listAll(journey, p)))).flat(),
        (items) => items.length === stored.length && items.every((i) => i.status === "expired"),
        "every stored invitation to expire",
        90_000,
      );
      for (const i of stored) expect(invitationMails(i.customer.adminEmail), i.id).toHaveLength(1);
      console.log(
        `creation crash test: ${ROUNDS * PARALLEL} creations fired, ${killedRounds} rounds killed, ${acknowledged.size} acknowledged, ${stored.length} stored, ${emailed} emailed once, ${expired.length} expired`,
      );
    },
    10 * 60_000,
  );
});
