/** Rule ids of docs/rules.md; a refusal names the rule that refused it. */
export type RuleId = `R${number}`;

export type ErrorKind =
  | "badRequest"
  | "unauthorized"
  | "forbidden"
  | "notFound"
  | "conflict"
  | "gone"
  | "tooLarge"
  | "invalid"
  | "rateLimited";

/**
 * Stable codes for refusals a caller tells apart beyond kind and rule (e.g. the customer's page
 * explains R2's two cases differently). Callers match on these, never on message text.
 */
export const REASON_CODES = [
  "notGlobalAdmin",
  "wrongTenant",
  "invitationNotPending",
  "relationshipNotInForce",
  "concurrentChange",
  "linkNotValid",
  "invalidContinuationToken",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** One of several refusals answered together (see `refuseAll`). */
export interface Violation {
  kind: ErrorKind;
  rule?: RuleId;
  detail: string;
  errors?: FieldError[];
}

export interface FieldError {
  /** JSON path of the field, e.g. "customer.adminEmail". */
  field: string;
  message: string;
}

/**
 * An expected refusal. Everything the API refuses is one of these; the single HTTP mapper turns it
 * into problem+json. Messages must never contain tokens or secrets.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly options: {
      rule?: RuleId;
      reason?: ReasonCode;
      errors?: FieldError[];
      retryAfterSeconds?: number;
      /** Named members added to the problem body (e.g. the `migrationId` a 409 refers to). */
      extensions?: Record<string, string>;
      /** Every refusal when several apply at once; the error itself is the first of them. */
      violations?: Violation[];
    } = {},
  ) {
    super(message);
    this.name = "DomainError";
  }

  get rule(): RuleId | undefined {
    return this.options.rule;
  }

  get reason(): ReasonCode | undefined {
    return this.options.reason;
  }

  /** The same refusal, tagged with a reason code for callers to match on. */
  because(reason: ReasonCode): this {
    this.options.reason = reason;
    return this;
  }
}

export const refuse = {
  forbidden: (message: string, rule?: RuleId) => new DomainError("forbidden", message, rule ? { rule } : {}),
  notFound: (what: string) => new DomainError("notFound", `${what} was not found.`),
  conflict: (message: string, rule?: RuleId) => new DomainError("conflict", message, rule ? { rule } : {}),
  gone: (message: string, rule?: RuleId) => new DomainError("gone", message, rule ? { rule } : {}),
  invalid: (message: string, errors: FieldError[], rule?: RuleId) =>
    new DomainError("invalid", message, { errors, ...(rule ? { rule } : {}) }),
  unauthorized: (message = "A valid bearer token is required.") => new DomainError("unauthorized", message),
};

/**
 * Runs every check and refuses once with all they refuse, so a caller fixes every problem in one
 * round trip. The first refusal (in the checks' order) gives the answer its kind, rule and detail;
 * `violations` lists each one and `errors` every invalid field. A single refusal is thrown as it is.
 */
export function refuseAll(checks: readonly (() => void)[]): void {
  const refusals: DomainError[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refusals.push(error);
    }
  }
  const [first, ...more] = refusals;
  if (!first) return;
  if (more.length === 0) throw first;
  const errors = refusals.flatMap((r) => r.options.errors ?? []);
  throw new DomainError(
    first.kind,
    `${first.message} (${more.length} more problem${more.length === 1 ? "" : "s"}: see violations)`,
    {
      ...first.options,
      ...(errors.length > 0 ? { errors } : {}),
      violations: refusals.map((r) => ({
        kind: r.kind,
        ...(r.rule ? { rule: r.rule } : {}),
        detail: r.message,
        ...(r.options.errors ? { errors: r.options.errors } : {}),
      })),
    },
  );
}
