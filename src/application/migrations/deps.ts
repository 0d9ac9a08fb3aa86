import type { Actor, Principal } from "../../domain/model";
import type {
  MigrationSignal,
  MigrationRepository,
  MigrationWorkflows,
  SubscriptionRepository,
} from "../subscriptions/ports";
import type { AuditLog, Clock, PartnerRepository, RelationshipRepository } from "../ports";
import type { WebhookPublisher } from "../webhooks/ports";

/** What the migration use cases read and write. */
export interface MigrationDeps {
  clock: Clock;
  partners: PartnerRepository;
  relationships: RelationshipRepository;
  subscriptions: SubscriptionRepository;
  migrations: MigrationRepository;
  audit: AuditLog;
  workflows: MigrationWorkflows;
  /** INVITATION_LINK_KEY: a partnerSwitch migration's approval links are derived from it (R15, R16). */
  linkKey: string;
  log?: (message: string) => void;
  /** Announces starts and cancellations to the partner's webhook (docs/webhooks.md); absent: none. */
  webhooks?: WebhookPublisher;
}

export type { Actor, Principal };

/**
 * Tells the orchestration after the document already says what happened. A failed signal is not the
 * caller's failure: the orchestration re-reads the documents whenever it wakes, and the daily sweep
 * signals again, so it converges; one retry covers a momentary hiccup.
 */
export async function signalWithOneRetry(
  deps: Pick<MigrationDeps, "workflows" | "log">,
  migrationId: string,
  signal: MigrationSignal,
): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await deps.workflows.signal(migrationId, signal);
      return;
    } catch (error) {
      if (attempt === 2) {
        deps.log?.(
          `Migration ${migrationId} was not told ${signal.kind} (${error instanceof Error ? error.name : "error"}); it converges when it wakes.`,
        );
      }
    }
  }
}
