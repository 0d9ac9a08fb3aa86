/** The partner switch's strings (locales/switch) through the shared placeholder rules of i18n.ts. */
import type { Locale } from "../domain/model";
import { featureMessages } from "./i18n";
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

export const switchMessages = featureMessages(SWITCH_CATALOGS);

export const st = switchMessages.text;
export const stHtml = switchMessages.markup;
