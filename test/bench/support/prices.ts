/**
 * Public list prices used to turn counted requests into an Azure cost estimate (USD, pay-as-you-go,
 * East US, as of the date below). Each names its source; change them here only.
 */
export const PRICES_AS_OF = "2026-12-01";

export const PRICES = {
  cosmosServerlessPerMillionRu: {
    usd: 0.25,
    source:
      "Azure Cosmos DB pricing page, serverless request units (the figure docs/deploy.md uses): https://azure.microsoft.com/pricing/details/cosmos-db/",
  },
  flexPerMillionExecutions: {
    usd: 0.4,
    source:
      "Azure Functions pricing page, Flex Consumption on-demand executions: https://azure.microsoft.com/pricing/details/functions/",
  },
  flexPerGbSecond: {
    usd: 0.000026,
    source:
      "Azure Functions pricing page, Flex Consumption on-demand execution time (GB-s): https://azure.microsoft.com/pricing/details/functions/",
  },
  durableTaskSchedulerPerMillionActions: {
    usd: 3,
    source:
      "Durable Task Scheduler Consumption SKU, billed per dispatched action (https://learn.microsoft.com/azure/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-billing); the per-action rate was not in the reference corpus: an assumed list price to confirm on the Azure Functions pricing page",
  },
} as const;

/**
 * Request-unit estimates per request kind for ~1 KB documents (Cosmos DB request units docs: a 1 KB
 * point read is 1 RU; writes of 1 KB items with default indexing cost about 5-6 RU; a small query
 * about 3 RU in one partition, plus ~1 RU per extra physical partition when it crosses partitions).
 */
export const RU_PER_REQUEST = {
  "point read": 1,
  create: 6,
  upsert: 6,
  replace: 10,
  patch: 10,
  delete: 6,
  batch: 12,
  query: 3,
  "cross-partition query": 6,
  "query plan": 0,
  metadata: 0,
} as const;

/** Flex Consumption instance memory the estimate assumes (the smallest size, as infra/ deploys). */
export const FLEX_INSTANCE_GB = 2;
