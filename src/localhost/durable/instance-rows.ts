/**
 * How an instance maps onto store rows: one partition per instance, with readable row keys
 * (`state`, `history-…`, `result-…`, `event-…`, `outbox-…`). The only module that knows the keys.
 */
import type { StoredRow } from "./store";
import type { InstanceState, Message } from "./types";

export const STATE_ROW = "state";
const HISTORY = "history-";
const RESULT = "result-";
const EVENT = "event-";
const OUTBOX = "outbox-";

const pad = (n: number, width: number): string => String(n).padStart(width, "0");
export const historyRowKey = (gen: number, ep: number): string => `${HISTORY}${pad(gen, 6)}-${pad(ep, 8)}`;
export const historyPrefix = (gen: number): string => `${HISTORY}${pad(gen, 6)}-`;
/** One row per task of an execution: a task result recorded twice (an activity that ran twice) is refused. */
export const resultRowKey = (gen: number, task: number): string => `${RESULT}${pad(gen, 6)}-${pad(task, 8)}`;
export const eventRowKey = (arrival: string): string => `${EVENT}${arrival}`;
export const outboxRowKey = (gen: number, ep: number): string => `${OUTBOX}${pad(gen, 6)}-${pad(ep, 8)}`;
export const isMessageRow = (rowKey: string): boolean =>
  rowKey.startsWith(RESULT) || rowKey.startsWith(EVENT);
export const isOutboxRow = (rowKey: string): boolean => rowKey.startsWith(OUTBOX);

/** Arrival stamps sort messages in arrival order: the clock, then a per-process counter. */
export function arrivalStamp(now: number, counter: number): string {
  return `${pad(now, 15)}-${pad(counter, 6)}`;
}

/**
 * Instance ids become partition keys; Azure Tables refuses / \ # ? and control characters there.
 * Percent-encoding only those keeps the prefix property that `instanceIdPrefix` queries need.
 */
export function partitionKeyOf(instanceId: string): string {
  return instanceId.replace(
    // eslint-disable-next-line no-control-regex
    /[%/\\#?\u0000-\u001f\u007f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/**
 * Rows stay well under Azure Tables' 1 MiB entity limit (strings count two bytes a character): a long
 * list is split over `key`, `key-1`, `key-2`... which sort right after `key` and before the next episode.
 */
const MAX_ROW_CHARS = 200_000;
export function chunkedRows(pk: string, key: string, items: unknown[]): StoredRow[] {
  const rows: StoredRow[] = [];
  let current: string[] = [];
  let size = 2;
  const flush = (): void => {
    rows.push({
      partitionKey: pk,
      rowKey: rows.length === 0 ? key : `${key}-${rows.length}`,
      data: `[${current.join(",")}]`,
    });
    current = [];
    size = 2;
  };
  for (const item of items) {
    const text = JSON.stringify(item);
    if (current.length > 0 && size + text.length + 1 > MAX_ROW_CHARS) flush();
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0 || rows.length === 0) flush();
  return rows;
}

/** The state row, with index properties so queries filter without parsing the data. */
export function stateRow(s: InstanceState): StoredRow {
  const index: Record<string, string> = {
    runtimeStatus: s.status,
    name: s.name,
    createdTime: s.createdTime,
  };
  if (s.outbox) index.outbox = "1";
  return { partitionKey: partitionKeyOf(s.instanceId), rowKey: STATE_ROW, data: JSON.stringify(s), index };
}

export function messageRow(instanceId: string, message: Message): StoredRow {
  return { partitionKey: partitionKeyOf(instanceId), rowKey: message.rk, data: JSON.stringify(message) };
}
