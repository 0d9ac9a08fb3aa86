// Key Vault (RBAC mode) for the app's secrets. The app reads them through Key Vault references in its app
// settings, resolved by the platform with the app identity ("Key Vault Secrets User"), so no secret value
// is ever written into the app settings or the deployment outputs.

@description('Name of the vault (3-24 letters, digits, hyphens).')
param name string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object = {}

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Principal id of the developer running azd (to read secrets while developing); empty grants nobody else.')
param userPrincipalId string = ''

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

@description('Key the invitation links are derived from (INVITATION_LINK_KEY).')
@secure()
@minLength(32)
param invitationLinkKey string

@description('Client secret of the Entra app registration (AUTH_CLIENT_SECRET); empty stores none.')
@secure()
param authClientSecret string = ''

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Purge protection stays off so `azd down --purge` can remove the vault; turn it on for production.
    publicNetworkAccess: 'Enabled'
  }
}

resource invitationLinkKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'invitation-link-key'
  properties: {
    value: invitationLinkKey
    contentType: 'text/plain'
  }
}

resource authClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(authClientSecret)) {
  parent: vault
  name: 'auth-client-secret'
  properties: {
    value: authClientSecret
    contentType: 'text/plain'
  }
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(vault.id, userPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output name string = vault.name
// Versionless: the app follows the latest version when the secret is rotated.
output invitationLinkKeyUri string = invitationLinkKeySecret.properties.secretUri
// Where AUTH_CLIENT_SECRET lives when one was given (the caller knows whether it did: an output that
// depended on the secure parameter would count as leaking it).
output authClientSecretUri string = '${vault.properties.vaultUri}secrets/auth-client-secret'
