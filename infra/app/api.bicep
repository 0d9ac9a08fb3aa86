// The function app on the Flex Consumption plan (Linux, Node 22), running as the user-assigned identity.
// Every connection in its app settings is identity-based; the secrets (INVITATION_LINK_KEY, and
// AUTH_CLIENT_SECRET when given) are Key Vault references. test/config/settings.test.ts reads `appSettings` below and fails when it and the
// settings schema (src/config/schema.ts) or local.settings.sample.json disagree.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object = {}

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (what DefaultAzureCredential and the host connections sign in as).')
param identityClientId string

@description('Storage account for AzureWebJobsStorage and the deployment container.')
param storageAccountName string

@description('Blob container Flex Consumption deploys from.')
param deploymentContainerName string

@description('Application Insights component the app reports to.')
param applicationInsightsName string

@description('Memory per instance; 2048 is the smallest Flex Consumption size.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out, which also caps the bill under load.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Cosmos DB account endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabaseName string

@description('Communication Services endpoint.')
param emailEndpoint string

@description('Sender address on the ACS email domain.')
param emailSender string

@description('Durable Task Scheduler endpoint.')
param durableTaskSchedulerEndpoint string

@description('Durable Task Scheduler task hub.')
param taskHubName string

@description('Versionless Key Vault secret URI of INVITATION_LINK_KEY.')
param invitationLinkKeyUri string

@description('Issuer the API accepts tokens from; {tenantid} stands for the token\'s own tenant.')
param authIssuer string

@description('Tenant whose tokens may carry the Operator role.')
param authOperatorTenantId string

@description('Audience (aud claim) the API accepts.')
param authAudience string

@description('JWKS URL of the issuer.')
param authJwksUri string

@description('Entra app (client) id.')
param authClientId string

@description('Versionless Key Vault secret URI of AUTH_CLIENT_SECRET; empty: no client secret.')
param authClientSecretUri string = ''

@description('Public base URL for links in emails; empty uses the app default host name.')
param publicBaseUrl string = ''

@description('Days an invitation stays valid.')
@minValue(1)
@maxValue(365)
param invitationTtlDays int = 90

@description('Invitations one partner may create per minute (each costs customer email); 0 turns the limit off.')
@minValue(0)
@maxValue(100000)
param invitationsPerPartnerPerMinute int = 60

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the target of service `api` (azure.yaml) by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity (the app has no system-assigned one).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

var baseUrl = empty(publicBaseUrl) ? 'https://${functionApp.properties.defaultHostName}' : publicBaseUrl

// Flex Consumption takes the runtime from functionAppConfig: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must not be set here. No value below is a key or a secret.
var appSettings = {
  // Host storage with the identity (the account refuses shared keys).
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Telemetry: the connection string only locates the component; ingestion is authorised by the identity.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // host.json: storageProvider azureManaged reads this connection; hubName is %TASKHUB_NAME%.
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
  TASKHUB_NAME: taskHubName
  // DefaultAzureCredential (Cosmos, email) picks the user-assigned identity by this.
  AZURE_CLIENT_ID: identityClientId

  AUTH_MODE: 'entra'
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URI: authJwksUri
  AUTH_CLIENT_ID: authClientId
  AUTH_OPERATOR_TENANT_ID: authOperatorTenantId
  AUTH_CLIENT_SECRET: empty(authClientSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${authClientSecretUri})'

  COSMOS_ENDPOINT: cosmosEndpoint
  COSMOS_DATABASE: cosmosDatabaseName

  EMAIL_ENDPOINT: emailEndpoint
  EMAIL_SENDER: emailSender

  PUBLIC_BASE_URL: baseUrl
  INVITATION_TTL_DAYS: string(invitationTtlDays)
  INVITATION_LINK_KEY: '@Microsoft.KeyVault(SecretUri=${invitationLinkKeyUri})'
  INVITATIONS_PER_PARTNER_PER_MINUTE: string(invitationsPerPartnerPerMinute)
  // The term-end sweep's timer (docs/migrations.md): daily at 01:00 UTC.
  TERM_END_SWEEP_SCHEDULE: '0 0 1 * * *'
  // Six-field NCRONTAB: the sweep that starts orchestrations a crash left unstarted.
  INVITATION_START_RECOVERY_SCHEDULE: '0 30 0 * * *'
  // Webhook endpoints on loopback are for local development only (docs/webhooks.md).
  WEBHOOKS_ALLOW_LOOPBACK: 'false'
  // Development only: production reads each tenant's cloud from its OpenID discovery document (R12).
  DEV_TENANT_CLOUDS: ''
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output publicBaseUrl string = baseUrl
