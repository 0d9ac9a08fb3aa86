/**
 * Pieces every family of link pages renders alike (partner switches, admin relationship
 * termination; invitations share the small ones): the sign-in section, the one page for an unusable
 * link and the refusal page. Each family passes its own catalog, so the words stay its own while
 * the markup (ids the browser tests and the forms' field names rely on) is written once.
 */
import type { Locale } from "../domain/model";
import { html, safeUrl, type HtmlValue, type SafeHtml } from "./escape";
import { resolveLocale, type FeatureMessages, type LocaleInput } from "./i18n";
import { renderDocument } from "./layout";

/** The keys a family's catalog must have for these pieces. */
export type LinkPageKey =
  | "signin.heading"
  | "signin.signedInAs"
  | "signin.microsoft"
  | "signin.devNote"
  | "signin.tenantId"
  | "signin.email"
  | "signin.globalAdmin"
  | "signin.submit"
  | "unavailable.title"
  | "unavailable.body"
  | "error.title"
  | "error.body"
  | "error.back"
  | "error.code";

export type LinkPageMessages = FeatureMessages<LinkPageKey>;

export const strong = (value: string): SafeHtml => html`<strong>${value}</strong>`;

/** The hidden CSRF field every form of a signed-in page carries. */
export function csrfField(token: string | undefined): HtmlValue {
  return token === undefined ? null : html`<input type="hidden" name="csrf" value="${token}" />`;
}

export interface SignInView {
  /** The link's page; the sign-in posts (dev) or links (entra) to `{actionBase}/signin`. */
  actionBase: string;
  signIn: { mode: "dev" | "entra" };
  signedInAs?: { tenantId: string; email?: string };
  csrfToken?: string;
}

/** Sign-in: entra a link to Microsoft's, dev a small form issuing a dev token; `intro` says who should. */
export function signInSection(
  messages: LinkPageMessages,
  locale: Locale,
  view: SignInView,
  intro: string,
): SafeHtml {
  const { text, markup } = messages;
  const signInUrl = safeUrl(`${view.actionBase}/signin`);
  const who = view.signedInAs;
  const whoLine = who
    ? html`<p class="notice" id="signed-in">
        ${markup(locale, "signin.signedInAs", { who: strong(who.email ? `${who.email} (${who.tenantId})` : who.tenantId) })}
      </p>`
    : null;
  const form =
    view.signIn.mode === "entra"
      ? html`<p class="actions">
          <a class="button primary" href="${signInUrl}">${text(locale, "signin.microsoft")}</a>
        </p>`
      : devSignInForm((key) => text(locale, key), view);
  return html`<section aria-labelledby="signin-heading">
    <h2 id="signin-heading">${text(locale, "signin.heading")}</h2>
    <p>${intro}</p>
    ${whoLine} ${form}
  </section>`;
}

/** The catalog keys the dev sign-in form's words come from; every family's catalog has them. */
export type DevSignInKey =
  "signin.devNote" | "signin.tenantId" | "signin.email" | "signin.globalAdmin" | "signin.submit";

/**
 * Dev mode's sign-in form: the tenant (and optionally email and Global Administrator role) a dev
 * token is issued for, posted to `{actionBase}/signin`. The field names are what the sign-in routes
 * parse, and the ids are what the browser tests find, for every family alike.
 */
export function devSignInForm(
  label: (key: DevSignInKey) => string,
  view: Pick<SignInView, "actionBase" | "signedInAs" | "csrfToken">,
): SafeHtml {
  const who = view.signedInAs;
  return html`<form method="post" action="${safeUrl(`${view.actionBase}/signin`)}" class="signin">
    ${csrfField(view.csrfToken)}
    <p class="muted">${label("signin.devNote")}</p>
    <label for="signin-tenant">${label("signin.tenantId")}</label>
    <input
      type="text"
      id="signin-tenant"
      name="tenantId"
      required
      autocomplete="off"
      spellcheck="false"
      value="${who?.tenantId ?? ""}"
    />
    <label for="signin-email">${label("signin.email")}</label>
    <input type="email" id="signin-email" name="email" autocomplete="email" value="${who?.email ?? ""}" />
    <label class="check" for="signin-ga"
      ><input type="checkbox" id="signin-ga" name="globalAdmin" value="true" checked /><span
        >${label("signin.globalAdmin")}</span
      ></label
    >
    <div class="actions">
      <button type="submit" class="${who ? "secondary" : "primary"}" id="signin-submit">
        ${label("signin.submit")}
      </button>
    </div>
  </form>`;
}

/** One page for every unusable link (unknown, used, ended, tampered): it never says which. */
export function renderUnavailableLinkPage(messages: LinkPageMessages, locale: LocaleInput): string {
  const lang = resolveLocale(locale);
  const title = messages.text(lang, "unavailable.title");
  return renderDocument(
    lang,
    title,
    html`<h1>${title}</h1>
      <p>${messages.text(lang, "unavailable.body")}</p>`,
  );
}

/** A refused answer or sign-in (wrong account, expired form); `backHref` goes back to the link's page. */
export function renderRefusalPage(
  messages: LinkPageMessages,
  locale: LocaleInput,
  status: number,
  backHref?: string,
): string {
  const { text } = messages;
  const lang = resolveLocale(locale);
  const title = text(lang, "error.title");
  const body = html`<h1>${title}</h1>
    <p>${text(lang, "error.body")}</p>
    ${backHref ? html`<p><a href="${safeUrl(backHref)}">${text(lang, "error.back")}</a></p>` : null}
    <footer><p class="muted">${text(lang, "error.code", { status })}</p></footer>`;
  return renderDocument(lang, title, body);
}
