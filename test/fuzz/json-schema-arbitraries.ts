import fc from "fast-check";

/**
 * fast-check arbitraries derived from the JSON Schema the OpenAPI document publishes for a request
 * body (itself generated from the zod schema that validates it), so every JSON route is fuzzed from
 * what it enforces: `valid` stays inside the schema (with edge values: bounds, HTML, CR/LF, unicode),
 * `invalid` breaks it in exactly one place and says where.
 */

export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/** One body that breaks the schema, and the JSON path of what breaks it ("" = the body itself). */
export interface InvalidBody {
  body: unknown;
  path: string[];
  how: string;
}

/** Strings every free-text field gets: markup, header injection, unicode edge cases. */
export const HOSTILE_STRINGS = [
  '<script>alert("x")</script>',
  "<img src=x onerror=alert(1)>",
  "Contoso\r\nBcc: attacker@evil.example",
  "line\nbreak",
  "名前 ☃ 🚀 \u202eRTL",
  "Ünïcödé ñ ß",
  "' OR 1=1 --",
  "{{7*7}} ${7*7}",
  "&amp; &lt;",
];

/** Values a pattern may need that fast-check's regex generator cannot produce (lookaheads). */
const BY_FORMAT: Record<string, string[]> = {
  email: ["admin@contoso.example", "a.b+c@sub.fabrikam.example"],
  uuid: ["3f2504e0-4f89-41d3-9a0c-0305e82c3301"],
  uri: ["https://hooks.example.com/csp", "https://example.org/a?b=c"],
  date: ["2031-01-31", "2030-02-28"],
  "date-time": ["2031-01-31T00:00:00.000Z", "2030-06-30T12:00:00Z"],
};
const DOMAINS = ["contoso.example", "sub.fabrikam-1.example"];

export class SchemaArbitraries {
  constructor(private readonly components: Record<string, Schema>) {}

  resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; s.$ref && i < 20; i++) {
      const name = s.$ref.replace("#/components/schemas/", "");
      const target = this.components[name];
      if (!target) throw new Error(`Unknown $ref ${s.$ref}`);
      s = target;
    }
    return s;
  }

  valid(input: Schema): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const alternatives = schema.anyOf ?? schema.oneOf;
    if (alternatives) return fc.oneof(...alternatives.map((s) => this.valid(s)));
    if (schema.allOf?.length === 1) return this.valid(schema.allOf[0]!);
    switch (typeOf(schema)) {
      case "object":
        return this.object(schema);
      case "array": {
        const min = schema.minItems ?? 0;
        const max = Math.min(schema.maxItems ?? 5, Math.max(min, 5));
        return fc.array(this.valid(schema.items ?? {}), { minLength: min, maxLength: max });
      }
      case "string":
        return this.string(schema);
      case "integer":
        return this.number(schema, true);
      case "number":
        return this.number(schema, false);
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private object(schema: Schema): fc.Arbitrary<unknown> {
    const properties = schema.properties ?? {};
    const required = new Set(schema.required ?? []);
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, value] of Object.entries(properties)) record[key] = this.valid(value);
    return fc.record(record, { requiredKeys: [...required].filter((k) => k in properties) });
  }

  private string(schema: Schema): fc.Arbitrary<string> {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? 300;
    const fits = (s: string) => s.length >= min && s.length <= max;
    if (schema.pattern || schema.format) {
      const examples = (schema.format ? BY_FORMAT[schema.format] : undefined) ?? [];
      let generated: fc.Arbitrary<string> | undefined;
      if (schema.pattern) {
        try {
          const re = new RegExp(schema.pattern);
          generated = fc.stringMatching(re).filter((s) => fits(s) && re.test(s));
          fc.sample(generated, 3);
        } catch {
          generated = undefined;
          if (schema.pattern.includes("(?=")) examples.push(...DOMAINS);
        }
      }
      const fixed = examples.filter(
        (e) => fits(e) && (!schema.pattern || new RegExp(schema.pattern).test(e)),
      );
      const options = [
        ...(generated ? [generated] : []),
        ...(fixed.length ? [fc.constantFrom(...fixed)] : []),
      ];
      if (options.length > 0) return fc.oneof(...options);
    }
    const edges = [...HOSTILE_STRINGS, "x".repeat(Math.max(min, 1)), "y".repeat(Math.min(max, 2000))].filter(
      fits,
    );
    return fc.oneof(
      fc.string({ minLength: min, maxLength: Math.min(max, 40) }),
      fc.string({ unit: "grapheme", minLength: min, maxLength: Math.min(max, 20) }).filter(fits),
      ...(edges.length ? [fc.constantFrom(...edges)] : []),
    );
  }

  private number(schema: Schema, integer: boolean): fc.Arbitrary<number> {
    const min =
      schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : undefined);
    const max =
      schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : undefined);
    const lo = min ?? -1e9;
    const hi = max ?? 1e9;
    const bounds = [lo, hi].filter((n) => Number.isFinite(n));
    const arb = integer
      ? fc.integer({ min: Math.max(lo, Number.MIN_SAFE_INTEGER), max: Math.min(hi, Number.MAX_SAFE_INTEGER) })
      : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
    return fc.oneof(arb, fc.constantFrom(...bounds));
  }

  /** Bodies that break the schema in one place each (wrong type, missing, extra, too long, beyond bounds). */
  invalid(input: Schema): fc.Arbitrary<InvalidBody> {
    return this.breaks(input, []);
  }

  private breaks(input: Schema, path: string[]): fc.Arbitrary<InvalidBody> {
    const schema = this.resolve(input);
    const here: fc.Arbitrary<InvalidBody>[] = [];
    const wrongType = fc
      .constantFrom<unknown>(null, 17, "text", true, [], {}, 1.5)
      .filter((v) => !accepts(this, schema, v))
      .map((body) => ({ body, path, how: "wrong type" }));
    here.push(wrongType);
    const type = typeOf(schema);
    if (schema.enum) {
      here.push(
        fc
          .constantFrom("unknown-value", "RESELLER", "", "<b>x</b>")
          .filter((v) => !schema.enum!.includes(v))
          .map((body) => ({ body, path, how: "not in enum" })),
      );
    } else if (type === "string") {
      if (schema.maxLength !== undefined && schema.maxLength < 60_000)
        here.push(fc.constant({ body: "z".repeat(schema.maxLength + 1), path, how: "too long" }));
      if ((schema.minLength ?? 0) > 0) here.push(fc.constant({ body: "", path, how: "too short" }));
      if (schema.pattern || schema.format)
        here.push(
          fc
            .constantFrom("not valid \r\n", "<script>", "../..", "a@", " ")
            .filter((v) => !schema.pattern || !new RegExp(schema.pattern).test(v))
            .map((body) => ({ body, path, how: "does not match" })),
        );
    } else if (type === "integer" || type === "number") {
      if (schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER)
        here.push(fc.constant({ body: schema.minimum - 1, path, how: "below minimum" }));
      if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER)
        here.push(fc.constant({ body: schema.maximum + 1, path, how: "above maximum" }));
      if (type === "integer") here.push(fc.constant({ body: 1.5, path, how: "not an integer" }));
      if (schema.maximum !== undefined && schema.maximum < 1e21)
        here.push(fc.constant({ body: 1e21, path, how: "huge" }));
    } else if (type === "array") {
      if ((schema.minItems ?? 0) > 0) here.push(fc.constant({ body: [], path, how: "too few items" }));
      const item = schema.items;
      if (item) {
        here.push(
          fc
            .tuple(this.valid(item), this.breaks(item, [...path, "0"]))
            .map(([ok, bad]) => ({ body: [bad.body, ok], path: bad.path, how: `item: ${bad.how}` })),
        );
      }
    } else if (type === "object" && schema.properties) {
      const valid = this.object(schema);
      const required = (schema.required ?? []).filter((k) => k in schema.properties!);
      if (required.length > 0) {
        here.push(
          fc.tuple(valid, fc.constantFrom(...required)).map(([body, key]) => {
            const copy = { ...(body as Record<string, unknown>) };
            delete copy[key];
            return { body: copy, path: [...path, key], how: "missing" };
          }),
        );
      }
      if (schema.additionalProperties === false) {
        here.push(
          valid.map((body) => ({
            body: { ...(body as object), __proto_extra__: "<b>x</b>" },
            path,
            how: "extra field",
          })),
        );
      }
      for (const [key, property] of Object.entries(schema.properties)) {
        here.push(
          fc.tuple(valid, this.breaks(property, [...path, key])).map(([body, bad]) => ({
            body: setAt(body, bad.path.slice(path.length), bad.body),
            path: bad.path,
            how: bad.how,
          })),
        );
      }
    }
    return fc.oneof(...here);
  }
}

function typeOf(schema: Schema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  if (schema.type) return schema.type;
  if (schema.properties) return "object";
  return undefined;
}

/** Whether a value could pass the schema's type and enum (to keep "wrong type" really wrong). */
function accepts(arbs: SchemaArbitraries, input: Schema, value: unknown): boolean {
  const schema = arbs.resolve(input);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.some((s) => accepts(arbs, s, value));
  if (schema.enum) return schema.enum.includes(value);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0 && !schema.properties) return true;
  const actual =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "integer"
            : "number"
          : typeof value;
  return (
    types.some((t) => t === actual || (t === "number" && actual === "integer")) ||
    (types.length === 0 && actual === "object")
  );
}

function setAt(body: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(body)) {
    const copy = [...(body as unknown[])];
    copy[Number(head)] = setAt(copy[Number(head)], rest, value);
    return copy;
  }
  const record = { ...((body ?? {}) as Record<string, unknown>) };
  record[head] = setAt(record[head], rest, value);
  return record;
}
