/**
 * The durable engine's persistence port. Deliberately "dumb": a set of partitions (one per
 * orchestration instance) of rows, with atomic multi-row transactions inside one partition, like
 * Azure Table storage's entity-group transactions. All durable semantics live in the engine, so
 * the memory store and the table store are interchangeable and one conformance suite covers both.
 */
export interface StoredRow {
  partitionKey: string;
  rowKey: string;
  /** Opaque JSON text written by the engine. The table store splits it across properties. */
  data: string;
  /**
   * Small scalar properties the store can filter on without parsing `data`
   * (e.g. runtimeStatus, name, createdTime). Strings only, each at most 1 KiB.
   */
  index?: Record<string, string>;
  /** Set by the store on read; pass back in `ifMatch` for optimistic concurrency. */
  etag?: string;
}

export type RowOp =
  /** Insert, failing the whole transaction if the row exists. */
  | { op: "insert"; row: StoredRow }
  /** Insert or replace; with `ifMatch`, replace only if the stored etag is still that one. */
  | { op: "upsert"; row: StoredRow; ifMatch?: string }
  /** Delete; missing rows are not an error unless `ifMatch` is given. */
  | { op: "delete"; rowKey: string; ifMatch?: string };

/** At most this many operations in one transaction (Azure Tables' entity-group limit). */
export const MAX_TRANSACTION_OPS = 100;

/** A transaction lost an optimistic-concurrency race (etag mismatch or insert of an existing row). */
export class ConcurrencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConcurrencyError";
  }
}

export interface RowQuery {
  /** Only rows with this row key (e.g. every instance's "state" row). */
  rowKey: string;
  /** Only partitions whose key starts with this. */
  partitionKeyPrefix?: string;
  /** Every listed index property must equal one of the given values. */
  indexIn?: Record<string, string[]>;
  /** Index property >= value (ISO timestamps compare as strings). */
  indexFrom?: Record<string, string>;
  /** Index property <= value. */
  indexTo?: Record<string, string>;
  top?: number;
  /** Opaque token from a previous page. */
  continuationToken?: string;
}

export interface RowPage {
  rows: StoredRow[];
  continuationToken?: string;
}

export interface DurableStore {
  readonly kind: "memory" | "table";
  /** Creates tables or whatever the store needs; idempotent. */
  init(): Promise<void>;
  readRow(partitionKey: string, rowKey: string): Promise<StoredRow | undefined>;
  /** Every row of a partition, ordered by row key. */
  readPartition(partitionKey: string, rowKeyPrefix?: string): Promise<StoredRow[]>;
  /** All operations succeed together or none does (ConcurrencyError on a lost race). */
  transact(partitionKey: string, ops: RowOp[]): Promise<void>;
  /** Cross-partition query over rows with one row key, ordered by partition key, paged. */
  query(query: RowQuery): Promise<RowPage>;
  /** Removes a whole partition; returns how many rows it removed. */
  deletePartition(partitionKey: string): Promise<number>;
  close(): Promise<void>;
}
