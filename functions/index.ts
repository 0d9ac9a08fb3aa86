/**
 * The composition root: reads the settings once, builds every dependency once, and registers every
 * function of the app from one list of descriptors (each module describes its own functions: route,
 * auth, handler factory, OpenAPI operation; or activity contract and handler factory). Nothing else
 * in the app registers functions or reads process.env.
 */
import { createAuth } from "../src/adapters/auth";
import { entraSignIn } from "../src/adapters/auth/entra-sign-in";
import { resolveClock } from "../src/adapters/clock/clock";
import { CosmosAccessAssignmentRepository } from "../src/adapters/cosmos/access-assignment-repository";
import { CosmosAuditLog } from "../src/adapters/cosmos/audit-repository";
import { createCosmosDatabase } from "../src/adapters/cosmos/client";
import { CosmosIdempotencyStore } from "../src/adapters/cosmos/idempotency-repository";
import { CosmosInvitationRepository } from "../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../src/adapters/cosmos/partner-repository";
import { CachedPartnerRepository } from "../src/adapters/cached-partner-repository";
import { CosmosRelationshipRepository } from "../src/adapters/cosmos/relationship-repository";
import {
  registerDurable,
  registerTimers,
  type DurableFunction,
  type TimerFunction,
} from "../src/adapters/durable/registration";
import { AcsEmailSender } from "../src/adapters/email/acs-email-sender";
import { LocalCommerce } from "../src/adapters/commerce/local-commerce";
import { CosmosMigrationRepository } from "../src/adapters/cosmos/migration-repository";
import {
  CosmosSubscriptionRepository,
  CosmosTermEndSchedule,
} from "../src/adapters/cosmos/subscription-repository";
import { CosmosSwitchRequestDirectory } from "../src/adapters/cosmos/switch-request-directory";
import { CosmosWebhookRepository } from "../src/adapters/cosmos/webhook-repository";
import { CachedWebhookRepository } from "../src/adapters/cached-webhook-repository";
import { dnsResolver, httpWebhookTransport } from "../src/adapters/webhooks/http-transport";
import { aesGcmSecretBox } from "../src/adapters/webhooks/secret-box";
import { devTenantDirectory } from "../src/adapters/tenants/dev-tenant-directory";
import { openIdTenantDirectory } from "../src/adapters/tenants/openid-tenant-directory";
import { cosmosHealthCheck, emailEndpointHealthCheck } from "../src/adapters/health-checks";
import { loadSettings } from "../src/config/load";
import type { CustomerSignIn } from "../src/http/customer-sign-in";
import { registerHttp, type HttpFunction, type HttpFunctionDoc } from "../src/http/descriptor";
import { accessAndAuditFunctions } from "./access-assignments";
import {
  adminRelationshipActivities,
  adminRelationshipOrchestration,
  startAdminLifecyclesActivityFunction,
  webAdminConfirmationEmails,
  webAdminRelationshipEmails,
} from "./admin-relationship-workflow";
import {
  CUSTOMER_SIGNIN_CALLBACK_ROUTE,
  customerInviteAcceptFunction,
  customerInviteDeclineFunction,
  customerInvitePageFunction,
  customerInviteSignInFunction,
  customerSignInCallbackFunction,
  type CustomerInviteDependencies,
} from "./customer-invite";
import {
  customerTerminationFunctions,
  TERMINATION_CALLBACK_ROUTE,
  type CustomerTerminationHttpDependencies,
} from "./customer-termination";
import { devTokenFunction } from "./dev-token";
import {
  diagnosticsCanaryOrchestration,
  diagnosticsEchoActivityFunction,
  startCanaryFunction,
} from "./diagnostics";
import { healthFunction } from "./health";
import { invitationStartRecoveryFunction } from "./invitation-start-recovery";
import { migrationHttpFunctions } from "./migrations";
import {
  migrationActivities,
  migrationAtTermEndOrchestration,
  migrationNewAzureOrchestration,
  webMigrationEmails,
} from "./migrations-workflow";
import { subscriptionFunctions } from "./subscriptions";
import { registerTermEndSweep } from "./term-end-sweep";
import { resendInvitationFunction } from "./invitation-resend";
import { invitationActivities, invitationOrchestration, webInvitationEmails } from "./invitation-workflow";
import {
  cancelInvitationFunction,
  createInvitationFunction,
  getInvitationFunction,
  listInvitationsFunction,
} from "./invitations";
import { openApiFunction } from "./openapi";
import { putPartnerFunction } from "./partners";
import {
  partnerSwitchActivities,
  partnerSwitchOrchestration,
  webSwitchEmails,
} from "./partner-switch-workflow";
import { partnerSwitchFunctions, SWITCH_SIGNIN_CALLBACK_ROUTE } from "./partner-switch";
import { relationshipManagementFunctions } from "./relationship-management";
import { listCustomerRelationshipsFunction, terminateRelationshipFunction } from "./relationships";
import {
  webhookDeliveryActivities,
  webhookDeliveryOrchestration,
  webhookHttpFunctions,
  type WebhookDependencies,
} from "./webhooks";

const settings = loadSettings(process.env);
const clock = resolveClock();
const database = createCosmosDatabase(settings);

// One auth (one dev key pair), one set of repositories, one email sender for everything.
const auth = createAuth(settings, clock);
const devIssuer = auth.devIssuer;
const repositories = {
  // Partners change rarely and every invitation step reads one: a short read-through cache.
  partners: new CachedPartnerRepository(new CosmosPartnerRepository(database)),
  invitations: new CosmosInvitationRepository(database),
  relationships: new CosmosRelationshipRepository(database),
  audit: new CosmosAuditLog(database),
  subscriptions: new CosmosSubscriptionRepository(database),
  termEndSchedule: new CosmosTermEndSchedule(database),
  migrations: new CosmosMigrationRepository(database),
};
// The commerce API has no sandbox: locally and in tests its calls are recorded (docs/migrations.md).
const commerce = new LocalCommerce(database);
const emailSender = new AcsEmailSender(settings);
// R12: a customer tenant's cloud from its own directory entry (Entra's discovery document in production).
const tenants =
  settings.AUTH_MODE === "dev" ? devTenantDirectory(settings.DEV_TENANT_CLOUDS) : openIdTenantDirectory();
const accessAssignments = new CosmosAccessAssignmentRepository(database);

/**
 * The customers' sign-in on the pages behind email links: dev mode's form, or Entra with one
 * callback (one redirect URI on the app registration, docs/deploy.md) per link family.
 */
function customerSignIn(callbackRoute: string): CustomerSignIn {
  if (devIssuer) return { mode: "dev", issue: async (request) => (await devIssuer.issue(request)).token };
  return entraSignIn({
    authorityHost: settings.AUTH_ISSUER
      ? new URL(settings.AUTH_ISSUER).origin
      : "https://login.microsoftonline.com",
    clientId: settings.AUTH_CLIENT_ID ?? "",
    redirectUri: `${settings.PUBLIC_BASE_URL.replace(/\/+$/, "")}/${callbackRoute}`,
    sealSecret: settings.INVITATION_LINK_KEY,
    ...(settings.AUTH_CLIENT_SECRET ? { clientSecret: settings.AUTH_CLIENT_SECRET } : {}),
  });
}

const customerInvite: CustomerInviteDependencies = {
  decision: {
    invitations: repositories.invitations,
    partners: repositories.partners,
    tenants,
    audit: repositories.audit,
    clock,
  },
  verifyBearer: (token) => auth.verifier.verify(token),
  secret: settings.INVITATION_LINK_KEY,
  publicBaseUrl: settings.PUBLIC_BASE_URL,
  signIn: customerSignIn(CUSTOMER_SIGNIN_CALLBACK_ROUTE),
};

// Filled by registerHttp below; the OpenAPI handler reads it on its first request.
const registeredHttp: HttpFunctionDoc[] = [];

const webhooks: WebhookDependencies = {
  webhooks: new CachedWebhookRepository(new CosmosWebhookRepository(database)),
  partners: repositories.partners,
  clock,
  secrets: aesGcmSecretBox(settings.INVITATION_LINK_KEY),
  resolve: dnsResolver,
  allowLoopback: settings.WEBHOOKS_ALLOW_LOOPBACK,
  transport: httpWebhookTransport,
};

const customerTermination: CustomerTerminationHttpDependencies = {
  termination: {
    relationships: repositories.relationships,
    invitations: repositories.invitations,
    partners: repositories.partners,
    audit: repositories.audit,
    clock,
    linkKey: settings.INVITATION_LINK_KEY,
  },
  partnerNotice: {
    partners: repositories.partners,
    invitations: repositories.invitations,
    email: emailSender,
    render: webAdminRelationshipEmails,
  },
  effects: { relationships: repositories.relationships, webhooks, accessAssignments },
  verifyBearer: (token) => auth.verifier.verify(token),
  signIn: customerSignIn(TERMINATION_CALLBACK_ROUTE),
  secret: settings.INVITATION_LINK_KEY,
  publicBaseUrl: settings.PUBLIC_BASE_URL,
};

const deps = {
  clock,
  webhooks,
  accessAssignments,
  devIssuer,
  health: { checks: [cosmosHealthCheck(database), emailEndpointHealthCheck(settings.EMAIL_ENDPOINT)] },
  partnerApi: {
    ...repositories,
    idempotency: new CosmosIdempotencyStore(database),
    tenants,
    clock,
    verifier: auth.verifier,
  },
  invitationPolicy: {
    invitationTtlDays: settings.INVITATION_TTL_DAYS,
    linkKey: settings.INVITATION_LINK_KEY,
    invitationsPerPartnerPerMinute: settings.INVITATIONS_PER_PARTNER_PER_MINUTE,
  },
  subscriptionApi: { ...repositories, clock, verifier: auth.verifier },
  customerInvite,
  invitationLifecycle: {
    ...repositories,
    email: emailSender,
    clock,
    render: webInvitationEmails,
    linkKey: settings.INVITATION_LINK_KEY,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
  },
  adminLifecycle: {
    ...repositories,
    accessAssignments,
    email: emailSender,
    clock,
    render: webAdminRelationshipEmails,
  },
  // R9: the acceptance confirmation to the customer, with the link to end the admin relationship.
  adminConfirmation: {
    invitations: repositories.invitations,
    partners: repositories.partners,
    email: emailSender,
    render: webAdminConfirmationEmails,
    linkKey: settings.INVITATION_LINK_KEY,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
  },
  customerTermination,
  migrationApi: {
    ...repositories,
    clock,
    verifier: auth.verifier,
    linkKey: settings.INVITATION_LINK_KEY,
  },
  migrationLifecycle: {
    ...repositories,
    commerce,
    email: emailSender,
    clock,
    render: webMigrationEmails,
  },
  // R19: the partner switch's links, API and orchestration.
  partnerSwitch: {
    answers: {
      migrations: repositories.migrations,
      subscriptions: repositories.subscriptions,
      partners: repositories.partners,
      directory: new CosmosSwitchRequestDirectory(database),
      audit: repositories.audit,
      clock,
    },
    verifier: auth.verifier,
    signIn: customerSignIn(SWITCH_SIGNIN_CALLBACK_ROUTE),
    secret: settings.INVITATION_LINK_KEY,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
  },
  partnerSwitchLifecycle: {
    ...repositories,
    commerce,
    email: emailSender,
    clock,
    render: webSwitchEmails,
    linkKey: settings.INVITATION_LINK_KEY,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
  },
  invitationStartRecovery: {
    clock,
    invitations: repositories.invitations,
    migrations: repositories.migrations,
    schedule: settings.INVITATION_START_RECOVERY_SCHEDULE,
  },
  openApi: { version: "0.1.0", devMode: settings.AUTH_MODE === "dev", functions: () => registeredHttp },
};
type AppDependencies = typeof deps;

const durableFunctions: DurableFunction<AppDependencies>[] = [
  diagnosticsCanaryOrchestration,
  diagnosticsEchoActivityFunction,
  // Invitation lifecycle; it starts an admin relationship lifecycle (R6-R9) per accepted admin relationship.
  invitationOrchestration,
  ...invitationActivities,
  adminRelationshipOrchestration,
  ...adminRelationshipActivities,
  startAdminLifecyclesActivityFunction,
  // R17/R18/R19 migrations.
  migrationAtTermEndOrchestration,
  migrationNewAzureOrchestration,
  ...migrationActivities,
  partnerSwitchOrchestration,
  ...partnerSwitchActivities,
  // One delivery orchestration per webhook event (docs/webhooks.md).
  webhookDeliveryOrchestration,
  ...webhookDeliveryActivities,
];

const httpFunctions: HttpFunction<AppDependencies>[] = [
  healthFunction,
  startCanaryFunction,
  // The customer's link routes.
  customerInvitePageFunction,
  customerInviteAcceptFunction,
  customerInviteDeclineFunction,
  customerInviteSignInFunction,
  customerSignInCallbackFunction,
  ...customerTerminationFunctions,
  // Partner and operator API.
  putPartnerFunction,
  createInvitationFunction,
  listInvitationsFunction,
  getInvitationFunction,
  cancelInvitationFunction,
  resendInvitationFunction,
  listCustomerRelationshipsFunction,
  terminateRelationshipFunction,
  ...subscriptionFunctions,
  ...migrationHttpFunctions,
  ...partnerSwitchFunctions,
  ...relationshipManagementFunctions,
  ...accessAndAuditFunctions,
  ...webhookHttpFunctions,
  openApiFunction,
  devTokenFunction,
];

const timerFunctions: TimerFunction<AppDependencies>[] = [invitationStartRecoveryFunction];

registerDurable(durableFunctions, deps);
registerTimers(timerFunctions, deps);
registerTermEndSweep(settings.TERM_END_SWEEP_SCHEDULE, {
  schedule: repositories.termEndSchedule,
  subscriptions: repositories.subscriptions,
  clock,
});
registeredHttp.push(...registerHttp(httpFunctions, deps));
