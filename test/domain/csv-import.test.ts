import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  subscriptionRegistrationSchema,
  type SubscriptionRegistration,
} from "../../src/domain/subscriptions/model";
import {
  checkImportRows,
  parseCsv,
  parseSubscriptionImportCsv,
  parseSubscriptionImportJson,
  type ImportParse,
} from "../../src/domain/subscriptions/import";

const COLUMNS = [
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

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The CSV a partner would write for these rows: every column, empty where absent. */
function toCsv(rows: readonly Record<string, unknown>[], eol = "\r\n"): string {
  const cell = (row: Record<string, unknown>, column: string): string => {
    const value = row[column];
    if (value === undefined) return "";
    if (column === "services") {
      return quote((value as { id: string; name: string }[]).map((s) => `${s.id}:${s.name}`).join(";"));
    }
    return quote(typeof value === "string" ? value : JSON.stringify(value));
  };
  return (
    [COLUMNS.join(","), ...rows.map((row) => COLUMNS.map((c) => cell(row, c)).join(","))].join(eol) + eol
  );
}

const errorsOf = (result: ImportParse) => (result.ok ? [] : result.errors);
const fieldsOf = (result: ImportParse) => errorsOf(result).map((e) => e.field);

const license = {
  id: "sub-1",
  offer: "Microsoft 365 E3",
  billing: "license",
  channel: "ea",
  termEnd: "2027-06-30",
  seats: 25,
  autoRenew: true,
};
const azure = {
  id: "azure-1",
  offer: "Azure plan",
  billing: "usage",
  channel: "csp",
  currentPartnerId: "22222222-2222-4222-8222-222222222222",
  currentPartnerContactEmail: "ops@other.example",
  services: [
    { id: "vm-1", name: "Web: front end" },
    { id: "sql-1", name: "SQL" },
  ],
};

describe("RFC 4180 reader", () => {
  it("reads quoted commas, line breaks and doubled quotes, CRLF or LF, and drops a BOM", () => {
    const text = '\uFEFFa,b\r\n"x, y","line 1\nline 2"\n"say ""hi""",\r\n\r\n';
    const parsed = parseCsv(text);
    expect(parsed.ok && parsed.records.map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["x, y", "line 1\nline 2"],
      ['say "hi"', ""],
    ]);
    expect(parsed.ok && parsed.records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it("reads a last record without a line break", () => {
    const parsed = parseCsv("a,b\n1,2");
    expect(parsed.ok && parsed.records.map((r) => r.fields)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("refuses malformed quoting instead of guessing", () => {
    expect(parseCsv('a,"b\n1,2')).toMatchObject({ ok: false, line: 1 });
    expect(parseCsv('a,b\n1,x"y')).toMatchObject({ ok: false, line: 2 });
    expect(parseCsv('a,b\n"1"x,2')).toMatchObject({ ok: false, line: 2 });
  });
});

describe("subscription import", () => {
  it("R17-R19: a CSV with a header row reads like the JSON array of the same rows", () => {
    const csv = parseSubscriptionImportCsv(toCsv([license, azure], "\n"));
    const json = parseSubscriptionImportJson([license, azure]);
    expect(csv.ok).toBe(true);
    expect(csv).toEqual(json);
    expect(csv.ok && csv.rows[1]?.services).toEqual(azure.services);
    expect(csv.ok && csv.rows[0]?.termEnd).toBe("2027-06-30T00:00:00.000Z");
  });

  it("takes the columns in any order and any case, and only those it needs", () => {
    const result = parseSubscriptionImportCsv("Channel,ID,offer,billing\r\ndirect,a-1,Azure plan,usage\r\n");
    expect(result).toEqual({
      ok: true,
      rows: [{ id: "a-1", offer: "Azure plan", billing: "usage", channel: "direct" }],
    });
  });

  it("R17: lists every invalid row and field at once, and returns no rows", () => {
    const rows = [
      license,
      { ...license, id: "sub-2", termEnd: "" },
      azure,
      { ...license, id: "sub-1", seats: "many" },
    ];
    const result = parseSubscriptionImportCsv(toCsv(rows));
    expect(result.ok).toBe(false);
    expect(fieldsOf(result)).toEqual(["rows[1].termEnd", "rows[3].seats"]);
    const json = parseSubscriptionImportJson([
      license,
      { ...license, id: "sub-2", termEnd: undefined },
      azure,
      license,
    ]);
    expect(fieldsOf(json)).toEqual(["rows[1].termEnd", "rows[3].id"]);
    expect(errorsOf(json)[1]?.message).toBe("repeats rows[0].id");
  });

  it("names the row whose field count differs from the header", () => {
    const result = parseSubscriptionImportCsv("id,offer,billing,channel\na,b,usage,direct\nc,d,usage\n");
    expect(errorsOf(result)).toEqual([
      { field: "rows[1]", message: "has 3 fields on line 3; the header has 4" },
    ]);
  });

  it("refuses unknown, repeated and missing columns", () => {
    const result = parseSubscriptionImportCsv("id,offer,billing,colour,offer\n");
    expect(errorsOf(result).map((e) => e.message)).toEqual([
      'names an unknown column "colour"',
      "repeats the column offer",
      "must include the column channel",
    ]);
  });

  it("refuses a services cell that is not id:name;id:name, and an empty import", () => {
    const result = parseSubscriptionImportCsv("id,offer,billing,channel,services\na,b,usage,direct,vm-1\n");
    expect(errorsOf(result)).toEqual([
      { field: "rows[0].services", message: "must list services as id:name;id:name" },
    ]);
    expect(fieldsOf(parseSubscriptionImportCsv("id,offer,billing,channel\n"))).toEqual(["rows"]);
    expect(fieldsOf(parseSubscriptionImportJson([]))).toEqual(["rows"]);
    expect(fieldsOf(parseSubscriptionImportJson({ items: [] }))).toEqual(["(body)"]);
  });

  it("accepts 500 rows and refuses 501", () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ ...license, id: `sub-${i}` }));
    const five = parseSubscriptionImportCsv(toCsv(rows(500)));
    expect(five.ok && five.rows.length).toBe(500);
    expect(errorsOf(parseSubscriptionImportCsv(toCsv(rows(501))))).toEqual([
      { field: "rows", message: "must hold at most 500 rows" },
    ]);
    expect(fieldsOf(parseSubscriptionImportJson(rows(501)))).toEqual(["rows"]);
  });
});

describe("partner rules over an import", () => {
  const partner = { id: "11111111-1111-4111-8111-111111111111", cloud: "global" as const };
  const rows = (input: unknown[]): SubscriptionRegistration[] =>
    input.map((r) => subscriptionRegistrationSchema.parse(r));

  it("R20: an import without an active reseller relationship is refused as a whole", () => {
    const result = checkImportRows(partner, rows([license]), { hasActiveResellerRelationship: false });
    expect(result.ok ? undefined : [result.error.kind, result.error.rule]).toEqual(["forbidden", "R20"]);
  });

  it("R12: a customer known to be in another cloud refuses the whole import", () => {
    const result = checkImportRows(partner, rows([license]), {
      hasActiveResellerRelationship: true,
      customerCloud: "usgov",
    });
    expect(result.ok ? undefined : [result.error.kind, result.error.rule]).toEqual(["forbidden", "R12"]);
  });

  it("R12: every vianet row outside the china cloud is listed", () => {
    const vianet = (id: string) => ({ ...license, id, channel: "vianet" });
    const result = checkImportRows(partner, rows([vianet("a"), license, vianet("b")]), {
      hasActiveResellerRelationship: true,
    });
    expect(result.ok ? undefined : [result.error.kind, result.error.rule]).toEqual(["invalid", "R12"]);
    expect(result.ok ? [] : result.error.options.errors?.map((e) => e.field)).toEqual([
      "rows[0].channel",
      "rows[2].channel",
    ]);
    expect(
      checkImportRows({ ...partner, cloud: "china" }, rows([vianet("a")]), {
        hasActiveResellerRelationship: true,
      }).ok,
    ).toBe(true);
  });
});

const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/);
const text = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,"'.:()&-]{0,30}$/).map((s) => s.trim());
const nameText = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,"'.:()&-]{0,20}$/).map((s) => s.trim());

const rowArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    id: token,
    offer: text,
    billing: fc.constantFrom("license", "usage"),
    channel: fc.constantFrom("direct", "advisor", "open", "ea", "thirdParty", "vianet", "csp"),
    currentPartnerId: fc.uuid(),
    currentPartnerContactEmail: fc.constantFrom("ops@other.example", "a.b+c@partner.example.com"),
    termEnd: fc
      .date({ min: new Date("2026-01-01"), max: new Date("2035-01-01"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    termMonths: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    autoRenew: fc.option(fc.boolean(), { nil: undefined }),
    seats: fc.integer({ min: 1, max: 100_000 }),
    services: fc.option(
      fc.uniqueArray(fc.record({ id: token, name: nameText }), {
        selector: (s) => s.id,
        minLength: 1,
        maxLength: 4,
      }),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const row: Record<string, unknown> = { id: r.id, offer: r.offer, billing: r.billing, channel: r.channel };
    if (r.channel === "csp") {
      row.currentPartnerId = r.currentPartnerId;
      row.currentPartnerContactEmail = r.currentPartnerContactEmail;
    }
    if (r.autoRenew !== undefined) row.autoRenew = r.autoRenew;
    if (r.billing === "license") {
      row.termEnd = r.termEnd;
      row.seats = r.seats;
      if (r.termMonths !== undefined) row.termMonths = r.termMonths;
    } else if (r.services !== undefined) {
      row.services = r.services;
    }
    return row;
  });

const rowsArb = fc.uniqueArray(rowArb, { selector: (r) => r.id, minLength: 1, maxLength: 20 });

describe("import properties", () => {
  it("R17-R19: generated valid rows written as CSV parse back equal to their JSON import", () => {
    fc.assert(
      fc.property(rowsArb, fc.constantFrom("\r\n", "\n"), (rows, eol) => {
        const csv = parseSubscriptionImportCsv(toCsv(rows, eol));
        expect(csv).toEqual(parseSubscriptionImportJson(rows));
        expect(csv.ok && csv.rows).toEqual(rows.map((r) => subscriptionRegistrationSchema.parse(r)));
      }),
    );
  });

  it("any invalid row fails the whole import and is named", () => {
    const corruptions: [string, unknown][] = [
      ["billing", "rental"],
      ["channel", "shop"],
      ["seats", "many"],
      ["termEnd", "soon"],
      ["autoRenew", "maybe"],
    ];
    fc.assert(
      fc.property(rowsArb, fc.nat(), fc.constantFrom(...corruptions), (rows, pick, [field, bad]) => {
        const index = pick % rows.length;
        const broken = rows.map((r, i) => (i === index ? { ...r, [field]: bad } : r));
        const result = parseSubscriptionImportCsv(toCsv(broken));
        expect(result.ok).toBe(false);
        const fields = fieldsOf(result);
        expect(fields.length).toBeGreaterThan(0);
        expect(fields.every((f) => f.startsWith(`rows[${index}]`))).toBe(true);
        expect(fields).toContain(`rows[${index}].${field}`);
      }),
    );
  });
});
