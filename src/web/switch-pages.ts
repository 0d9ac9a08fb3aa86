/**
 * The pages behind a partner switch's link (R19): who asks for what, sign-in, and Approve / Decline
 * forms. Pure, like pages.ts; GET only ever renders (R15).
 */
import type { Locale } from "../domain/model";
import { html, safeUrl, type HtmlValue, type SafeHtml } from "./escape";
import { formatDate, resolveLocale, type LocaleInput } from "./i18n";
import { renderDocument } from "./layout";
import { st, stHtml } from "./switch-i18n";

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

const strong = (value: string): SafeHtml => html`<strong>${value}</strong>`;

function csrfField(token: string | undefined): HtmlValue {
  return token === undefined ? null : html`<input type="hidden" name="csrf" value="${token}" />`;
}

function signInSection(locale: Locale, view: SwitchPageView): SafeHtml {
  const signInUrl = safeUrl(`${view.actionBase}/signin`);
  const who = view.signedInAs;
  const whoLine = who
    ? html`<p class="notice" id="signed-in">
        ${stHtml(locale, "signin.signedInAs", { who: strong(who.email ? `${who.email} (${who.tenantId})` : who.tenantId) })}
      </p>`
    : null;
  const form =
    view.signIn.mode === "entra"
      ? html`<p class="actions">
          <a class="button primary" href="${signInUrl}">${st(locale, "signin.microsoft")}</a>
        </p>`
      : html`<form method="post" action="${signInUrl}" class="signin">
          ${csrfField(view.csrfToken)}
          <p class="muted">${st(locale, "signin.devNote")}</p>
          <label for="signin-tenant">${st(locale, "signin.tenantId")}</label>
          <input
            type="text"
            id="signin-tenant"
            name="tenantId"
            required
            autocomplete="off"
            value="${who?.tenantId ?? ""}"
          />
          <label for="signin-email">${st(locale, "signin.email")}</label>
          <input
            type="email"
            id="signin-email"
            name="email"
            autocomplete="email"
            value="${who?.email ?? ""}"
          />
          <label class="check" for="signin-ga"
            ><input type="checkbox" id="signin-ga" name="globalAdmin" value="true" checked /><span
              >${st(locale, "signin.globalAdmin")}</span
            ></label
          >
          <div class="actions">
            <button type="submit" class="${who ? "secondary" : "primary"}" id="signin-submit">
              ${st(locale, "signin.submit")}
            </button>
          </div>
        </form>`;
  return html`<section aria-labelledby="signin-heading">
    <h2 id="signin-heading">${st(locale, "signin.heading")}</h2>
    <p>${st(locale, view.party === "customer" ? "signin.customer" : "signin.currentPartner")}</p>
    ${whoLine} ${form}
  </section>`;
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
    ${signInSection(locale, view)} ${answerSection(locale, view)}`;
  return renderDocument(locale, st(locale, "page.title", values), body);
}

/** One page for every unusable link (unknown, used, ended, tampered): it never says which. */
export function renderSwitchUnavailablePage(locale: LocaleInput): string {
  const lang = resolveLocale(locale);
  const title = st(lang, "unavailable.title");
  return renderDocument(
    lang,
    title,
    html`<h1>${title}</h1>
      <p>${st(lang, "unavailable.body")}</p>`,
  );
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
  const lang = resolveLocale(locale);
  const title = st(lang, "error.title");
  const body = html`<h1>${title}</h1>
    <p>${st(lang, "error.body")}</p>
    ${backHref ? html`<p><a href="${safeUrl(backHref)}">${st(lang, "error.back")}</a></p>` : null}
    <footer><p class="muted">${st(lang, "error.code", { status })}</p></footer>`;
  return renderDocument(lang, title, body);
}
