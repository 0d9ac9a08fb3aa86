import type { TimerHandler } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import { durableMigrationWorkflows } from "../src/adapters/durable/migration-workflows";
import { timerFunction } from "../src/adapters/durable/registration";
import {
  recoverInvitationDecisions,
  recoverInvitationStarts,
  type DecisionRecoveryDeps,
  type StartRecoveryDeps,
} from "../src/application/invitations/start-recovery";
import {
  recoverSwitchAnswers,
  type SwitchAnswerRecoveryDeps,
} from "../src/application/migrations/partner-switch";
import { durableInvitationWorkflow } from "./invitations";

export const INVITATION_START_RECOVERY_FUNCTION = "invitationStartRecovery";

export interface InvitationStartRecoveryDependencies extends Omit<
  StartRecoveryDeps,
  "workflow" | "invitations"
> {
  invitations: StartRecoveryDeps["invitations"] & DecisionRecoveryDeps["invitations"];
  /** R19: the partner switches' answer intents, swept in the same run. */
  migrations: SwitchAnswerRecoveryDeps["migrations"];
  /** INVITATION_START_RECOVERY_SCHEDULE (six-field NCRONTAB). */
  schedule: string;
}

export function makeInvitationStartRecoveryHandler(deps: InvitationStartRecoveryDependencies): TimerHandler {
  return async (_timer, context) => {
    const workflow = durableInvitationWorkflow(context);
    const result = await recoverInvitationStarts({ ...deps, workflow });
    if (result.started + result.dropped + result.failed > 0) {
      context.warn(
        `Invitation start recovery: started ${result.started} orchestration(s) a crash had left unstarted; dropped ${result.dropped} intent(s) without an invitation; ${result.failed} failed and stay for the next run.`,
      );
    }
    // After the starts: an orchestration started just now reads the decision from the document anyway.
    const decisions = await recoverInvitationDecisions({ invitations: deps.invitations, workflow });
    if (decisions.raised + decisions.dropped + decisions.failed > 0) {
      context.warn(
        `Invitation decision recovery: raised ${decisions.raised} customer decision(s) a crash had left untold; dropped ${decisions.dropped}; ${decisions.failed} failed and stay for the next run.`,
      );
    }
    const answers = await recoverSwitchAnswers({
      migrations: deps.migrations,
      workflows: durableMigrationWorkflows(durableClientOf(context)),
    });
    if (answers.raised + answers.dropped + answers.failed > 0) {
      context.warn(
        `Partner switch answer recovery: raised ${answers.raised} answer(s) a crash had left untold; dropped ${answers.dropped}; ${answers.failed} failed and stay for the next run.`,
      );
    }
  };
}

/**
 * Every invitation stored has its orchestration started, and every customer decision and partner
 * switch answer stored reaches its orchestration, whatever crashed in between: a timer (and the
 * host's start-up) sweeps the start intents older than a grace period, then the decision intents,
 * then the switch answer intents (application/event-intents.ts).
 */
export const invitationStartRecoveryFunction = timerFunction({
  name: INVITATION_START_RECOVERY_FUNCTION,
  schedule: ({ invitationStartRecovery }: { invitationStartRecovery: InvitationStartRecoveryDependencies }) =>
    invitationStartRecovery.schedule,
  runOnStartup: true,
  durableClient: true,
  handler: ({ invitationStartRecovery }) => makeInvitationStartRecoveryHandler(invitationStartRecovery),
});
