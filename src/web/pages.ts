/**
 * The customer's pages behind the invitation link. Pure: typed data in, a complete HTML document
 * out; the HTTP functions send it with `PAGE_HEADERS`. The decision works without JavaScript (two
 * POST forms); GET only ever renders (R15).
 */
import type { InvitationKind, Locale } from "../domain/model";
import { html, safeUrl, type HtmlValue, type SafeHtml } from "./escape";
import { format, formatDate, formatHtml, resolveLocale, type LocaleInput } from "./i18n";
import { renderDocument } from "./layout";
import { csrfField, devSignInForm, strong } from "./link-pages";
import { describeRole, type RoleRef } from "./roles";

export { PAGE_HEADERS } from "./layout";

export interface SignedInCustomer {
  tenantId: string;
  email?: string;
  isGlobalAdmin: boolean;
}

export interface InvitationPageView {
  locale: Locale;
  /** Path the forms post to, e.g. `/invite/{token}`; the page appends /accept, /decline, /signin. */
  actionBase: string;
  partnerName: string;
  /** Who is asking, so the customer can check it: the partner's tenant and contact address. */
  partnerTenantId?: string;
  partnerContactEmail?: string;
  /** The tenant the invitation names, if it names one: a different signed-in tenant is warned. */
  invitedTenantId?: string;
  /** Indirect model: the reseller the provider (partnerName) invites on behalf of. */
  resellerName?: string;
  kind: InvitationKind;
  customer: { displayName: string; domain: string };
  /** Role template ids are described in the customer's language; displayName is the fallback. */
  admin?: { roles: readonly RoleRef[]; durationDays: number; autoExtend: boolean };
  /** ISO date-time. */
  expiresAt: string;
  /**
   * dev: a form posting `tenantId`, `email` and `globalAdmin=true` (absent when unticked) to
   * `${actionBase}/signin`. entra: a link to `${actionBase}/signin`, which starts the OIDC flow.
   */
  signIn: { mode: "dev" | "entra" };
  /** The decision buttons are enabled only when someone is signed in. */
  signedInAs?: SignedInCustomer;
  /** Sent back as hidden field `csrf` in every form when given. */
  csrfToken?: string;
}

export type DecisionOutcome = "accepted" | "declined";

export interface DecisionPageView {
  partnerName: string;
  partnerTenantId?: string;
  partnerContactEmail?: string;
  resellerName?: string;
  kind?: InvitationKind;
  customer?: { displayName: string; domain: string };
}

export type ErrorReason =
  "notGlobalAdmin" | "wrongTenant" | "partnerTenant" | "otherCloud" | "signInRequired";

function summaryList(locale: Locale, view: DecisionPageView & { expiresAt?: string }): SafeHtml {
  const customer = view.customer;
  return html`<dl>
    <dt>${format(locale, "page.details.partner")}</dt>
    <dd>${view.partnerName}</dd>
    ${
      view.partnerTenantId
        ? html`<dt>${format(locale, "page.details.partnerTenant")}</dt>
            <dd id="partner-tenant">${view.partnerTenantId}</dd>`
        : null
    }
    ${
      view.partnerContactEmail
        ? html`<dt>${format(locale, "page.details.partnerContact")}</dt>
            <dd id="partner-contact">${view.partnerContactEmail}</dd>`
        : null
    }
    ${
      view.resellerName
        ? html`<dt>${format(locale, "page.details.reseller")}</dt>
            <dd>${view.resellerName}</dd>`
        : null
    }
    ${
      customer
        ? html`<dt>${format(locale, "page.details.organization")}</dt>
            <dd>
              ${format(locale, "punct.withDetail", { main: customer.displayName, detail: customer.domain })}
            </dd>`
        : null
    }
    ${
      view.kind
        ? html`<dt>${format(locale, "page.details.request")}</dt>
            <dd>${format(locale, `kind.${view.kind}`)}</dd>`
        : null
    }
    ${
      view.expiresAt
        ? html`<dt>${format(locale, "page.details.expires")}</dt>
            <dd>${formatDate(locale, view.expiresAt)}</dd>`
        : null
    }
  </dl>`;
}

function resellerSection(locale: Locale, view: InvitationPageView): HtmlValue {
  if (view.kind === "admin") return null;
  return html`<section aria-labelledby="reseller-heading">
    <h2 id="reseller-heading">${format(locale, "reseller.heading")}</h2>
    <p>${formatHtml(locale, "reseller.body", { partner: strong(view.partnerName) })}</p>
  </section>`;
}

function adminSection(locale: Locale, view: InvitationPageView): HtmlValue {
  const admin = view.admin;
  if (view.kind === "reseller" || !admin) return null;
  const roles = admin.roles.map((role) => describeRole(locale, role));
  return html`<section aria-labelledby="admin-heading">
    <h2 id="admin-heading">${format(locale, "admin.heading")}</h2>
    <p>${formatHtml(locale, "admin.body", { partner: strong(view.partnerName) })}</p>
    <dl>
      <dt>${format(locale, "admin.duration")}</dt>
      <dd>${format(locale, "admin.days", { count: admin.durationDays })}</dd>
      <dt>${format(locale, "admin.autoExtend")}</dt>
      <dd>${format(locale, admin.autoExtend ? "admin.autoExtendOn" : "admin.autoExtendOff")}</dd>
    </dl>
    <h3 id="roles-heading">${format(locale, "admin.roles")}</h3>
    <ul class="roles" aria-labelledby="roles-heading">
      ${roles.map(
        (role) =>
          html`<li${role.isGlobalAdministrator ? html` class="privileged"` : null}><strong>${role.name}</strong>${format(locale, "punct.colon")}${role.allows}</li>\n`,
      )}
    </ul>
  </section>`;
}

function signedInLine(locale: Locale, who: SignedInCustomer, invitedTenantId?: string): SafeHtml {
  const tenant = format(locale, "signin.tenant", { tenantId: who.tenantId });
  const label = who.email ? format(locale, "punct.withDetail", { main: who.email, detail: tenant }) : tenant;
  // Said before Accept, not after: the accept would be refused (R2) for another tenant.
  const otherTenant =
    invitedTenantId !== undefined && who.tenantId.toLowerCase() !== invitedTenantId.toLowerCase();
  return html`<p class="notice" id="signed-in">
      ${formatHtml(locale, "signin.signedInAs", { who: strong(label) })}
    </p>
    ${otherTenant ? html`<p class="warning" id="wrong-tenant">${format(locale, "signin.wrongTenant", { tenantId: who.tenantId, invited: invitedTenantId })}</p>` : null}
    ${who.isGlobalAdmin ? null : html`<p class="warning" id="not-global-admin">${format(locale, "signin.notGlobalAdmin")}</p>`}`;
}

function signInSection(locale: Locale, view: InvitationPageView): SafeHtml {
  const signedIn = view.signedInAs;
  const signInUrl = safeUrl(`${view.actionBase}/signin`);
  let body: HtmlValue;
  if (view.signIn.mode === "entra") {
    body = signedIn
      ? html`${signedInLine(locale, signedIn, view.invitedTenantId)}
          <p><a href="${signInUrl}">${format(locale, "signin.otherAccount")}</a></p>`
      : html`<p class="actions">
          <a class="button primary" href="${signInUrl}">${format(locale, "signin.microsoft")}</a>
        </p>`;
  } else {
    body = signedIn
      ? html`${signedInLine(locale, signedIn, view.invitedTenantId)}
          <details>
            <summary>${format(locale, "signin.otherAccount")}</summary>
            ${devSignInForm((key) => format(locale, key), view)}
          </details>`
      : devSignInForm((key) => format(locale, key), view);
  }
  return html`<section aria-labelledby="signin-heading">
    <h2 id="signin-heading">${format(locale, signedIn ? "signin.headingSignedIn" : "signin.heading")}</h2>
    <p>${formatHtml(locale, "signin.explain", { customer: strong(view.customer.displayName) })}</p>
    ${body}
  </section>`;
}

function decisionSection(locale: Locale, view: InvitationPageView): SafeHtml {
  const enabled = view.signedInAs !== undefined;
  // Disabled buttons are skipped by Tab, so the reason sits right before them and is linked.
  const disabled = enabled ? null : html` disabled aria-describedby="decision-note"`;
  return html`<section aria-labelledby="decision-heading">
    <h2 id="decision-heading">${format(locale, "decision.heading")}</h2>
    <p id="decision-note" class="${enabled ? "muted" : "notice"}">
      ${format(locale, enabled ? "decision.acceptNote" : "decision.signInFirst")}
    </p>
    <div class="actions">
      <form method="post" action="${safeUrl(`${view.actionBase}/accept`)}">
        ${csrfField(view.csrfToken)}<button type="submit" class="primary" id="accept" ${disabled}>
          ${format(locale, "decision.accept")}
        </button>
      </form>
      <form method="post" action="${safeUrl(`${view.actionBase}/decline`)}">
        ${csrfField(view.csrfToken)}<button type="submit" class="secondary" id="decline" ${disabled}>
          ${format(locale, "decision.decline")}
        </button>
      </form>
    </div>
  </section>`;
}

/** The page behind the email link: who asks for what, sign-in, and the Accept / Decline forms. */
export function renderInvitationPage(view: InvitationPageView): string {
  const locale = resolveLocale(view.locale);
  const partner = view.partnerName;
  const customer = view.customer;
  const body = html`<h1>
      ${formatHtml(locale, "page.invite.heading", { partner, customer: customer.displayName })}
    </h1>
    <p>
      ${formatHtml(locale, "page.invite.intro", { partner: strong(partner), customer: strong(customer.displayName), domain: customer.domain })}
    </p>
    <section aria-labelledby="details-heading">
      <h2 id="details-heading">${format(locale, "page.details.heading")}</h2>
      ${summaryList(locale, { ...view, expiresAt: view.expiresAt })}
      ${view.resellerName ? html`<p class="muted">${formatHtml(locale, "page.details.resellerNote", { partner, reseller: view.resellerName })}</p>` : null}
    </section>
    ${resellerSection(locale, view)} ${adminSection(locale, view)} ${signInSection(locale, view)}
    ${decisionSection(locale, view)}
    <footer><p class="muted">${format(locale, "page.unexpected")}</p></footer>`;
  return renderDocument(locale, format(locale, "page.invite.title", { partner }), body);
}

/** One page for every unusable link (unknown, used, expired, tampered): it never says which. */
export function renderLinkUnavailablePage(locale: LocaleInput): string {
  const lang = resolveLocale(locale);
  const title = format(lang, "unavailable.title");
  return renderDocument(
    lang,
    title,
    html`<h1>${title}</h1>
      <p>${format(lang, "unavailable.body")}</p>`,
  );
}

/** After a successful POST: what was decided, with a summary of the request. */
export function renderDecisionPage(
  locale: LocaleInput,
  outcome: DecisionOutcome,
  view: DecisionPageView,
): string {
  const lang = resolveLocale(locale);
  const title = format(lang, `${outcome}.title`);
  const body = html`<h1>${title}</h1>
    <p class="notice" role="status">
      ${formatHtml(lang, `${outcome}.body`, { partner: strong(view.partnerName) })}
    </p>
    ${summaryList(lang, view)}`;
  return renderDocument(lang, title, body);
}

/**
 * A decided invitation's link opened again (a reload of the result, or the email link later): what
 * was decided and when. Only for a valid token of an accepted or declined invitation; an unknown,
 * cancelled or expired link keeps the generic page, which says nothing.
 */
export function renderDecidedPage(
  locale: LocaleInput,
  outcome: DecisionOutcome,
  view: DecisionPageView & { decidedAt: string },
): string {
  const lang = resolveLocale(locale);
  const title = format(lang, `${outcome}.title`);
  const body = html`<h1>${title}</h1>
    <p class="notice" role="status" id="decided">
      ${formatHtml(lang, `decided.${outcome}.body`, { partner: strong(view.partnerName), date: formatDate(lang, view.decidedAt) })}
    </p>
    ${summaryList(lang, view)}
    <dl>
      <dt>${format(lang, "page.details.decided")}</dt>
      <dd>${formatDate(lang, view.decidedAt)}</dd>
    </dl>`;
  return renderDocument(lang, title, body);
}

/**
 * A refused decision or sign-in, explained to the customer. `status` is shown as a reference for
 * support; `backHref` (the invitation page) offers a way back to sign in with another account.
 */
export function renderErrorPage(
  locale: LocaleInput,
  status: number,
  reason: ErrorReason,
  options: { backHref?: string } = {},
): string {
  const lang = resolveLocale(locale);
  const title = format(lang, `error.${reason}.title`);
  const body = html`<h1>${title}</h1>
    <p>${format(lang, `error.${reason}.body`)}</p>
    ${options.backHref ? html`<p><a href="${safeUrl(options.backHref)}">${format(lang, "error.back")}</a></p>` : null}
    <footer><p class="muted">${format(lang, "error.code", { status })}</p></footer>`;
  return renderDocument(lang, title, body);
}

/**
 * The hop after a sign-in: a same-origin page that moves on to `href` at once (meta refresh, no
 * script) with a link for browsers that do not follow it. Used so a SameSite=Strict cookie set
 * on a cross-site redirect travels with the next page load.
 */
export function renderContinuePage(locale: LocaleInput, href: string): string {
  const lang = resolveLocale(locale);
  const url = safeUrl(href);
  const title = format(lang, "continue.title");
  const body = html`<h1>${title}</h1>
    <p><a href="${url}">${format(lang, "continue.link")}</a></p>`;
  return renderDocument(lang, title, body, { refreshTo: url });
}
