import { randomUUID } from "node:crypto";
import { DomainError } from "../domain/errors";
import type { Actor, AuditRecord, Principal } from "../domain/model";
import type { AuditLog, Clock } from "./ports";

export function partnerActor(principal: Principal): Actor {
  return { kind: "partner", tenantId: principal.tenantId, userId: principal.userId };
}

export function operatorActor(principal: Principal): Actor {
  return { kind: "operator", tenantId: principal.tenantId, userId: principal.userId };
}

export function customerActor(principal: Principal): Actor {
  return { kind: "customer", tenantId: principal.tenantId, userId: principal.userId };
}

export type AuditFields = Omit<AuditRecord, "id" | "at"> & {
  /** When it happened, if not now (a record written after the fact keeps the fact's time). */
  at?: string;
  /**
   * A state change's record has an id derived from what changed, so a retried request writes the
   * same record again (a no-op) rather than a second one.
   */
  id?: string;
};

export async function audit(log: AuditLog, clock: Clock, fields: AuditFields): Promise<void> {
  const entry: AuditRecord = {
    ...fields,
    id: fields.id ?? randomUUID(),
    at: fields.at ?? clock.now().toISOString(),
  };
  await log.record(entry);
}

/**
 * Runs a rule check; a refusal naming a rule is audited (who, when, what, which rule) before it
 * propagates to the caller. Refusals without a rule are plain input errors and are not audited.
 */
export async function auditedCheck(
  log: AuditLog,
  clock: Clock,
  fields: Omit<AuditFields, "outcome" | "rule" | "detail">,
  check: () => void,
): Promise<void> {
  try {
    check();
  } catch (error) {
    if (error instanceof DomainError && error.rule) {
      await audit(log, clock, { ...fields, outcome: "refused", rule: error.rule, detail: error.message });
    }
    throw error;
  }
}
