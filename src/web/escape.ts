/**
 * Output encoding for the customer pages and emails. Names, domains and emails come from partners
 * (untrusted) and end up in a page a customer's Global Administrator trusts, so every interpolated
 * value goes through here; the `html` tag makes escaping the default rather than something to
 * remember.
 */

// C0/C1 controls except tab, newline and carriage return (those are folded into spaces below).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Bidirectional overrides and isolates let a name render in a different order than it is stored
// ("Trojan Source"): a partner could make its name read like another's. Zero-width joiners stay.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
const LINE_BREAKS = /[\t\n\r\u2028\u2029\u0085]+/g;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes an untrusted single-line value safe to show as text: strips control and bidi-override
 * characters, folds line breaks and tabs into spaces, replaces broken UTF-16 with U+FFFD.
 */
export function cleanText(value: string | number): string {
  return String(value)
    .replace(LONE_SURROGATES, "\uFFFD")
    .replace(LINE_BREAKS, " ")
    .replace(CONTROL_CHARS, "")
    .replace(BIDI_CONTROLS, "");
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Escapes for HTML text and for double- or single-quoted attribute values alike (quotes are always
 * escaped), after `cleanText`. Never use it for unquoted attributes, URLs in `href`, `<script>` or
 * `<style>`: use `safeUrl` for links, and nothing here writes scripts.
 */
export function escapeHtml(value: string | number): string {
  return cleanText(value).replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** Same encoding as `escapeHtml`; a separate name so attribute call sites read as such. */
export const escapeAttribute = escapeHtml;

/** Markup that is already safe (built by `html` or escaped). Only this module and `html` make them. */
export class SafeHtml {
  readonly #markup: string;
  private constructor(markup: string) {
    this.#markup = markup;
  }
  /** @internal Trusted markup only: literal template text of this codebase. */
  static trusted(markup: string): SafeHtml {
    return new SafeHtml(markup);
  }
  toString(): string {
    return this.#markup;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join("");
  return escapeHtml(value as string | number);
}

/**
 * Tagged template for markup: literal parts are trusted, every `${value}` is escaped unless it is
 * `SafeHtml` (nested `html` results). Works in text and quoted attributes; links go via `safeUrl`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return SafeHtml.trusted(out);
}

/** Joins fragments with a separator (the separator is escaped like any value). */
export function joinHtml(values: readonly HtmlValue[], separator: string): SafeHtml {
  return SafeHtml.trusted(values.map(render).join(escapeHtml(separator)));
}

/**
 * Accepts only http(s) URLs and same-origin paths for `href`/`action`, so a `javascript:` or
 * `data:` value can never become a link. Returns the URL escaped for a quoted attribute.
 */
export function safeUrl(url: string): SafeHtml {
  const trimmed = url.trim();
  const isPath = trimmed.startsWith("/") && !trimmed.startsWith("//");
  if (!isPath) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new TypeError("Link must be an absolute http(s) URL or a path starting with '/'.");
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new TypeError("Link must use http or https.");
    }
  }
  // Control characters in a URL are never legitimate; escaping would hide them, refuse instead.
  if (cleanText(trimmed) !== trimmed || /\s/.test(trimmed)) {
    throw new TypeError("Link must not contain whitespace or control characters.");
  }
  return SafeHtml.trusted(escapeAttribute(trimmed));
}

/** Shortens a value for places with practical length limits (email subjects), on code points. */
export function truncate(value: string, maxChars: number): string {
  const chars = Array.from(value);
  return chars.length <= maxChars ? value : `${chars.slice(0, maxChars - 1).join("")}…`;
}
