import Account from "@vercel/cosmosdb-server/lib/account";
import Items from "@vercel/cosmosdb-server/lib/account/items";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import path from "node:path";

/*
 * Durability for the embedded Cosmos DB API server (`@vercel/cosmosdb-server`), which keeps
 * everything in memory. Every change the server makes to its resource tree ends in
 * `Items._set` (create, replace, upsert) or `Items.delete`, synchronously inside a request. Those
 * two are hooked to record the resulting resource (with the `_rid`, `_etag` and `_ts` the server
 * gave it) as one JSON line; the request handler writes and fsyncs the lines before it sends the
 * response. A start replays the lines into a new account and rewrites the file compacted. Recording
 * results rather than requests keeps etags and timestamps as the clients saw them: replaying a
 * request would mint new etags and break conditional writes made before the restart.
 */

/** The server's internal shapes this module relies on (its .d.ts files type them loosely). */
type Resource = Record<string, unknown> & { _rid: string; _self?: string; id?: unknown };
interface ItemLike {
  read(): Resource | undefined | null;
}
interface ItemsLike {
  _parent: ItemLike & Record<string, unknown>;
  _data: Map<string, ItemLike & Record<string, unknown>>;
  _ridCount: number;
  _set: (this: ItemsLike, data: Resource) => Resource;
  _item(keyPath: string, value: string, partition: unknown): ItemLike;
  delete: (this: ItemsLike, idOrRid: string, partition: unknown) => void;
  [JOURNAL]?: CosmosJournal;
}

/** Which child list of its parent an Items instance is; resources of other lists are not recorded. */
const KINDS = ["databases", "collections", "documents", "userDefinedFunctions"] as const;
type Kind = (typeof KINDS)[number];

/** One line of the journal: a resource as stored, or the removal of one. */
type JournalRecord = { k: Kind; p: string; n: number; set: Resource } | { k: Kind; p: string; del: string };

const JOURNAL = Symbol("cosmos-journal");

function kindOf(items: ItemsLike): Kind | undefined {
  return KINDS.find((k) => items._parent[k] === items);
}

/** The parent's `_self` ("" for the account, `/dbs/<rid>`, `/dbs/<rid>/colls/<rid>`) locates the list at replay. */
function parentPath(items: ItemsLike): string {
  return String(items._parent.read()?._self ?? "");
}

let hooksInstalled = false;
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const proto = Items.prototype as unknown as ItemsLike;
  const originalSet = proto._set;
  const originalDelete = proto.delete;
  proto._set = function (this: ItemsLike, data: Resource): Resource {
    const result = originalSet.call(this, data);
    const journal = this[JOURNAL];
    if (journal) {
      const kind = kindOf(this);
      if (kind) journal.record({ k: kind, p: parentPath(this), n: this._ridCount, set: result });
      // A new database or collection brings new child lists: they report to the same journal.
      const child = this._data.get(result._rid);
      if (child) tagChildren(child, journal);
    }
    return result;
  };
  proto.delete = function (this: ItemsLike, idOrRid: string, partition: unknown): void {
    const rid = this._item("/id", idOrRid, partition).read()?._rid;
    originalDelete.call(this, idOrRid, partition);
    const journal = this[JOURNAL];
    const kind = journal && kindOf(this);
    if (journal && kind && rid !== undefined) journal.record({ k: kind, p: parentPath(this), del: rid });
  };
}

function tagChildren(item: Record<string, unknown>, journal: CosmosJournal): void {
  for (const kind of KINDS) {
    const list = item[kind];
    if (list instanceof Items) {
      (list as unknown as ItemsLike)[JOURNAL] = journal;
      for (const child of (list as unknown as ItemsLike)._data.values()) tagChildren(child, journal);
    }
  }
}

function listAt(account: Account, kind: Kind, parent: string): ItemsLike {
  const segments = parent.split("/").filter((s) => s !== "");
  let item: Record<string, unknown> = account as unknown as Record<string, unknown>;
  if (segments[0] === "dbs" && segments[1] !== undefined) {
    item = account.database(segments[1]) as unknown as Record<string, unknown>;
    if (segments[2] === "colls" && segments[3] !== undefined) {
      item = (item as unknown as ReturnType<Account["database"]>).collection(
        segments[3],
      ) as unknown as Record<string, unknown>;
    }
  }
  const list = item[kind];
  if (!(list instanceof Items)) throw new Error(`no ${kind} under "${parent}"`);
  return list as unknown as ItemsLike;
}

function apply(account: Account, rec: JournalRecord): void {
  const list = listAt(account, rec.k, rec.p);
  if ("del" in rec) {
    list.delete(rec.del, undefined);
  } else {
    // The list's own _set (collections add indexing defaults again, which changes nothing).
    list._set(rec.set);
    list._ridCount = Math.max(list._ridCount, rec.n);
  }
}

/** Every resource of the account as `set` records, parents before children. */
function snapshot(account: Account): JournalRecord[] {
  const out: JournalRecord[] = [];
  const walk = (item: Record<string, unknown>): void => {
    for (const kind of KINDS) {
      const value = item[kind];
      if (!(value instanceof Items)) continue;
      const list = value as unknown as ItemsLike;
      for (const child of list._data.values()) {
        const data = child.read();
        if (!data) continue;
        out.push({ k: kind, p: parentPath(list), n: list._ridCount, set: data });
        walk(child);
      }
    }
  };
  walk(account as unknown as Record<string, unknown>);
  return out;
}

/**
 * The append-only journal of one embedded Cosmos account. `record` queues a line (synchronously,
 * inside the server's change); `flush` resolves once every line queued before the call is written
 * and fsynced. Flushes run one after another and each takes everything queued, so concurrent
 * requests share one fsync.
 */
export class CosmosJournal {
  private pending: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Loads `<dir>/journal.ndjson` into `account` (a new, empty one), rewrites the file compacted to
   * the account's current resources, and from then on records every change to it.
   */
  static async open(dir: string, account: Account): Promise<{ journal: CosmosJournal; resources: number }> {
    installHooks();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "journal.ndjson");
    if (existsSync(file)) {
      const lines = readFileSync(file, "utf8").split("\n");
      lines.forEach((line, i) => {
        if (line.trim() === "") return;
        let rec: JournalRecord;
        try {
          rec = JSON.parse(line) as JournalRecord;
        } catch (e) {
          // Only the last line can be torn (a kill during its write); its request was never answered.
          if (lines.slice(i + 1).every((l) => l.trim() === "")) return;
          throw new Error(`${file}:${i + 1} is not a journal record: ${(e as Error).message}`);
        }
        try {
          apply(account, rec);
        } catch (e) {
          throw new Error(`${file}:${i + 1} cannot be replayed: ${(e as Error).message}`);
        }
      });
    }
    const resources = snapshot(account);
    const compacted = `${file}.compacting`;
    const fd = openSync(compacted, "w");
    try {
      if (resources.length > 0) writeSync(fd, resources.map((r) => JSON.stringify(r)).join("\n") + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(compacted, file);
    fsyncDir(dir);
    const journal = new CosmosJournal(file, await open(file, "a"));
    tagChildren(account as unknown as Record<string, unknown>, journal);
    return { journal, resources: resources.length };
  }

  record(rec: JournalRecord): void {
    this.pending.push(JSON.stringify(rec) + "\n");
  }

  /** True when nothing is queued or being written: a read can be answered at once. */
  get idle(): boolean {
    return this.pending.length === 0 && this.writing === 0;
  }

  private writing = 0;

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.writing++;
    const step = this.chain.then(async () => {
      if (this.pending.length === 0) return;
      // One write per flush: a kill lands before or after it, never inside one request's lines.
      const text = this.pending.join("");
      this.pending = [];
      await this.handle.write(text);
      await this.handle.datasync();
    });
    this.chain = step.then(
      () => {
        this.writing--;
      },
      (e: unknown) => {
        this.writing--;
        // The file may now miss a change the server made: answer nothing more rather than lose data.
        this.failure = e instanceof Error ? e : new Error(String(e));
      },
    );
    return step;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.handle.close();
  }
}

function fsyncDir(dir: string): void {
  // Makes the rename itself durable; some platforms cannot open a directory, and lose nothing by it.
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported here.
  }
}
