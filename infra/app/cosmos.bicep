// Cosmos DB for NoSQL, serverless (billed per request unit and stored GB, nothing while idle). Key
// authentication is disabled: the app and developers reach the data plane with Entra identities only.
// Containers come from infra/cosmos-containers.json, the same file the local host creates its embedded
// containers from, so partition keys, TTL and indexing cannot drift between local and Azure.

@description('Name of the Cosmos DB account (3-44 lowercase letters, digits, hyphens).')
param accountName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object = {}

@description('Name of the SQL database (the COSMOS_DATABASE setting).')
param databaseName string

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Principal id of the developer running azd; empty grants nobody else data access.')
param userPrincipalId string = ''

// any(): entries differ in which optional fields they carry; the drift test checks the fields used here.
var layout = any(loadJsonContent('../cosmos-containers.json'))

// What Cosmos applies when a container names no policy; spelled out so the deployed policy is visible here.
var defaultIndexingPolicy = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [
    {
      path: '/*'
    }
  ]
  excludedPaths: [
    {
      path: '/"_etag"/?'
    }
  ]
}

// Built-in data-plane role "Cosmos DB Built-in Data Contributor".
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

var dataPrincipals = empty(userPrincipalId) ? [appPrincipalId] : [appPrincipalId, userPrincipalId]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in layout.containers: {
    parent: database
    name: container.id
    properties: {
      resource: {
        id: container.id
        partitionKey: {
          paths: [
            container.partitionKeyPath
          ]
          kind: 'Hash'
          version: 2
        }
        // -1: TTL on, documents live until they set their own `ttl`; absent: TTL off.
        defaultTtl: container.?defaultTtl
        indexingPolicy: container.?indexingPolicy ?? defaultIndexingPolicy
        uniqueKeyPolicy: container.?uniqueKeys == null ? null : { uniqueKeys: container.uniqueKeys }
      }
    }
  }
]

resource dataContributors 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [
  for principalId in dataPrincipals: {
    parent: account
    name: guid(account.id, principalId, dataContributorRoleId)
    properties: {
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
      principalId: principalId
      scope: account.id
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
