// Azure Communication Services Email with an Azure-managed sender domain (DoNotReply@<guid>.azurecomm.net).
// A custom domain needs DNS verification and is added by hand (docs/deploy.md). The app sends with its
// identity; ACS honours only built-in roles, and the narrowest one that allows sending is
// "Communication and Email Service Owner", assigned on this one ACS resource.

@description('Name of the Communication Services resource.')
param communicationServiceName string

@description('Name of the Email Communication Services resource.')
param emailServiceName string

@description('Where ACS stores data at rest.')
param dataLocation string = 'United States'

@description('Display name recipients see for the sender.')
param senderDisplayName string = 'CSP Partner Relationships'

@description('Tags for the resources.')
param tags object = {}

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Principal id of the developer running azd; empty grants nobody else.')
param userPrincipalId string = ''

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

var communicationAndEmailServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Tracking rewrites links; invitation links must reach the customer unchanged.
    userEngagementTracking: 'Disabled'
  }
}

resource sender 'Microsoft.Communication/emailServices/domains/senderUsernames@2023-04-01' = {
  parent: managedDomain
  name: 'donotreply'
  properties: {
    username: 'DoNotReply'
    displayName: senderDisplayName
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
  }
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communicationService.id, appPrincipalId, communicationAndEmailServiceOwner)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(communicationService.id, userPrincipalId, communicationAndEmailServiceOwner)
  scope: communicationService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwner)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output communicationServiceName string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = '${sender.properties.username}@${managedDomain.properties.mailFromSenderDomain}'
