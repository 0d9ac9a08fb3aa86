import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { RestError, TableClient, odata, type TableEntityResult } from "@azure/data-tables";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
} from "@azure/core-rest-pipeline";
import {
  ConcurrencyError,
  MAX_TRANSACTION_OPS,
  type DurableStore,
  type RowOp,
  type RowPage,
  type RowQuery,
  type StoredRow,
} from "./store";

export interface TableStoreOptions {
  /** Storage account connection string (Azurite's explicit one, `UseDevelopmentStorage=true`, or a real account). */
  connectionString: string;
  /** Task hub name: 3-45 letters/digits starting with a letter, like the Durable extension requires. */
  taskHub: string;
  /** Overrides the table name derived from the task hub. */
  tableName?: string;
  /**
   * Concurrent connections to the table endpoint (default 16). Azurite is single-threaded: on a
   * 2-core box 16 gave clearly more throughput than 64 (less contention and GC in the emulator).
   */
  maxConnections?: number;
}

/** A table operation failed for a reason other than a lost concurrency race. */
export class TableStoreError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "TableStoreError";
  }
}

/** Azure caps string properties at 64 KiB (32K UTF-16 units); stay a little under. */
export const DATA_CHUNK_CHARS = 32_000;
/** Azure's entity size limit, computed the way the service documents it. */
export const MAX_ENTITY_BYTES = 1024 * 1024;
const MAX_KEY_CHARS = 1024;
/** Azure's limit on one entity-group transaction's payload. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const INDEX_PREFIX = "x_";
const INDEX_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,200}$/;
const TASK_HUB = /^[A-Za-z][A-Za-z0-9]{2,44}$/;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const CRLF = "\r\n";

/** One operation on already-encoded keys and entity properties. */
type WireOp =
  | { kind: "insert"; rowKey: string; props: Record<string, string> }
  | { kind: "upsert"; rowKey: string; props: Record<string, string>; ifMatch?: string }
  | { kind: "delete"; rowKey: string; ifMatch?: string };

/**
 * Keys may not contain / \ # ? or control characters in Azure Tables. Escaping them (and the
 * escape character) as %XX keeps the mapping reversible and prefix-preserving, so key-prefix
 * range queries on encoded keys still select exactly the rows with that decoded prefix.
 */
function encodeKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  return key.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => {
    return "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  });
}

function decodeKey(key: string): string {
  return key.includes("%")
    ? key.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : key;
}

/** Smallest string greater than every string starting with `prefix` (undefined: no upper bound). */
function prefixUpperBound(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0) {
    const last = p.charCodeAt(p.length - 1);
    if (last < 0xffff) return p.slice(0, -1) + String.fromCharCode(last + 1);
    p = p.slice(0, -1);
  }
  return undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkKey(what: string, key: string): string {
  const encoded = encodeKey(key);
  if (encoded.length === 0 || encoded.length > MAX_KEY_CHARS) {
    throw new TableStoreError(`${what} must be 1..${MAX_KEY_CHARS} characters (got ${encoded.length})`);
  }
  return encoded;
}

/** Splits `data` into d0..dN without cutting a surrogate pair (a lone half would not survive JSON). */
function splitData(data: string): string[] {
  const chunks: string[] = [];
  let start = 0;
  do {
    let end = Math.min(start + DATA_CHUNK_CHARS, data.length);
    if (end < data.length) {
      const c = data.charCodeAt(end - 1);
      if (c >= 0xd800 && c <= 0xdbff) end -= 1;
    }
    chunks.push(data.slice(start, end));
    start = end;
  } while (start < data.length);
  return chunks;
}

function entitySize(partitionKey: string, rowKey: string, props: Record<string, string>): number {
  // https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
  let size = 4 + (partitionKey.length + rowKey.length) * 2;
  for (const [name, value] of Object.entries(props)) size += 8 + name.length * 2 + 4 + value.length * 2;
  return size;
}

function toProps(partitionKey: string, rowKey: string, row: StoredRow): Record<string, string> {
  const props: Record<string, string> = {};
  splitData(row.data).forEach((chunk, i) => (props[`d${i}`] = chunk));
  for (const [name, value] of Object.entries(row.index ?? {})) {
    if (!INDEX_NAME.test(name))
      throw new TableStoreError(`Index property name "${name}" is not an identifier`);
    if (typeof value !== "string") throw new TableStoreError(`Index property "${name}" must be a string`);
    props[INDEX_PREFIX + name] = value;
  }
  const size = entitySize(partitionKey, rowKey, props);
  if (size > MAX_ENTITY_BYTES) {
    throw new TableStoreError(
      `Row ${decodeKey(partitionKey)}/${decodeKey(rowKey)} needs ${size} bytes; ` +
        `Azure Table entities are limited to ${MAX_ENTITY_BYTES} bytes (data of ${row.data.length} characters)`,
    );
  }
  if (Object.keys(props).length > 252) {
    throw new TableStoreError(`Row ${decodeKey(partitionKey)}/${decodeKey(rowKey)} has too many properties`);
  }
  return props;
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): StoredRow {
  let data = "";
  for (let i = 0; ; i++) {
    const chunk = entity[`d${i}`];
    if (typeof chunk !== "string") break;
    data += chunk;
  }
  let index: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(entity)) {
    if (name.startsWith(INDEX_PREFIX) && typeof value === "string") {
      (index ??= {})[name.slice(INDEX_PREFIX.length)] = value;
    }
  }
  const row: StoredRow = {
    partitionKey: decodeKey(entity.partitionKey ?? ""),
    rowKey: decodeKey(entity.rowKey ?? ""),
    data,
  };
  if (index) row.index = index;
  if (entity.etag) row.etag = entity.etag;
  return row;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof RestError ? err.statusCode : undefined;
}

/** Rebuilds a failure without the SDK's request object, so nothing of the signed request can reach a log. */
function storeError(action: string, err: unknown): Error {
  if (err instanceof TableStoreError || err instanceof ConcurrencyError) return err;
  if (err instanceof RestError) {
    const message = firstLine(err.message);
    return new TableStoreError(
      `Table storage ${action} failed (${err.statusCode ?? "no status"} ${err.code ?? ""}): ${message}`,
      err.statusCode,
      err.code,
    );
  }
  return new TableStoreError(
    `Table storage ${action} failed: ${err instanceof Error ? err.message : String(err)}`,
  );
}

function firstLine(s: string): string {
  const nl = s.indexOf("\n");
  return nl >= 0 ? s.slice(0, nl) : s;
}

interface BatchFailure {
  status: number;
  code?: string;
  message: string;
  /** Index of the failing operation when the service says which one it was. */
  index?: number;
}

/**
 * DurableStore over Azure Table storage: one table per task hub, one partition per instance.
 *
 * Layout: table `<taskHub>DurableRows` (not the real extension's `<hub>Instances`/`<hub>History`, so
 * both can share an account). PartitionKey/RowKey are the port's keys with / \ # ? % and control
 * characters escaped as %XX. `data` is split over string properties d0..dN (<= 32,000 chars each);
 * each `index` entry is a string property `x_<name>`, which is what query filters use. Continuation
 * tokens are this store's own (base64url of the next partition key), not the service's.
 *
 * Multi-row transactions are entity-group transactions ($batch), written here rather than through
 * the SDK's `submitTransaction` because that one cannot send a conditional (If-Match) delete.
 * Limits are checked before anything is sent, with the same numbers as Azure (Azurite is laxer):
 * 100 operations, 1 MiB per entity, 4 MiB per transaction.
 */
export class TableStore implements DurableStore {
  readonly kind = "table" as const;
  readonly tableName: string;
  private readonly client: TableClient;
  private readonly httpClient: HttpClient;
  private readonly agent: http.Agent;
  private readonly insecure: boolean;
  private readonly tableUrl: string;

  constructor(options: TableStoreOptions) {
    if (!TASK_HUB.test(options.taskHub)) {
      throw new TableStoreError(
        `Task hub "${options.taskHub}" must be 3-45 letters or digits, starting with a letter`,
      );
    }
    // Distinct from the real extension's <hub>Instances/<hub>History, so both can share an account.
    this.tableName = options.tableName ?? `${options.taskHub}DurableRows`;
    const probe = TableClient.fromConnectionString(options.connectionString, this.tableName);
    const endpoint = new URL(probe.url);
    if (endpoint.protocol === "http:") {
      if (!LOOPBACK_HOSTS.has(endpoint.hostname)) {
        throw new TableStoreError(
          `Refusing plain http to ${endpoint.hostname}: only a loopback emulator may use http`,
        );
      }
      this.insecure = true;
    } else {
      this.insecure = false;
    }
    this.client = TableClient.fromConnectionString(options.connectionString, this.tableName, {
      allowInsecureConnection: this.insecure,
    });
    // One keep-alive agent per store: reused connections matter for throughput, and close() can
    // release exactly these sockets.
    const maxSockets = options.maxConnections ?? 16;
    this.agent = this.insecure
      ? new http.Agent({ keepAlive: true, maxSockets })
      : new https.Agent({ keepAlive: true, maxSockets });
    const agent = this.agent;
    this.client.pipeline.addPolicy({
      name: "durableStoreAgent",
      sendRequest(request, next) {
        request.agent ??= agent;
        return next(request);
      },
    });
    this.httpClient = createDefaultHttpClient();
    const [base] = this.client.url.split("?");
    this.tableUrl = `${(base ?? "").replace(/\/+$/, "")}/${this.tableName}`;
  }

  async init(): Promise<void> {
    try {
      await this.client.createTable();
    } catch (err) {
      if (statusOf(err) !== 409) throw storeError("create table", err);
    }
  }

  async readRow(partitionKey: string, rowKey: string): Promise<StoredRow | undefined> {
    try {
      const entity = await this.client.getEntity<Record<string, unknown>>(
        checkKey("partitionKey", partitionKey),
        checkKey("rowKey", rowKey),
      );
      return fromEntity(entity);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw storeError("read", err);
    }
  }

  async readPartition(partitionKey: string, rowKeyPrefix?: string): Promise<StoredRow[]> {
    let filter = odata`PartitionKey eq ${checkKey("partitionKey", partitionKey)}`;
    if (rowKeyPrefix) {
      const prefix = encodeKey(rowKeyPrefix);
      filter += odata` and RowKey ge ${prefix}`;
      const upper = prefixUpperBound(prefix);
      if (upper !== undefined) filter += odata` and RowKey lt ${upper}`;
    }
    const rows: StoredRow[] = [];
    try {
      for await (const entity of this.client.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
      })) {
        rows.push(fromEntity(entity));
      }
    } catch (err) {
      throw storeError("partition read", err);
    }
    // The service orders by encoded key; escaped characters can sort differently once decoded.
    return rows.sort((a, b) => compare(a.rowKey, b.rowKey));
  }

  async transact(partitionKey: string, ops: RowOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > MAX_TRANSACTION_OPS) {
      throw new TableStoreError(
        `A transaction holds at most ${MAX_TRANSACTION_OPS} operations (got ${ops.length})`,
      );
    }
    const pk = checkKey("partitionKey", partitionKey);
    const seen = new Set<string>();
    const wire = ops.map((op): WireOp => {
      const rowKey = checkKey("rowKey", op.op === "delete" ? op.rowKey : op.row.rowKey);
      if (seen.has(rowKey))
        throw new TableStoreError(`Row "${decodeKey(rowKey)}" appears twice in one transaction`);
      seen.add(rowKey);
      if (op.op === "delete") return { kind: "delete", rowKey, ifMatch: op.ifMatch };
      if (op.row.partitionKey !== partitionKey) {
        throw new TableStoreError(
          `Row of partition "${op.row.partitionKey}" in a transaction on "${partitionKey}"`,
        );
      }
      const props = toProps(pk, rowKey, op.row);
      return op.op === "insert"
        ? { kind: "insert", rowKey, props }
        : { kind: "upsert", rowKey, props, ifMatch: op.ifMatch };
    });
    await this.apply(pk, wire);
  }

  async query(query: RowQuery): Promise<RowPage> {
    // Like the memory store: a missing, zero or negative top means "no limit".
    const top = query.top !== undefined && query.top >= 1 ? Math.floor(query.top) : undefined;
    let filter = odata`RowKey eq ${checkKey("rowKey", query.rowKey)}`;
    if (query.partitionKeyPrefix) {
      const prefix = encodeKey(query.partitionKeyPrefix);
      filter += odata` and PartitionKey ge ${prefix}`;
      const upper = prefixUpperBound(prefix);
      if (upper !== undefined) filter += odata` and PartitionKey lt ${upper}`;
    }
    if (query.continuationToken) {
      // Every row of the query has the same row key, so the next partition key alone marks the resume point.
      filter += odata` and PartitionKey ge ${decodeToken(query.continuationToken)}`;
    }
    for (const [name, values] of Object.entries(query.indexIn ?? {})) {
      if (!INDEX_NAME.test(name))
        throw new TableStoreError(`Index property name "${name}" is not an identifier`);
      if (values.length === 0) return { rows: [] };
      const prop = INDEX_PREFIX + name;
      filter += " and (" + values.map((v) => `${prop} eq ${literal(v)}`).join(" or ") + ")";
    }
    for (const [bounds, operator] of [
      [query.indexFrom, "ge"],
      [query.indexTo, "le"],
    ] as const) {
      for (const [name, value] of Object.entries(bounds ?? {})) {
        if (!INDEX_NAME.test(name))
          throw new TableStoreError(`Index property name "${name}" is not an identifier`);
        filter += ` and ${INDEX_PREFIX + name} ${operator} ${literal(value)}`;
      }
    }

    // One row more than asked tells whether another page exists without a second round trip.
    const want = top === undefined ? Infinity : top + 1;
    const rows: StoredRow[] = [];
    try {
      const pages = this.client
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(want, 1000) });
      for await (const page of pages) {
        for (const entity of page) rows.push(fromEntity(entity));
        if (rows.length >= want) break;
      }
    } catch (err) {
      throw storeError("query", err);
    }
    if (top === undefined || rows.length <= top) return { rows };
    const next = rows[top]!;
    return { rows: rows.slice(0, top), continuationToken: encodeToken(encodeKey(next.partitionKey)) };
  }

  async deletePartition(partitionKey: string): Promise<number> {
    const pk = checkKey("partitionKey", partitionKey);
    let deleted = 0;
    // Deleting while listing can skip rows on a paged listing; loop until the partition reads empty.
    for (;;) {
      const keys: string[] = [];
      try {
        const entities = this.client.listEntities<Record<string, unknown>>({
          queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ["RowKey"] },
        });
        for await (const entity of entities) if (entity.rowKey !== undefined) keys.push(entity.rowKey);
      } catch (err) {
        throw storeError("partition read", err);
      }
      if (keys.length === 0) return deleted;
      for (let i = 0; i < keys.length; i += MAX_TRANSACTION_OPS) {
        const batch = keys
          .slice(i, i + MAX_TRANSACTION_OPS)
          .map((rowKey): WireOp => ({ kind: "delete", rowKey }));
        deleted += await this.apply(pk, batch);
      }
    }
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }

  /** Runs the operations atomically; returns how many were applied (unconditional deletes of missing rows are dropped). */
  private async apply(pk: string, ops: WireOp[]): Promise<number> {
    let pending = ops;
    for (;;) {
      if (pending.length === 0) return 0;
      const failure =
        pending.length === 1 ? await this.single(pk, pending[0]!) : await this.batch(pk, pending);
      if (!failure) return pending.length;
      if (failure.status === 404) {
        // A delete of a missing row is not an error: drop it and retry the rest as one transaction.
        const missing = await this.missingUnconditionalDeletes(pk, pending, failure.index);
        if (missing.size > 0) {
          pending = pending.filter((op) => !missing.has(op.rowKey));
          continue;
        }
        throw new ConcurrencyError(`A conditional write on partition "${decodeKey(pk)}" found its row gone`);
      }
      if (failure.status === 409 || failure.status === 412) {
        throw new ConcurrencyError(
          `Transaction on partition "${decodeKey(pk)}" lost a race (${failure.status} ${failure.code ?? ""})`,
        );
      }
      throw new TableStoreError(
        `Table storage transaction failed (${failure.status} ${failure.code ?? ""}): ${firstLine(failure.message)}`,
        failure.status,
        failure.code,
      );
    }
  }

  private async missingUnconditionalDeletes(
    pk: string,
    ops: WireOp[],
    index: number | undefined,
  ): Promise<Set<string>> {
    const failing = index === undefined ? undefined : ops[index];
    if (failing) {
      return failing.kind === "delete" && failing.ifMatch === undefined
        ? new Set([failing.rowKey])
        : new Set();
    }
    const candidates = ops.filter((op) => op.kind === "delete" && op.ifMatch === undefined);
    const missing = new Set<string>();
    await Promise.all(
      candidates.map(async (op) => {
        if ((await this.readRow(decodeKey(pk), decodeKey(op.rowKey))) === undefined) missing.add(op.rowKey);
      }),
    );
    return missing;
  }

  private async single(pk: string, op: WireOp): Promise<BatchFailure | undefined> {
    try {
      switch (op.kind) {
        case "insert":
          await this.client.createEntity({ partitionKey: pk, rowKey: op.rowKey, ...op.props });
          break;
        case "upsert":
          if (op.ifMatch === undefined) {
            await this.client.upsertEntity({ partitionKey: pk, rowKey: op.rowKey, ...op.props }, "Replace");
          } else {
            await this.client.updateEntity({ partitionKey: pk, rowKey: op.rowKey, ...op.props }, "Replace", {
              etag: op.ifMatch,
            });
          }
          break;
        case "delete":
          await this.client.deleteEntity(pk, op.rowKey, { etag: op.ifMatch ?? "*" });
          break;
      }
      return undefined;
    } catch (err) {
      const status = statusOf(err);
      if (status === undefined || !(err instanceof RestError)) throw storeError("write", err);
      return { status, code: err.code, message: err.message, index: 0 };
    }
  }

  private async batch(pk: string, ops: WireOp[]): Promise<BatchFailure | undefined> {
    const batchId = `batch_${randomUUID()}`;
    const changesetId = `changeset_${randomUUID()}`;
    const parts: string[] = [
      `--${batchId}${CRLF}Content-Type: multipart/mixed; boundary=${changesetId}${CRLF}`,
    ];
    for (const op of ops) {
      const entityUrl = `${this.tableUrl}(PartitionKey='${keyInUrl(pk)}',RowKey='${keyInUrl(op.rowKey)}')`;
      const head = [
        `--${changesetId}`,
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
      ];
      let body = "";
      if (op.kind === "insert") {
        head.push(
          `POST ${this.tableUrl} HTTP/1.1`,
          "Content-Type: application/json",
          "Accept: application/json;odata=minimalmetadata",
          "Prefer: return-no-content",
          "DataServiceVersion: 3.0",
        );
        body = JSON.stringify({ PartitionKey: pk, RowKey: op.rowKey, ...op.props });
      } else if (op.kind === "upsert") {
        head.push(
          `PUT ${entityUrl} HTTP/1.1`,
          "Content-Type: application/json",
          "Accept: application/json",
          "DataServiceVersion: 3.0",
        );
        if (op.ifMatch !== undefined) head.push(`If-Match: ${op.ifMatch}`);
        body = JSON.stringify({ PartitionKey: pk, RowKey: op.rowKey, ...op.props });
      } else {
        head.push(
          `DELETE ${entityUrl} HTTP/1.1`,
          "Accept: application/json;odata=minimalmetadata",
          "DataServiceVersion: 3.0",
          `If-Match: ${op.ifMatch ?? "*"}`,
        );
      }
      parts.push(head.join(CRLF) + CRLF + CRLF + body);
    }
    const payload = parts.join(CRLF) + `${CRLF}--${changesetId}--${CRLF}--${batchId}--${CRLF}`;
    const bytes = Buffer.byteLength(payload, "utf8");
    if (bytes > MAX_BATCH_BYTES) {
      // Azure refuses such a batch (413); Azurite would accept it, so say so here for both.
      throw new TableStoreError(
        `Transaction on partition "${decodeKey(pk)}" is ${bytes} bytes; Azure Tables accept at most ${MAX_BATCH_BYTES} per transaction`,
      );
    }
    const [base, sas] = this.client.url.split("?");
    const request = createPipelineRequest({
      url: `${(base ?? "").replace(/\/+$/, "")}/$batch${sas ? `?${sas}` : ""}`,
      method: "POST",
      body: payload,
      headers: createHttpHeaders({
        Accept: "application/json",
        "x-ms-version": "2019-02-02",
        DataServiceVersion: "3.0;",
        MaxDataServiceVersion: "3.0;NetFx",
        "Content-Type": `multipart/mixed; boundary=${batchId}`,
      }),
      allowInsecureConnection: this.insecure,
    });
    let status: number;
    let text: string;
    try {
      const response = await this.client.pipeline.sendRequest(this.httpClient, request);
      status = response.status;
      text = response.bodyAsText ?? "";
    } catch (err) {
      throw storeError("transaction", err);
    }
    if (status < 200 || status >= 300) return parseFailure(status, text);
    // The service answers 202 with one sub-response per operation, or a single failing one.
    for (const part of text.split("--changesetresponse_").slice(1)) {
      const m = /HTTP\/1\.1 (\d{3})/.exec(part);
      if (!m) continue;
      const subStatus = Number(m[1]);
      if (subStatus >= 300) return parseFailure(subStatus, part);
    }
    return undefined;
  }
}

/** An OData string literal (odata`` only quotes values that follow literal text). */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function keyInUrl(key: string): string {
  return encodeURIComponent(key.replace(/'/g, "''"));
}

function parseFailure(status: number, text: string): BatchFailure {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  let code: string | undefined;
  let message = `status ${status}`;
  if (json) {
    try {
      const parsed = JSON.parse(json) as { "odata.error"?: { code?: string; message?: { value?: string } } };
      code = parsed["odata.error"]?.code;
      message = parsed["odata.error"]?.message?.value ?? message;
    } catch {
      // Not JSON (e.g. an XML error from a proxy): the status alone has to do.
    }
  }
  const index = /^(\d+):/.exec(message);
  return { status, code, message, index: index ? Number(index[1]) : undefined };
}

function encodeToken(partitionKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, pk: partitionKey }), "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      v?: unknown;
      pk?: unknown;
    };
    if (parsed.v === 1 && typeof parsed.pk === "string") return parsed.pk;
  } catch {
    // fall through to the error below
  }
  throw new TableStoreError("Invalid continuation token");
}
