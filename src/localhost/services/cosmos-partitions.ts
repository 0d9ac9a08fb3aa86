import Items from "@vercel/cosmosdb-server/lib/account/items";
import { AsyncLocalStorage } from "node:async_hooks";

/*
 * Single-partition queries for the embedded Cosmos DB API server (`@vercel/cosmosdb-server`), which
 * runs every query over every document of the container and ignores the partition key a client
 * sends. Cosmos DB serves a query with a partition key from that partition alone, so a query's cost
 * follows its partition, not the container: the term-end sweep's page of one day must not slow down
 * because a million other documents exist. Each document list keeps, once queried by partition, an
 * index of its documents by partition key, kept up to date where the server changes documents
 * (`Items._set` and `Items.delete`, the same two hooks the journal uses); the request handler runs a
 * query that names one partition key in an async scope, and the list's `query` reads that scope.
 *
 * The SDK asks for a query plan before each query (`x-ms-cosmos-is-query-plan-request`, without a
 * partition key). The server has no planner and answers it by running the query over the whole
 * container, results the SDK does not use; it is now run over no documents, which answers the same
 * (no plan) without the scan.
 */

type Resource = Record<string, unknown> & { _rid: string };
interface ItemLike {
  read(): Resource | undefined | null;
}
interface ItemsLike {
  _parent: ItemLike & Record<string, unknown>;
  _data: Map<string, ItemLike>;
  _set: (this: ItemsLike, data: Resource) => Resource;
  _item(keyPath: string, value: string, partition: unknown): ItemLike;
  _getPartition(data: Resource): unknown;
  delete: (this: ItemsLike, idOrRid: string, partition: unknown) => void;
  query: (this: ItemsLike, params: unknown, options: unknown) => unknown;
  [PARTITIONS]?: Map<string, Map<string, ItemLike>>;
}

const PARTITIONS = Symbol("cosmos-partitions");
const scope = new AsyncLocalStorage<string>();

const keyOf = (value: unknown): string => JSON.stringify(value ?? null);
/** The scope of a query plan request: no partition has this key (keys are JSON text). */
const PLAN_REQUEST = "plan";

/** The partition key of a query request (`x-ms-documentdb-partitionkey: ["value"]`), unless cross-partition. */
export function queryPartitionKey(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  if (String(headers["x-ms-cosmos-is-query-plan-request"]).toLowerCase() === "true") return PLAN_REQUEST;
  if (
    headers["x-ms-documentdb-isquery"] === undefined &&
    headers["content-type"] !== "application/query+json"
  )
    return undefined;
  const header = headers["x-ms-documentdb-partitionkey"];
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed) || parsed.length !== 1) return undefined;
    const [value] = parsed as unknown[];
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
      ? keyOf(value)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `fn` (a request's handling) with queries scoped to `partitionKey` when there is one. */
export function inPartitionScope<T>(partitionKey: string | undefined, fn: () => T): T {
  return partitionKey === undefined ? fn() : scope.run(partitionKey, fn);
}

function isDocuments(items: ItemsLike): boolean {
  return items._parent.documents === items;
}

function partitionsOf(items: ItemsLike): Map<string, Map<string, ItemLike>> {
  let partitions = items[PARTITIONS];
  if (!partitions) {
    partitions = new Map();
    for (const [rid, item] of items._data) {
      const data = item.read();
      if (data) add(partitions, keyOf(items._getPartition(data)), rid, item);
    }
    items[PARTITIONS] = partitions;
  }
  return partitions;
}

function add(partitions: Map<string, Map<string, ItemLike>>, key: string, rid: string, item: ItemLike): void {
  let partition = partitions.get(key);
  if (!partition) {
    partition = new Map();
    partitions.set(key, partition);
  }
  partition.set(rid, item);
}

let installed = false;
/** Installs the hooks once per process; lists that are never queried by partition pay nothing. */
export function installPartitionScopedQueries(): void {
  if (installed) return;
  installed = true;
  const proto = Items.prototype as unknown as ItemsLike;
  const originalSet = proto._set;
  const originalDelete = proto.delete;
  const originalQuery = proto.query;
  proto._set = function (this: ItemsLike, data: Resource): Resource {
    const result = originalSet.call(this, data);
    const partitions = this[PARTITIONS];
    const item = this._data.get(result._rid);
    if (partitions && item) add(partitions, keyOf(this._getPartition(result)), result._rid, item);
    return result;
  };
  proto.delete = function (this: ItemsLike, idOrRid: string, partition: unknown): void {
    const data = this[PARTITIONS] ? this._item("/id", idOrRid, partition).read() : undefined;
    originalDelete.call(this, idOrRid, partition);
    if (data) this[PARTITIONS]?.get(keyOf(this._getPartition(data)))?.delete(data._rid);
  };
  proto.query = function (this: ItemsLike, params: unknown, options: unknown): unknown {
    const key = scope.getStore();
    if (key === undefined || !isDocuments(this)) return originalQuery.call(this, params, options);
    // The original query over a view of the list holding only this partition, in the list's order.
    const only = partitionsOf(this).get(key) ?? new Map<string, ItemLike>();
    const view = Object.create(this) as ItemsLike;
    view._data = only;
    return originalQuery.call(view, params, options);
  };
}
