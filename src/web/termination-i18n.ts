/** The customer termination strings (locales/termination) through the shared placeholder rules of i18n.ts. */
import type { Locale } from "../domain/model";
import { featureMessages } from "./i18n";
import { terminationEn, type TerminationCatalog, type TerminationMessageKey } from "./locales/termination/en";
import { terminationHu } from "./locales/termination/hu";
import { terminationPtBR } from "./locales/termination/pt-BR";
import { terminationZhCN } from "./locales/termination/zh-CN";

export const TERMINATION_CATALOGS: Readonly<Record<Locale, TerminationCatalog>> = {
  en: terminationEn,
  "pt-BR": terminationPtBR,
  "zh-CN": terminationZhCN,
  hu: terminationHu,
};

export type { TerminationMessageKey };

export const terminationMessages = featureMessages(TERMINATION_CATALOGS);

export const tt = terminationMessages.text;
export const ttHtml = terminationMessages.markup;
