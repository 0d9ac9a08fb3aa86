import { z } from "zod";
import { MIGRATION_STATUSES, SUBSCRIPTION_STATUSES } from "../../domain/subscriptions/model";

/** Inputs and results of the migration activities (the orchestrators parse results with these). */
export const migrationRefSchema = z.object({ migrationId: z.string(), partnerId: z.string() }).strict();
export type MigrationRef = z.infer<typeof migrationRefSchema>;

export const readMigrationStateResultSchema = z.object({
  status: z.enum(MIGRATION_STATUSES),
  /** atTermEnd: the term end it waits for, after following the subscription's current one. */
  notBefore: z.string().optional(),
  subscriptionStatus: z.enum(SUBSCRIPTION_STATUSES).optional(),
  remindersSent: z.array(z.string()),
});
export type ReadMigrationStateResult = z.infer<typeof readMigrationStateResultSchema>;

/** `at`: the orchestration's own time, so a replayed or retried activity decides the same. */
export const sendReminderInputSchema = migrationRefSchema.extend({ at: z.string() }).strict();
export const sendReminderResultSchema = z.object({ sent: z.boolean(), key: z.string().optional() });

export const migrationStepResultSchema = z.object({ status: z.enum(MIGRATION_STATUSES) });
export type MigrationStepResult = z.infer<typeof migrationStepResultSchema>;

export const settleServicesResultSchema = z.object({
  status: z.enum(MIGRATION_STATUSES),
  /** Every service confirmed and cancelled at the source (true when there were none). */
  allCancelled: z.boolean(),
});
export type SettleServicesResult = z.infer<typeof settleServicesResultSchema>;

export const notifyCompletedResultSchema = z.object({ sent: z.number().int() });
