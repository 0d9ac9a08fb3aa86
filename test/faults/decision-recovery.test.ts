import { expect, it } from "vitest";
import { COSMOS_WRITE } from "../../src/localhost/faults";
import { customerFor, eventually, linkPath, type PartnerSetup } from "../journey/support";
import { FaultWorld } from "./world";

/**
 * Issue 13 (defect found by the soak): the host dies after a customer's decision is stored and before
 * the event reaches the orchestration. The customer's retry gets 410 and cannot re-send it; without
 * the decision intent the relationship came only when the orchestration next woke, days later. Here
 * the clock never moves: the relationship must come from the recovery that runs at start-up.
 */

const WAIT_MS = 120_000;

interface Invited {
  partner: PartnerSetup;
  customer: ReturnType<typeof customerFor>;
  invitationId: string;
  link: string;
}

/** Enrols a partner and invites a customer, until the orchestration waits on its timers. */
async function invited(world: FaultWorld): Promise<Invited> {
  const j = world.journey;
  const partner = await j.enrolPartner();
  const customer = customerFor();
  const { id } = await j.invite(partner, { kind: "reseller", customer, locale: "en" });
  const mail = await eventually(
    () => Promise.resolve(world.mailTo(customer.adminEmail)),
    (items) => items.length > 0,
    "the invitation email",
    WAIT_MS,
  );
  await j.waitUntilWaiting(id);
  return { partner, customer, invitationId: id, link: linkPath(mail[0]!) };
}

async function writes(world: FaultWorld): Promise<number> {
  return (await world.status()).faults.passed[COSMOS_WRITE] ?? 0;
}

it("R4: the host dies right after the customer's accept is stored: after the restart the relationship is created without the clock moving", async () => {
  // A clean run tells which Cosmos write the accept makes first: the decision (the request reads
  // before it, and audits only after it).
  let decisionWrite: number;
  const clean = await FaultWorld.open();
  try {
    await clean.start();
    const made = await invited(clean);
    decisionWrite = (await writes(clean)) + 1;
    const answer = await clean.journey.call("POST", `${made.link}/accept`, {
      token: await clean.journey.customerToken(made.customer.tenantId),
    });
    expect(answer.status).toBe(200);
  } finally {
    await clean.close();
  }

  const world = await FaultWorld.open();
  try {
    await world.start(`${COSMOS_WRITE}@${decisionWrite}`);
    const made = await invited(world);
    expect(await writes(world), "the same writes as the clean run before the accept").toBe(decisionWrite - 1);
    const dying = await world.journey
      .call("POST", `${made.link}/accept`, {
        token: await world.journey.customerToken(made.customer.tenantId),
      })
      .then(
        (answer) => `answered ${answer.status}`,
        () => "died",
      );
    expect(dying, "the host died under the accept").toBe("died");

    // A new host on the same data; its start-up recovery runs. The customer's retry is refused.
    const retry = await world.step("retry the accept", async (j) =>
      j.call("POST", `${made.link}/accept`, { token: await j.customerToken(made.customer.tenantId) }),
    );
    expect(world.kills).toBe(1);
    expect(retry.status, "the decision was stored before the host died").toBe(410);
    const clockAtRestart = (await world.journey.call<{ now: string }>("GET", "/dev/clock")).body.now;

    const relationships = await world.step("the reseller relationship", async (j) =>
      eventually(
        async () => j.relationships(await j.refresh(made.partner), made.customer.tenantId),
        (items) => items.some((r) => r.type === "reseller" && r.status === "active"),
        "the reseller relationship",
        WAIT_MS,
      ),
    );
    expect(relationships.filter((r) => r.type === "reseller")).toHaveLength(1);
    const clockNow = (await world.journey.call<{ now: string }>("GET", "/dev/clock")).body.now;
    // The virtual clock only moves when told: no reminder timer woke the orchestration.
    expect(Date.parse(clockNow) - Date.parse(clockAtRestart)).toBeLessThan(3_600_000);
    await eventually(
      () => world.journey.orchestration(made.invitationId),
      (o) => o.runtimeStatus === "Completed",
      "the invitation's orchestration to complete",
      WAIT_MS,
    );
  } finally {
    await world.close();
  }
}, 600_000);
