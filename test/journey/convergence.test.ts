import { describe, expect, it } from "vitest";
import { CosmosInvitationRepository } from "../../src/adapters/cosmos/invitation-repository";
import { useCosmos } from "../support/cosmos";
import {
  customerFor,
  eventually,
  linkPath,
  useJourneyHost,
  type Journey,
  type PartnerSetup,
} from "./support";

/**
 * The invitation document is the truth: when a handler changed it but the event never reached the
 * orchestration (a crash between the two), the orchestration finds the outcome the next time a timer
 * wakes it and runs the consequences. The test shares the host's Cosmos and changes the document
 * behind the orchestration's back, raising nothing.
 */
const cosmos = useCosmos({ database: "h3l-convergence" });
const host = useJourneyHost({
  env: () => ({
    COSMOS_ENDPOINT: cosmos().endpoint,
    COSMOS_KEY: cosmos().key,
    COSMOS_DATABASE: cosmos().database,
  }),
});

async function decideSilently(partner: PartnerSetup, id: string, status: "accepted" | "cancelled") {
  const repository = new CosmosInvitationRepository(cosmos().db);
  const stored = await repository.get(partner.id, id);
  if (!stored) throw new Error("invitation not stored");
  await repository.replace(
    {
      ...stored.value,
      status,
      decidedAt: stored.value.createdAt,
      decidedBy:
        status === "accepted"
          ? { kind: "customer", tenantId: stored.value.customer.tenantId! }
          : { kind: "partner", tenantId: partner.id },
    },
    stored.etag,
  );
}

async function invite(journey: Journey) {
  const partner = await journey.enrolPartner();
  const customer = customerFor();
  const { id } = await journey.invite(partner, { kind: "reseller", customer, locale: "en" });
  const [mail] = await journey.waitForMail(customer.adminEmail, 1);
  return { partner, customer, id, link: linkPath(mail!) };
}

describe("orchestration converges on the document when an event was lost", () => {
  it("an acceptance recorded without its event is carried out at the next timer, with no reminder sent", async () => {
    const journey = host();
    const accepted = await invite(journey);
    const cancelled = await invite(journey);
    await journey.waitUntilWaiting(accepted.id);
    await journey.waitUntilWaiting(cancelled.id);
    await decideSilently(accepted.partner, accepted.id, "accepted");
    await decideSilently(cancelled.partner, cancelled.id, "cancelled");
    // Nothing happens until the orchestrations wake: no event was raised.
    expect(await journey.mailTo(accepted.partner.contactEmail)).toEqual([]);

    await journey.advance(7);
    const partner = await journey.refresh(accepted.partner);
    const relationships = await eventually(
      () => journey.relationships(partner, accepted.customer.tenantId),
      (items) => items.length === 1,
      "the relationship of the silently accepted invitation",
    );
    expect(relationships[0]).toMatchObject({ type: "reseller", status: "active" });
    const [acceptedNotice] = await journey.waitForMail(accepted.partner.contactEmail, 1);
    expect(acceptedNotice!.subject).toMatch(/accepted/i);
    const [cancelledNotice] = await journey.waitForMail(cancelled.partner.contactEmail, 1);
    expect(cancelledNotice!.subject).toMatch(/cancel/i);
    const done = await eventually(
      () => journey.orchestration(accepted.id),
      (o) => o.runtimeStatus === "Completed",
      "the orchestration to complete",
    );
    expect(done.output).toMatchObject({ outcome: "accepted", remindersSent: 0 });
    // The reminder timer woke them, but a decided invitation gets no reminder.
    expect(await journey.mailTo(accepted.customer.adminEmail)).toHaveLength(1);
    expect(await journey.mailTo(cancelled.customer.adminEmail)).toHaveLength(1);
  });
});
