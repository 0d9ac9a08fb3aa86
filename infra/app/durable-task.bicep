// Durable Task Scheduler: the managed backend of the orchestrations on Azure (host.json selects it
// through the DURABLE_TASK_SCHEDULER_CONNECTION_STRING setting). Consumption SKU: billed per dispatched
// action, no charge while idle. Access is by Entra identity only ("Durable Task Data Contributor"); the
// allow list is open because the app's outbound addresses on Flex Consumption are not fixed.

@description('Name of the scheduler.')
param schedulerName string

@description('Name of the task hub (the TASKHUB_NAME setting).')
param taskHubName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object = {}

@description('Days finished orchestrations are kept before the scheduler purges them (Consumption allows up to 30).')
@minValue(1)
@maxValue(30)
param retentionDays int = 30

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Principal id of the developer running azd (dashboard access); empty grants nobody else.')
param userPrincipalId string = ''

@description('Type of userPrincipalId.')
@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: schedulerName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'Consumption'
    }
    // An empty list denies every caller.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
  properties: {}
}

// Only finished instances are purged: invitations wait up to INVITATION_TTL_DAYS while running.
resource retention 'Microsoft.DurableTask/schedulers/retentionPolicies@2025-11-01' = {
  parent: scheduler
  name: 'default'
  properties: {
    retentionPolicies: [
      {
        retentionPeriodInDays: retentionDays
      }
    ]
  }
}

resource appWorker 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(scheduler.id, appPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource userDashboard 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(scheduler.id, userPrincipalId, durableTaskDataContributor)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output schedulerName string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
output dashboardUrl string = taskHub.properties.dashboardUrl
