import { createHmac, timingSafeEqual, createHash } from "node:crypto";
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import {
  decideInvitation,
  lookUpLink,
  type CustomerDecisionDependencies,
  type CustomerIdentity,
  type Decision,
  type LinkLookup,
} from "../src/application/invitations/customer-decision";
import {
  beginEntraSignIn,
  completeEntraSignIn,
  entraSignInRuntime,
  openSignInState,
  verifyEntraIdToken,
  type EntraSignInRuntime,
  type EntraSignInSettings,
} from "../src/application/invitations/customer-sign-in";
import { DomainError, refuse } from "../src/domain/errors";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Locale, type Principal } from "../src/domain/model";
import { bearerTokenOf } from "../src/http/auth";
import { readBodyText } from "../src/http/body";
import { toProblemResponse } from "../src/http/problem";
import {
  PAGE_HEADERS,
  renderContinuePage,
  renderDecisionPage,
  renderErrorPage,
  renderInvitationPage,
  renderLinkUnavailablePage,
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
const SESSION_LIFETIME_SECONDS = 3600;

/** The dev sign-in form (fields named by the page renderer). */
export const devSignInFormSchema = z.object({
  tenantId: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, "must be a tenant id"),
  email: z
    .string()
    .trim()
    .max(320)
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.email().optional()),
  globalAdmin: z.literal("true").optional(),
  csrf: z.string().optional(),
});

/** Accept/decline bodies carry nothing but (for forms) the CSRF field. */
export const decisionFormSchema = z.object({ csrf: z.string().optional() });

export interface DevSignIn {
  mode: "dev";
  issue(request: { tenantId: string; wids: string[]; email?: string }): Promise<string>;
}

export interface EntraSignIn {
  mode: "entra";
  settings: EntraSignInSettings;
  runtime: () => Promise<EntraSignInRuntime>;
}

/** Entra sign-in whose key set (remote JWKS, cached by jose) is made once, on first use. */
export function entraSignIn(settings: EntraSignInSettings): EntraSignIn {
  let runtime: Promise<EntraSignInRuntime> | undefined;
  return { mode: "entra", settings, runtime: () => (runtime ??= entraSignInRuntime(settings)) };
}

export interface CustomerInviteDependencies {
  decision: Omit<CustomerDecisionDependencies, "raiseDecision" | "warn">;
  /** Verifies bearer tokens (and, in dev mode, the session cookie, which holds a dev token). */
  verifyBearer(token: string): Promise<Principal>;
  signIn: DevSignIn | EntraSignIn;
  /** Keys the CSRF tokens tied to a session (INVITATION_LINK_KEY). */
  secret: string;
  /** PUBLIC_BASE_URL: behind a proxy the public origin may differ from the request's. */
  publicBaseUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Small HTTP helpers

function cookies(request: HttpRequest): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!jar.has(name)) jar.set(name, part.slice(eq + 1).trim());
  }
  return jar;
}

function isHttps(request: HttpRequest): boolean {
  return new URL(request.url).protocol === "https:";
}

function page(status: number, body: string): HttpResponseInit {
  return { status, headers: { ...PAGE_HEADERS }, body };
}

/** The page's forms post urlencoded (no file fields); anything else is an API caller. */
function isFormPost(request: HttpRequest): boolean {
  return (request.headers.get("content-type") ?? "")
    .toLowerCase()
    .startsWith("application/x-www-form-urlencoded");
}

async function readForm(request: HttpRequest): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(request));
}

/** A CSRF token bound to the session: forging one needs the session cookie (HttpOnly) and the key. */
function csrfFor(secret: string, session: string): string {
  const sessionHash = createHash("sha256").update(session, "utf8").digest("hex");
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(`csrf:${sessionHash}`).digest("base64url");
}

function sameValue(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Cookie-borne forms must come from our own page: SameSite=Strict, plus Origin/Fetch metadata and the CSRF field. */
function checkSameOrigin(request: HttpRequest, publicBaseUrl: string | undefined): void {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none")
    throw refuse.forbidden("Cross-site form posts are refused.");
  const origin = request.headers.get("origin");
  const allowed = [new URL(request.url).origin, ...(publicBaseUrl ? [new URL(publicBaseUrl).origin] : [])];
  if (origin && origin !== "null" && !allowed.includes(origin)) {
    throw refuse.forbidden("Cross-site form posts are refused.");
  }
}

function toIdentity(principal: Principal): CustomerIdentity {
  const identity: CustomerIdentity = {
    tenantId: principal.tenantId,
    userId: principal.userId,
    wids: principal.wids,
  };
  if (principal.email) identity.email = principal.email;
  if (principal.name) identity.name = principal.name;
  return identity;
}

async function verifySession(
  deps: CustomerInviteDependencies,
  session: string,
  now: Date,
): Promise<CustomerIdentity> {
  if (deps.signIn.mode === "dev") return toIdentity(await deps.verifyBearer(session));
  const runtime = await deps.signIn.runtime();
  return verifyEntraIdToken(deps.signIn.settings, runtime.keys, session, now);
}

/** The signed-in customer from the session cookie, if any and still valid; never throws. */
async function sessionIdentity(
  deps: CustomerInviteDependencies,
  request: HttpRequest,
): Promise<{ identity: CustomerIdentity; session: string } | undefined> {
  const session = cookies(request).get(SESSION_COOKIE);
  if (!session) return undefined;
  try {
    return { identity: await verifySession(deps, session, deps.decision.clock.now()), session };
  } catch {
    return undefined;
  }
}

function tokenParam(request: HttpRequest): string {
  return request.params.token ?? "";
}

function actionBase(token: string): string {
  return `/invite/${token}`;
}

function unavailable(request: HttpRequest, status: 404 | 410, locale?: Locale): HttpResponseInit {
  return page(status, renderLinkUnavailablePage(locale ?? request.headers.get("accept-language")));
}

function lookupPage(request: HttpRequest, link: Exclude<LinkLookup, { state: "open" }>): HttpResponseInit {
  return link.state === "unknown"
    ? unavailable(request, 404)
    : unavailable(request, 410, link.invitation.locale);
}

// ---------------------------------------------------------------------------------------------
// GET|HEAD /invite/{token}

export function makeInvitePageHandler(deps: CustomerInviteDependencies): HttpHandler {
  return async (request, context) => {
    try {
      const token = tokenParam(request);
      const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, token);
      if (link.state !== "open") return lookupPage(request, link);
      const signedIn = await sessionIdentity(deps, request);
      const { invitation, partner, reseller } = link;
      const view: InvitationPageView = {
        locale: invitation.locale,
        actionBase: actionBase(token),
        partnerName: partner.name,
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
        view.csrfToken = csrfFor(deps.secret, signedIn.session);
      }
      return page(200, renderInvitationPage(view));
    } catch (error) {
      return pageError(request, error, context);
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
    const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, tokenParam(request));
    return link.state === "unknown" ? undefined : link.invitation.locale;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// POST /invite/{token}/accept|decline

const REASON_BY_RULE: Record<string, ErrorReason> = { R11: "partnerTenant", R12: "otherCloud" };

function reasonFor(error: DomainError): ErrorReason {
  if (error.rule === "R2") return error.reason === "notGlobalAdmin" ? "notGlobalAdmin" : "wrongTenant";
  const byRule = error.rule ? REASON_BY_RULE[error.rule] : undefined;
  // Unauthenticated, or a form that did not come from our page (CSRF): sign in again from the link.
  return byRule ?? "signInRequired";
}

function pageError(
  request: HttpRequest,
  error: unknown,
  context: InvocationContext,
  locale?: Locale,
): HttpResponseInit {
  if (error instanceof DomainError) {
    if (error.kind === "gone") return unavailable(request, 410, locale);
    if (error.kind === "notFound") return unavailable(request, 404, locale);
    if (error.kind === "forbidden" || error.kind === "unauthorized") {
      const status = error.kind === "forbidden" ? 403 : 401;
      return page(
        status,
        renderErrorPage(locale ?? request.headers.get("accept-language"), status, reasonFor(error), {
          backHref: actionBase(tokenParam(request)),
        }),
      );
    }
  }
  // Anything else: the shared mapper logs it and answers without details.
  return toProblemResponse(error, context);
}

export function makeDecisionHandler(deps: CustomerInviteDependencies, decision: Decision): HttpHandler {
  return async (request, context) => {
    const form = isFormPost(request);
    let locale: Locale | undefined;
    try {
      const token = tokenParam(request);
      const body = form ? await readForm(request) : undefined;
      let identity: CustomerIdentity;
      const bearer = bearerTokenOf(request);
      if (bearer) {
        try {
          identity = toIdentity(await deps.verifyBearer(bearer));
        } catch {
          throw refuse.unauthorized("The bearer token is missing, invalid or expired.");
        }
      } else {
        // The session cookie only counts for our own page's forms.
        if (!form) throw refuse.unauthorized();
        checkSameOrigin(request, deps.publicBaseUrl);
        const signed = await sessionIdentity(deps, request);
        if (!signed) throw refuse.unauthorized("Sign in first.");
        const fields = decisionFormSchema.safeParse(Object.fromEntries(body ?? []));
        const csrf = fields.success ? fields.data.csrf : undefined;
        if (!csrf || !sameValue(csrf, csrfFor(deps.secret, signed.session))) {
          throw refuse.forbidden("The form has expired. Open the invitation link again.");
        }
        identity = signed.identity;
      }
      const client = df.getClient(context);
      const decided = await decideInvitation(
        {
          ...deps.decision,
          raiseDecision: (invitationId, event) =>
            client.raiseEvent(invitationId, CUSTOMER_DECISION_EVENT, event),
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
      const partner = await deps.decision.partners.get(decided.partnerId);
      const reseller = decided.resellerPartnerId
        ? await deps.decision.partners.get(decided.resellerPartnerId)
        : undefined;
      return page(
        200,
        renderDecisionPage(decided.locale, decision, {
          partnerName: partner?.name ?? decided.partnerId,
          ...(reseller ? { resellerName: reseller.name } : {}),
          kind: decided.kind,
          customer: { displayName: decided.customer.displayName, domain: decided.customer.domain },
        }),
      );
    } catch (error) {
      if (form) return pageError(request, error, context, locale ?? (await invitationLocale(deps, request)));
      const response = toProblemResponse(error, context);
      if (error instanceof DomainError && error.kind === "unauthorized") {
        response.headers = { ...(response.headers as Record<string, string>), "www-authenticate": "Bearer" };
      }
      return response;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// /invite/{token}/signin and /auth/invite/callback

export function makeSignInHandler(deps: CustomerInviteDependencies): HttpHandler {
  return async (request, context) => {
    try {
      const token = tokenParam(request);
      // Signing in changes nothing, but only a live link may start it.
      const link = await lookUpLink({ ...deps.decision, raiseDecision: noRaise }, token);
      if (link.state !== "open") return lookupPage(request, link);
      if (deps.signIn.mode === "entra") {
        const { location, stateCookie } = await beginEntraSignIn(
          deps.signIn.settings,
          token,
          deps.decision.clock.now(),
        );
        return redirectWithCookie(request, location, SIGNIN_STATE_COOKIE, stateCookie, {
          path: SIGNIN_STATE_COOKIE_PATH,
          maxAge: 600,
          // The way back from Entra is a cross-site navigation: Strict would drop this cookie.
          sameSite: "Lax",
        });
      }
      if (request.method.toUpperCase() !== "POST" || !isFormPost(request)) {
        return { status: 405, headers: { allow: "POST" } };
      }
      checkSameOrigin(request, deps.publicBaseUrl);
      const parsed = devSignInFormSchema.safeParse(Object.fromEntries(await readForm(request)));
      if (!parsed.success) {
        return page(
          422,
          renderErrorPage(link.invitation.locale, 422, "signInRequired", { backHref: actionBase(token) }),
        );
      }
      const { tenantId, email, globalAdmin } = parsed.data;
      const session = await deps.signIn.issue({
        tenantId,
        wids: globalAdmin ? [GLOBAL_ADMINISTRATOR_ROLE_ID] : [],
        ...(email ? { email } : {}),
      });
      return redirectWithCookie(request, actionBase(token), SESSION_COOKIE, session, {
        path: SESSION_COOKIE_PATH,
        maxAge: SESSION_LIFETIME_SECONDS,
        sameSite: "Strict",
      });
    } catch (error) {
      return pageError(request, error, context);
    }
  };
}

function redirectWithCookie(
  request: HttpRequest,
  location: string,
  name: string,
  value: string,
  options: { path: string; maxAge: number; sameSite: "Strict" | "Lax" },
): HttpResponseInit {
  return {
    status: 303,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
    cookies: [
      {
        name,
        value,
        path: options.path,
        maxAge: options.maxAge,
        httpOnly: true,
        sameSite: options.sameSite,
        secure: isHttps(request),
      },
    ],
  };
}

/** Entra returns here (GET, query) with code and state; the session cookie then goes to /invite/. */
export function makeSignInCallbackHandler(deps: CustomerInviteDependencies): HttpHandler {
  return async (request, context) => {
    try {
      if (deps.signIn.mode !== "entra") return { status: 404 };
      const url = new URL(request.url);
      const now = deps.decision.clock.now();
      const state = await openSignInState(
        deps.signIn.settings,
        cookies(request).get(SIGNIN_STATE_COOKIE),
        url.searchParams.get("state"),
        now,
      );
      const code = url.searchParams.get("code");
      if (!code) throw refuse.unauthorized("The sign-in was not completed.");
      const { idToken } = await completeEntraSignIn(
        deps.signIn.settings,
        await deps.signIn.runtime(),
        state,
        code,
        now,
      );
      const back = actionBase(state.returnTo);
      // A same-site hop (meta refresh) so the Strict session cookie travels with the next page load;
      // the page escapes the address like every other page.
      const body = renderContinuePage(request.headers.get("accept-language") ?? undefined, back);
      return {
        status: 200,
        headers: { ...PAGE_HEADERS },
        body,
        cookies: [
          {
            name: SESSION_COOKIE,
            value: idToken,
            path: SESSION_COOKIE_PATH,
            maxAge: SESSION_LIFETIME_SECONDS,
            httpOnly: true,
            sameSite: "Strict",
            secure: isHttps(request),
          },
          { name: SIGNIN_STATE_COOKIE, value: "", path: SIGNIN_STATE_COOKIE_PATH, maxAge: 0, httpOnly: true },
        ],
      };
    } catch (error) {
      return pageError(request, error, context);
    }
  };
}
