/**
 * The emails of R17-R18 migrations (reminders before the term end, the completed move), in the four
 * languages of the invitation emails. Kept beside, not inside, the invitation catalog: its own small
 * catalog per locale (src/web/locales/migrations). Pure, like src/web/emails.ts.
 */
import type { Locale } from "../domain/model";
import type { EmailContent } from "./emails";
import { cleanText, html } from "./escape";
import { formatDate, resolveLocale, type LocaleInput } from "./i18n";
import { migrationEn, type MigrationCatalog } from "./locales/migrations/en";
import { migrationHu } from "./locales/migrations/hu";
import { migrationPtBR } from "./locales/migrations/pt-BR";
import { migrationZhCN } from "./locales/migrations/zh-CN";

const CATALOGS: Record<Locale, MigrationCatalog> = {
  en: migrationEn,
  "pt-BR": migrationPtBR,
  "zh-CN": migrationZhCN,
  hu: migrationHu,
};

export interface MigrationEmailInput {
  locale: LocaleInput;
  partnerName: string;
  customerName: string;
  offer: string;
  subscriptionId: string;
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] === undefined ? whole : String(values[name]),
  );
}

function render(
  locale: Locale,
  subjectKey: keyof MigrationCatalog,
  bodyKey: keyof MigrationCatalog,
  values: Record<string, string | number>,
): EmailContent {
  const catalog = CATALOGS[locale];
  // Names come from partners' input: one line in subjects, escaped in markup.
  const clean = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      typeof v === "string" ? cleanText(v).replace(/\s+/g, " ").trim() : v,
    ]),
  );
  const subject = fill(catalog[subjectKey], clean);
  const body = fill(catalog[bodyKey], clean);
  const markup = html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <title>${subject}</title>
      </head>
      <body style="font-family:'Segoe UI',Roboto,Arial,sans-serif;font-size:16px;line-height:1.55;">
        <p>${catalog.greeting}</p>
        <p>${body}</p>
        <p style="color:#4a4a4a;font-size:14px;">${catalog.footer}</p>
      </body>
    </html>`.toString();
  return { subject, html: markup, text: [catalog.greeting, "", body, "", catalog.footer, ""].join("\n") };
}

/** R17: 30 and 7 days before the term end, to partner and customer. */
export function migrationReminderEmail(
  input: MigrationEmailInput & { termEnd: string; daysBefore: number },
): EmailContent {
  const locale = resolveLocale(input.locale);
  return render(locale, "reminder.subject", "reminder.body", {
    offer: input.offer,
    subscriptionId: input.subscriptionId,
    customer: input.customerName,
    partner: input.partnerName,
    count: input.daysBefore,
    date: formatDate(locale, input.termEnd),
  });
}

/** The move is done: the partner is partner of record. */
export function migrationCompletedEmail(input: MigrationEmailInput): EmailContent {
  const locale = resolveLocale(input.locale);
  return render(locale, "completed.subject", "completed.body", {
    offer: input.offer,
    subscriptionId: input.subscriptionId,
    customer: input.customerName,
    partner: input.partnerName,
  });
}
