/**
 * Email bodies. Pure: the activities send what these return through the EmailSender port. The
 * HTML is deliberately plain (no tables, no images, inline styles only) so mail clients render it
 * as written; the text part carries the same content and the link on a line of its own.
 */
import type { Actor, InvitationKind, Locale } from "../domain/model";
import { cleanText, html, safeUrl, truncate, type HtmlValue, type SafeHtml } from "./escape";
import { EMAIL_STYLE, SUBJECT_NAME_LIMIT, subjectLine } from "./email-layout";
import { format, formatDate, formatHtml, resolveLocale, type LocaleInput } from "./i18n";
import { describeRole, type RoleRef } from "./roles";

export interface EmailContent {
  subject: string;
  html: string;
  text: string;
}

export interface InvitationEmailInput {
  locale: LocaleInput;
  partnerName: string;
  resellerName?: string;
  kind: InvitationKind;
  customer: { displayName: string; domain: string };
  admin?: { roles: readonly RoleRef[]; durationDays: number; autoExtend: boolean };
  /** `{PUBLIC_BASE_URL}/invite/{token}`: an http(s) URL. */
  link: string;
  /** ISO date-time. */
  expiresAt: string;
}

export interface CustomerReminderEmailInput extends InvitationEmailInput {
  /** Whole days until expiry, as the reminder timer computed it. */
  daysLeft: number;
}

export type PartnerNotificationEvent = "accepted" | "declined" | "expired" | "cancelled";

export interface PartnerNotificationEmailInput {
  event: PartnerNotificationEvent;
  invitationId: string;
  customer: { displayName: string; domain: string; tenantId?: string };
  /** Who decided: an email/name, or the actor recorded on the invitation. */
  decidedBy?: string | Actor;
  /** When it happened (ISO); shown in UTC. */
  at?: string;
}

// The styles every customer email shares (email-layout.ts), under the name this module always used.
const STYLE = EMAIL_STYLE;

function invitationEmailDocument(locale: Locale, subject: string, body: HtmlValue): string {
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${subject}</title>
      </head>
      <body style="${STYLE.body}">
        <div style="${STYLE.container}">${body}</div>
      </body>
    </html> `.toString();
}

interface RequestLines {
  html: SafeHtml;
  text: string[];
}

/** The bullet list of what is asked, shared by the invitation and the reminder. */
function requestLines(locale: Locale, input: InvitationEmailInput): RequestLines {
  const items: string[] = [];
  const colon = format(locale, "punct.colon");
  if (input.kind !== "admin") items.push(format(locale, "kind.reseller"));
  if (input.kind !== "reseller" && input.admin) {
    const roles = input.admin.roles
      .map((role) => describeRole(locale, role).name)
      .join(format(locale, "punct.listSeparator"));
    const duration = format(locale, "admin.days", { count: input.admin.durationDays });
    items.push(
      `${format(locale, "kind.admin")}${colon}${format(locale, "email.adminLine", { roles, duration })}`,
    );
    items.push(
      `${format(locale, "admin.autoExtend")}${colon}${format(locale, input.admin.autoExtend ? "admin.autoExtendOn" : "admin.autoExtendOff")}`,
    );
  }
  if (input.resellerName)
    items.push(`${format(locale, "page.details.reseller")}${colon}${input.resellerName}`);
  return {
    html: html`<ul>
      ${items.map((item) => html`<li>${item}</li>`)}
    </ul>`,
    text: items.map((item) => `- ${cleanText(item)}`),
  };
}

function customerEmail(
  locale: Locale,
  subject: string,
  intro: { html: SafeHtml; text: string },
  input: InvitationEmailInput,
  expiryLine: string,
): EmailContent {
  const link = safeUrl(input.link);
  const lines = requestLines(locale, input);
  const body = html`<p>${format(locale, "email.greeting")}</p>
    <p>${intro.html}</p>
    ${lines.html}
    <p><a href="${link}" style="${STYLE.button}">${format(locale, "email.cta")}</a></p>
    <p>${format(locale, "email.linkText")}<br /><a href="${link}" style="${STYLE.link}">${input.link}</a></p>
    <p>${expiryLine}</p>
    <p>${format(locale, "email.globalAdminOnly")}</p>
    <p style="${STYLE.muted}">${format(locale, "email.ignore")}</p>`;
  const text = [
    format(locale, "email.greeting"),
    "",
    cleanText(intro.text),
    ...lines.text,
    "",
    format(locale, "email.linkText"),
    input.link.trim(),
    "",
    cleanText(expiryLine),
    format(locale, "email.globalAdminOnly"),
    "",
    format(locale, "email.ignore"),
    "",
  ].join("\n");
  return { subject, html: invitationEmailDocument(locale, subject, body), text };
}

function names(input: InvitationEmailInput) {
  return {
    partner: truncate(subjectLine(input.partnerName), SUBJECT_NAME_LIMIT),
    customer: truncate(subjectLine(input.customer.displayName), SUBJECT_NAME_LIMIT),
  };
}

/** The opening sentence of the customer's emails, the partner's name in bold in the HTML part. */
function customerIntro(
  locale: Locale,
  key: "email.invite.intro" | "email.reminder.intro",
  input: InvitationEmailInput,
): { html: SafeHtml; text: string } {
  const values = {
    partner: input.partnerName,
    customer: input.customer.displayName,
    domain: input.customer.domain,
  };
  return {
    html: formatHtml(locale, key, { ...values, partner: html`<strong>${input.partnerName}</strong>` }),
    text: format(locale, key, values),
  };
}

/** The first email to the customer's admin, in the invitation's language. */
export function invitationEmail(input: InvitationEmailInput): EmailContent {
  const locale = resolveLocale(input.locale);
  const subject = subjectLine(format(locale, "email.invite.subject", names(input)));
  const intro = customerIntro(locale, "email.invite.intro", input);
  const expiry = format(locale, "email.expires", { date: formatDate(locale, input.expiresAt) });
  return customerEmail(locale, subject, intro, input, expiry);
}

/** The reminder before expiry: same content as the invitation, leading with the days left. */
export function customerReminderEmail(input: CustomerReminderEmailInput): EmailContent {
  const locale = resolveLocale(input.locale);
  const count = Math.max(0, Math.floor(input.daysLeft));
  const subject = subjectLine(format(locale, "email.reminder.subject", { ...names(input), count }));
  const intro = customerIntro(locale, "email.reminder.intro", input);
  const expiry = format(locale, "email.reminder.expires", {
    count,
    date: formatDate(locale, input.expiresAt),
  });
  return customerEmail(locale, subject, intro, input, expiry);
}

const PARTNER_EVENT: Record<PartnerNotificationEvent, { subject: string; sentence: string }> = {
  accepted: {
    subject: "Invitation accepted by {customer}",
    sentence:
      "{customer} ({domain}) accepted your invitation. The relationships it asked for are now active.",
  },
  declined: {
    subject: "Invitation declined by {customer}",
    sentence: "{customer} ({domain}) declined your invitation. Nothing was granted.",
  },
  expired: {
    subject: "Invitation to {customer} expired",
    sentence: "Your invitation to {customer} ({domain}) expired without an answer. Nothing was granted.",
  },
  cancelled: {
    subject: "Invitation to {customer} cancelled",
    sentence: "Your invitation to {customer} ({domain}) was cancelled. Nothing was granted.",
  },
};

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function describeActor(actor: string | Actor): string {
  if (typeof actor === "string") return actor;
  const parts = [actor.userId, actor.tenantId ? `tenant ${actor.tenantId}` : undefined].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : actor.kind;
}

function utcTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new TypeError("partnerNotificationEmail needs a valid `at`.");
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * To the partner's contact address when an invitation ends. English only: partners work in the
 * Partner Center's language. Carries no link to the customer page (the token never leaves the
 * customer's mailbox).
 */
export function partnerNotificationEmail(input: PartnerNotificationEmailInput): EmailContent {
  const event = PARTNER_EVENT[input.event];
  const customer = cleanText(input.customer.displayName);
  const subject = subjectLine(fill(event.subject, { customer: truncate(customer, SUBJECT_NAME_LIMIT) }));
  const values = { customer, domain: cleanText(input.customer.domain), id: cleanText(input.invitationId) };
  const details: [string, string][] = [
    ["Invitation", values.id],
    ["Customer", `${customer} (${values.domain})`],
    ...(input.customer.tenantId
      ? [["Customer tenant", cleanText(input.customer.tenantId)] as [string, string]]
      : []),
    ...(input.decidedBy
      ? [["Decided by", cleanText(describeActor(input.decidedBy))] as [string, string]]
      : []),
    ...(input.at ? [["When", utcTimestamp(input.at)] as [string, string]] : []),
  ];
  const sentence = fill(event.sentence, values);
  const follow =
    "You can see the invitation's status and audit trail with GET /api/invitations/" + values.id + ".";
  const body = html`<p>Hello,</p>
    <p>${sentence}</p>
    <ul>
      ${details.map(([label, value]) => html`<li><strong>${label}:</strong> ${value}</li>`)}
    </ul>
    <p>${follow}</p>
    <p style="${STYLE.muted}">
      This notification went to your organization's registered contact address. If it reached you by mistake,
      you can safely ignore it.
    </p>`;
  const text = [
    "Hello,",
    "",
    sentence,
    "",
    ...details.map(([label, value]) => `${label}: ${value}`),
    "",
    follow,
    "",
    "This notification went to your organization's registered contact address. If it reached you by mistake, you can safely ignore it.",
    "",
  ].join("\n");
  return { subject, html: invitationEmailDocument("en", subject, body), text };
}

/** `terminated`: the customer's Global Administrator ended it from the confirmation email's link (R9). */
export type AdminRelationshipNoticeEvent = "reminder" | "expired" | "terminated";

export interface AdminRelationshipNoticeEmailInput {
  event: AdminRelationshipNoticeEvent;
  relationshipId: string;
  customer: { displayName?: string; domain?: string; tenantId: string };
  /** The end date (ISO), shown in UTC. */
  endsAt: string;
  /** For a reminder: whole days left as the schedule planned it (30, 7 or 1, docs/rules.md R7). */
  daysLeft?: number;
}

/**
 * To the partner's contact address before an admin relationship without auto-extend ends (R7) and
 * when it has expired. English only, like the other partner notifications.
 */
export function adminRelationshipNoticeEmail(input: AdminRelationshipNoticeEmailInput): EmailContent {
  const customer = cleanText(input.customer.displayName ?? input.customer.tenantId);
  const short = truncate(customer, SUBJECT_NAME_LIMIT);
  const days = input.daysLeft ?? 0;
  const dayWord = days === 1 ? "day" : "days";
  const subject = subjectLine(
    input.event === "reminder"
      ? `Admin relationship with ${short} ends in ${days} ${dayWord}`
      : input.event === "terminated"
        ? `${short} ended your admin relationship`
        : `Admin relationship with ${short} has expired`,
  );
  const when = utcTimestamp(input.endsAt);
  const sentence =
    input.event === "reminder"
      ? `Your admin relationship with ${customer} ends on ${when} and does not extend automatically. To keep administering the customer's tenant after that, send the customer a new admin relationship request.`
      : input.event === "terminated"
        ? `A Global Administrator of ${customer} ended your admin relationship on ${when}. Your admin access to the customer's tenant through it, and its access assignments, have ended. To administer the tenant again, send the customer a new admin relationship request.`
        : `Your admin relationship with ${customer} ended on ${when}. An expired relationship cannot be renewed: to administer the customer's tenant again, send the customer a new admin relationship request.`;
  const details: [string, string][] = [
    ["Relationship", cleanText(input.relationshipId)],
    ["Customer", input.customer.domain ? `${customer} (${cleanText(input.customer.domain)})` : customer],
    ["Customer tenant", cleanText(input.customer.tenantId)],
    [input.event === "reminder" ? "Ends" : "Ended", when],
  ];
  const body = html`<p>Hello,</p>
    <p>${sentence}</p>
    <ul>
      ${details.map(([label, value]) => html`<li><strong>${label}:</strong> ${value}</li>`)}
    </ul>
    <p style="${STYLE.muted}">
      This notification went to your organization's registered contact address. If it reached you by mistake,
      you can safely ignore it.
    </p>`;
  const text = [
    "Hello,",
    "",
    sentence,
    "",
    ...details.map(([label, value]) => `${label}: ${value}`),
    "",
    "This notification went to your organization's registered contact address. If it reached you by mistake, you can safely ignore it.",
    "",
  ].join("\n");
  return { subject, html: invitationEmailDocument("en", subject, body), text };
}
