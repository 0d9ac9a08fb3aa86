/**
 * Just enough of Bicep's lexical rules to read the top-level entries of an object literal assigned to a
 * `var` (e.g. a function app's app settings) and the `param` declarations of a file. The Bicep compiler is
 * not available here, so the drift tests read the templates as text; anything this reader cannot follow
 * makes it throw, so a template it misreads fails the test instead of passing it.
 */

export interface BicepEntry {
  key: string;
  /** The value's source text, trimmed (e.g. `'entra'`, `storage.name`). */
  value: string;
}

/** Index just past the string literal starting at `start` (which holds `'`). */
function skipString(src: string, start: number): number {
  if (src.startsWith("'''", start)) {
    const end = src.indexOf("'''", start + 3);
    if (end < 0) throw new Error(`Unterminated multi-line string at ${start}`);
    return end + 3;
  }
  let i = start + 1;
  while (i < src.length) {
    const ch = src[i];
    if (ch === "\\") {
      i += 2;
    } else if (ch === "'") {
      return i + 1;
    } else if (ch === "$" && src[i + 1] === "{") {
      i = skipExpression(src, i + 2, "}");
    } else {
      i++;
    }
  }
  throw new Error(`Unterminated string at ${start}`);
}

/** Index just past the `close` that ends an expression starting at `start`, skipping nested strings. */
function skipExpression(src: string, start: number, close: "}" | ")" | "]"): number {
  const pairs: Record<string, string> = { "{": "}", "(": ")", "[": "]" };
  const stack: string[] = [close];
  let i = start;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === "'") {
      i = skipString(src, i);
      continue;
    }
    if (src.startsWith("//", i)) {
      const nl = src.indexOf("\n", i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    if (src.startsWith("/*", i)) {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new Error(`Unterminated comment at ${i}`);
      i = end + 2;
      continue;
    }
    const opened = pairs[ch];
    if (opened) stack.push(opened);
    else if (ch === "}" || ch === ")" || ch === "]") {
      if (stack.pop() !== ch) throw new Error(`Unbalanced '${ch}' at ${i}`);
      if (stack.length === 0) return i + 1;
    }
    i++;
  }
  throw new Error(`Unterminated expression from ${start}`);
}

const KEY = /^\s*(?:'([^'\\$]+)'|([A-Za-z_][A-Za-z0-9_]*))\s*:/;

/**
 * Top-level entries of `var <name> = { ... }` in `src`, or undefined when the file has no such variable.
 * Entries are one per line (the formatter's style); a line at the top level that is not an entry, a blank
 * line or a comment is an error.
 */
export function bicepVarObjectEntries(src: string, name: string): BicepEntry[] | undefined {
  const decl = new RegExp(`^var\\s+${name}\\s*=\\s*\\{`, "m").exec(src);
  if (!decl) return undefined;
  const open = decl.index + decl[0].length;
  const end = skipExpression(src, open, "}") - 1;
  const body = src.slice(open, end);
  const entries: BicepEntry[] = [];
  let i = 0;
  while (i < body.length) {
    const lineEnd = body.indexOf("\n", i) < 0 ? body.length : body.indexOf("\n", i);
    const line = body.slice(i, lineEnd);
    if (line.trim() === "" || line.trim().startsWith("//")) {
      i = lineEnd + 1;
      continue;
    }
    const m = KEY.exec(line);
    if (!m) throw new Error(`Cannot read the entry on line "${line.trim()}" of var ${name}`);
    const key = (m[1] ?? m[2]) as string;
    // The value runs to the end of the line, or further while brackets/strings stay open.
    let j = i + m[0].length;
    let valueEnd = j;
    while (j < body.length && body[j] !== "\n") {
      const ch = body[j] as string;
      if (ch === "'") j = skipString(body, j);
      else if (ch === "{") j = skipExpression(body, j + 1, "}");
      else if (ch === "(") j = skipExpression(body, j + 1, ")");
      else if (ch === "[") j = skipExpression(body, j + 1, "]");
      else if (body.startsWith("//", j)) break;
      else j++;
      valueEnd = j;
    }
    entries.push({ key, value: body.slice(i + m[0].length, valueEnd).trim() });
    const next = body.indexOf("\n", j);
    i = next < 0 ? body.length : next + 1;
  }
  return entries;
}

export interface BicepParam {
  name: string;
  hasDefault: boolean;
  /** The decorators' source text just above the declaration. */
  decorators: string;
}

/** The `param` declarations of a Bicep file. */
export function bicepParams(src: string): BicepParam[] {
  const params: BicepParam[] = [];
  const lines = src.split("\n");
  let decorators: string[] = [];
  let inDecorator = 0;
  for (const line of lines) {
    const trimmed = line.trim();
    if (inDecorator > 0 || trimmed.startsWith("@")) {
      decorators.push(line);
      for (const ch of trimmed) {
        if (ch === "(" || ch === "{" || ch === "[") inDecorator++;
        if (ch === ")" || ch === "}" || ch === "]") inDecorator--;
      }
      continue;
    }
    const m = /^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+\S+(\s*=)?/.exec(trimmed);
    if (m)
      params.push({ name: m[1] as string, hasDefault: Boolean(m[2]), decorators: decorators.join("\n") });
    if (trimmed !== "" && !trimmed.startsWith("//")) decorators = [];
  }
  return params;
}
