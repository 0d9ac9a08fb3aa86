/** The partner switch's strings (locales/switch) through the shared placeholder rules of i18n.ts. */
import type { Locale } from "../domain/model";
import type { HtmlValue, SafeHtml } from "./escape";
import { fillHtml, fillText } from "./i18n";
import { switchEn, type SwitchCatalog, type SwitchMessageKey } from "./locales/switch/en";
import { switchHu } from "./locales/switch/hu";
import { switchPtBR } from "./locales/switch/pt-BR";
import { switchZhCN } from "./locales/switch/zh-CN";

export const SWITCH_CATALOGS: Readonly<Record<Locale, SwitchCatalog>> = {
  en: switchEn,
  "pt-BR": switchPtBR,
  "zh-CN": switchZhCN,
  hu: switchHu,
};

export type { SwitchMessageKey };

export function st(
  locale: Locale,
  key: SwitchMessageKey,
  values: Record<string, string | number> = {},
): string {
  return fillText(locale, SWITCH_CATALOGS[locale][key], values, key);
}

export function stHtml(
  locale: Locale,
  key: SwitchMessageKey,
  values: Record<string, HtmlValue> = {},
): SafeHtml {
  return fillHtml(locale, SWITCH_CATALOGS[locale][key], values, key);
}
