import { refuse } from "../../domain/errors";
import type { Invitation, Principal } from "../../domain/model";
import { requireWriteRole } from "../../domain/rules";
import { audit, auditedCheck, partnerActor } from "../audit";
import { callerPartner } from "../partners";
import {
  ConcurrencyConflict,
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

  let current = found;
  let cancelled: Invitation | undefined;
  for (let attempt = 0; attempt < 3 && !cancelled; attempt++) {
    if (current.value.status !== "pending") {
      throw refuse.conflict(
        `The invitation is ${current.value.status}; only a pending invitation can be cancelled.`,
      );
    }
    const now = deps.clock.now().toISOString();
    try {
      const next: Invitation = { ...current.value, status: "cancelled", decidedAt: now, decidedBy: actor };
      cancelled = (await deps.invitations.replace(next, current.etag)).value;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      const reread = await deps.invitations.get(caller.id, id);
      if (!reread) throw refuse.notFound("The invitation");
      current = reread;
    }
  }
  if (!cancelled) throw refuse.conflict("The invitation kept changing; try again.");

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
