import { describe, expect, it } from "vitest";
import { COSMOS_WRITE } from "../../src/localhost/faults";
import { eventually, type Journey } from "../journey/support";
import { approveSwitch, partnerSwitchJourney, switchRequested, type Made } from "./journeys";
import { FULL_FAULTS, FaultWorld } from "./world";

/**
 * Issue 13, R19: the host dies after a partner switch answer is stored and before the approval
 * signal reaches the durable store. The party's retry is a no-op (its answer is stored), so without
 * the answer intent the switch completed only when the orchestration next woke (its first reminder,
 * 7 days later) or never (the request expired at 30 days although both had approved). Here the clock
 * never moves: the switch must complete from the recovery that runs at start-up.
 *
 * As decision-recovery.test.ts: a clean run tells which Cosmos write the last answer makes first
 * (its answer and intent, one batch), and a second world dies right after that write.
 */

const WAIT_MS = 120_000;

type Party = "customer" | "currentPartner";

interface HistoryEvent {
  EventType: string;
}

/** The orchestration took the first answer's signal and waits again (a new timer after the event). */
async function signalConsumed(j: Journey, migrationId: string): Promise<void> {
  await eventually(
    async () =>
      (await j.orchestration(migrationId)) as {
        customStatus?: { phase?: string };
        historyEvents?: HistoryEvent[];
      },
    (o) => {
      const types = (o.historyEvents ?? []).map((e) => e.EventType);
      return (
        o.customStatus?.phase === "waiting" &&
        types.includes("EventRaised") &&
        types.lastIndexOf("TimerCreated") > types.lastIndexOf("EventRaised")
      );
    },
    `the migration ${migrationId} to take the first answer and wait again`,
    WAIT_MS,
  );
}

async function writes(world: FaultWorld): Promise<number> {
  return (await world.status()).faults.passed[COSMOS_WRITE] ?? 0;
}

/** The switch requested, and the first party's approval taken by the orchestration. */
async function firstAnswered(world: FaultWorld, first: Party): Promise<{ made: Made; customerLink: string }> {
  const requested = await switchRequested(world);
  const { made } = requested;
  // Nothing else writes from here: the invitation's orchestration is done, the switch's waits.
  await eventually(
    () => world.journey.orchestration(made.invitationId!),
    (o) => o.runtimeStatus === "Completed",
    "the invitation's orchestration to complete",
    WAIT_MS,
  );
  await world.journey.waitUntilWaiting(made.migrationId!);
  expect(await approveSwitch(world, made, first, requested.customerLink)).toBe(200);
  await signalConsumed(world.journey, made.migrationId!);
  return requested;
}

const other = (party: Party): Party => (party === "customer" ? "currentPartner" : "customer");

/** The outcome notice ("... moved to ...") each of the three received. */
function outcomeMails(world: FaultWorld, made: Made): Record<string, number> {
  const moved = (address: string) => world.mailTo(address).filter((m) => /moved to/.test(m.subject)).length;
  return {
    customer: moved(made.customer.adminEmail),
    newPartner: moved(made.partner.contactEmail),
    previousPartner: moved(made.other!.contactEmail),
  };
}

async function hostDiesAfterTheLastAnswerIsStored(last: Party): Promise<void> {
  const first = other(last);
  // A clean run: which Cosmos write the last answer makes first (the request reads before it).
  let answerWrite: number;
  const clean = await FaultWorld.open();
  try {
    await clean.start();
    const { made, customerLink } = await firstAnswered(clean, first);
    answerWrite = (await writes(clean)) + 1;
    expect(await approveSwitch(clean, made, last, customerLink)).toBe(200);
  } finally {
    await clean.close();
  }

  const world = await FaultWorld.open();
  try {
    await world.start(`${COSMOS_WRITE}@${answerWrite}`);
    const { made, customerLink } = await firstAnswered(world, first);
    expect(await writes(world), "the same writes as the clean run before the last answer").toBe(
      answerWrite - 1,
    );
    const dying = await world.journey
      .call(
        "POST",
        last === "customer" ? `${customerLink}/approve` : `/api/switch-requests/${made.migrationId!}/approve`,
        {
          token:
            last === "customer"
              ? await world.journey.customerToken(made.customer.tenantId)
              : await world.journey.token({ tenantId: made.other!.id, roles: ["GlobalAdmin"] }),
        },
      )
      .then(
        (answer) => `answered ${answer.status}`,
        () => "died",
      );
    expect(dying, "the host died under the answer").toBe("died");

    // A new host on the same data; its start-up recovery runs. The party's retry changes nothing.
    const retry = await approveSwitch(world, made, last, customerLink);
    expect(world.kills).toBe(1);
    expect([200, 409, 410], "the answer was stored before the host died").toContain(retry);
    const clockAtRestart = (await world.journey.call<{ now: string }>("GET", "/dev/clock")).body.now;

    await world.step("the switch to complete", (j) =>
      eventually(
        () => j.orchestration(made.migrationId!),
        (o) => o.runtimeStatus === "Completed",
        "the switch's orchestration to complete",
        WAIT_MS,
      ),
    );
    const clockNow = (await world.journey.call<{ now: string }>("GET", "/dev/clock")).body.now;
    // The virtual clock only moves when told: no reminder timer woke the orchestration.
    expect(Date.parse(clockNow) - Date.parse(clockAtRestart)).toBeLessThan(3_600_000);

    // Once: the migration, the transfer order, each email; and each party told of the outcome once.
    await partnerSwitchJourney.check(world, made);
    await world.step("the outcome notices", () =>
      eventually(
        () => Promise.resolve(outcomeMails(world, made)),
        (told) => Object.values(told).every((n) => n > 0),
        "the three outcome notices",
        WAIT_MS,
      ),
    );
    expect(outcomeMails(world, made)).toEqual({ customer: 1, newPartner: 1, previousPartner: 1 });
  } finally {
    await world.close();
  }
}

describe("R19: a switch answer stored just before the host died", () => {
  it("R19: the host dies right after the current partner's approval is stored: after the restart the switch completes once (one transfer, each party told once) without the clock moving", async () => {
    await hostDiesAfterTheLastAnswerIsStored("currentPartner");
  }, 600_000);

  // The customer's link goes through the same answer use case; the full variant kills there too.
  it.runIf(FULL_FAULTS)(
    "R19: the host dies right after the customer's approval is stored: after the restart the switch completes once without the clock moving",
    async () => {
      await hostDiesAfterTheLastAnswerIsStored("customer");
    },
    600_000,
  );
});
