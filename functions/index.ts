/**
 * The composition root: reads the settings once, builds every dependency once, and registers every
 * function of the app. Nothing else in the app registers functions or reads process.env.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { createAuth } from "../src/adapters/auth";
import {
  ADMIN_RELATIONSHIP_ORCHESTRATION,
  adminRelationshipOrchestrator,
  makeAdminRelationshipActivities,
  makeStartAdminLifecyclesActivity,
  START_ADMIN_LIFECYCLES_ACTIVITY,
  webAdminRelationshipEmails,
} from "./admin-relationship-workflow";
import { resolveClock } from "../src/adapters/clock/clock";
import { CosmosAuditLog } from "../src/adapters/cosmos/audit-repository";
import { createCosmosDatabase } from "../src/adapters/cosmos/client";
import { CosmosIdempotencyStore } from "../src/adapters/cosmos/idempotency-repository";
import { CosmosInvitationRepository } from "../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../src/adapters/cosmos/partner-repository";
import { CosmosRelationshipRepository } from "../src/adapters/cosmos/relationship-repository";
import { AcsEmailSender } from "../src/adapters/email/acs-email-sender";
import { cosmosHealthCheck, emailEndpointHealthCheck } from "../src/adapters/health-checks";
import { loadSettings } from "../src/config/load";
import {
  CUSTOMER_INVITE_ACCEPT_FUNCTION,
  CUSTOMER_INVITE_ACCEPT_ROUTE,
  CUSTOMER_INVITE_DECLINE_FUNCTION,
  CUSTOMER_INVITE_DECLINE_ROUTE,
  CUSTOMER_INVITE_PAGE_FUNCTION,
  CUSTOMER_INVITE_PAGE_ROUTE,
  CUSTOMER_INVITE_SIGNIN_FUNCTION,
  CUSTOMER_INVITE_SIGNIN_ROUTE,
  CUSTOMER_SIGNIN_CALLBACK_FUNCTION,
  CUSTOMER_SIGNIN_CALLBACK_ROUTE,
  makeDecisionHandler,
  makeInvitePageHandler,
  makeSignInCallbackHandler,
  makeSignInHandler,
  entraSignIn,
  type CustomerInviteDependencies,
} from "./customer-invite";
import { DEV_TOKEN_FUNCTION, DEV_TOKEN_ROUTE, makeDevTokenHandler } from "./dev-token";
import {
  DIAGNOSTICS_CANARY_ORCHESTRATION,
  DIAGNOSTICS_ECHO_ACTIVITY,
  diagnosticsCanaryOrchestrator,
  makeEchoActivity,
  makeStartCanaryHandler,
  START_CANARY_FUNCTION,
  START_CANARY_ROUTE,
} from "./diagnostics";
import { HEALTH_FUNCTION, HEALTH_ROUTE, makeHealthHandler } from "./health";
import {
  INVITATION_ORCHESTRATION,
  invitationOrchestrator,
  makeInvitationActivities,
  webInvitationEmails,
} from "./invitation-workflow";
import {
  CANCEL_INVITATION_FUNCTION,
  CANCEL_INVITATION_ROUTE,
  CREATE_INVITATION_FUNCTION,
  GET_INVITATION_FUNCTION,
  GET_INVITATION_ROUTE,
  INVITATIONS_ROUTE,
  LIST_INVITATIONS_FUNCTION,
  makeCancelInvitationHandler,
  makeCreateInvitationHandler,
  makeGetInvitationHandler,
  makeListInvitationsHandler,
} from "./invitations";
import { makeOpenApiHandler, OPENAPI_FUNCTION, OPENAPI_ROUTE } from "./openapi";
import { makePutPartnerHandler, PUT_PARTNER_FUNCTION, PUT_PARTNER_ROUTE } from "./partners";
import {
  LIST_CUSTOMER_RELATIONSHIPS_FUNCTION,
  LIST_CUSTOMER_RELATIONSHIPS_ROUTE,
  makeListCustomerRelationshipsHandler,
  makeTerminateRelationshipHandler,
  TERMINATE_RELATIONSHIP_FUNCTION,
  TERMINATE_RELATIONSHIP_ROUTE,
} from "./relationships";

const settings = loadSettings(process.env);
const clock = resolveClock();
const database = createCosmosDatabase(settings);

app.http(HEALTH_FUNCTION, {
  route: HEALTH_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeHealthHandler({
    checks: [cosmosHealthCheck(database), emailEndpointHealthCheck(settings.EMAIL_ENDPOINT)],
  }),
});

app.http(START_CANARY_FUNCTION, {
  route: START_CANARY_ROUTE,
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: makeStartCanaryHandler(),
});
df.app.orchestration(DIAGNOSTICS_CANARY_ORCHESTRATION, diagnosticsCanaryOrchestrator);
df.app.activity(DIAGNOSTICS_ECHO_ACTIVITY, { handler: makeEchoActivity({ clock }) });

// ---- Shared by the partner API and the invitation lifecycle: one auth (one dev key pair), one set of repositories.
const auth = createAuth(settings, clock);
const devIssuer = auth.devIssuer;
const repositories = {
  partners: new CosmosPartnerRepository(database),
  invitations: new CosmosInvitationRepository(database),
  relationships: new CosmosRelationshipRepository(database),
  audit: new CosmosAuditLog(database),
};
const emailSender = new AcsEmailSender(settings);

// ---- Invitation lifecycle (orchestration + activities) and the customer's link routes.
df.app.orchestration(INVITATION_ORCHESTRATION, invitationOrchestrator);
for (const [name, handler] of Object.entries(
  makeInvitationActivities({
    ...repositories,
    email: emailSender,
    clock,
    render: webInvitationEmails,
    linkKey: settings.INVITATION_LINK_KEY,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
  }),
)) {
  df.app.activity(name, { handler });
}

// ---- Admin relationship lifecycle (R6-R9): one instance per accepted admin relationship.
df.app.orchestration(ADMIN_RELATIONSHIP_ORCHESTRATION, adminRelationshipOrchestrator);
for (const [name, handler] of Object.entries(
  makeAdminRelationshipActivities({
    ...repositories,
    email: emailSender,
    clock,
    render: webAdminRelationshipEmails,
  }),
)) {
  df.app.activity(name, { handler });
}
// Started by the invitation orchestration; needs the durable client to start instances.
df.app.activity(START_ADMIN_LIFECYCLES_ACTIVITY, {
  extraInputs: [df.input.durableClient()],
  handler: makeStartAdminLifecyclesActivity(repositories),
});

const customerInvite: CustomerInviteDependencies = {
  decision: {
    invitations: repositories.invitations,
    partners: repositories.partners,
    relationships: repositories.relationships,
    audit: repositories.audit,
    clock,
  },
  verifyBearer: (token) => auth.verifier.verify(token),
  secret: settings.INVITATION_LINK_KEY,
  publicBaseUrl: settings.PUBLIC_BASE_URL,
  signIn: devIssuer
    ? {
        mode: "dev",
        issue: async (request) => (await devIssuer.issue(request)).token,
      }
    : entraSignIn({
        authorityHost: settings.AUTH_ISSUER
          ? new URL(settings.AUTH_ISSUER).origin
          : "https://login.microsoftonline.com",
        clientId: settings.AUTH_CLIENT_ID ?? "",
        redirectUri: `${settings.PUBLIC_BASE_URL.replace(/\/+$/, "")}/${CUSTOMER_SIGNIN_CALLBACK_ROUTE}`,
        sealSecret: settings.INVITATION_LINK_KEY,
        ...(settings.AUTH_CLIENT_SECRET ? { clientSecret: settings.AUTH_CLIENT_SECRET } : {}),
      }),
};
app.http(CUSTOMER_INVITE_PAGE_FUNCTION, {
  route: CUSTOMER_INVITE_PAGE_ROUTE,
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  handler: makeInvitePageHandler(customerInvite),
});
app.http(CUSTOMER_INVITE_ACCEPT_FUNCTION, {
  route: CUSTOMER_INVITE_ACCEPT_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeDecisionHandler(customerInvite, "accepted"),
});
app.http(CUSTOMER_INVITE_DECLINE_FUNCTION, {
  route: CUSTOMER_INVITE_DECLINE_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeDecisionHandler(customerInvite, "declined"),
});
app.http(CUSTOMER_INVITE_SIGNIN_FUNCTION, {
  route: CUSTOMER_INVITE_SIGNIN_ROUTE,
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  handler: makeSignInHandler(customerInvite),
});
app.http(CUSTOMER_SIGNIN_CALLBACK_FUNCTION, {
  route: CUSTOMER_SIGNIN_CALLBACK_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeSignInCallbackHandler(customerInvite),
});

// ---- Partner and operator API: partners, invitations, relationships, OpenAPI, dev tokens.
const partnerApi = {
  ...repositories,
  idempotency: new CosmosIdempotencyStore(database),
  clock,
  verifier: auth.verifier,
};
app.http(PUT_PARTNER_FUNCTION, {
  route: PUT_PARTNER_ROUTE,
  methods: ["PUT"],
  authLevel: "anonymous",
  handler: makePutPartnerHandler(partnerApi),
});
app.http(CREATE_INVITATION_FUNCTION, {
  route: INVITATIONS_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeCreateInvitationHandler({
    ...partnerApi,
    invitationTtlDays: settings.INVITATION_TTL_DAYS,
    linkKey: settings.INVITATION_LINK_KEY,
    invitationsPerPartnerPerMinute: settings.INVITATIONS_PER_PARTNER_PER_MINUTE,
  }),
});
app.http(LIST_INVITATIONS_FUNCTION, {
  route: INVITATIONS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeListInvitationsHandler(partnerApi),
});
app.http(GET_INVITATION_FUNCTION, {
  route: GET_INVITATION_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeGetInvitationHandler(partnerApi),
});
app.http(CANCEL_INVITATION_FUNCTION, {
  route: CANCEL_INVITATION_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeCancelInvitationHandler(partnerApi),
});
app.http(LIST_CUSTOMER_RELATIONSHIPS_FUNCTION, {
  route: LIST_CUSTOMER_RELATIONSHIPS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeListCustomerRelationshipsHandler(partnerApi),
});
app.http(TERMINATE_RELATIONSHIP_FUNCTION, {
  route: TERMINATE_RELATIONSHIP_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  extraInputs: [df.input.durableClient()],
  handler: makeTerminateRelationshipHandler(partnerApi),
});
app.http(OPENAPI_FUNCTION, {
  route: OPENAPI_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: makeOpenApiHandler({ devMode: settings.AUTH_MODE === "dev", version: "0.1.0" }),
});
// Only a dev deployment can mint tokens; in entra mode the route does not exist at all.
if (devIssuer) {
  app.http(DEV_TOKEN_FUNCTION, {
    route: DEV_TOKEN_ROUTE,
    methods: ["POST"],
    authLevel: "anonymous",
    handler: makeDevTokenHandler({ devIssuer }),
  });
}
