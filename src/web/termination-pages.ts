/**
 * The page behind the termination link of the acceptance confirmation email (R9): the admin
 * relationship as it stands, sign-in, and one form that ends it. Pure, like pages.ts; GET only
 * ever renders (R15).
 */
import type { Locale } from "../domain/model";
import { html, safeUrl, type SafeHtml } from "./escape";
import { formatDate, resolveLocale, type LocaleInput } from "./i18n";
import { renderDocument } from "./layout";
import { csrfField, renderRefusalPage, renderUnavailableLinkPage, signInSection, strong } from "./link-pages";
import { describeRole, type RoleRef } from "./roles";
import { terminationMessages, tt, ttHtml } from "./termination-i18n";

export interface TerminationPageView {
  locale: Locale;
  /** Path the forms post to, e.g. `/terminate/{token}`; the page appends /confirm and /signin. */
  actionBase: string;
  partnerName: string;
  customerName: string;
  roles: readonly RoleRef[];
  /** ISO date-time. */
  endsAt: string;
  autoExtend: boolean;
  signIn: { mode: "dev" | "entra" };
  signedInAs?: { tenantId: string; email?: string };
  csrfToken?: string;
}

function terminateSection(locale: Locale, view: TerminationPageView): SafeHtml {
  const enabled = view.signedInAs !== undefined;
  const disabled = enabled ? null : html` disabled aria-describedby="terminate-note"`;
  return html`<section aria-labelledby="terminate-heading">
    <h2 id="terminate-heading">${tt(locale, "terminate.heading")}</h2>
    <p>${tt(locale, "page.what")}</p>
    ${enabled ? null : html`<p id="terminate-note" class="notice">${tt(locale, "terminate.signInFirst")}</p>`}
    <form method="post" action="${safeUrl(`${view.actionBase}/confirm`)}" class="actions">
      ${csrfField(view.csrfToken)}<button type="submit" class="primary" id="terminate" ${disabled}>
        ${tt(locale, "terminate.submit")}
      </button>
    </form>
  </section>`;
}

/** The page behind the email link. */
export function renderTerminationPage(view: TerminationPageView): string {
  const locale = resolveLocale(view.locale);
  const date = formatDate(locale, view.endsAt);
  const roles = view.roles.map((role) => describeRole(locale, role).name);
  const signIn = signInSection(terminationMessages, locale, view, tt(locale, "signin.intro"));
  const body = html`<h1>${tt(locale, "page.heading", { partner: view.partnerName })}</h1>
    <p>
      ${ttHtml(locale, "page.intro", {
        partner: strong(view.partnerName),
        customer: view.customerName,
        date,
      })}
    </p>
    <section aria-labelledby="details-heading">
      <h2 id="details-heading">${tt(locale, "details.heading")}</h2>
      <dl>
        <dt>${tt(locale, "details.partner")}</dt>
        <dd>${view.partnerName}</dd>
        <dt>${tt(locale, "details.roles")}</dt>
        <dd>
          <ul>
            ${roles.map((name) => html`<li>${name}</li>`)}
          </ul>
        </dd>
        <dt>${tt(locale, "details.ends")}</dt>
        <dd>${date}</dd>
        <dt>${tt(locale, "details.autoExtend")}</dt>
        <dd>${tt(locale, view.autoExtend ? "details.autoExtendOn" : "details.autoExtendOff")}</dd>
      </dl>
    </section>
    ${signIn} ${terminateSection(locale, view)}`;
  return renderDocument(locale, tt(locale, "page.title", { partner: view.partnerName }), body);
}

/** One page for every unusable link (unknown, tampered, ended): it never says which. */
export function renderTerminationUnavailablePage(locale: LocaleInput): string {
  return renderUnavailableLinkPage(terminationMessages, locale);
}

/** After the customer ended the admin relationship. */
export function renderTerminatedPage(locale: LocaleInput, partnerName: string): string {
  const lang = resolveLocale(locale);
  const title = tt(lang, "terminated.title");
  const body = html`<h1>${title}</h1>
    <p class="notice" role="status">${ttHtml(lang, "terminated.body", { partner: strong(partnerName) })}</p>`;
  return renderDocument(lang, title, body);
}

/** A refused sign-in or termination (wrong account, expired form); `backHref` goes back to the page. */
export function renderTerminationErrorPage(locale: LocaleInput, status: number, backHref?: string): string {
  return renderRefusalPage(terminationMessages, locale, status, backHref);
}
