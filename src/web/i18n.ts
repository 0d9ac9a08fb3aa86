/**
 * Locales of the customer-facing pages and emails. Messages are plain strings with `{name}`
 * placeholders so translators never touch markup; `format` fills them for text and `formatHtml`
 * for markup (values escaped there).
 */
import { LOCALES, type Locale } from "../domain/model";
import { html, SafeHtml, type HtmlValue, escapeHtml } from "./escape";
import { en } from "./locales/en";
import { hu } from "./locales/hu";
import { ptBR } from "./locales/pt-BR";
import { zhCN } from "./locales/zh-CN";
import type { Catalog, Message, MessageKey, PluralMessage } from "./locales/catalog";

export { LOCALES, type Locale };
export type { Catalog, Message, MessageKey, PluralMessage };

export const DEFAULT_LOCALE: Locale = "en";

/** A `Locale`, or anything `resolveLocale` understands (a stored value, an Accept-Language header). */
export type LocaleInput = string | null | undefined;

const CATALOGS: Record<Locale, Catalog> = { en, "pt-BR": ptBR, "zh-CN": zhCN, hu };

const BY_LOWERCASE = new Map<string, Locale>(LOCALES.map((l) => [l.toLowerCase(), l]));
// A language we have without the exact region: Portuguese speakers read pt-BR more easily than
// English, and bare or Simplified Chinese is what zh-CN is. Traditional Chinese (zh-TW, zh-HK,
// zh-Hant) is deliberately not mapped to Simplified; it falls to the next preference.
const BY_LANGUAGE = new Map<string, Locale>([
  ["en", "en"],
  ["pt", "pt-BR"],
  ["hu", "hu"],
  ["zh", "zh-CN"],
]);
const TRADITIONAL_CHINESE = /^zh-(tw|hk|mo|hant)(-|$)/;

function matchTag(rawTag: string): Locale | undefined {
  const tag = rawTag.trim().replace(/_/g, "-").toLowerCase();
  if (tag === "" || tag === "*") return undefined;
  const exact = BY_LOWERCASE.get(tag);
  if (exact) return exact;
  if (TRADITIONAL_CHINESE.test(tag)) return undefined;
  return BY_LANGUAGE.get(tag.split("-")[0] ?? "");
}

/**
 * The locale to render in: accepts a stored locale ("pt-BR", any case, "_" or "-"), a language
 * ("pt", "zh-Hans-CN") or an Accept-Language header ("pt-BR,pt;q=0.9,en;q=0.8"), honouring q
 * values. Anything unknown, empty or malformed is English.
 */
export function resolveLocale(input?: LocaleInput): Locale {
  if (typeof input !== "string" || input.length > 1000) return DEFAULT_LOCALE;
  const ranges = input
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.split(";");
      // A range whose q is present but not a number in 0..1 is malformed and ignored.
      const q = params.map((p) => /^\s*q\s*=(.*)$/i.exec(p)?.[1]?.trim()).find((v) => v !== undefined);
      const quality = q === undefined ? 1 : /^[01](\.\d{0,3})?$/.test(q) ? Number(q) : 0;
      return { tag, quality: quality <= 1 ? quality : 0, index };
    })
    .filter((r) => r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const range of ranges) {
    const locale = matchTag(range.tag);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export function catalog(locale: Locale): Catalog {
  return CATALOGS[locale];
}

/** One `make(locale)` per locale, made on first use: building an Intl object costs far more than using it. */
function perLocale<T>(make: (locale: Locale) => T): (locale: Locale) => T {
  const made = new Map<Locale, T>();
  return (locale) => {
    let value = made.get(locale);
    if (value === undefined) {
      value = make(locale);
      made.set(locale, value);
    }
    return value;
  };
}

const dateFormat = perLocale(
  (locale) => new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }),
);
const numberFormat = perLocale((locale) => new Intl.NumberFormat(locale));
const pluralRules = perLocale((locale) => new Intl.PluralRules(locale));

/** A date in the reader's language, e.g. "21 de novembro de 2026"; the calendar day in UTC. */
export function formatDate(locale: Locale, value: string | Date): string {
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new TypeError("formatDate needs a valid date.");
  return dateFormat(locale).format(date);
}

export function formatNumber(locale: Locale, value: number): string {
  return numberFormat(locale).format(value);
}

function pick(locale: Locale, key: MessageKey, count: number | undefined): string {
  const message: Message = CATALOGS[locale][key];
  if (typeof message === "string") return message;
  const category = pluralRules(locale).select(count ?? 0);
  return category === "one" ? message.one : message.other;
}

type Part = { text: string } | { name: string };

function parts(template: string): Part[] {
  return template
    .split(/(\{[a-zA-Z]+\})/)
    .filter((p) => p !== "")
    .map((p) => (/^\{[a-zA-Z]+\}$/.test(p) ? { name: p.slice(1, -1) } : { text: p }));
}

/** A message as plain text (emails' text part, subjects, titles); values are not escaped. */
export function format(
  locale: Locale,
  key: MessageKey,
  values: Record<string, string | number> = {},
): string {
  const count = typeof values.count === "number" ? values.count : undefined;
  return fillText(locale, pick(locale, key, count), values, key);
}

/**
 * A template of another catalog (a feature's own strings, e.g. locales/switch) as plain text, with
 * the same placeholder rules as `format`.
 */
export function fillText(
  locale: Locale,
  template: string,
  values: Record<string, string | number> = {},
  name = "template",
): string {
  return parts(template)
    .map((p) => {
      if ("text" in p) return p.text;
      const value = values[p.name];
      if (value === undefined) throw new Error(`Message ${name} needs a value for {${p.name}}.`);
      return p.name === "count" && typeof value === "number" ? formatNumber(locale, value) : String(value);
    })
    .join("");
}

/**
 * A message as markup: the template text and string values are escaped; `SafeHtml` values (for
 * example `html\`<strong>${name}</strong>\``) are inserted as they are.
 */
export function formatHtml(
  locale: Locale,
  key: MessageKey,
  values: Record<string, HtmlValue> = {},
): SafeHtml {
  const count = typeof values.count === "number" ? values.count : undefined;
  return fillHtml(locale, pick(locale, key, count), values, key);
}

/** `fillText` as markup, escaping as `formatHtml` does. */
export function fillHtml(
  locale: Locale,
  template: string,
  values: Record<string, HtmlValue> = {},
  name = "template",
): SafeHtml {
  const rendered = parts(template).map((p) => {
    if ("text" in p) return escapeHtml(p.text);
    const value = values[p.name];
    if (value === undefined) throw new Error(`Message ${name} needs a value for {${p.name}}.`);
    if (p.name === "count" && typeof value === "number") return escapeHtml(formatNumber(locale, value));
    return html`${value}`.toString();
  });
  return SafeHtml.trusted(rendered.join(""));
}

/** A feature's own catalog (e.g. locales/switch), read with the placeholder rules above. */
export interface FeatureMessages<K extends string> {
  readonly text: (locale: Locale, key: K, values?: Record<string, string | number>) => string;
  readonly markup: (locale: Locale, key: K, values?: Record<string, HtmlValue>) => SafeHtml;
}

export function featureMessages<K extends string>(
  catalogs: Readonly<Record<Locale, Readonly<Record<K, string>>>>,
): FeatureMessages<K> {
  return {
    text: (locale, key, values = {}) => fillText(locale, catalogs[locale][key], values, key),
    markup: (locale, key, values = {}) => fillHtml(locale, catalogs[locale][key], values, key),
  };
}
