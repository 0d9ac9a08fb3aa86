import { DEFAULT_TERM_MONTHS } from "./model";

/**
 * Term-end arithmetic for license-based subscriptions (R17). Pure: "now" is always passed in (an
 * orchestrator passes currentUtcDateTime, the sweep its trigger time), so replays compute the same.
 */

const DAY_MS = 86_400_000;

/** R17 "the customer and partner are reminded before the term end": 30 and 7 days before. */
export const TERM_END_REMINDER_DAYS = [30, 7] as const;

const toDate = (instant: string | Date): Date => (typeof instant === "string" ? new Date(instant) : instant);

/** The UTC calendar day of an instant, `YYYY-MM-DD`: the key of the sweep's index for that day. */
export function utcDay(instant: string | Date): string {
  return toDate(instant).toISOString().slice(0, 10);
}

/** The sweep index day of a term end (the day the move becomes due). */
export const termEndIndexDay = (termEnd: string): string => utcDay(termEnd);

/**
 * Adds calendar months in UTC, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29), as
 * commercial terms do; the time of day is kept.
 */
export function addMonthsUtc(instant: string, months: number): string {
  const d = new Date(instant);
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.toISOString();
}

/**
 * Where the term would end if the source auto-renews once: termEnd plus one term. The term length is
 * `termMonths` when recorded, else DEFAULT_TERM_MONTHS (an assumption: most such terms are annual).
 */
export function renewedTermEnd(termEnd: string, termMonths: number | undefined): string {
  return addMonthsUtc(termEnd, termMonths ?? DEFAULT_TERM_MONTHS);
}

export interface TermEndReminder {
  /**
   * Identifies the reminder for this very term end; a migration records the keys it sent. A moved
   * term end yields new keys, so its reminders are due again, while each is still sent once.
   */
  key: string;
  daysBefore: number;
  dueAt: string;
  termEnd: string;
}

export const termEndReminderKey = (termEnd: string, daysBefore: number): string =>
  `termEnd:${termEnd}:${daysBefore}d`;

export function termEndReminders(termEnd: string): TermEndReminder[] {
  const end = Date.parse(termEnd);
  return TERM_END_REMINDER_DAYS.map((daysBefore) => ({
    key: termEndReminderKey(termEnd, daysBefore),
    daysBefore,
    dueAt: new Date(end - daysBefore * DAY_MS).toISOString(),
    termEnd,
  }));
}

/**
 * The reminder to send now, if any. Only the nearest due one counts: a migration scheduled 10 days
 * before the term end sends the 7-day reminder when it is due, never a late "30 days left" one, and
 * nothing is sent once the term has ended (the move itself is then due).
 */
export function reminderDue(
  termEnd: string,
  now: Date,
  sent: readonly string[],
): TermEndReminder | undefined {
  if (now.getTime() >= Date.parse(termEnd)) return undefined;
  const due = termEndReminders(termEnd)
    .filter((r) => Date.parse(r.dueAt) <= now.getTime())
    .sort((a, b) => a.daysBefore - b.daysBefore)[0];
  return due && !sent.includes(due.key) ? due : undefined;
}

/** When a waiting atTermEnd orchestration should wake next: the next reminder, else the term end. */
export function nextWakeUp(termEnd: string, now: Date): string {
  const next = termEndReminders(termEnd)
    .map((r) => r.dueAt)
    .filter((at) => Date.parse(at) > now.getTime())
    .sort()[0];
  if (next !== undefined) return next;
  return Date.parse(termEnd) > now.getTime() ? termEnd : now.toISOString();
}

/**
 * The days on which the daily sweep must look at a subscription: each reminder's day and the term
 * end's day, deduplicated and ordered. The sweep index holds one entry per (day, subscription).
 */
export function sweepIndexDays(termEnd: string): string[] {
  const days = [...termEndReminders(termEnd).map((r) => utcDay(r.dueAt)), termEndIndexDay(termEnd)];
  return [...new Set(days)].sort();
}

/** Whole days from `now` until `instant` (negative when past), for messages. */
export function daysUntil(instant: string, now: Date): number {
  return Math.ceil((Date.parse(instant) - now.getTime()) / DAY_MS);
}
