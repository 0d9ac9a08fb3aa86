import { recoverIntents, type IntentRecoveryResult } from "../event-intents";
import type { Clock, InvitationRepository, InvitationWorkflow } from "../ports";

/**
 * A creation stores the invitation together with a start intent, starts the orchestration, then
 * settles the intent. A host that dies in between leaves the intent behind; this sweep, run by a
 * timer (and at host start-up), carries it out: it starts the orchestration unless it exists (the
 * start is idempotent by instance id) and settles the intent. Intents younger than the grace period
 * belong to requests that may still be running, which start their own orchestration.
 */
export const START_RECOVERY_GRACE_MS = 60_000;

export interface StartRecoveryDeps {
  clock: Clock;
  invitations: Pick<InvitationRepository, "get" | "pendingStarts" | "settleStart">;
  workflow: Pick<InvitationWorkflow, "start">;
}

export interface DecisionRecoveryDeps {
  invitations: Pick<InvitationRepository, "get" | "pendingDecisions" | "settleDecision">;
  workflow: Pick<InvitationWorkflow, "raiseCustomerDecision">;
}

/** `raised`: decisions raised again; `dropped`: the invitation is gone or no longer says decided. */
export type DecisionRecoveryResult = IntentRecoveryResult;

export interface StartRecoveryResult {
  /** Orchestrations started (or found already running) for stored invitations. */
  started: number;
  /** Intents whose invitation is not stored (a compensated creation): nothing to start. */
  dropped: number;
  /** Intents that failed this time; they stay for the next run. */
  failed: number;
}

export async function recoverInvitationStarts(
  deps: StartRecoveryDeps,
  graceMs: number = START_RECOVERY_GRACE_MS,
): Promise<StartRecoveryResult> {
  const before = new Date(deps.clock.now().getTime() - graceMs).toISOString();
  const { raised, dropped, failed } = await recoverIntents({
    pending: (limit) => deps.invitations.pendingStarts(before, limit),
    tell: async (intent) => {
      if (!(await deps.invitations.get(intent.partnerId, intent.invitationId))) return false;
      await deps.workflow.start({
        invitationId: intent.invitationId,
        partnerId: intent.partnerId,
        outcomeFromEvents: true,
      });
      return true;
    },
    settle: (intent) => deps.invitations.settleStart(intent.partnerId, intent.invitationId),
  });
  return { started: raised, dropped, failed };
}

/**
 * A customer's decision is stored with a decision intent, the event raised, then the intent settled
 * (event-intents.ts). A host that dies in between leaves the intent; the customer's retry gets 410
 * and cannot help, so this sweep (start-up and timer) raises the event again. No grace period, unlike
 * starts: the orchestration reads the document on any decision event, so a second event (from a
 * request still running, or to an instance already finished) changes nothing.
 */
export async function recoverInvitationDecisions(
  deps: DecisionRecoveryDeps,
): Promise<DecisionRecoveryResult> {
  return recoverIntents({
    pending: (limit) => deps.invitations.pendingDecisions(limit),
    tell: async (intent) => {
      const invitation = (await deps.invitations.get(intent.partnerId, intent.invitationId))?.value;
      const decided =
        invitation && (invitation.status === "accepted" || invitation.status === "declined")
          ? { decision: invitation.status, by: invitation.decidedBy }
          : undefined;
      if (!decided?.by) return false;
      await deps.workflow.raiseCustomerDecision(intent.invitationId, {
        decision: decided.decision,
        by: decided.by,
      });
      return true;
    },
    settle: (intent) => deps.invitations.settleDecision(intent.partnerId, intent.invitationId),
  });
}
