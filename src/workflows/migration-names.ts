import { z } from "zod";
import { actorSchema } from "../domain/schemas";
import { MIGRATION_STRATEGIES, type MigrationStrategy } from "../domain/subscriptions/model";

/**
 * The names every migration party agrees on: one orchestration per strategy (instance id = the
 * migration id) and one external event that carries every MigrationSignal. The orchestrators live
 * beside this file; the durable adapter and the composition root import the names from here.
 */
export const MIGRATION_ORCHESTRATIONS = {
  atTermEnd: "migrationAtTermEnd",
  newAzureSubscription: "migrationNewAzureSubscription",
  partnerSwitch: "migrationPartnerSwitch",
} as const satisfies Record<MigrationStrategy, string>;

/** Raised with a MigrationSignal payload; the orchestration re-reads its documents and decides. */
export const MIGRATION_SIGNAL_EVENT = "MigrationSignal";

export const migrationOrchestrationInputSchema = z
  .object({
    migrationId: z.string().min(1).max(200),
    partnerId: z.string().min(1).max(200),
    strategy: z.enum(MIGRATION_STRATEGIES),
  })
  .strict();
export type MigrationOrchestrationInput = z.infer<typeof migrationOrchestrationInputSchema>;

/** The zod twin of MigrationSignal (src/application/subscriptions/ports.ts), parsed where it arrives. */
export const migrationSignalSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("termEndChanged"), termEnd: z.string() }),
  z.object({ kind: z.literal("cancelledAtSource") }),
  z.object({ kind: z.literal("serviceMoved"), serviceId: z.string() }),
  z.object({
    kind: z.literal("approval"),
    party: z.enum(["customer", "currentPartner"]),
    decision: z.enum(["approved", "declined"]),
  }),
  z.object({ kind: z.literal("cancelled"), by: actorSchema }),
  z.object({ kind: z.literal("termEndDue") }),
]);
