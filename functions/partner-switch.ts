import type { HttpHandler, HttpResponseInit, InvocationContext } from "@azure/functions";
import { durableClientOf } from "../src/adapters/durable/client";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth/verifier";
import type { CustomerIdentity } from "../src/application/invitations/customer-decision";
import {
  answerSwitchAsCurrentPartner,
  answerSwitchByLink,
  listSwitchRequests,
  lookUpSwitchLink,
  switchRequestView,
  type PartnerSwitchDependencies,
  type SwitchDecision,
  type SwitchIdentity,
} from "../src/application/migrations/partner-switch";
import { durableMigrationWorkflows } from "../src/adapters/durable/migration-workflows";
import type { MigrationWorkflows } from "../src/application/subscriptions/ports";
import { refuse } from "../src/domain/errors";
import type { Principal } from "../src/domain/model";
import { authenticated, json } from "../src/http/auth";
import { isFormPost, readForm, zodIssuesToFieldErrors } from "../src/http/body";
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
import { devSignInFormSchema, type CustomerSignIn, type SignInFamily } from "../src/http/customer-sign-in";
import { httpFunction, type OperationDoc } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";
import { resolveLocale } from "../src/web";
import {
  renderSwitchAnsweredPage,
  renderSwitchErrorPage,
  renderSwitchPage,
  renderSwitchUnavailablePage,
  type SwitchPageView,
} from "../src/web/switch-pages";

/**
 * R19's links and API (all anonymous at the Functions level; the answer itself needs the right
 * identity, see src/application/migrations/partner-switch.ts):
 * - GET|HEAD /switch/{token}: the page. Reads only (R15): mail scanners open every link.
 * - POST /switch/{token}/approve|decline: a bearer token (JSON) or the page's session cookie (form
 *   posts, with CSRF token and same-origin check); HTML answers for forms, JSON otherwise.
 * - POST /switch/{token}/signin: dev mode's sign-in form (a dev token in a cookie scoped to /switch/).
 * - GET /api/switch-requests, POST /api/switch-requests/{migrationId}/approve|decline: an enrolled
 *   current partner answers through the API (404 for a request not addressed to it).
 * The token in the path is never logged here, never echoed in a body, and kept out of Referer.
 */
export const SWITCH_PAGE_FUNCTION = "partnerSwitchPage";
export const SWITCH_PAGE_ROUTE = "switch/{token}";
export const SWITCH_APPROVE_FUNCTION = "partnerSwitchApprove";
export const SWITCH_APPROVE_ROUTE = "switch/{token}/approve";
export const SWITCH_DECLINE_FUNCTION = "partnerSwitchDecline";
export const SWITCH_DECLINE_ROUTE = "switch/{token}/decline";
export const SWITCH_SIGNIN_FUNCTION = "partnerSwitchSignIn";
export const SWITCH_SIGNIN_ROUTE = "switch/{token}/signin";
export const LIST_SWITCH_REQUESTS_FUNCTION = "listSwitchRequests";
export const LIST_SWITCH_REQUESTS_ROUTE = "api/switch-requests";
export const APPROVE_SWITCH_REQUEST_FUNCTION = "approveSwitchRequest";
export const APPROVE_SWITCH_REQUEST_ROUTE = "api/switch-requests/{migrationId}/approve";
export const DECLINE_SWITCH_REQUEST_FUNCTION = "declineSwitchRequest";
export const DECLINE_SWITCH_REQUEST_ROUTE = "api/switch-requests/{migrationId}/decline";

export const SWITCH_SIGNIN_CALLBACK_FUNCTION = "partnerSwitchSignInCallback";
export const SWITCH_SIGNIN_CALLBACK_ROUTE = "auth/switch/callback";

export const SWITCH_SESSION_COOKIE = "switch_session";
export const SWITCH_FAMILY: SignInFamily = {
  pagePrefix: "/switch/",
  sessionCookie: SWITCH_SESSION_COOKIE,
  stateCookie: "switch_signin",
  callbackPrefix: "/auth/switch/",
};

/** The dev sign-in form: the same fields on every customer page. */
export const switchSignInFormSchema = devSignInFormSchema;
export const switchAnswerFormSchema = z.object({ csrf: z.string().optional() });
export const listSwitchRequestsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  continuationToken: z.string().max(8192).optional(),
});

export interface PartnerSwitchHttpDependencies {
  answers: Omit<PartnerSwitchDependencies, "workflows" | "warn">;
  /** The orchestrations to signal; by default through this invocation's durable client. */
  workflows?: (context: InvocationContext) => Pick<MigrationWorkflows, "signal">;
  verifier: TokenVerifier;
  /**
   * dev: the page's sign-in form issues a dev token. entra: the OIDC code flow, returning to
   * /auth/switch/callback (its own redirect URI on the app registration, docs/deploy.md).
   */
  signIn: CustomerSignIn;
  /** Keys the CSRF tokens tied to a session (INVITATION_LINK_KEY). */
  secret: string;
  publicBaseUrl?: string;
}

/** The use case's dependencies for one invocation (signals go through its durable client). */
function answersFor(
  deps: PartnerSwitchHttpDependencies,
  context: InvocationContext,
): PartnerSwitchDependencies {
  return {
    ...deps.answers,
    workflows: deps.workflows ? deps.workflows(context) : durableMigrationWorkflows(durableClientOf(context)),
    warn: (message) => context.warn(message),
  };
}

function toIdentity(principal: Principal): SwitchIdentity {
  return {
    tenantId: principal.tenantId,
    userId: principal.userId,
    roles: principal.roles,
    wids: principal.wids,
    ...(principal.email ? { email: principal.email } : {}),
  };
}

/**
 * The page's session: a dev token or an Entra ID token. Either names the tenant and directory roles
 * (`wids`), which is what the page's answers need (a Global Administrator of the customer's or of the
 * current partner's tenant); partner app roles come with bearer answers only.
 */
function sessionToIdentity(identity: CustomerIdentity): SwitchIdentity {
  const { tenantId, userId, wids, email } = identity;
  return { tenantId, userId, roles: [], wids, ...(email ? { email } : {}) };
}

/** The edge this family shares with the other link pages (src/http/customer-link.ts). */
function switchLinks(deps: PartnerSwitchHttpDependencies): CustomerLinks {
  return {
    family: SWITCH_FAMILY,
    signIn: deps.signIn,
    verifyBearer: (token) => deps.verifier.verify(token),
    now: () => deps.answers.clock.now(),
    secret: deps.secret,
    publicBaseUrl: deps.publicBaseUrl,
    pages: {
      unavailable: renderSwitchUnavailablePage,
      refused: (locale, status, backHref) => renderSwitchErrorPage(locale, status, backHref),
      refusals: ["unauthorized", "forbidden", "conflict"],
    },
  };
}

// GET|HEAD /switch/{token}
export function makeSwitchPageHandler(deps: PartnerSwitchHttpDependencies): HttpHandler {
  const links = switchLinks(deps);
  return async (request, context) => {
    try {
      const token = linkToken(request);
      const link = await lookUpSwitchLink(deps.answers, token);
      if (link.state === "unknown") return unavailableLink(links, request, 404);
      if (link.state === "closed") return unavailableLink(links, request, 410);
      const signedIn = await linkSession(links, request);
      const view: SwitchPageView = {
        // The reader's browser language: the link alone does not say who opens it.
        locale: resolveLocale(request.headers.get("accept-language")),
        actionBase: linkPagePath(SWITCH_FAMILY, token),
        party: link.party,
        newPartnerName: link.newPartnerName,
        customerName: link.subscription.customerTenantId,
        subscription: { id: link.subscription.id, offer: link.subscription.offer },
        expiresAt: link.migration.expiresAt ?? link.migration.createdAt,
        signIn: { mode: deps.signIn.mode },
      };
      if (signedIn) {
        view.signedInAs = {
          tenantId: signedIn.identity.tenantId,
          ...(signedIn.identity.email ? { email: signedIn.identity.email } : {}),
        };
        view.csrfToken = csrfTokenFor(deps.secret, signedIn.session);
      }
      return htmlPage(200, renderSwitchPage(view));
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}

// POST /switch/{token}/approve|decline
export function makeSwitchAnswerHandler(
  deps: PartnerSwitchHttpDependencies,
  decision: SwitchDecision,
): HttpHandler {
  const links = switchLinks(deps);
  return async (request, context) => {
    const form = isFormPost(request);
    try {
      const token = linkToken(request);
      const poster = await linkPoster(
        links,
        request,
        form ? await readForm(request) : undefined,
        switchAnswerFormSchema,
      );
      const identity =
        "principal" in poster ? toIdentity(poster.principal) : sessionToIdentity(poster.session);
      const answered = await answerSwitchByLink(answersFor(deps, context), { token, decision, identity });
      if (!form) {
        return json(200, {
          migrationId: answered.migration.id,
          party: answered.party,
          decision: answered.migration.approvals?.[answered.party] ?? decision,
          status: answered.migration.status,
        });
      }
      return htmlPage(
        200,
        renderSwitchAnsweredPage(request.headers.get("accept-language"), decision, answered.newPartnerName),
      );
    } catch (error) {
      if (form) return linkPageError(links, request, error, context);
      return apiProblem(error, context);
    }
  };
}

// GET|POST /switch/{token}/signin: entra redirects to Entra; dev takes the page's form post.
export function makeSwitchSignInHandler(deps: PartnerSwitchHttpDependencies): HttpHandler {
  const links = switchLinks(deps);
  return async (request, context): Promise<HttpResponseInit> => {
    try {
      const token = linkToken(request);
      const link = await lookUpSwitchLink(deps.answers, token);
      if (link.state === "unknown") return unavailableLink(links, request, 404);
      if (link.state === "closed") return unavailableLink(links, request, 410);
      return await startLinkSignIn(links, request, token, request.headers.get("accept-language"));
    } catch (error) {
      return linkPageError(links, request, error, context);
    }
  };
}

// GET /auth/switch/callback (entra mode)
export function makeSwitchSignInCallbackHandler(deps: PartnerSwitchHttpDependencies): HttpHandler {
  return makeLinkSignInCallbackHandler(switchLinks(deps));
}

// The current partner's API
export function makeListSwitchRequestsHandler(deps: PartnerSwitchHttpDependencies): HttpHandler {
  return authenticated(deps.verifier, async (request, _context, principal) => {
    const query = listSwitchRequestsQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
    if (!query.success)
      throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
    const { limit, continuationToken } = query.data;
    return json(
      200,
      await listSwitchRequests(deps.answers, toIdentity(principal), {
        limit,
        ...(continuationToken ? { continuationToken } : {}),
      }),
    );
  });
}

export function makeAnswerSwitchRequestHandler(
  deps: PartnerSwitchHttpDependencies,
  decision: SwitchDecision,
): HttpHandler {
  return authenticated(deps.verifier, async (request, context, principal) => {
    const answered = await answerSwitchAsCurrentPartner(answersFor(deps, context), {
      migrationId: request.params.migrationId ?? "",
      decision,
      identity: toIdentity(principal),
    });
    return json(200, switchRequestView(answered.migration));
  });
}

// Descriptors
type Deps = { partnerSwitch: PartnerSwitchHttpDependencies };
const tokenParameter = { name: "token", in: "path" as const, schema: z.string() };
const migrationIdParameter = { name: "migrationId", in: "path" as const, schema: z.string() };
const html = (description: string) => ({ description, contentType: "text/html", schema: z.string() });
const linkAnswerDoc = (summary: string): OperationDoc => ({
  summary,
  tags: ["migrations"],
  parameters: [tokenParameter],
  responses: {
    200: {
      description:
        "Recorded (JSON `{migrationId, party, decision, status}`, or an HTML page for a form post).",
    },
    ...errorResponses(401, 403, 409, 410),
  },
});
const apiAnswerDoc = (summary: string): OperationDoc => ({
  summary,
  tags: ["migrations"],
  parameters: [migrationIdParameter],
  responses: {
    200: { description: "The switch request after the answer." },
    ...errorResponses(401, 403, 404, 409, 410),
  },
});

export const partnerSwitchPageFunction = httpFunction({
  name: SWITCH_PAGE_FUNCTION,
  route: SWITCH_PAGE_ROUTE,
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: ({ partnerSwitch }: Deps) => makeSwitchPageHandler(partnerSwitch),
  openapi: {
    summary: "R19: the page behind a partner switch's approval link (changes nothing; R15).",
    tags: ["migrations"],
    security: "none",
    parameters: [tokenParameter],
    responses: { 200: html("The page."), 404: html("Unknown link."), 410: html("Used or ended link.") },
  },
});
export const partnerSwitchApproveFunction = httpFunction({
  name: SWITCH_APPROVE_FUNCTION,
  route: SWITCH_APPROVE_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ partnerSwitch }: Deps) => makeSwitchAnswerHandler(partnerSwitch, "approved"),
  openapi: linkAnswerDoc("R19: approve, as the customer's Global Administrator or the current partner."),
});
export const partnerSwitchDeclineFunction = httpFunction({
  name: SWITCH_DECLINE_FUNCTION,
  route: SWITCH_DECLINE_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ partnerSwitch }: Deps) => makeSwitchAnswerHandler(partnerSwitch, "declined"),
  openapi: linkAnswerDoc("R19: decline."),
});
export const partnerSwitchSignInFunction = httpFunction({
  name: SWITCH_SIGNIN_FUNCTION,
  route: SWITCH_SIGNIN_ROUTE,
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  handler: ({ partnerSwitch }: Deps) => makeSwitchSignInHandler(partnerSwitch),
  openapi: {
    summary:
      "Sign in from the switch page: AUTH_MODE=entra redirects to Entra (OIDC code + PKCE); dev mode takes the page's form post (tenantId, email, globalAdmin, csrf).",
    tags: ["migrations"],
    security: "none",
    parameters: [tokenParameter],
    responses: {
      303: { description: "To Entra's sign-in, or back to the page with the session cookie." },
      403: html("A cross-site form post."),
      404: html("Unknown link."),
      405: { description: "Not the page's form post, or not dev mode." },
      410: html("Used or ended link."),
      422: html("The sign-in form is not valid."),
    },
  },
});
export const partnerSwitchSignInCallbackFunction = httpFunction({
  name: SWITCH_SIGNIN_CALLBACK_FUNCTION,
  route: SWITCH_SIGNIN_CALLBACK_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerSwitch }: Deps) => makeSwitchSignInCallbackHandler(partnerSwitch),
  openapi: {
    summary:
      "AUTH_MODE=entra: Entra returns here from the switch page's sign-in; sets the session and goes back to the page.",
    tags: ["migrations"],
    security: "none",
    parameters: [
      { name: "code", in: "query", schema: z.string() },
      { name: "state", in: "query", schema: z.string() },
    ],
    responses: {
      200: html("A page that continues to the switch page (same-site, so the session cookie travels)."),
      401: html("The sign-in failed or was not completed."),
      404: { description: "Dev mode: there is no Entra sign-in." },
    },
  },
});
export const listSwitchRequestsFunction = httpFunction({
  name: LIST_SWITCH_REQUESTS_FUNCTION,
  route: LIST_SWITCH_REQUESTS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerSwitch }: Deps) => makeListSwitchRequestsHandler(partnerSwitch),
  openapi: {
    summary: "R19: the switch requests addressed to the caller's tenant as current partner, paged.",
    tags: ["migrations"],
    parameters: [
      { name: "limit", in: "query", schema: listSwitchRequestsQuerySchema.shape.limit },
      { name: "continuationToken", in: "query", schema: z.string() },
    ],
    responses: { 200: { description: "`{items, continuationToken?}`." }, ...errorResponses(401, 422) },
  },
});
export const approveSwitchRequestFunction = httpFunction({
  name: APPROVE_SWITCH_REQUEST_FUNCTION,
  route: APPROVE_SWITCH_REQUEST_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ partnerSwitch }: Deps) => makeAnswerSwitchRequestHandler(partnerSwitch, "approved"),
  openapi: apiAnswerDoc("R19: the current partner releases the subscription (write role, R1)."),
});
export const declineSwitchRequestFunction = httpFunction({
  name: DECLINE_SWITCH_REQUEST_FUNCTION,
  route: DECLINE_SWITCH_REQUEST_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  durableClient: true,
  handler: ({ partnerSwitch }: Deps) => makeAnswerSwitchRequestHandler(partnerSwitch, "declined"),
  openapi: apiAnswerDoc("R19: the current partner declines to release it."),
});

/** Every function of this module, in registration order. */
export const partnerSwitchFunctions = [
  partnerSwitchPageFunction,
  partnerSwitchApproveFunction,
  partnerSwitchDeclineFunction,
  partnerSwitchSignInFunction,
  partnerSwitchSignInCallbackFunction,
  listSwitchRequestsFunction,
  approveSwitchRequestFunction,
  declineSwitchRequestFunction,
];
