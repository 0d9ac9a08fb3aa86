import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { z } from "zod";
import type { CustomerIdentity } from "../application/invitations/customer-decision";
import { DomainError, refuse, type ErrorKind } from "../domain/errors";
import type { Locale, Principal } from "../domain/model";
import { PAGE_HEADERS, renderContinuePage, type LocaleInput } from "../web";
import { bearerTokenOf, WWW_AUTHENTICATE } from "./auth";
import { checkSameOrigin, isCsrfTokenValid } from "./csrf";
import {
  completeCustomerSignIn,
  customerSession,
  startCustomerSignIn,
  type CustomerSignIn,
  type SignInFamily,
} from "./customer-sign-in";
import { toProblemResponse } from "./problem";

/**
 * The edge every family of customer link pages shares (invitations, partner switches, admin
 * relationship termination): the token in the path, the session cookie, the form posts' CSRF and
 * same-origin checks, the generic dead-link page and the choice between an HTML page (a form post
 * from our page) and problem+json (an API caller). What differs between the families (routes,
 * catalogs, the use case) comes in as a `CustomerLinks`; the use case stays in the function module.
 */

/** How a family renders the pages this edge answers with on its own. */
export interface LinkPages {
  /** One page for every unusable link (unknown, used, ended, tampered): it never says which. */
  unavailable(locale: LocaleInput): string;
  /**
   * A refusal the page explains, with a way back to the link's page. `error` is absent for the dev
   * sign-in form's 422, which no use case refused.
   */
  refused(locale: LocaleInput, status: number, backHref: string, error?: DomainError): string;
  /** The refusals explained on a page; any other error of a form post is a problem answer. */
  refusals: readonly RefusalKind[];
}

type RefusalKind = Extract<ErrorKind, "unauthorized" | "forbidden" | "conflict">;

const REFUSAL_STATUS: Record<RefusalKind, number> = { unauthorized: 401, forbidden: 403, conflict: 409 };

export interface CustomerLinks {
  family: SignInFamily;
  signIn: CustomerSignIn;
  /** Verifies bearer tokens (and, in dev mode, the session cookie, which holds a dev token). */
  verifyBearer(token: string): Promise<Principal>;
  now(): Date;
  /** Keys the CSRF tokens tied to a session (INVITATION_LINK_KEY). */
  secret: string;
  /** PUBLIC_BASE_URL: behind a proxy the public origin may differ from the request's. */
  publicBaseUrl?: string | undefined;
  pages: LinkPages;
}

/** A customer page: the headers (CSP, no-referrer, no-store) are the same for every one. */
export function htmlPage(status: number, body: string): HttpResponseInit {
  return { status, headers: { ...PAGE_HEADERS }, body };
}

export function linkToken(request: HttpRequest): string {
  return request.params.token ?? "";
}

/** The page of a token, where its forms post (`{path}/signin`, `{path}/confirm`, ...). */
export function linkPagePath(family: SignInFamily, token: string): string {
  return `${family.pagePrefix}${token}`;
}

/** The signed-in customer from the family's session cookie, if any and still valid; never throws. */
export function linkSession(
  links: CustomerLinks,
  request: HttpRequest,
): Promise<{ identity: CustomerIdentity; session: string } | undefined> {
  return customerSession(
    links.family,
    links.signIn,
    (token) => links.verifyBearer(token),
    request,
    links.now(),
  );
}

/** The generic page; a link that names its language speaks it, anything else the browser's. */
export function unavailableLink(
  links: CustomerLinks,
  request: HttpRequest,
  status: 404 | 410,
  locale?: Locale,
): HttpResponseInit {
  return htmlPage(status, links.pages.unavailable(locale ?? request.headers.get("accept-language")));
}

/** A failure on a link's page: dead links and explained refusals as pages, anything else through the one mapper. */
export function linkPageError(
  links: CustomerLinks,
  request: HttpRequest,
  error: unknown,
  context: InvocationContext,
  locale?: Locale,
): HttpResponseInit {
  if (error instanceof DomainError) {
    if (error.kind === "gone") return unavailableLink(links, request, 410, locale);
    if (error.kind === "notFound") return unavailableLink(links, request, 404, locale);
    const kind = links.pages.refusals.find((k) => k === error.kind);
    if (kind) {
      const status = REFUSAL_STATUS[kind];
      const lang = locale ?? request.headers.get("accept-language");
      const back = linkPagePath(links.family, linkToken(request));
      return htmlPage(status, links.pages.refused(lang, status, back, error));
    }
  }
  // The mapper logs it and answers without details.
  return toProblemResponse(error, context);
}

/** An API caller's failure: problem+json, and a 401 names the scheme (RFC 6750). */
export function apiProblem(
  error: unknown,
  context: InvocationContext,
  challenge: string = WWW_AUTHENTICATE,
): HttpResponseInit {
  const response = toProblemResponse(error, context);
  if (error instanceof DomainError && error.kind === "unauthorized") {
    response.headers = { ...(response.headers as Record<string, string>), "www-authenticate": challenge };
  }
  return response;
}

/**
 * Who posts an answer to a link: a bearer token (API callers), or the page's session cookie, which
 * only counts for our own page's form (same origin, CSRF token bound to the session). `form` is the
 * parsed form body, absent for anything but a form post; `formSchema` is the route's own.
 */
export async function linkPoster(
  links: CustomerLinks,
  request: HttpRequest,
  form: URLSearchParams | undefined,
  formSchema: z.ZodType<{ csrf?: string | undefined }>,
): Promise<{ principal: Principal } | { session: CustomerIdentity }> {
  const bearer = bearerTokenOf(request);
  if (bearer) {
    try {
      return { principal: await links.verifyBearer(bearer) };
    } catch {
      throw refuse.unauthorized("The bearer token is missing, invalid or expired.");
    }
  }
  if (!form) throw refuse.unauthorized();
  checkSameOrigin(request, links.publicBaseUrl);
  const signed = await linkSession(links, request);
  if (!signed) throw refuse.unauthorized("Sign in first.");
  const fields = formSchema.safeParse(Object.fromEntries(form));
  if (!isCsrfTokenValid(links.secret, signed.session, fields.success ? fields.data.csrf : undefined)) {
    throw refuse.forbidden("The form has expired. Open the link again.");
  }
  return { session: signed.identity };
}

/**
 * `{prefix}{token}/signin` once the caller found the link live (signing in changes nothing, but only
 * a live link may start it); `locale` is the language of the 422 page for an invalid dev form.
 */
export function startLinkSignIn(
  links: CustomerLinks,
  request: HttpRequest,
  token: string,
  locale: LocaleInput,
): Promise<HttpResponseInit> {
  return startCustomerSignIn({
    family: links.family,
    signIn: links.signIn,
    request,
    token,
    now: links.now(),
    publicBaseUrl: links.publicBaseUrl,
    invalidForm: () => htmlPage(422, links.pages.refused(locale, 422, linkPagePath(links.family, token))),
  });
}

/** The family's Entra callback (GET with code and state); dev mode has none (404). */
export function makeLinkSignInCallbackHandler(links: CustomerLinks): HttpHandler {
  return async (request, context) => {
    try {
      // A same-site hop (meta refresh) so the Strict session cookie travels with the next page load.
      return await completeCustomerSignIn({
        family: links.family,
        signIn: links.signIn,
        request,
        now: links.now(),
        continuePage: (href) => renderContinuePage(request.headers.get("accept-language"), href),
        pageHeaders: PAGE_HEADERS,
      });
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}
