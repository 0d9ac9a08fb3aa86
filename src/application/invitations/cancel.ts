import { refuse } from "../../domain/errors";
import { isPastExpiry } from "../../domain/lifecycle";
import type { Invitation, Principal } from "../../domain/model";
import { requireWriteRole } from "../../domain/rules";
import { audit, auditedCheck, partnerActor } from "../audit";
import { callerPartner } from "../partners";
import { updateWithRetry } from "../concurrency";
import {
  type AuditLog,
  type Clock,
  type InvitationRepository,
  type InvitationWorkflow,
  type PartnerRepository,
} from "../ports";
import { toInvitationView, type InvitationView } from "./query";

export interface CancelDeps {
  clock: Clock;
  partners: PartnerRepository;
  invitations: InvitationRepository;
  audit: AuditLog;
  workflow: InvitationWorkflow;
  log?: (message: string) => void;
}

/**
 * POST /api/invitations/{id}/cancel. The document changes first, by ETag, so of a concurrent
 * cancel and accept exactly one wins; only then is the orchestration told. If telling it fails
 * twice the answer is still 200: the document is the truth and the orchestration re-reads it
 * whenever it wakes.
 */
export async function cancelInvitation(
  deps: CancelDeps,
  principal: Principal,
  id: string,
): Promise<InvitationView> {
  const caller = await callerPartner(deps.partners, principal);
  const actor = partnerActor(principal);
  const found = await deps.invitations.get(caller.id, id);
  if (!found) throw refuse.notFound("The invitation");
  await auditedCheck(
    deps.audit,
    deps.clock,
    { partnerId: caller.id, resourceType: "invitation", resourceId: id, action: "cancel", actor },
    () => requireWriteRole(principal),
  );

  const cancelled = await updateWithRetry<Invitation, Invitation>({
    first: found,
    read: async () => {
      const reread = await deps.invitations.get(caller.id, id);
      if (!reread) throw refuse.notFound("The invitation");
      return reread;
    },
    decide: (current) => {
      // Past its expiry it is expired (R16), even before the expiry timer recorded it: the partner
      // is told "expired" by the orchestration, never "cancelled" for what had already ended.
      const status = isPastExpiry(current.value, deps.clock.now()) ? "expired" : current.value.status;
      if (status !== "pending") {
        throw refuse
          .conflict(`The invitation is ${status}; only a pending invitation can be cancelled.`)
          .because("invitationNotPending");
      }
      const now = deps.clock.now().toISOString();
      return {
        write: { ...current.value, status: "cancelled", decidedAt: now, decidedBy: actor },
        after: (saved) => saved.value,
      };
    },
    replace: (next, etag) => deps.invitations.replace(next, etag),
    attempts: 3,
    exhausted: () => refuse.conflict("The invitation kept changing; try again.").because("concurrentChange"),
  });

  await audit(deps.audit, deps.clock, {
    id: `${id}:cancelled`,
    partnerId: caller.id,
    resourceType: "invitation",
    resourceId: id,
    action: "cancelled",
    outcome: "applied",
    actor,
  });
  await raiseWithOneRetry(deps, id, actor);
  return toInvitationView(cancelled);
}

async function raiseWithOneRetry(deps: CancelDeps, id: string, by: Invitation["createdBy"]): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await deps.workflow.raisePartnerCancelled(id, { by });
      return;
    } catch (error) {
      if (attempt === 2) {
        deps.log?.(
          `Invitation ${id} is cancelled but its orchestration was not told (${error instanceof Error ? error.name : "error"}); it converges at its next timer.`,
        );
      }
    }
  }
}
