/**
 * The acceptance confirmation to the customer's admin once an admin relationship is active, with the
 * link to the page where its Global Administrator ends it (R9). Pure, like emails.ts.
 */
import { emailDocument, EMAIL_STYLE, SUBJECT_NAME_LIMIT, subjectLine } from "./email-layout";
import { cleanText, html, safeUrl, truncate } from "./escape";
import type { EmailContent } from "./emails";
import { formatDate, resolveLocale, type LocaleInput } from "./i18n";
import { describeRole, type RoleRef } from "./roles";
import { tt, ttHtml } from "./termination-i18n";

export interface AdminConfirmationEmailInput {
  locale: LocaleInput;
  partnerName: string;
  customerName: string;
  roles: readonly RoleRef[];
  /** ISO date-time. */
  endsAt: string;
  autoExtend: boolean;
  /** `{PUBLIC_BASE_URL}/terminate/{token}`: an http(s) URL. */
  link: string;
}

export function adminConfirmationEmail(input: AdminConfirmationEmailInput): EmailContent {
  const locale = resolveLocale(input.locale);
  const partner = truncate(subjectLine(input.partnerName), SUBJECT_NAME_LIMIT);
  const subject = subjectLine(tt(locale, "email.subject", { partner }));
  const values = { partner: input.partnerName, customer: input.customerName };
  const date = formatDate(locale, input.endsAt);
  const roles = input.roles.map((role) => describeRole(locale, role).name);
  const autoExtend = `${tt(locale, "details.autoExtend")}: ${tt(locale, input.autoExtend ? "details.autoExtendOn" : "details.autoExtendOff")}`;
  const link = safeUrl(input.link);
  const body = html`<p>${tt(locale, "email.greeting")}</p>
    <p>${ttHtml(locale, "email.intro", { ...values, date })}</p>
    <ul>
      ${roles.map((name) => html`<li>${name}</li>`)}
    </ul>
    <p>${autoExtend}</p>
    <p>${tt(locale, "email.terminate")}</p>
    <p><a href="${link}" style="${EMAIL_STYLE.button}">${tt(locale, "email.cta")}</a></p>
    <p><a href="${link}" style="${EMAIL_STYLE.link}">${input.link}</a></p>
    <p style="${EMAIL_STYLE.muted}">${tt(locale, "email.keep")}</p>`;
  const text = [
    tt(locale, "email.greeting"),
    "",
    cleanText(tt(locale, "email.intro", { ...values, date })),
    ...roles.map((name) => `- ${cleanText(name)}`),
    cleanText(autoExtend),
    "",
    tt(locale, "email.terminate"),
    input.link.trim(),
    "",
    tt(locale, "email.keep"),
    "",
  ].join("\n");
  return { subject, html: emailDocument(locale, subject, body), text };
}
