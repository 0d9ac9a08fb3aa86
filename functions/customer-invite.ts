import type { HttpHandler, HttpRequest, HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import { raiseEventIfListening, durableClientOf } from "../src/adapters/durable/client";
import {
  decideInvitation,
  lookUpLink,
  type CustomerDecisionDependencies,
  type Decision,
  type LinkLookup,
} from "../src/application/invitations/customer-decision";
import { DomainError } from "../src/domain/errors";
import {
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type Invitation,
  type Locale,
  type Principal,
} from "../src/domain/model";
import { isFormPost, readForm } from "../src/http/body";
import { csrfTokenFor } from "../src/http/csrf";
import {
  apiProblem,
  htmlPage,
  linkPageError,
  linkPagePath,
  linkPoster,
  linkSession,
  linkToken,
  makeLinkSignInCallbackHandler,
  startLinkSignIn,
  unavailableLink,
  type CustomerLinks,
} from "../src/http/customer-link";
import {
  devSignInFormSchema,
  principalToIdentity,
  type CustomerSignIn,
  type DevSignIn,
  type SignInFamily,
} from "../src/http/customer-sign-in";
import { httpFunction, type OperationDoc } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import {
  renderDecidedPage,
  renderDecisionPage,
  renderErrorPage,
  renderInvitationPage,
  renderLinkUnavailablePage,
  type DecisionPageView,
  type ErrorReason,
  type InvitationPageView,
} from "../src/web";
import { CUSTOMER_DECISION_EVENT } from "../src/workflows/invitation";

/**
 * The customer's side of an invitation, behind the link in the email (all anonymous at the
 * Functions level; the decision itself needs the customer's Global Administrator):
 * - GET|HEAD /invite/{token}: the page. Reads only (R15): mail scanners open every link.
 * - POST /invite/{token}/accept|decline: a bearer token (JSON callers) or the page's session cookie
 *   (form posts, no JavaScript needed); HTML answers for forms, JSON otherwise.
 * - /invite/{token}/signin: dev mode signs in with a small form (dev token in a cookie); entra mode
 *   starts the OIDC code flow, which returns to /auth/invite/callback.
 * The token in the path is never logged here, never echoed in a body, and kept out of Referer.
 */
export const CUSTOMER_INVITE_PAGE_FUNCTION = "customerInvitePage";
export const CUSTOMER_INVITE_PAGE_ROUTE = "invite/{token}";
export const CUSTOMER_INVITE_ACCEPT_FUNCTION = "customerInviteAccept";
export const CUSTOMER_INVITE_ACCEPT_ROUTE = "invite/{token}/accept";
export const CUSTOMER_INVITE_DECLINE_FUNCTION = "customerInviteDecline";
export const CUSTOMER_INVITE_DECLINE_ROUTE = "invite/{token}/decline";
export const CUSTOMER_INVITE_SIGNIN_FUNCTION = "customerInviteSignIn";
export const CUSTOMER_INVITE_SIGNIN_ROUTE = "invite/{token}/signin";
export const CUSTOMER_SIGNIN_CALLBACK_FUNCTION = "customerSignInCallback";
export const CUSTOMER_SIGNIN_CALLBACK_ROUTE = "auth/invite/callback";

export const SESSION_COOKIE = "invite_session";
export const SIGNIN_STATE_COOKIE = "invite_signin";
const SESSION_COOKIE_PATH = "/invite/";
const SIGNIN_STATE_COOKIE_PATH = "/auth/invite/";

/** The dev sign-in form: the same fields on every customer page. */
export { devSignInFormSchema };

/** Accept/decline bodies carry nothing but (for forms) the CSRF field. */
export const decisionFormSchema = z.object({ csrf: z.string().optional() });

export type { DevSignIn };

export const INVITE_FAMILY: SignInFamily = {
  pagePrefix: SESSION_COOKIE_PATH,
  sessionCookie: SESSION_COOKIE,
  stateCookie: SIGNIN_STATE_COOKIE,
  callbackPrefix: SIGNIN_STATE_COOKIE_PATH,
};

export interface CustomerInviteDependencies {
  decision: Omit<CustomerDecisionDependencies, "raiseDecision" | "warn">;
  /** Verifies bearer tokens (and, in dev mode, the session cookie, which holds a dev token). */
  verifyBearer(token: string): Promise<Principal>;
  signIn: CustomerSignIn;
  /** Keys the CSRF tokens tied to a session (INVITATION_LINK_KEY). */
  secret: string;
  /** PUBLIC_BASE_URL: behind a proxy the public origin may differ from the request's. */
  publicBaseUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const REASON_BY_RULE: Record<string, ErrorReason> = { R11: "partnerTenant", R12: "otherCloud" };

function reasonFor(error: DomainError | undefined): ErrorReason {
  if (error?.rule === "R2") return error.reason === "notGlobalAdmin" ? "notGlobalAdmin" : "wrongTenant";
  const byRule = error?.rule ? REASON_BY_RULE[error.rule] : undefined;
  // Unauthenticated, or a form that did not come from our page (CSRF): sign in again from the link.
  return byRule ?? "signInRequired";
}

/** The edge this family shares with the other link pages (src/http/customer-link.ts). */
function inviteLinks(deps: CustomerInviteDependencies): CustomerLinks {
  return {
    family: INVITE_FAMILY,
    signIn: deps.signIn,
    verifyBearer: (token) => deps.verifyBearer(token),
    now: () => deps.decision.clock.now(),
    secret: deps.secret,
    publicBaseUrl: deps.publicBaseUrl,
    pages: {
      unavailable: renderLinkUnavailablePage,
      // The page says why (R2's wrong tenant or missing role, R11, R12) so the customer can act on it.
      refused: (locale, status, backHref, error) =>
        renderErrorPage(locale, status, reasonFor(error), { backHref }),
      // A conflict has nothing the customer could do from the page: it stays a problem answer.
      refusals: ["unauthorized", "forbidden"],
    },
  };
}

/**
 * A link that cannot be used. An accepted or declined invitation says what was decided and when
 * (a reload of the result page, or the email link opened again), but only to a session of the
 * tenant that decided: to anyone else holding the link (a forwarded email, a mail scanner) a used
 * link looks like every other unusable one, so the page never tells which (R16). Unknown,
 * cancelled and expired links always get the generic page.
 */
async function lookupPage(
  deps: CustomerInviteDependencies,
  links: CustomerLinks,
  request: HttpRequest,
  link: Exclude<LinkLookup, { state: "open" }>,
): Promise<HttpResponseInit> {
  if (link.state === "unknown") return unavailableLink(links, request, 404);
  const { invitation } = link;
  const outcome = invitation.status;
  if ((outcome !== "accepted" && outcome !== "declined") || !invitation.decidedAt) {
    return unavailableLink(links, request, 410, invitation.locale);
  }
  const signed = await linkSession(links, request);
  const decider = invitation.decidedBy?.tenantId;
  if (!signed || !decider || signed.identity.tenantId.toLowerCase() !== decider.toLowerCase()) {
    return unavailableLink(links, request, 410, invitation.locale);
  }
  return htmlPage(
    410,
    renderDecidedPage(invitation.locale, outcome, {
      ...(await decisionView(deps, invitation)),
      decidedAt: invitation.decidedAt,
    }),
  );
}

/**
 * Who invited whom to what, as the pages after a decision show it. A partner gone since (an
 * operator removed it) still leaves its tenant id, so the page never fails for want of a name.
 */
async function decisionView(
  deps: CustomerInviteDependencies,
  invitation: Invitation,
): Promise<DecisionPageView> {
  const partner = await deps.decision.partners.get(invitation.partnerId);
  const reseller = invitation.resellerPartnerId
    ? await deps.decision.partners.get(invitation.resellerPartnerId)
    : undefined;
  return {
    partnerName: partner?.name ?? invitation.partnerId,
    partnerTenantId: invitation.partnerId,
    ...(partner ? { partnerContactEmail: partner.contactEmail } : {}),
    ...(reseller ? { resellerName: reseller.name } : {}),
    kind: invitation.kind,
    customer: { displayName: invitation.customer.displayName, domain: invitation.customer.domain },
  };
}

// ---------------------------------------------------------------------------------------------
// GET|HEAD /invite/{token}

export function makeInvitePageHandler(deps: CustomerInviteDependencies): HttpHandler {
  const links = inviteLinks(deps);
  return async (request, context) => {
    try {
      const token = linkToken(request);
      const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, token);
      if (link.state !== "open") return lookupPage(deps, links, request, link);
      const signedIn = await linkSession(links, request);
      const { invitation, partner, reseller } = link;
      const view: InvitationPageView = {
        locale: invitation.locale,
        actionBase: linkPagePath(INVITE_FAMILY, token),
        partnerName: partner.name,
        partnerTenantId: partner.id,
        partnerContactEmail: partner.contactEmail,
        ...(invitation.customer.tenantId ? { invitedTenantId: invitation.customer.tenantId } : {}),
        kind: invitation.kind,
        customer: { displayName: invitation.customer.displayName, domain: invitation.customer.domain },
        expiresAt: invitation.expiresAt,
        signIn: { mode: deps.signIn.mode },
      };
      if (reseller) view.resellerName = reseller.name;
      if (invitation.admin) view.admin = invitation.admin;
      if (signedIn) {
        view.signedInAs = {
          tenantId: signedIn.identity.tenantId,
          isGlobalAdmin: signedIn.identity.wids.includes(GLOBAL_ADMINISTRATOR_ROLE_ID),
          ...(signedIn.identity.email ? { email: signedIn.identity.email } : {}),
        };
        view.csrfToken = csrfTokenFor(deps.secret, signedIn.session);
      }
      return htmlPage(200, renderInvitationPage(view));
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}

const noRaise = (): Promise<void> => Promise.resolve();

/** A refusal page speaks the invitation's language when the link names one (read only). */
async function invitationLocale(
  deps: CustomerInviteDependencies,
  request: HttpRequest,
): Promise<Locale | undefined> {
  try {
    const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, linkToken(request));
    return link.state === "unknown" ? undefined : link.invitation.locale;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// POST /invite/{token}/accept|decline

export function makeDecisionHandler(deps: CustomerInviteDependencies, decision: Decision): HttpHandler {
  const links = inviteLinks(deps);
  return async (request, context) => {
    const form = isFormPost(request);
    let locale: Locale | undefined;
    try {
      const token = linkToken(request);
      const poster = await linkPoster(
        links,
        request,
        form ? await readForm(request) : undefined,
        decisionFormSchema,
      );
      const identity = "principal" in poster ? principalToIdentity(poster.principal) : poster.session;
      const client = durableClientOf(context);
      const decided = await decideInvitation(
        {
          ...deps.decision,
          raiseDecision: (invitationId, event) =>
            raiseEventIfListening(client, invitationId, CUSTOMER_DECISION_EVENT, event),
          warn: (message) => context.warn(message),
        },
        { token, decision, identity },
      );
      locale = decided.locale;
      if (!form) {
        return {
          status: 200,
          jsonBody: { id: decided.id, status: decided.status },
          headers: { "cache-control": "no-store" },
        };
      }
      return htmlPage(200, renderDecisionPage(decided.locale, decision, await decisionView(deps, decided)));
    } catch (error) {
      if (form && error instanceof DomainError && error.kind === "gone") {
        // A reload (re-post) of the result page, or a late second click: show what was decided.
        const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, linkToken(request)).catch(
          () => undefined,
        );
        if (link && link.state !== "open") return lookupPage(deps, links, request, link);
      }
      if (form) {
        return linkPageError(
          links,
          request,
          error,
          context,
          locale ?? (await invitationLocale(deps, request)),
        );
      }
      // The invitation API has always named the bare scheme; the newer link families name the realm.
      return apiProblem(error, context, "Bearer");
    }
  };
}

// ---------------------------------------------------------------------------------------------
// /invite/{token}/signin and /auth/invite/callback

export function makeSignInHandler(deps: CustomerInviteDependencies): HttpHandler {
  const links = inviteLinks(deps);
  return async (request, context) => {
    try {
      const token = linkToken(request);
      // Signing in changes nothing, but only a live link may start it.
      const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, token);
      if (link.state !== "open") return lookupPage(deps, links, request, link);
      return await startLinkSignIn(links, request, token, link.invitation.locale);
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}

/** Entra returns here (GET, query) with code and state; the session cookie then goes to /invite/. */
export function makeSignInCallbackHandler(deps: CustomerInviteDependencies): HttpHandler {
  return makeLinkSignInCallbackHandler(inviteLinks(deps));
}

// ---------------------------------------------------------------------------------------------
// Descriptors

type Deps = { customerInvite: CustomerInviteDependencies };
const tokenParameter = { name: "token", in: "path" as const, schema: z.string() };
const html = (description: string) => ({ description, contentType: "text/html", schema: z.string() });
const decisionDoc = (summary: string, done: string): OperationDoc => ({
  summary,
  tags: ["customers"],
  parameters: [tokenParameter],
  responses: {
    200: { description: `${done} (JSON, or an HTML page for a form post).` },
    ...errorResponses(401, 403, 410),
  },
});

export const customerInvitePageFunction = httpFunction({
  name: CUSTOMER_INVITE_PAGE_FUNCTION,
  route: CUSTOMER_INVITE_PAGE_ROUTE,
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: ({ customerInvite }: Deps) => makeInvitePageHandler(customerInvite),
  openapi: {
    summary: "The customer's invitation page (changes nothing; R15).",
    tags: ["customers"],
    security: "none",
    parameters: [tokenParameter],
    responses: {
      200: html("The page, in the invitation's language."),
      404: html("Unknown link."),
      410: html("Used or expired link."),
    },
  },
});

export const customerInviteAcceptFunction = httpFunction({
  name: CUSTOMER_INVITE_ACCEPT_FUNCTION,
  route: CUSTOMER_INVITE_ACCEPT_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ customerInvite }: Deps) => makeDecisionHandler(customerInvite, "accepted"),
  openapi: decisionDoc("Accept, as the invited tenant's Global Administrator (R2).", "Accepted"),
});

export const customerInviteDeclineFunction = httpFunction({
  name: CUSTOMER_INVITE_DECLINE_FUNCTION,
  route: CUSTOMER_INVITE_DECLINE_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ customerInvite }: Deps) => makeDecisionHandler(customerInvite, "declined"),
  openapi: decisionDoc("Decline.", "Declined"),
});

export const customerInviteSignInFunction = httpFunction({
  name: CUSTOMER_INVITE_SIGNIN_FUNCTION,
  route: CUSTOMER_INVITE_SIGNIN_ROUTE,
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  handler: ({ customerInvite }: Deps) => makeSignInHandler(customerInvite),
  openapi: {
    summary:
      "Sign in from the invitation page: AUTH_MODE=entra redirects to Entra (OIDC code + PKCE); dev mode takes the page's form post (tenantId, email, globalAdmin, csrf).",
    tags: ["customers"],
    security: "none",
    parameters: [tokenParameter],
    responses: {
      303: { description: "To Entra's sign-in, or back to the invitation page with the session cookie." },
      403: html("A cross-site form post."),
      404: html("Unknown link."),
      405: { description: "Dev mode: only the page's form post signs in." },
      410: html("Used or expired link."),
      422: html("The sign-in form is not valid."),
    },
  },
});

export const customerSignInCallbackFunction = httpFunction({
  name: CUSTOMER_SIGNIN_CALLBACK_FUNCTION,
  route: CUSTOMER_SIGNIN_CALLBACK_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ customerInvite }: Deps) => makeSignInCallbackHandler(customerInvite),
  openapi: {
    summary:
      "AUTH_MODE=entra: Entra returns here with code and state; sets the session and goes back to the page.",
    tags: ["customers"],
    security: "none",
    parameters: [
      { name: "code", in: "query", schema: z.string() },
      { name: "state", in: "query", schema: z.string() },
    ],
    responses: {
      200: html("A page that continues to the invitation (same-site, so the session cookie travels)."),
      401: html("The sign-in failed or was not completed."),
      404: { description: "Dev mode: there is no Entra sign-in." },
    },
  },
});
