import type { TimerHandler } from "@azure/functions";
import { timerFunction } from "../src/adapters/durable/registration";
import {
  recoverInvitationStarts,
  type StartRecoveryDeps,
} from "../src/application/invitations/start-recovery";
import { durableInvitationWorkflow } from "./invitations";

export const INVITATION_START_RECOVERY_FUNCTION = "invitationStartRecovery";

export interface InvitationStartRecoveryDependencies extends Omit<StartRecoveryDeps, "workflow"> {
  /** INVITATION_START_RECOVERY_SCHEDULE (six-field NCRONTAB). */
  schedule: string;
}

export function makeInvitationStartRecoveryHandler(deps: InvitationStartRecoveryDependencies): TimerHandler {
  return async (_timer, context) => {
    const result = await recoverInvitationStarts({ ...deps, workflow: durableInvitationWorkflow(context) });
    if (result.started + result.dropped + result.failed > 0) {
      context.warn(
        `Invitation start recovery: started ${result.started} orchestration(s) a crash had left unstarted; dropped ${result.dropped} intent(s) without an invitation; ${result.failed} failed and stay for the next run.`,
      );
    }
  };
}

/**
 * Every invitation stored has its orchestration started, whatever crashed in between: a timer
 * (and the host's start-up) sweeps the start intents older than a grace period.
 */
export const invitationStartRecoveryFunction = timerFunction({
  name: INVITATION_START_RECOVERY_FUNCTION,
  schedule: ({ invitationStartRecovery }: { invitationStartRecovery: InvitationStartRecoveryDependencies }) =>
    invitationStartRecovery.schedule,
  runOnStartup: true,
  durableClient: true,
  handler: ({ invitationStartRecovery }) => makeInvitationStartRecoveryHandler(invitationStartRecovery),
});
