import { DomainError, refuse } from "../../domain/errors";
import type { Invitation, Principal } from "../../domain/model";
import { isPastExpiry } from "../../domain/lifecycle";
import { DAY_MS } from "../../domain/time";
import { requireWriteRole } from "../../domain/rules";
import { audit, partnerActor } from "../audit";
import { updateWithRetry } from "../concurrency";
import { callerPartner } from "../partners";
import type { AuditLog, Clock, InvitationRepository, PartnerRepository } from "../ports";
import { deterministicGuid } from "../ids";
import { sendInvitationEmail, type LifecycleDependencies } from "./lifecycle";
import { toInvitationView, type InvitationView } from "./query";

export type ResendDeps = Pick<LifecycleDependencies, "render" | "email" | "publicBaseUrl" | "linkKey"> & {
  invitations: InvitationRepository;
  partners: PartnerRepository;
  audit: AuditLog;
  clock: Clock;
};

/**
 * POST /api/invitations/{id}/resend: the invitation email again, with the same link, while the
 * invitation is pending; at most once a day per invitation (each costs customer email, and the
 * sender domain is rate limited). The day is claimed on the document first (ETag), so two
 * concurrent requests send one email; the email's operation id names that claim, so a retried
 * send is a no-op at the email service.
 */
export async function resendInvitation(
  deps: ResendDeps,
  principal: Principal,
  id: string,
): Promise<InvitationView> {
  const caller = await callerPartner(deps.partners, principal);
  requireWriteRole(principal);
  const found = await deps.invitations.get(caller.id, id);
  if (!found) throw refuse.notFound("The invitation");
  const claimed = await updateWithRetry<Invitation, Invitation>({
    first: found,
    read: async () => {
      const reread = await deps.invitations.get(caller.id, id);
      if (!reread) throw refuse.notFound("The invitation");
      return reread;
    },
    decide: ({ value }) => {
      const now = deps.clock.now();
      if (value.status !== "pending" || isPastExpiry(value, now)) {
        throw refuse
          .conflict(
            `The invitation is ${value.status === "pending" ? "past its expiry" : value.status}; only a pending one is sent again.`,
          )
          .because("invitationNotPending");
      }
      const last = value.lastResentAt ? Date.parse(value.lastResentAt) : undefined;
      if (last !== undefined && now.getTime() - last < DAY_MS) {
        const retryAfterSeconds = Math.max(1, Math.ceil((last + DAY_MS - now.getTime()) / 1000));
        throw new DomainError(
          "rateLimited",
          `The invitation email was sent again less than a day ago; try again in ${retryAfterSeconds} seconds.`,
          { retryAfterSeconds },
        );
      }
      return { write: { ...value, lastResentAt: now.toISOString() }, after: (saved) => saved.value };
    },
    replace: (next, etag) => deps.invitations.replace(next, etag),
    attempts: 3,
    exhausted: () => refuse.conflict("The invitation kept changing; try again.").because("concurrentChange"),
  });
  const resentAt = claimed.lastResentAt ?? deps.clock.now().toISOString();
  await sendInvitationEmail(
    deps,
    claimed,
    "invitation",
    deterministicGuid("invitation", claimed.id, "customer-email", "resend", resentAt),
  );
  await audit(deps.audit, deps.clock, {
    id: deterministicGuid("audit", claimed.id, "resend", resentAt),
    partnerId: caller.id,
    resourceType: "invitation",
    resourceId: claimed.id,
    action: "resend",
    outcome: "applied",
    actor: partnerActor(principal),
  });
  return toInvitationView(claimed);
}
