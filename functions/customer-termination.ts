import type { HttpHandler, HttpRequest } from "@azure/functions";
import { z } from "zod";
import {
  notifyPartnerOfTermination,
  type AdminLifecycleDependencies,
} from "../src/application/admin-relationships";
import {
  lookUpTerminationLink,
  terminateByCustomerLink,
  type CustomerTerminationDependencies,
} from "../src/application/customer-termination";
import type { Locale, Principal } from "../src/domain/model";
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
import { principalToIdentity, type CustomerSignIn, type SignInFamily } from "../src/http/customer-sign-in";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import {
  renderTerminatedPage,
  renderTerminationErrorPage,
  renderTerminationPage,
  renderTerminationUnavailablePage,
  type TerminationPageView,
} from "../src/web";
import { announceTermination, type TerminationEffectsDependencies } from "./relationships";

/**
 * The customer's end of an admin relationship (R9), behind the link in the acceptance confirmation
 * email (all anonymous at the Functions level; ending it needs the customer's Global Administrator):
 * - GET|HEAD /terminate/{token}: the page. Reads only (R15): mail scanners open every link.
 * - POST /terminate/{token}/confirm: a bearer token (JSON callers) or the page's session cookie (form
 *   posts, with CSRF token and same-origin check); HTML answers for forms, JSON otherwise.
 * - /terminate/{token}/signin: dev mode's sign-in form; entra mode starts the OIDC code flow, which
 *   returns to /auth/terminate/callback (its own redirect URI, docs/deploy.md).
 * The token in the path is never logged here, never echoed in a body, and kept out of Referer.
 */
export const TERMINATION_PAGE_FUNCTION = "customerTerminationPage";
export const TERMINATION_PAGE_ROUTE = "terminate/{token}";
export const TERMINATION_CONFIRM_FUNCTION = "customerTerminationConfirm";
export const TERMINATION_CONFIRM_ROUTE = "terminate/{token}/confirm";
export const TERMINATION_SIGNIN_FUNCTION = "customerTerminationSignIn";
export const TERMINATION_SIGNIN_ROUTE = "terminate/{token}/signin";
export const TERMINATION_CALLBACK_FUNCTION = "customerTerminationSignInCallback";
export const TERMINATION_CALLBACK_ROUTE = "auth/terminate/callback";

export const TERMINATION_FAMILY: SignInFamily = {
  pagePrefix: "/terminate/",
  sessionCookie: "terminate_session",
  stateCookie: "terminate_signin",
  callbackPrefix: "/auth/terminate/",
};

export const terminationFormSchema = z.object({ csrf: z.string().optional() });

export interface CustomerTerminationHttpDependencies {
  termination: CustomerTerminationDependencies;
  /** Tells the partner by email (R9: "the partner is told"). */
  partnerNotice: Pick<AdminLifecycleDependencies, "partners" | "invitations" | "render" | "email">;
  effects: TerminationEffectsDependencies;
  verifyBearer(token: string): Promise<Principal>;
  signIn: CustomerSignIn;
  /** Keys the CSRF tokens tied to a session (INVITATION_LINK_KEY). */
  secret: string;
  publicBaseUrl?: string;
}

/** The edge this family shares with the other link pages (src/http/customer-link.ts). */
function terminationLinks(deps: CustomerTerminationHttpDependencies): CustomerLinks {
  return {
    family: TERMINATION_FAMILY,
    signIn: deps.signIn,
    verifyBearer: (token) => deps.verifyBearer(token),
    now: () => deps.termination.clock.now(),
    secret: deps.secret,
    publicBaseUrl: deps.publicBaseUrl,
    pages: {
      unavailable: renderTerminationUnavailablePage,
      refused: (locale, status, backHref) => renderTerminationErrorPage(locale, status, backHref),
      refusals: ["unauthorized", "forbidden", "conflict"],
    },
  };
}

/** The invitation's language, when the token names a genuine link (read only). */
async function linkLocale(
  deps: CustomerTerminationHttpDependencies,
  request: HttpRequest,
): Promise<Locale | undefined> {
  try {
    const link = await lookUpTerminationLink(deps.termination, linkToken(request));
    return link.state === "unknown" ? undefined : link.invitation.locale;
  } catch {
    return undefined;
  }
}

// GET|HEAD /terminate/{token}
export function makeTerminationPageHandler(deps: CustomerTerminationHttpDependencies): HttpHandler {
  const links = terminationLinks(deps);
  return async (request, context) => {
    try {
      const token = linkToken(request);
      const link = await lookUpTerminationLink(deps.termination, token);
      if (link.state === "unknown") return unavailableLink(links, request, 404);
      if (link.state === "closed") return unavailableLink(links, request, 410, link.invitation.locale);
      const { relationship, invitation, partner } = link;
      const view: TerminationPageView = {
        locale: invitation.locale,
        actionBase: linkPagePath(TERMINATION_FAMILY, token),
        partnerName: partner.name,
        customerName: invitation.customer.displayName,
        roles: relationship.roles ?? [],
        endsAt: relationship.endsAt ?? relationship.startsAt,
        autoExtend: relationship.autoExtend ?? false,
        signIn: { mode: deps.signIn.mode },
      };
      const signed = await linkSession(links, request);
      if (signed) {
        view.signedInAs = {
          tenantId: signed.identity.tenantId,
          ...(signed.identity.email ? { email: signed.identity.email } : {}),
        };
        view.csrfToken = csrfTokenFor(deps.secret, signed.session);
      }
      return htmlPage(200, renderTerminationPage(view));
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}

// POST /terminate/{token}/confirm
export function makeTerminationConfirmHandler(deps: CustomerTerminationHttpDependencies): HttpHandler {
  const links = terminationLinks(deps);
  return async (request, context) => {
    const form = isFormPost(request);
    try {
      const token = linkToken(request);
      const poster = await linkPoster(
        links,
        request,
        form ? await readForm(request) : undefined,
        terminationFormSchema,
      );
      const identity = "principal" in poster ? principalToIdentity(poster.principal) : poster.session;
      const done = await terminateByCustomerLink(deps.termination, { token, identity });
      await announceTermination(deps.effects, context, done.relationship, { terminatedBy: "customer" });
      try {
        const stored = await deps.termination.relationships.get(done.relationship.id, {
          customerTenantId: done.relationship.customerTenantId,
        });
        if (stored) await notifyPartnerOfTermination(deps.partnerNotice, stored.value);
      } catch (error) {
        // The termination is recorded (and the webhook carries it); the email is reported, not the answer.
        context.warn(
          `Could not email the partner about the termination of relationship ${done.relationship.id}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (!form) {
        return {
          status: 200,
          jsonBody: { id: done.relationship.id, status: done.relationship.status },
          headers: { "cache-control": "no-store" },
        };
      }
      return htmlPage(200, renderTerminatedPage(done.invitation.locale, done.partner.name));
    } catch (error) {
      if (form) return linkPageError(links, request, error, context, await linkLocale(deps, request));
      return apiProblem(error, context);
    }
  };
}

// /terminate/{token}/signin
export function makeTerminationSignInHandler(deps: CustomerTerminationHttpDependencies): HttpHandler {
  const links = terminationLinks(deps);
  return async (request, context) => {
    try {
      const token = linkToken(request);
      const link = await lookUpTerminationLink(deps.termination, token);
      if (link.state === "unknown") return unavailableLink(links, request, 404);
      if (link.state === "closed") return unavailableLink(links, request, 410, link.invitation.locale);
      return await startLinkSignIn(links, request, token, link.invitation.locale);
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}

// GET /auth/terminate/callback (entra mode)
export function makeTerminationCallbackHandler(deps: CustomerTerminationHttpDependencies): HttpHandler {
  return makeLinkSignInCallbackHandler(terminationLinks(deps));
}

// Descriptors
type Deps = { customerTermination: CustomerTerminationHttpDependencies };
const tokenParameter = { name: "token", in: "path" as const, schema: z.string() };
const html = (description: string) => ({ description, contentType: "text/html", schema: z.string() });

export const customerTerminationPageFunction = httpFunction({
  name: TERMINATION_PAGE_FUNCTION,
  route: TERMINATION_PAGE_ROUTE,
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: ({ customerTermination }: Deps) => makeTerminationPageHandler(customerTermination),
  openapi: {
    summary:
      "R9: the page behind the acceptance confirmation email's link, where the customer's Global Administrator ends the admin relationship (changes nothing; R15).",
    tags: ["customers"],
    security: "none",
    parameters: [tokenParameter],
    responses: {
      200: html("The page, in the invitation's language."),
      404: html("Unknown link."),
      410: html("The admin relationship has ended (terminated or expired)."),
    },
  },
});

export const customerTerminationConfirmFunction = httpFunction({
  name: TERMINATION_CONFIRM_FUNCTION,
  route: TERMINATION_CONFIRM_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ customerTermination }: Deps) => makeTerminationConfirmHandler(customerTermination),
  openapi: {
    summary:
      "R9: end the admin relationship, as a Global Administrator of its customer tenant (R2); the partner is told by email and webhook.",
    tags: ["customers"],
    parameters: [tokenParameter],
    responses: {
      200: { description: "Terminated (JSON `{id, status}`, or an HTML page for a form post)." },
      ...errorResponses(401, 403, 404, 409, 410),
    },
  },
});

export const customerTerminationSignInFunction = httpFunction({
  name: TERMINATION_SIGNIN_FUNCTION,
  route: TERMINATION_SIGNIN_ROUTE,
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  handler: ({ customerTermination }: Deps) => makeTerminationSignInHandler(customerTermination),
  openapi: {
    summary:
      "Sign in from the termination page: AUTH_MODE=entra redirects to Entra (OIDC code + PKCE); dev mode takes the page's form post (tenantId, email, globalAdmin, csrf).",
    tags: ["customers"],
    security: "none",
    parameters: [tokenParameter],
    responses: {
      303: { description: "To Entra's sign-in, or back to the page with the session cookie." },
      403: html("A cross-site form post."),
      404: html("Unknown link."),
      405: { description: "Dev mode: only the page's form post signs in." },
      410: html("The admin relationship has ended."),
      422: html("The sign-in form is not valid."),
    },
  },
});

export const customerTerminationCallbackFunction = httpFunction({
  name: TERMINATION_CALLBACK_FUNCTION,
  route: TERMINATION_CALLBACK_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ customerTermination }: Deps) => makeTerminationCallbackHandler(customerTermination),
  openapi: {
    summary:
      "AUTH_MODE=entra: Entra returns here from the termination page's sign-in; sets the session and goes back to the page.",
    tags: ["customers"],
    security: "none",
    parameters: [
      { name: "code", in: "query", schema: z.string() },
      { name: "state", in: "query", schema: z.string() },
    ],
    responses: {
      200: html("A page that continues to the termination page (same-site, so the session cookie travels)."),
      401: html("The sign-in failed or was not completed."),
      404: { description: "Dev mode: there is no Entra sign-in." },
    },
  },
});

/** Every function of this module, in registration order. */
export const customerTerminationFunctions = [
  customerTerminationPageFunction,
  customerTerminationConfirmFunction,
  customerTerminationSignInFunction,
  customerTerminationCallbackFunction,
];
