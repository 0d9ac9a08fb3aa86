import { createHash } from "node:crypto";
import { z } from "zod";
import type { Subscription } from "./model";
import { termEndIndexDay, termEndReminders, utcDay } from "./term";

/**
 * The daily term-end sweep's pure parts (docs/migrations.md "The term-end sweep"): which index
 * entries a subscription has, which days a run walks, and which entries deserve a signal. The sweep
 * reads only the due day's partition, so its cost follows what is due, not what exists.
 */

const DAY_MS = 86_400_000;

export const TERM_END_INDEX_KINDS = ["reminder30", "reminder7", "termEnd"] as const;
export type TermEndIndexKind = (typeof TERM_END_INDEX_KINDS)[number];

/** Entries outlive their day by this much, longer than any catch-up, then Cosmos deletes them. */
export const TERM_END_INDEX_TTL_SECONDS = 90 * 24 * 3600;
/** A run catches up at most this many missed days; older ones are past any use. */
export const MAX_SWEEP_CATCH_UP_DAYS = 31;

export const termEndIndexEntrySchema = z.object({
  id: z.string(),
  /** The partition key: the UTC day the entry is due. */
  day: z.string(),
  kind: z.enum(TERM_END_INDEX_KINDS),
  customerTenantId: z.string(),
  partnerId: z.string(),
  subscriptionId: z.string(),
  termEnd: z.string(),
});
export type TermEndIndexEntry = z.infer<typeof termEndIndexEntrySchema>;

type Indexed = Pick<Subscription, "customerTenantId" | "partnerId" | "id" | "termEnd">;

/**
 * The entries of a license subscription's term end: one per reminder day and one on the term-end day.
 * Ids derive from the subscription and the term end, so rewriting them is idempotent and a moved term
 * end gets new entries (the old ones are stale, never wrong: shouldSignal compares the term end).
 */
export function termEndIndexEntries(subscription: Indexed): TermEndIndexEntry[] {
  const termEnd = subscription.termEnd;
  if (termEnd === undefined) return [];
  const base = {
    customerTenantId: subscription.customerTenantId,
    partnerId: subscription.partnerId,
    subscriptionId: subscription.id,
    termEnd,
  };
  const entry = (kind: TermEndIndexKind, day: string): TermEndIndexEntry => ({
    id: createHash("sha256")
      .update(
        `${base.customerTenantId}\n${base.partnerId}\n${base.subscriptionId}\n${termEnd}\n${kind}`,
        "utf8",
      )
      .digest("hex"),
    day,
    kind,
    ...base,
  });
  return [
    ...termEndReminders(termEnd).map((r) =>
      entry(r.daysBefore === 30 ? "reminder30" : "reminder7", utcDay(r.dueAt)),
    ),
    entry("termEnd", termEndIndexDay(termEnd)),
  ];
}

export const sweepCheckpointSchema = z.object({
  /** The last day whose entries were all signalled. */
  lastCompletedDay: z.string().optional(),
  /** A day in progress and the query continuation to resume it with. */
  day: z.string().optional(),
  continuation: z.string().optional(),
  updatedAt: z.string(),
});
export type SweepCheckpoint = z.infer<typeof sweepCheckpointSchema>;

const nextDay = (day: string): string => utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));

/**
 * The days a run walks, oldest first, with the continuation to resume the first one: the day in
 * progress, else the day after the last completed one, up to today. Without a checkpoint, today only.
 * Catch-up is capped at MAX_SWEEP_CATCH_UP_DAYS days before today.
 */
export function sweepDays(
  checkpoint: SweepCheckpoint | undefined,
  now: Date,
): { days: string[]; continuation?: string } {
  const today = utcDay(now);
  const floor = utcDay(new Date(Date.parse(`${today}T00:00:00Z`) - MAX_SWEEP_CATCH_UP_DAYS * DAY_MS));
  let start = today;
  let continuation: string | undefined;
  if (checkpoint?.day !== undefined) {
    start = checkpoint.day;
    continuation = checkpoint.continuation;
  } else if (checkpoint?.lastCompletedDay !== undefined) {
    start = nextDay(checkpoint.lastCompletedDay);
  }
  if (start < floor) {
    start = floor;
    continuation = undefined;
  }
  const days: string[] = [];
  for (let day = start; day <= today; day = nextDay(day)) days.push(day);
  return continuation === undefined ? { days } : { days, continuation };
}

/**
 * Whether an entry should wake the subscription's migration: the subscription still exists with the
 * same term end and a migration under way (`cancelled` too: the source may be cancelled while its
 * migration waits, and signalling a finished one is harmless). Anything else (moved term end, no migration, already
 * migrated) is a stale or idle entry and is skipped.
 */
export function shouldSignal(
  entry: TermEndIndexEntry,
  subscription: Pick<Subscription, "termEnd" | "status" | "migrationId"> | undefined,
): subscription is Pick<Subscription, "termEnd" | "status"> & { migrationId: string } {
  return (
    subscription !== undefined &&
    subscription.termEnd === entry.termEnd &&
    (subscription.status === "migrating" || subscription.status === "cancelled") &&
    subscription.migrationId !== undefined
  );
}
