import type { en } from "./en";

// The catalog's shape lives beside the catalogs, not in i18n.ts, so a translation never imports the
// module that imports it.
export interface PluralMessage {
  readonly one: string;
  readonly other: string;
}
export type Message = string | PluralMessage;
export type MessageKey = keyof typeof en;
/** A translation: every key of the English catalog, plural where English is plural. */
export type Catalog = {
  readonly [K in MessageKey]: (typeof en)[K] extends PluralMessage ? PluralMessage : string;
};
