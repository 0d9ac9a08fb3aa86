/**
 * Route templates as the Functions host understands them (ASP.NET attribute-route syntax):
 * literals, `{name}`, `{name?}`, `{name:constraint}`, `{*rest}` / `{**rest}`, and segments mixing
 * literals with parameters (`{file}.{ext}`). Literals match case-insensitively, like the host.
 */

type Constraint = (value: string) => boolean;

interface ParamPart {
  kind: "param";
  name: string;
  optional: boolean;
  catchAll: boolean;
  constraints: Constraint[];
}

type Part = { kind: "literal"; text: string } | ParamPart;

interface Segment {
  parts: Part[];
  /** Precedence rank of the segment: lower wins (literal < complex < constrained < plain < optional < catch-all). */
  rank: number;
  /** For segments that are not a single parameter: anchored regex with one group per parameter. */
  regex?: RegExp;
}

export interface CompiledRoute<T> {
  template: string;
  segments: Segment[];
  methods: Set<string> | undefined;
  target: T;
}

export interface RouteMatch<T> {
  route: CompiledRoute<T>;
  params: Record<string, string>;
}

const CONSTRAINTS: Record<string, (arg?: string) => Constraint> = {
  int: () => (v) => /^-?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: () => (v) => /^-?\d+$/.test(v),
  bool: () => (v) => /^(true|false)$/i.test(v),
  guid: () => (v) => /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i.test(v),
  alpha: () => (v) => /^[a-z]+$/i.test(v),
  double: () => (v) => v.trim() !== "" && Number.isFinite(Number(v)),
  float: () => (v) => v.trim() !== "" && Number.isFinite(Number(v)),
  decimal: () => (v) => /^-?\d+(\.\d+)?$/.test(v),
  datetime: () => (v) => !Number.isNaN(Date.parse(v)),
  min: (a) => (v) => /^-?\d+$/.test(v) && Number(v) >= Number(a),
  max: (a) => (v) => /^-?\d+$/.test(v) && Number(v) <= Number(a),
  range: (a) => {
    const [lo, hi] = (a ?? "").split(",").map((s) => Number(s.trim()));
    return (v) => /^-?\d+$/.test(v) && Number(v) >= (lo ?? -Infinity) && Number(v) <= (hi ?? Infinity);
  },
  minlength: (a) => (v) => v.length >= Number(a),
  maxlength: (a) => (v) => v.length <= Number(a),
  length: (a) => {
    const [lo, hi] = (a ?? "").split(",").map((s) => Number(s.trim()));
    return hi === undefined ? (v) => v.length === lo : (v) => v.length >= (lo ?? 0) && v.length <= hi;
  },
  regex: (a) => {
    // Route templates escape braces by doubling them ({{ and }}).
    const re = new RegExp((a ?? "").replace(/\{\{/g, "{").replace(/\}\}/g, "}"), "i");
    return (v) => re.test(v);
  },
};

function parseParam(body: string, template: string): ParamPart {
  let text = body;
  let catchAll = false;
  if (text.startsWith("**")) {
    catchAll = true;
    text = text.slice(2);
  } else if (text.startsWith("*")) {
    catchAll = true;
    text = text.slice(1);
  }
  // name[:constraint[(arg)]]*[?]; constraint args may contain ':' only inside parentheses.
  const nameMatch = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
  if (!nameMatch?.[1]) throw new Error(`Route "${template}": bad parameter "{${body}}".`);
  const name = nameMatch[1];
  let rest = text.slice(name.length);
  let optional = false;
  if (rest.endsWith("?")) {
    optional = true;
    rest = rest.slice(0, -1);
  }
  const constraints: Constraint[] = [];
  while (rest.startsWith(":")) {
    rest = rest.slice(1);
    const m = /^([A-Za-z]+)/.exec(rest);
    if (!m?.[1]) throw new Error(`Route "${template}": bad constraint in "{${body}}".`);
    const cname = m[1].toLowerCase();
    rest = rest.slice(m[1].length);
    let arg: string | undefined;
    if (rest.startsWith("(")) {
      let depth = 0;
      let i = 0;
      for (; i < rest.length; i++) {
        if (rest[i] === "(") depth++;
        else if (rest[i] === ")" && --depth === 0) break;
      }
      arg = rest.slice(1, i);
      rest = rest.slice(i + 1);
    }
    const factory = CONSTRAINTS[cname];
    if (!factory) throw new Error(`Route "${template}": unknown constraint "${cname}".`);
    constraints.push(factory(arg));
  }
  if (rest.startsWith("=")) {
    throw new Error(`Route "${template}": default values ("{${body}}") are not supported by the local host.`);
  }
  if (rest !== "") throw new Error(`Route "${template}": bad parameter "{${body}}".`);
  return { kind: "param", name, optional, catchAll, constraints };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/** Splits a template into segments, keeping '/' inside `{...}` (regex constraints) intact. */
function splitTemplate(template: string): string[] {
  const segments: string[] = [];
  let current = "";
  let depth = 0;
  for (const ch of template) {
    if (ch === "{") depth++;
    else if (ch === "}") depth = Math.max(0, depth - 1);
    if (ch === "/" && depth === 0) {
      if (current !== "") segments.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current !== "") segments.push(current);
  return segments;
}

function parseSegment(text: string, template: string): Segment {
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "{") {
      // Braces inside a regex constraint argument nest.
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      if (j >= text.length) throw new Error(`Route "${template}": unclosed "{".`);
      parts.push(parseParam(text.slice(i + 1, j), template));
      i = j + 1;
    } else {
      const next = text.indexOf("{", i);
      const end = next === -1 ? text.length : next;
      parts.push({ kind: "literal", text: text.slice(i, end) });
      i = end;
    }
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.kind === "literal") return { parts, rank: 0 };
  if (only?.kind === "param") {
    const rank = only.catchAll ? 5 : only.optional ? 4 : only.constraints.length > 0 ? 2 : 3;
    return { parts, rank };
  }
  // Complex segment: literal text pins it down more than a lone parameter does.
  if (parts.some((p) => p.kind === "param" && p.catchAll)) {
    throw new Error(`Route "${template}": a catch-all parameter must be a whole segment.`);
  }
  const source = parts
    .map((p) => (p.kind === "literal" ? escapeRegex(p.text) : p.optional ? "(.*?)" : "(.+?)"))
    .join("");
  return { parts, rank: 1, regex: new RegExp(`^${source}$`, "i") };
}

export function compileRoute<T>(
  template: string,
  methods: string[] | undefined,
  target: T,
): CompiledRoute<T> {
  const segments = splitTemplate(template).map((s) => parseSegment(s, template));
  segments.forEach((segment, index) => {
    const isLast = index === segments.length - 1;
    const lone = segment.parts.length === 1 ? segment.parts[0] : undefined;
    if (lone?.kind === "param" && lone.catchAll && !isLast) {
      throw new Error(`Route "${template}": a catch-all parameter must be the last segment.`);
    }
    if (lone?.kind === "param" && lone.optional && !isLast) {
      // Optional parameters are only valid at the end (each later segment must be optional too).
      const later = segments.slice(index + 1);
      const allOptional = later.every((s) => {
        const p = s.parts.length === 1 ? s.parts[0] : undefined;
        return p?.kind === "param" && (p.optional || p.catchAll);
      });
      if (!allOptional) throw new Error(`Route "${template}": an optional parameter must be at the end.`);
    }
  });
  return {
    template,
    segments,
    methods: methods && methods.length > 0 ? new Set(methods.map((m) => m.toUpperCase())) : undefined,
    target,
  };
}

function matchRoute<T>(route: CompiledRoute<T>, pathSegments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const segs = route.segments;
  for (let i = 0; i < segs.length; i++) {
    const segment = segs[i] as Segment;
    const value = pathSegments[i];
    const lone = segment.parts.length === 1 ? segment.parts[0] : undefined;
    if (lone?.kind === "param" && lone.catchAll) {
      const rest = pathSegments.slice(i).join("/");
      if (rest === "") return params;
      if (!lone.constraints.every((c) => c(rest))) return undefined;
      params[lone.name] = rest;
      return params;
    }
    if (value === undefined) {
      // Path ran out: fine only if every remaining segment is optional.
      const remaining = segs.slice(i);
      const ok = remaining.every((s) => {
        const p = s.parts.length === 1 ? s.parts[0] : undefined;
        return p?.kind === "param" && (p.optional || p.catchAll);
      });
      return ok ? params : undefined;
    }
    if (lone?.kind === "literal") {
      if (lone.text.toLowerCase() !== value.toLowerCase()) return undefined;
    } else if (lone?.kind === "param") {
      if (!lone.constraints.every((c) => c(value))) return undefined;
      params[lone.name] = value;
    } else {
      const m = segment.regex?.exec(value);
      if (!m) return undefined;
      let group = 1;
      for (const part of segment.parts) {
        if (part.kind !== "param") continue;
        const v = m[group++] ?? "";
        if (!part.optional && v === "") return undefined;
        if (v !== "" && !part.constraints.every((c) => c(v))) return undefined;
        if (v !== "") params[part.name] = v;
      }
    }
  }
  return pathSegments.length === segs.length ? params : undefined;
}

function compareRoutes<T>(a: CompiledRoute<T>, b: CompiledRoute<T>): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    // A route that ends earlier is compared as if followed by an empty (most specific) position.
    const ra = a.segments[i]?.rank ?? -1;
    const rb = b.segments[i]?.rank ?? -1;
    if (ra !== rb) return ra - rb;
  }
  return a.template.localeCompare(b.template);
}

export type RouteResult<T> =
  | { kind: "match"; match: RouteMatch<T> }
  | { kind: "methodNotAllowed"; allow: string[] }
  | { kind: "notFound" };

/** The app's routes in precedence order: specific routes beat parameters, parameters beat catch-alls. */
export class RouteTable<T> {
  private routes: CompiledRoute<T>[] = [];

  add(route: CompiledRoute<T>): void {
    const clash = this.routes.find(
      (r) =>
        r.template.toLowerCase() === route.template.toLowerCase() &&
        (!r.methods || !route.methods || [...route.methods].some((m) => r.methods?.has(m))),
    );
    if (clash) {
      throw new Error(`Route "${route.template}" is registered twice with overlapping methods.`);
    }
    this.routes.push(route);
    this.routes.sort(compareRoutes);
  }

  get size(): number {
    return this.routes.length;
  }

  list(): readonly CompiledRoute<T>[] {
    return this.routes;
  }

  /** `path` is the URL path without query; segments are percent-decoded after splitting. */
  resolve(method: string, path: string): RouteResult<T> {
    let segments: string[];
    try {
      segments = splitPath(path).map((s) => decodeURIComponent(s));
    } catch {
      return { kind: "notFound" };
    }
    const upper = method.toUpperCase();
    const allow = new Set<string>();
    for (const route of this.routes) {
      const params = matchRoute(route, segments);
      if (!params) continue;
      if (!route.methods || route.methods.has(upper)) return { kind: "match", match: { route, params } };
      for (const m of route.methods) allow.add(m);
    }
    if (allow.size > 0) return { kind: "methodNotAllowed", allow: [...allow].sort() };
    return { kind: "notFound" };
  }
}

/** `prefix` + template, as the host builds the final route ("" prefix = no prefix). */
export function joinRoute(prefix: string, template: string): string {
  const parts = [prefix, template].map((p) => p.replace(/^\/+|\/+$/g, "")).filter((p) => p !== "");
  return parts.join("/");
}
