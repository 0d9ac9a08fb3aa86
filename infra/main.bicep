// Entry point for `azd up` / `azd provision`: one resource group holding the function app (Flex
// Consumption) and everything it talks to, wired with a user-assigned managed identity. No key or
// connection string with a secret is placed in app settings. See docs/deploy.md.
// Not compiled in CI (the Bicep compiler is not available there); `az bicep build -f infra/main.bicep`
// checks it locally.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for all regional resources (must offer Flex Consumption and Durable Task Scheduler).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the developer running azd (azd sets AZURE_PRINCIPAL_ID). Gets data-plane access to Cosmos DB, the scheduler dashboard, ACS and Key Vault secrets, for local development against these resources. Empty: nobody but the app.')
param principalId string = ''

@description('Type of principalId (ServicePrincipal when a pipeline runs azd).')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Application (client) id of the Microsoft Entra app registration the API accepts tokens for (azd env set AUTH_CLIENT_ID <id>).')
@minLength(36)
@maxLength(36)
param authClientId string

@description('The platform operator\'s tenant: only its tokens may carry the Operator role. Defaults to the deployment tenant.')
param authTenantId string = tenant().tenantId

@description('Accepted audience; empty means api://<authClientId>.')
param authAudience string = ''

@description('Public base URL for links in emails (a custom domain in front of the app); empty uses the app host name.')
param publicBaseUrl string = ''

@description('Days an invitation stays valid (INVITATION_TTL_DAYS).')
@minValue(1)
@maxValue(365)
param invitationTtlDays int = 90

@description('Invitations one partner may create per minute (INVITATIONS_PER_PARTNER_PER_MINUTE); 0 turns the limit off.')
@minValue(0)
@maxValue(100000)
param invitationsPerPartnerPerMinute int = 60

@description('Data location of Communication Services.')
param emailDataLocation string = 'United States'

@description('Durable Task Scheduler task hub (TASKHUB_NAME).')
param taskHubName string = 'csp'

@description('Cosmos DB database (COSMOS_DATABASE).')
param cosmosDatabaseName string = 'csp'

@description('Key invitation links are derived from. azd generates it once per environment and keeps it in the environment config; changing it invalidates every pending invitation link.')
@secure()
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 64
      noSpecial: true
    }
  }
})
param invitationLinkKey string

@description('Client secret of the app registration, for the customer sign-in page\'s code redemption (azd env set AUTH_CLIENT_SECRET …). Stored in Key Vault; empty: none.')
@secure()
param authClientSecret string = ''

@description('Overrides the resource group name (default rg-<environmentName>).')
param resourceGroupName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${take(functionAppName, 32)}'
    appPrincipalId: identity.outputs.principalId
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDatabaseName
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
  }
}

module email 'app/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    dataLocation: emailDataLocation
    tags: tags
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module durableTask 'app/durable-task.bicep' = {
  name: 'durable-task'
  scope: rg
  params: {
    schedulerName: '${abbrs.durableTaskSchedulers}${resourceToken}'
    taskHubName: taskHubName
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    invitationLinkKey: invitationLinkKey
    authClientSecret: authClientSecret
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    emailEndpoint: email.outputs.endpoint
    emailSender: email.outputs.senderAddress
    durableTaskSchedulerEndpoint: durableTask.outputs.endpoint
    taskHubName: durableTask.outputs.taskHubName
    invitationLinkKeyUri: keyVault.outputs.invitationLinkKeyUri
    // Partners and customers sign in from their own tenants: one issuer per tenant, the common key set.
    authIssuer: '${environment().authentication.loginEndpoint}{tenantid}/v2.0'
    authJwksUri: '${environment().authentication.loginEndpoint}common/discovery/v2.0/keys'
    authOperatorTenantId: authTenantId
    authAudience: !empty(authAudience) ? authAudience : 'api://${authClientId}'
    authClientId: authClientId
    authClientSecretUri: empty(authClientSecret) ? '' : keyVault.outputs.authClientSecretUri
    publicBaseUrl: publicBaseUrl
    invitationTtlDays: invitationTtlDays
    invitationsPerPartnerPerMinute: invitationsPerPartnerPerMinute
  }
}

// azd stores these in .azure/<env>/.env (`azd env get-values`). The COSMOS_* and EMAIL_* names match
// app settings so local development can point at the deployed resources (docs/deploy.md).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output API_BASE_URL string = api.outputs.publicBaseUrl
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output EMAIL_ENDPOINT string = email.outputs.endpoint
output EMAIL_SENDER string = email.outputs.senderAddress
output DURABLE_TASK_SCHEDULER_ENDPOINT string = durableTask.outputs.endpoint
output DURABLE_TASK_SCHEDULER_DASHBOARD_URL string = durableTask.outputs.dashboardUrl
output DURABLE_TASK_HUB_NAME string = durableTask.outputs.taskHubName
