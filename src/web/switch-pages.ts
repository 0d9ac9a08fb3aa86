/**
 * The pages behind a partner switch's link (R19): who asks for what, sign-in, and Approve / Decline
 * forms. Pure, like pages.ts; GET only ever renders (R15).
 */
import type { Locale } from "../domain/model";
import { html, safeUrl, type SafeHtml } from "./escape";
import { formatDate, resolveLocale, type LocaleInput } from "./i18n";
import { renderDocument } from "./layout";
import { csrfField, renderRefusalPage, renderUnavailableLinkPage, signInSection, strong } from "./link-pages";
import { st, stHtml, switchMessages } from "./switch-i18n";

export interface SwitchPageView {
  locale: Locale;
  /** Path the forms post to, e.g. `/switch/{token}`; the page appends /approve, /decline, /signin. */
  actionBase: string;
  party: "customer" | "currentPartner";
  newPartnerName: string;
  customerName: string;
  subscription: { id: string; offer: string };
  /** ISO date-time. */
  expiresAt: string;
  signIn: { mode: "dev" | "entra" };
  signedInAs?: { tenantId: string; email?: string };
  csrfToken?: string;
}

function answerSection(locale: Locale, view: SwitchPageView): SafeHtml {
  const enabled = view.signedInAs !== undefined;
  const disabled = enabled ? null : html` disabled aria-describedby="answer-note"`;
  return html`<section aria-labelledby="answer-heading">
    <h2 id="answer-heading">${st(locale, "answer.heading")}</h2>
    ${enabled ? null : html`<p id="answer-note" class="notice">${st(locale, "answer.signInFirst")}</p>`}
    <div class="actions">
      <form method="post" action="${safeUrl(`${view.actionBase}/approve`)}">
        ${csrfField(view.csrfToken)}<button type="submit" class="primary" id="approve" ${disabled}>
          ${st(locale, "answer.approve")}
        </button>
      </form>
      <form method="post" action="${safeUrl(`${view.actionBase}/decline`)}">
        ${csrfField(view.csrfToken)}<button type="submit" class="secondary" id="decline" ${disabled}>
          ${st(locale, "answer.decline")}
        </button>
      </form>
    </div>
  </section>`;
}

/** The page behind the email link. */
export function renderSwitchPage(view: SwitchPageView): string {
  const locale = resolveLocale(view.locale);
  const values = {
    partner: view.newPartnerName,
    customer: view.customerName,
    offer: view.subscription.offer,
    subscription: view.subscription.id,
  };
  const intro = st(locale, view.party === "customer" ? "signin.customer" : "signin.currentPartner");
  const signIn = signInSection(switchMessages, locale, view, intro);
  const body = html`<h1>${st(locale, "page.heading", values)}</h1>
    <p>
      ${stHtml(locale, view.party === "customer" ? "intro.customer" : "intro.currentPartner", {
        ...values,
        partner: strong(view.newPartnerName),
      })}
    </p>
    <section aria-labelledby="details-heading">
      <h2 id="details-heading">${st(locale, "details.heading")}</h2>
      <dl>
        <dt>${st(locale, "details.newPartner")}</dt>
        <dd>${view.newPartnerName}</dd>
        <dt>${st(locale, "details.subscription")}</dt>
        <dd>${view.subscription.offer} (${view.subscription.id})</dd>
        <dt>${st(locale, "details.expires")}</dt>
        <dd>${formatDate(locale, view.expiresAt)}</dd>
      </dl>
      <p>${st(locale, "page.what", values)}</p>
    </section>
    ${signIn} ${answerSection(locale, view)}`;
  return renderDocument(locale, st(locale, "page.title", values), body);
}

/** One page for every unusable link (unknown, used, ended, tampered): it never says which. */
export function renderSwitchUnavailablePage(locale: LocaleInput): string {
  return renderUnavailableLinkPage(switchMessages, locale);
}

/** After a successful answer. */
export function renderSwitchAnsweredPage(
  locale: LocaleInput,
  decision: "approved" | "declined",
  newPartnerName: string,
): string {
  const lang = resolveLocale(locale);
  const title = st(lang, `${decision}.title`);
  const body = html`<h1>${title}</h1>
    <p class="notice" role="status">
      ${stHtml(lang, `${decision}.body`, { partner: strong(newPartnerName) })}
    </p>`;
  return renderDocument(lang, title, body);
}

/** A refused answer or sign-in (wrong account, expired form); `backHref` goes back to the request page. */
export function renderSwitchErrorPage(locale: LocaleInput, status: number, backHref?: string): string {
  return renderRefusalPage(switchMessages, locale, status, backHref);
}
