import { afterEach, describe, expect, it } from "vitest";
import { customerFor, DAY_MS, eventually, linkPath } from "../journey/support";
import { FaultWorld, FULL_FAULTS } from "./world";

/**
 * Issue 13 (`npm run test:faults` only: minutes of retries each), dependencies failing: the email service answers 429 with Retry-After, then 500, then is
 * down (connections dropped) for an hour of virtual time; the webhook receiver is down for a day.
 * Each send backs off on durable timers and happens once when the service is back; the invitation's
 * expiry counts from its creation, not from when the email finally went out.
 */
let world: FaultWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function advanceMinutes(w: FaultWorld, minutes: number): Promise<void> {
  const answer = await w.journey.call("POST", "/dev/clock/advance", { json: { minutes } });
  expect(answer.status, answer.text).toBe(200);
}

describe.runIf(FULL_FAULTS)("dependencies failing", () => {
  it("R5: email 429 (Retry-After), then 500, then down for an hour: one invitation email once it is back, expiry from creation", async () => {
    world = await FaultWorld.open();
    const j = await world.start();
    const partner = await j.enrolPartner();
    const customer = customerFor();
    world.email.failSends([{ status: 429, retryAfterSeconds: 1 }, { status: 500 }]);
    world.email.setDown(true);
    const created = await j.invite(partner, { kind: "reseller", customer, locale: "en" });
    const createdAt = Date.parse((await j.invitation(partner, created.id)).createdAt as string);
    await eventually(
      () => Promise.resolve(world!.email.refused()),
      (n) => n >= 3,
      "the first sends to be refused",
      60_000,
    );
    // An hour of virtual time, minute by minute: every retry timer fires on its own time.
    for (let minute = 0; minute < 60; minute += 5) await advanceMinutes(world, 5);
    expect(world.mailTo(customer.adminEmail)).toHaveLength(0);
    world.email.setDown(false);
    // The next retry (at most the policy's longest interval away) sends it.
    for (let minute = 0; minute < 6 * 60 && world.mailTo(customer.adminEmail).length === 0; minute += 5) {
      await advanceMinutes(world, 5);
    }
    const [mail] = await eventually(
      () => Promise.resolve(world!.mailTo(customer.adminEmail)),
      (items) => items.length > 0,
      "the invitation email",
      60_000,
    );
    const invitation = await j.invitation(await j.refresh(partner), created.id);
    expect(invitation.status).toBe("pending");
    expect(Date.parse(invitation.expiresAt as string)).toBe(createdAt + 90 * DAY_MS);
    const accepted = await j.call("POST", `${linkPath(mail!)}/accept`, {
      token: await j.customerToken(customer.tenantId),
    });
    expect(accepted.status, accepted.text).toBe(200);
    await j.waitForStatus(await j.refresh(partner), created.id, "accepted");
    expect(world.mailTo(customer.adminEmail)).toHaveLength(1);
  }, 300_000);

  it("a webhook receiver down for a day gets the event once it is back, under the one webhook-id of every attempt", async () => {
    world = await FaultWorld.open();
    const j = await world.start();
    const partner = await j.enrolPartner();
    const path = `/down/${partner.id}`;
    const registered = await j.call("PUT", "/api/webhooks", {
      token: partner.token,
      json: { url: `${world.receiverUrl}${path}` },
    });
    expect(registered.status, registered.text).toBe(201);
    world.receiver.down = true;
    const test = await j.call<{ eventId: string }>("POST", "/api/webhooks/test", { token: partner.token });
    expect(test.status).toBe(202);
    await eventually(
      () => Promise.resolve(world!.receiver.on(path)),
      (items) => items.length > 0,
      "the first attempt",
      60_000,
    );
    // A day, an hour at a time: each retry fires on its own time and finds the receiver down.
    for (let hour = 0; hour < 24; hour++) {
      const answer = await j.call("POST", "/dev/clock/advance", { json: { hours: 1 } });
      expect(answer.status, answer.text).toBe(200);
    }
    const whileDown = world.receiver.on(path).length;
    world.receiver.down = false;
    for (let hour = 0; hour < 12 && world.receiver.on(path).length === whileDown; hour++) {
      await j.call("POST", "/dev/clock/advance", { json: { hours: 1 } });
    }
    const received = await eventually(
      () => Promise.resolve(world!.receiver.on(path)),
      (items) => items.length > whileDown,
      "an attempt after the receiver came back",
      60_000,
    );
    expect(new Set(received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([test.body.eventId]));
    const delivery = await eventually(
      () => j.orchestration(`webhook-delivery:${test.body.eventId}`),
      (o) => o.runtimeStatus === "Completed",
      "the delivery to finish",
      60_000,
    );
    expect(delivery.output).toMatchObject({ outcome: "delivered" });
  }, 300_000);
});
