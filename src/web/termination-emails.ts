/**
 * The acceptance confirmation to the customer's admin once an admin relationship is active, with the
 * link to the page where its Global Administrator ends it (R9). Pure, like emails.ts.
 */
import type { Locale } from "../domain/model";
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

const SUBJECT_NAME_LIMIT = 80;
const STYLE = {
  body: "margin:0;padding:24px;background:#ffffff;color:#1b1b1b;font-family:'Segoe UI',Roboto,'Helvetica Neue',Arial,'PingFang SC','Microsoft YaHei',sans-serif;font-size:16px;line-height:1.55;",
  button:
    "display:inline-block;background:#0b5cad;color:#ffffff;padding:12px 22px;border-radius:4px;text-decoration:none;font-weight:600;",
  link: "color:#0b5cad;word-break:break-all;",
  muted: "color:#4a4a4a;font-size:14px;",
};

function document(locale: Locale, subject: string, body: ReturnType<typeof html>): string {
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <title>${subject}</title>
      </head>
      <body style="${STYLE.body}">
        <div style="max-width:600px;margin:0 auto;">${body}</div>
      </body>
    </html> `.toString();
}

export function adminConfirmationEmail(input: AdminConfirmationEmailInput): EmailContent {
  const locale = resolveLocale(input.locale);
  const partner = truncate(cleanText(input.partnerName).replace(/\s+/g, " ").trim(), SUBJECT_NAME_LIMIT);
  const subject = cleanText(tt(locale, "email.subject", { partner }))
    .replace(/\s+/g, " ")
    .trim();
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
    <p><a href="${link}" style="${STYLE.button}">${tt(locale, "email.cta")}</a></p>
    <p><a href="${link}" style="${STYLE.link}">${input.link}</a></p>
    <p style="${STYLE.muted}">${tt(locale, "email.keep")}</p>`;
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
  return { subject, html: document(locale, subject, body), text };
}
