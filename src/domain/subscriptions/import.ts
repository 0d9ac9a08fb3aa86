import type { z } from "zod";
import { DomainError, refuse, type FieldError, type RuleId } from "../errors";
import type { Partner } from "../model";
import { MAX_IMPORT_ROWS, subscriptionRegistrationSchema, type SubscriptionRegistration } from "./model";
import { canRegister, type RegistrationFacts } from "./plan";

/**
 * `POST /api/customers/{tenantId}/subscriptions/import`: a JSON array of registrations, or `text/csv`
 * with a header row. All or nothing: either every row parses, or the answer lists every invalid row
 * and field (`rows[3].termEnd`, rows counted from 0 like the JSON array's index, so `rows[0]` is the
 * CSV's first line after the header). docs/migrations.md describes the CSV columns.
 */

export type ImportParse =
  { ok: true; rows: SubscriptionRegistration[] } | { ok: false; errors: FieldError[] };

/** The 422 for a failed import. */
export const importRefusal = (errors: FieldError[], rule?: RuleId): DomainError =>
  refuse.invalid("The import is not valid; nothing was registered.", errors, rule);

const CSV_COLUMNS = [
  "id",
  "offer",
  "billing",
  "channel",
  "currentPartnerId",
  "currentPartnerContactEmail",
  "termEnd",
  "termMonths",
  "autoRenew",
  "seats",
  "services",
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = ["id", "offer", "billing", "channel"];

const rowField = (index: number, path: readonly PropertyKey[] = []): string =>
  path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${String(part)}`),
    `rows[${index}]`,
  );

function issuesOf(index: number, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({ field: rowField(index, issue.path), message: issue.message }));
}

/** Validates every row with the registration schema; duplicates within the import are refused too. */
function validateRows(values: readonly unknown[]): ImportParse {
  if (values.length === 0)
    return { ok: false, errors: [{ field: "rows", message: "must hold at least one row" }] };
  if (values.length > MAX_IMPORT_ROWS) {
    return { ok: false, errors: [{ field: "rows", message: `must hold at most ${MAX_IMPORT_ROWS} rows` }] };
  }
  const errors: FieldError[] = [];
  const rows: SubscriptionRegistration[] = [];
  const firstIndexOfId = new Map<string, number>();
  values.forEach((value, index) => {
    const parsed = subscriptionRegistrationSchema.safeParse(value);
    if (!parsed.success) {
      errors.push(...issuesOf(index, parsed.error.issues));
      return;
    }
    const earlier = firstIndexOfId.get(parsed.data.id);
    if (earlier !== undefined) {
      errors.push({ field: rowField(index, ["id"]), message: `repeats rows[${earlier}].id` });
      return;
    }
    firstIndexOfId.set(parsed.data.id, index);
    rows.push(parsed.data);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}

/** The JSON variant: the body is an array of registrations. */
export function parseSubscriptionImportJson(body: unknown): ImportParse {
  if (!Array.isArray(body)) {
    return { ok: false, errors: [{ field: "(body)", message: "must be a JSON array of subscriptions" }] };
  }
  return validateRows(body);
}

export interface CsvRecord {
  fields: string[];
  /** 1-based line where the record starts, for messages. */
  line: number;
}

/**
 * RFC 4180 records: fields separated by commas, records by CRLF or LF; a field in double quotes may
 * hold commas, line breaks and doubled quotes (`""`). A leading byte-order mark is dropped and blank
 * lines are skipped. A quote inside an unquoted field, or text after a closing quote, is an error
 * rather than a guess, so a malformed file is refused instead of silently misread.
 */
export function parseCsv(
  text: string,
): { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string } {
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  let afterQuote = false;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === "" && !afterQuote)) records.push({ fields, line: recordLine });
    fields = [];
    field = "";
    afterQuote = false;
  };
  while (i < src.length) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        afterQuote = true;
        i += 1;
        continue;
      }
      if (c === "\n") line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === ",") {
      fields.push(field);
      field = "";
      afterQuote = false;
      i += 1;
    } else if (c === "\n" || (c === "\r" && src[i + 1] === "\n")) {
      endRecord();
      i += c === "\r" ? 2 : 1;
      line += 1;
      recordLine = line;
    } else if (afterQuote) {
      return { ok: false, line, message: "has text after a closing quote" };
    } else if (c === '"') {
      if (field !== "") return { ok: false, line, message: "has a quote inside an unquoted field" };
      quoted = true;
      i += 1;
    } else {
      field += c;
      i += 1;
    }
  }
  if (quoted) return { ok: false, line: recordLine, message: "has a quoted field that is never closed" };
  if (field !== "" || fields.length > 0 || afterQuote) endRecord();
  return { ok: true, records };
}

type Cell = { value: unknown } | { error: string };

const INTEGER = /^[0-9]+$/;

/** A CSV cell as the JSON value the registration schema expects; an empty cell is an absent field. */
function cellValue(column: CsvColumn, raw: string): Cell | undefined {
  const text = raw.trim();
  if (text === "") return undefined;
  switch (column) {
    case "termMonths":
    case "seats":
      return INTEGER.test(text) ? { value: Number(text) } : { error: "must be a whole number" };
    case "autoRenew": {
      const lower = text.toLowerCase();
      if (lower === "true" || lower === "false") return { value: lower === "true" };
      return { error: "must be true or false" };
    }
    case "services": {
      const services: { id: string; name: string }[] = [];
      for (const part of text.split(";")) {
        if (part.trim() === "") continue;
        const colon = part.indexOf(":");
        if (colon < 0) return { error: "must list services as id:name;id:name" };
        services.push({ id: part.slice(0, colon).trim(), name: part.slice(colon + 1).trim() });
      }
      return { value: services };
    }
    default:
      return { value: text };
  }
}

/** The CSV variant: a header row naming the columns (any order, case-insensitive), then one row each. */
export function parseSubscriptionImportCsv(text: string): ImportParse {
  const parsed = parseCsv(text);
  if (!parsed.ok)
    return { ok: false, errors: [{ field: "(body)", message: `line ${parsed.line} ${parsed.message}` }] };
  const [header, ...records] = parsed.records;
  if (!header)
    return {
      ok: false,
      errors: [{ field: "header", message: "is missing: the first line names the columns" }],
    };

  const errors: FieldError[] = [];
  const columns: CsvColumn[] = [];
  header.fields.forEach((name) => {
    const column = CSV_COLUMNS.find((c) => c.toLowerCase() === name.trim().toLowerCase());
    if (!column) errors.push({ field: "header", message: `names an unknown column "${name.trim()}"` });
    else if (columns.includes(column))
      errors.push({ field: "header", message: `repeats the column ${column}` });
    else columns.push(column);
  });
  for (const required of REQUIRED_CSV_COLUMNS) {
    if (!columns.includes(required))
      errors.push({ field: "header", message: `must include the column ${required}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  if (records.length > MAX_IMPORT_ROWS) {
    return { ok: false, errors: [{ field: "rows", message: `must hold at most ${MAX_IMPORT_ROWS} rows` }] };
  }

  const values: Record<string, unknown>[] = [];
  records.forEach((record, index) => {
    if (record.fields.length !== columns.length) {
      errors.push({
        field: rowField(index),
        message: `has ${record.fields.length} fields on line ${record.line}; the header has ${columns.length}`,
      });
      values.push({});
      return;
    }
    const value: Record<string, unknown> = {};
    columns.forEach((column, c) => {
      const cell = cellValue(column, record.fields[c] ?? "");
      if (cell === undefined) return;
      if ("error" in cell) errors.push({ field: rowField(index, [column]), message: cell.error });
      else value[column] = cell.value;
    });
    values.push(value);
  });
  const validated = validateRows(values);
  if (errors.length === 0) return validated;
  // A cell that did not convert is absent from the row; drop what the schema then says about it.
  const seen = new Set(errors.map((e) => e.field));
  const rest = validated.ok
    ? []
    : validated.errors.filter((e) => !seen.has(e.field) && !seen.has(e.field.replace(/\..*$/, "")));
  return { ok: false, errors: [...errors, ...rest].sort((a, b) => rowNumber(a.field) - rowNumber(b.field)) };
}

/** The row index in `rows[3].x` (Array.prototype.sort is stable, so fields keep their order). */
const rowNumber = (field: string): number => Number(/^rows\[(\d+)\]/.exec(field)?.[1] ?? -1);

/**
 * The partner-dependent rules over a parsed import. R20 and a customer in another cloud concern the
 * whole import (one refusal, 403); vianet outside china (R12) and the own-subscription check concern
 * single rows, so every such row is listed in one 422, like a field error, naming the rule.
 */
export function checkImportRows(
  partner: Pick<Partner, "id" | "cloud">,
  rows: readonly SubscriptionRegistration[],
  facts: RegistrationFacts,
): { ok: true } | { ok: false; error: DomainError } {
  // What concerns the customer rather than a row (R20, the customer's cloud) refuses the whole import.
  const whole = canRegister(partner, { channel: "direct" }, facts);
  if (!whole.ok) return whole;
  const errors: FieldError[] = [];
  let rule: RuleId | undefined;
  for (const [index, row] of rows.entries()) {
    const result = canRegister(partner, row, facts);
    if (result.ok) continue;
    rule ??= result.error.rule;
    const field = result.error.rule === "R12" ? "channel" : "currentPartnerId";
    errors.push({ field: rowField(index, [field]), message: result.error.message });
  }
  return errors.length === 0 ? { ok: true } : { ok: false, error: importRefusal(errors, rule) };
}
