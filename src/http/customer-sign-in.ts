import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import {
  beginEntraSignIn,
  completeEntraSignIn,
  openSignInState,
  verifyEntraIdToken,
  type EntraSignIn,
} from "../adapters/auth/entra-sign-in";
import type { CustomerIdentity } from "../application/invitations/customer-decision";
import { refuse } from "../domain/errors";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Principal } from "../domain/model";
import { isFormPost, readForm } from "./body";
import { clearedCookie, httpOnlyCookie, readCookies } from "./cookies";
import { checkSameOrigin } from "./csrf";

/**
 * Signing a customer in on a page behind an email link (the link families: invitations, partner
 * switches, admin relationship termination). Each family has its own path prefix, session cookie
 * scoped to it, and (AUTH_MODE=entra) its own callback route, which is its own redirect URI on the
 * app registration (docs/deploy.md). In dev mode a small form on the page issues a dev token.
 */

export interface DevSignIn {
  mode: "dev";
  issue(request: { tenantId: string; wids: string[]; email?: string }): Promise<string>;
}

export type CustomerSignIn = DevSignIn | EntraSignIn;

export interface SignInFamily {
  /** The pages' path prefix, e.g. `/terminate/`; the page of a token is `{prefix}{token}`. */
  pagePrefix: string;
  sessionCookie: string;
  /** Entra's sign-in state, scoped to the callback's path. */
  stateCookie: string;
  /** The callback route's directory, e.g. `/auth/terminate/`. */
  callbackPrefix: string;
}

const SESSION_LIFETIME_SECONDS = 3600;

/** The dev sign-in form (fields named by the page renderers). */
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

export function principalToIdentity(principal: Principal): CustomerIdentity {
  const identity: CustomerIdentity = {
    tenantId: principal.tenantId,
    userId: principal.userId,
    wids: principal.wids,
  };
  if (principal.email) identity.email = principal.email;
  if (principal.name) identity.name = principal.name;
  return identity;
}

/** A session's identity: a dev token (dev mode) or an Entra ID token (entra mode). Throws when invalid. */
export async function verifyCustomerSession(
  signIn: CustomerSignIn,
  verifyBearer: (token: string) => Promise<Principal>,
  session: string,
  now: Date,
): Promise<CustomerIdentity> {
  if (signIn.mode === "dev") return principalToIdentity(await verifyBearer(session));
  const runtime = await signIn.runtime();
  return verifyEntraIdToken(signIn.settings, runtime.keys, session, now);
}

/** The signed-in customer from the family's session cookie, if any and still valid; never throws. */
export async function customerSession(
  family: SignInFamily,
  signIn: CustomerSignIn,
  verifyBearer: (token: string) => Promise<Principal>,
  request: HttpRequest,
  now: Date,
): Promise<{ identity: CustomerIdentity; session: string } | undefined> {
  const session = readCookies(request).get(family.sessionCookie);
  if (!session) return undefined;
  try {
    return { identity: await verifyCustomerSession(signIn, verifyBearer, session, now), session };
  } catch {
    return undefined;
  }
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
    cookies: [httpOnlyCookie(request, name, value, options)],
  };
}

/**
 * `{prefix}{token}/signin` for a live link: entra mode redirects to Entra with the sealed state
 * (which names the token to return to); dev mode takes the page's form post and sets the session.
 * `invalidForm` renders the 422 page of the family.
 */
export async function startCustomerSignIn(options: {
  family: SignInFamily;
  signIn: CustomerSignIn;
  request: HttpRequest;
  token: string;
  now: Date;
  publicBaseUrl: string | undefined;
  invalidForm: () => HttpResponseInit;
}): Promise<HttpResponseInit> {
  const { family, signIn, request, token } = options;
  if (signIn.mode === "entra") {
    const { location, stateCookie } = await beginEntraSignIn(signIn.settings, token, options.now);
    return redirectWithCookie(request, location, family.stateCookie, stateCookie, {
      path: family.callbackPrefix,
      maxAge: 600,
      // The way back from Entra is a cross-site navigation: Strict would drop this cookie.
      sameSite: "Lax",
    });
  }
  if (request.method.toUpperCase() !== "POST" || !isFormPost(request)) {
    return { status: 405, headers: { allow: "POST" } };
  }
  checkSameOrigin(request, options.publicBaseUrl);
  const parsed = devSignInFormSchema.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) return options.invalidForm();
  const { tenantId, email, globalAdmin } = parsed.data;
  const session = await signIn.issue({
    tenantId,
    wids: globalAdmin ? [GLOBAL_ADMINISTRATOR_ROLE_ID] : [],
    ...(email ? { email } : {}),
  });
  return redirectWithCookie(request, `${family.pagePrefix}${token}`, family.sessionCookie, session, {
    path: family.pagePrefix,
    maxAge: SESSION_LIFETIME_SECONDS,
    sameSite: "Strict",
  });
}

/**
 * The family's Entra callback (GET with code and state): redeems the code, sets the session cookie
 * on the family's pages and continues to the page of the token sealed in the state. `continuePage`
 * renders the same-site hop (so the Strict session cookie travels with the next load).
 */
export async function completeCustomerSignIn(options: {
  family: SignInFamily;
  signIn: CustomerSignIn;
  request: HttpRequest;
  now: Date;
  continuePage: (href: string) => string;
  pageHeaders: Readonly<Record<string, string>>;
}): Promise<HttpResponseInit> {
  const { family, signIn, request, now } = options;
  if (signIn.mode !== "entra") return { status: 404 };
  const url = new URL(request.url);
  const state = await openSignInState(
    signIn.settings,
    readCookies(request).get(family.stateCookie),
    url.searchParams.get("state"),
    now,
  );
  const code = url.searchParams.get("code");
  if (!code) throw refuse.unauthorized("The sign-in was not completed.");
  const { idToken } = await completeEntraSignIn(signIn.settings, await signIn.runtime(), state, code, now);
  return {
    status: 200,
    headers: { ...options.pageHeaders },
    body: options.continuePage(`${family.pagePrefix}${state.returnTo}`),
    cookies: [
      httpOnlyCookie(request, family.sessionCookie, idToken, {
        path: family.pagePrefix,
        maxAge: SESSION_LIFETIME_SECONDS,
        sameSite: "Strict",
      }),
      clearedCookie(family.stateCookie, family.callbackPrefix),
    ],
  };
}
