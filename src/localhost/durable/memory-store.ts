import {
  ConcurrencyError,
  MAX_TRANSACTION_OPS,
  type DurableStore,
  type RowOp,
  type RowPage,
  type RowQuery,
  type StoredRow,
} from "./store";

interface Cell {
  data: string;
  index?: Record<string, string>;
  etag: string;
}

/**
 * The in-memory DurableStore: same semantics as the table store (atomic per-partition
 * transactions, etags, paged cross-partition queries), for fast tests and the benchmark.
 * Values are copied in and out so callers can never alias stored state.
 */
export class MemoryStore implements DurableStore {
  readonly kind = "memory" as const;
  private readonly partitions = new Map<string, Map<string, Cell>>();
  private etagCounter = 0;

  init(): Promise<void> {
    return Promise.resolve();
  }

  readRow(partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    const cell = this.partitions.get(partitionKey)?.get(rowKey);
    return Promise.resolve(cell ? toRow(partitionKey, rowKey, cell) : undefined);
  }

  readPartition(partitionKey: string, rowKeyPrefix?: string): Promise<StoredRow[]> {
    const partition = this.partitions.get(partitionKey);
    if (!partition) return Promise.resolve([]);
    const keys = [...partition.keys()]
      .filter((k) => !rowKeyPrefix || k.startsWith(rowKeyPrefix))
      .sort(compare);
    return Promise.resolve(keys.map((k) => toRow(partitionKey, k, partition.get(k) as Cell)));
  }

  transact(partitionKey: string, ops: RowOp[]): Promise<void> {
    try {
      this.apply(partitionKey, ops);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private apply(partitionKey: string, ops: RowOp[]): void {
    if (ops.length === 0) return;
    if (ops.length > MAX_TRANSACTION_OPS) {
      throw new Error(`A transaction holds at most ${MAX_TRANSACTION_OPS} operations (got ${ops.length}).`);
    }
    const seen = new Set<string>();
    for (const op of ops) {
      const rowKey = op.op === "delete" ? op.rowKey : op.row.rowKey;
      if (op.op !== "delete" && op.row.partitionKey !== partitionKey) {
        throw new Error(`Row ${rowKey} belongs to partition ${op.row.partitionKey}, not ${partitionKey}.`);
      }
      // Azure Tables refuses two operations on one entity in a batch; the memory store must too.
      if (seen.has(rowKey)) throw new Error(`Row ${rowKey} appears twice in one transaction.`);
      seen.add(rowKey);
    }
    const partition = this.partitions.get(partitionKey);
    // Validate everything first so a failing op leaves the partition untouched.
    for (const op of ops) {
      const rowKey = op.op === "delete" ? op.rowKey : op.row.rowKey;
      const existing = partition?.get(rowKey);
      if (op.op === "insert" && existing)
        throw new ConcurrencyError(`Row ${partitionKey}/${rowKey} already exists.`);
      if (op.op !== "insert" && op.ifMatch !== undefined && op.ifMatch !== "*") {
        if (!existing || existing.etag !== op.ifMatch) {
          throw new ConcurrencyError(`Row ${partitionKey}/${rowKey} changed (etag mismatch).`);
        }
      }
      // "*" means "whatever is stored": like Azure Tables, it fails when nothing is.
      if (op.op !== "insert" && op.ifMatch === "*" && !existing) {
        throw new ConcurrencyError(`Row ${partitionKey}/${rowKey} does not exist.`);
      }
    }
    let target = partition;
    if (!target) {
      target = new Map();
      this.partitions.set(partitionKey, target);
    }
    for (const op of ops) {
      if (op.op === "delete") {
        target.delete(op.rowKey);
      } else {
        target.set(op.row.rowKey, {
          data: op.row.data,
          index: op.row.index ? { ...op.row.index } : undefined,
          etag: `W/"${++this.etagCounter}"`,
        });
      }
    }
    if (target.size === 0) this.partitions.delete(partitionKey);
  }

  query(query: RowQuery): Promise<RowPage> {
    const keys = [...this.partitions.keys()]
      .filter((pk) => !query.partitionKeyPrefix || pk.startsWith(query.partitionKeyPrefix))
      .filter((pk) => query.continuationToken === undefined || pk > query.continuationToken)
      .sort(compare);
    const rows: StoredRow[] = [];
    const top = query.top && query.top > 0 ? query.top : Infinity;
    for (const pk of keys) {
      const cell = this.partitions.get(pk)?.get(query.rowKey);
      if (!cell || !matches(cell.index ?? {}, query)) continue;
      rows.push(toRow(pk, query.rowKey, cell));
      if (rows.length >= top) {
        const last = pk;
        const more = keys.some((k) => k > last);
        return Promise.resolve(more ? { rows, continuationToken: last } : { rows });
      }
    }
    return Promise.resolve({ rows });
  }

  deletePartition(partitionKey: string): Promise<number> {
    const size = this.partitions.get(partitionKey)?.size ?? 0;
    this.partitions.delete(partitionKey);
    return Promise.resolve(size);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toRow(partitionKey: string, rowKey: string, cell: Cell): StoredRow {
  const row: StoredRow = { partitionKey, rowKey, data: cell.data, etag: cell.etag };
  if (cell.index) row.index = { ...cell.index };
  return row;
}

function matches(index: Record<string, string>, query: RowQuery): boolean {
  for (const [name, values] of Object.entries(query.indexIn ?? {})) {
    const value = index[name];
    if (value === undefined || !values.includes(value)) return false;
  }
  for (const [name, from] of Object.entries(query.indexFrom ?? {})) {
    const value = index[name];
    if (value === undefined || value < from) return false;
  }
  for (const [name, to] of Object.entries(query.indexTo ?? {})) {
    const value = index[name];
    if (value === undefined || value > to) return false;
  }
  return true;
}
