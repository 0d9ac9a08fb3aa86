import { GLOBAL_ADMINISTRATOR_ROLE_ID, type RelationshipStatus } from "./model";
import { addDays, DAY_MS } from "./time";

/**
 * The time rules of admin relationships (R6, R7, R8, R9) and invitation reminders, written once:
 * the orchestrations schedule with them, the activities and routes decide with them.
 */

/** R6: auto-extend adds this many days at the end date. */
export const AUTO_EXTEND_DAYS = 180;

/** R7: without auto-extend the partner is reminded this many days before the end. */
export const REMINDER_DAYS_BEFORE_END = [30, 7, 1] as const;
export type ReminderDays = (typeof REMINDER_DAYS_BEFORE_END)[number];

/** Invitations (DOMAIN.md, step 6): the first reminder this long after creation... */
export const FIRST_REMINDER_AFTER_MS = 7 * DAY_MS;
/** ...and the last one this long before expiry. */
export const LAST_REMINDER_BEFORE_EXPIRY_MS = 3 * DAY_MS;

/** Whether roles include Global Administrator (role template ids compare case-insensitively). */
export function includesGlobalAdministrator(roles: readonly string[] | undefined): boolean {
  return (roles ?? []).some((r) => r.toLowerCase() === GLOBAL_ADMINISTRATOR_ROLE_ID);
}

/** R6: auto-extend never applies to a relationship that includes Global Administrator, whatever was stored. */
export function effectiveAutoExtend(relationship: { autoExtend?: boolean; roles?: string[] }): boolean {
  return relationship.autoExtend === true && !includesGlobalAdministrator(relationship.roles);
}

/** R9 (may be terminated) and R8 (an expired one stays expired): the states an admin relationship is in force in. */
export function inForce(status: RelationshipStatus): boolean {
  return status === "active" || status === "expiring";
}

/** R6: the end date after one auto-extension. */
export function extendedEnd(endsAt: string): string {
  return addDays(endsAt, AUTO_EXTEND_DAYS);
}

/** R4: an admin relationship ends its duration after it starts. */
export function adminRelationshipEnd(startsAt: string, durationDays: number): string {
  return addDays(startsAt, durationDays);
}

/**
 * R16: a pending invitation is over once its expiry has passed, whether or not the expiry timer has
 * recorded it yet (a host that was down records it late): nobody may answer or cancel it then.
 */
export function isPastExpiry(invitation: { expiresAt: string }, now: Date): boolean {
  return now.getTime() >= Date.parse(invitation.expiresAt);
}
