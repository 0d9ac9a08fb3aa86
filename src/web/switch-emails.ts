/**
 * The partner switch's emails (R19): the request and its reminders to each party, with its link, and
 * the outcome to the new partner, the previous partner and the customer. Pure, like emails.ts.
 */
import { emailDocument, EMAIL_STYLE, subjectLine } from "./email-layout";
import { cleanText, html, safeUrl } from "./escape";
import { formatDate, resolveLocale, type LocaleInput } from "./i18n";
import { st, stHtml } from "./switch-i18n";
import type { EmailContent } from "./emails";

export interface SwitchEmailInput {
  locale: LocaleInput;
  newPartnerName: string;
  customerName: string;
  subscription: { id: string; offer: string };
  /** ISO date-time. */
  expiresAt: string;
}

export interface SwitchRequestEmailInput extends SwitchEmailInput {
  party: "customer" | "currentPartner";
  step: "request" | "reminder-first" | "reminder-last";
  /** `{PUBLIC_BASE_URL}/switch/{token}`. */
  link: string;
  daysLeft: number;
}

export type SwitchOutcomeKind = "completed" | "declined" | "expired" | "cancelled";

function names(input: SwitchEmailInput) {
  return {
    partner: input.newPartnerName,
    customer: input.customerName,
    offer: input.subscription.offer,
    subscription: input.subscription.id,
  };
}

/** The request, or a reminder of it, to the customer's Global Administrator or the current partner. */
export function switchRequestEmail(input: SwitchRequestEmailInput): EmailContent {
  const locale = resolveLocale(input.locale);
  const values = names(input);
  const subject = subjectLine(
    st(locale, input.step === "request" ? "email.request.subject" : "email.reminder.subject", values),
  );
  const intro = input.party === "customer" ? "intro.customer" : "intro.currentPartner";
  const expires = st(locale, "email.expires", {
    date: formatDate(locale, input.expiresAt),
    days: input.daysLeft,
  });
  const link = safeUrl(input.link);
  const body = html`<p>${st(locale, "email.greeting")}</p>
    <p>${stHtml(locale, intro, values)}</p>
    <p>${st(locale, "page.what", values)}</p>
    <p>${expires}</p>
    <p><a href="${link}" style="${EMAIL_STYLE.button}">${st(locale, "email.open")}</a></p>
    <p style="${EMAIL_STYLE.muted}">${st(locale, "email.ignore")}</p>`;
  const text = [
    st(locale, "email.greeting"),
    "",
    cleanText(st(locale, intro, values)),
    "",
    cleanText(st(locale, "page.what", values)),
    "",
    cleanText(expires),
    "",
    `${st(locale, "email.open")}:`,
    input.link,
    "",
    st(locale, "email.ignore"),
  ].join("\n");
  return { subject, html: emailDocument(locale, subject, body), text };
}

/** How the switch ended, to one of the three parties. */
export function switchOutcomeEmail(input: SwitchEmailInput & { outcome: SwitchOutcomeKind }): EmailContent {
  const locale = resolveLocale(input.locale);
  const values = names(input);
  const subject = subjectLine(st(locale, `outcome.${input.outcome}.subject`, values));
  const line = st(locale, `outcome.${input.outcome}.body`, values);
  const body = html`<p>${st(locale, "email.greeting")}</p>
    <p>${line}</p>`;
  const text = [st(locale, "email.greeting"), "", cleanText(line)].join("\n");
  return { subject, html: emailDocument(locale, subject, body), text };
}
