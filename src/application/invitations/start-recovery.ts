import type { Clock, InvitationRepository, InvitationWorkflow } from "../ports";

/**
 * A creation stores the invitation together with a start intent, starts the orchestration, then
 * settles the intent. A host that dies in between leaves the intent behind; this sweep, run by a
 * timer (and at host start-up), carries it out: it starts the orchestration unless it exists (the
 * start is idempotent by instance id) and settles the intent. Intents younger than the grace period
 * belong to requests that may still be running, which start their own orchestration.
 */
export const START_RECOVERY_GRACE_MS = 60_000;

/** Intents per query; the sweep queries again until none is left. */
const BATCH = 100;

export interface StartRecoveryDeps {
  clock: Clock;
  invitations: Pick<InvitationRepository, "get" | "pendingStarts" | "settleStart">;
  workflow: Pick<InvitationWorkflow, "start">;
}

export interface DecisionRecoveryDeps {
  invitations: Pick<InvitationRepository, "get" | "pendingDecisions" | "settleDecision">;
  workflow: Pick<InvitationWorkflow, "raiseCustomerDecision">;
}

export interface DecisionRecoveryResult {
  /** Decisions raised again on their orchestration (a finished or missing one counts: nothing to tell). */
  raised: number;
  /** Intents whose invitation is gone or no longer says decided: nothing to tell. */
  dropped: number;
  /** Intents that failed this time; they stay for the next run. */
  failed: number;
}

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
  const result: StartRecoveryResult = { started: 0, dropped: 0, failed: 0 };
  for (;;) {
    const intents = await deps.invitations.pendingStarts(before, BATCH);
    for (const intent of intents) {
      try {
        const stored = await deps.invitations.get(intent.partnerId, intent.invitationId);
        if (stored) {
          await deps.workflow.start({
            invitationId: intent.invitationId,
            partnerId: intent.partnerId,
            outcomeFromEvents: true,
          });
        }
        await deps.invitations.settleStart(intent.partnerId, intent.invitationId);
        if (stored) result.started++;
        else result.dropped++;
      } catch {
        // One intent that cannot be carried out now (backend throttling, say) must not hold up the
        // others; it stays, and the next run tries it again.
        result.failed++;
      }
    }
    // A batch with failures would be read again as it is: leave it to the next run.
    if (intents.length < BATCH || result.failed > 0) return result;
  }
}

/**
 * A customer's decision is stored with a decision intent, the event raised, then the intent settled.
 * A host that dies in between leaves the intent; the customer's retry gets 410 and cannot help, so
 * this sweep (start-up and timer) raises the event again. No grace period, unlike starts: the
 * orchestration reads the document on any decision event, so a second event (from a request still
 * running, or to an instance already finished) changes nothing.
 */
export async function recoverInvitationDecisions(
  deps: DecisionRecoveryDeps,
): Promise<DecisionRecoveryResult> {
  const result: DecisionRecoveryResult = { raised: 0, dropped: 0, failed: 0 };
  for (;;) {
    const intents = await deps.invitations.pendingDecisions(BATCH);
    for (const intent of intents) {
      try {
        const stored = await deps.invitations.get(intent.partnerId, intent.invitationId);
        const invitation = stored?.value;
        const decided =
          invitation && (invitation.status === "accepted" || invitation.status === "declined")
            ? { decision: invitation.status, by: invitation.decidedBy }
            : undefined;
        if (decided?.by) {
          await deps.workflow.raiseCustomerDecision(intent.invitationId, {
            decision: decided.decision,
            by: decided.by,
          });
        }
        await deps.invitations.settleDecision(intent.partnerId, intent.invitationId);
        if (decided?.by) result.raised++;
        else result.dropped++;
      } catch {
        result.failed++;
      }
    }
    if (intents.length < BATCH || result.failed > 0) return result;
  }
}
