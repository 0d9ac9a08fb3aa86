import { randomUUID } from "node:crypto";
import { AzureNamedKeyCredential, generateAccountSas } from "@azure/data-tables";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConcurrencyError,
  MAX_TRANSACTION_OPS,
  type DurableStore,
  type RowOp,
  type StoredRow,
} from "../../../src/localhost/durable/store";
import { MemoryStore } from "../../../src/localhost/durable/memory-store";
import { TableStore, TableStoreError } from "../../../src/localhost/durable/table-store";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  AZURITE_ACCOUNT_KEY,
  AZURITE_ACCOUNT_NAME,
  startAzurite,
} from "../../../src/localhost/services/azurite";
import { useAzurite } from "../../support/azurite";

const azurite = useAzurite();

interface Subject {
  name: string;
  create(): Promise<DurableStore>;
}

const subjects: Subject[] = [
  {
    name: "memory",
    create() {
      return Promise.resolve(new MemoryStore());
    },
  },
  {
    name: "table",
    async create() {
      const hub = `C${randomUUID().replace(/-/g, "").slice(0, 16)}`;
      const store = new TableStore({ connectionString: azurite().connectionString, taskHub: hub });
      await store.init();
      return store;
    },
  },
];

function row(partitionKey: string, rowKey: string, data: string, index?: Record<string, string>): StoredRow {
  return index ? { partitionKey, rowKey, data, index } : { partitionKey, rowKey, data };
}

describe.each(subjects)("DurableStore contract: $name", (subject) => {
  const opened: DurableStore[] = [];
  async function open(): Promise<DurableStore> {
    const store = await subject.create();
    opened.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it("init is idempotent and a missing row reads as undefined", async () => {
    const store = await open();
    await store.init();
    expect(await store.readRow("nobody", "state")).toBeUndefined();
    expect(await store.readPartition("nobody")).toEqual([]);
  });

  it("round-trips data, index and sets an etag", async () => {
    const store = await open();
    await store.transact("i1", [
      { op: "insert", row: row("i1", "state", '{"a":1}', { runtimeStatus: "Running", name: "x" }) },
    ]);
    const read = await store.readRow("i1", "state");
    expect(read).toMatchObject({
      partitionKey: "i1",
      rowKey: "state",
      data: '{"a":1}',
      index: { runtimeStatus: "Running", name: "x" },
    });
    expect(typeof read?.etag).toBe("string");
    expect(read?.etag).not.toBe("");
  });

  it("round-trips an empty data string", async () => {
    const store = await open();
    await store.transact("i1", [{ op: "upsert", row: row("i1", "empty", "") }]);
    expect((await store.readRow("i1", "empty"))?.data).toBe("");
  });

  it("refuses an insert over an existing row and applies nothing of that transaction", async () => {
    const store = await open();
    await store.transact("p", [{ op: "insert", row: row("p", "a", "1") }]);
    const attempt = store.transact("p", [
      { op: "upsert", row: row("p", "b", "2") },
      { op: "insert", row: row("p", "a", "again") },
      { op: "upsert", row: row("p", "c", "3") },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
    const rows = await store.readPartition("p");
    expect(rows.map((r) => [r.rowKey, r.data])).toEqual([["a", "1"]]);
  });

  it("upsert without ifMatch replaces the whole row, index included", async () => {
    const store = await open();
    await store.transact("p", [
      { op: "upsert", row: row("p", "s", "old", { status: "Running", extra: "e" }) },
    ]);
    await store.transact("p", [{ op: "upsert", row: row("p", "s", "new", { status: "Completed" }) }]);
    const read = await store.readRow("p", "s");
    expect(read?.data).toBe("new");
    expect(read?.index).toEqual({ status: "Completed" });
  });

  it("an etag race: the second writer with the same etag loses, the winner's write stays", async () => {
    const store = await open();
    await store.transact("p", [{ op: "insert", row: row("p", "s", "v0") }]);
    const seen = (await store.readRow("p", "s"))!;
    await store.transact("p", [{ op: "upsert", row: row("p", "s", "v1"), ifMatch: seen.etag }]);
    const after = (await store.readRow("p", "s"))!;
    expect(after.etag).not.toBe(seen.etag);
    await expect(
      store.transact("p", [
        { op: "upsert", row: row("p", "other", "x") },
        { op: "upsert", row: row("p", "s", "v2"), ifMatch: seen.etag },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(
      store.transact("p", [{ op: "upsert", row: row("p", "s", "v2"), ifMatch: seen.etag }]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.readRow("p", "s"))?.data).toBe("v1");
    expect(await store.readRow("p", "other")).toBeUndefined();
    await store.transact("p", [{ op: "upsert", row: row("p", "s", "v2"), ifMatch: after.etag }]);
    expect((await store.readRow("p", "s"))?.data).toBe("v2");
  });

  it("concurrent writers with one etag: exactly one wins", async () => {
    const store = await open();
    await store.transact("p", [{ op: "insert", row: row("p", "s", "v0") }]);
    const etag = (await store.readRow("p", "s"))!.etag;
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((n) =>
        store.transact("p", [{ op: "upsert", row: row("p", "s", `w${n}`), ifMatch: etag }]),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    for (const r of lost) expect(r.reason).toBeInstanceOf(ConcurrencyError);
  });

  it("a conditional upsert of a missing row is a lost race", async () => {
    const store = await open();
    await store.transact("p", [{ op: "insert", row: row("p", "s", "v0") }]);
    const etag = (await store.readRow("p", "s"))!.etag;
    await store.transact("p", [{ op: "delete", rowKey: "s" }]);
    await expect(
      store.transact("p", [{ op: "upsert", row: row("p", "s", "v1"), ifMatch: etag }]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.readRow("p", "s")).toBeUndefined();
  });

  it('ifMatch "*" replaces whatever is stored, and is a lost race when nothing is', async () => {
    const store = await open();
    await expect(
      store.transact("p", [{ op: "upsert", row: row("p", "star", "v0"), ifMatch: "*" }]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.readRow("p", "star")).toBeUndefined();
    await store.transact("p", [{ op: "insert", row: row("p", "star", "v1") }]);
    await store.transact("p", [{ op: "upsert", row: row("p", "star", "v2"), ifMatch: "*" }]);
    expect((await store.readRow("p", "star"))?.data).toBe("v2");
  });

  it("deleting a missing row without ifMatch is no error, alone or in a transaction", async () => {
    const store = await open();
    await store.transact("p", [{ op: "delete", rowKey: "ghost" }]);
    await store.transact("p", [{ op: "upsert", row: row("p", "keep", "k") }]);
    await store.transact("p", [
      { op: "insert", row: row("p", "a", "1") },
      { op: "delete", rowKey: "ghost" },
      { op: "delete", rowKey: "keep" },
      { op: "delete", rowKey: "ghost2" },
    ]);
    expect((await store.readPartition("p")).map((r) => r.rowKey)).toEqual(["a"]);
  });

  it("conditional deletes: a stale etag or a missing row fails the whole transaction", async () => {
    const store = await open();
    await store.transact("p", [{ op: "insert", row: row("p", "s", "v0") }]);
    const stale = (await store.readRow("p", "s"))!.etag!;
    await store.transact("p", [{ op: "upsert", row: row("p", "s", "v1") }]);
    await expect(
      store.transact("p", [
        { op: "insert", row: row("p", "n", "new") },
        { op: "delete", rowKey: "s", ifMatch: stale },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(store.transact("p", [{ op: "delete", rowKey: "s", ifMatch: stale }])).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    expect((await store.readPartition("p")).map((r) => [r.rowKey, r.data])).toEqual([["s", "v1"]]);
    await expect(
      store.transact("p", [
        { op: "insert", row: row("p", "n", "new") },
        { op: "delete", rowKey: "gone", ifMatch: stale },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    const current = (await store.readRow("p", "s"))!.etag;
    await store.transact("p", [
      { op: "insert", row: row("p", "n", "new") },
      { op: "delete", rowKey: "s", ifMatch: current },
    ]);
    expect((await store.readPartition("p")).map((r) => r.rowKey)).toEqual(["n"]);
  });

  it(`takes ${MAX_TRANSACTION_OPS} operations in one transaction and refuses more`, async () => {
    const store = await open();
    const ops = (n: number): RowOp[] =>
      Array.from({ length: n }, (_, i) => ({
        op: "insert",
        row: row("big", `r${String(i).padStart(3, "0")}`, `v${i}`),
      }));
    await expect(store.transact("big", ops(MAX_TRANSACTION_OPS + 1))).rejects.toThrow();
    expect(await store.readPartition("big")).toEqual([]);
    await store.transact("big", ops(MAX_TRANSACTION_OPS));
    const rows = await store.readPartition("big");
    expect(rows).toHaveLength(MAX_TRANSACTION_OPS);
    expect(rows[42]).toMatchObject({ rowKey: "r042", data: "v42" });
  });

  it("round-trips large data, including surrogate pairs across chunk boundaries", async () => {
    const store = await open();
    const unit = "ab😀cd€é\n\"'\\";
    let data = "";
    while (data.length < 300_000) data += unit;
    // Force a pair straddling a 32,000-character boundary whatever the chunking is.
    data = "x".repeat(31_999) + "😀" + data;
    await store.transact("large", [
      { op: "upsert", row: row("large", "h1", data, { k: "v" }) },
      { op: "upsert", row: row("large", "h2", data.slice(0, 70_000)) },
    ]);
    expect((await store.readRow("large", "h1"))?.data).toBe(data);
    const rows = await store.readPartition("large");
    expect(rows.map((r) => r.data.length)).toEqual([data.length, 70_000]);
    expect(rows[1]?.data).toBe(data.slice(0, 70_000));
    // A replace with a shorter value must not leave old chunks behind.
    await store.transact("large", [{ op: "upsert", row: row("large", "h1", "short") }]);
    expect((await store.readRow("large", "h1"))?.data).toBe("short");
  });

  it("keeps keys with reserved and unusual characters apart and intact", async () => {
    const store = await open();
    const keys = ["a/b", "a\\b", "a#b", "a?b", "a%2Fb", "it's", "sp ace", "ünï", "tab\there", "a%"];
    for (const pk of keys) {
      await store.transact(
        pk,
        keys.map((rk): RowOp => ({ op: "upsert", row: row(pk, rk, `${pk}|${rk}`) })),
      );
    }
    for (const pk of keys) {
      const rows = await store.readPartition(pk);
      expect(rows.map((r) => r.rowKey).sort()).toEqual([...keys].sort());
      for (const r of rows) expect(r).toMatchObject({ partitionKey: pk, data: `${pk}|${r.rowKey}` });
      expect((await store.readRow(pk, "a/b"))?.data).toBe(`${pk}|a/b`);
    }
    await store.transact("a/b", [{ op: "delete", rowKey: "a#b" }]);
    expect(await store.readRow("a/b", "a#b")).toBeUndefined();
    expect((await store.readPartition("a/b", "a")).map((r) => r.rowKey).sort()).toEqual(
      ["a/b", "a\\b", "a?b", "a%2Fb", "a%"].sort(),
    );
  });

  it("reads a partition in row key order, optionally by row key prefix", async () => {
    const store = await open();
    await store.transact("p", [
      { op: "upsert", row: row("p", "h:0002", "2") },
      { op: "upsert", row: row("p", "state", "s") },
      { op: "upsert", row: row("p", "h:0001", "1") },
      { op: "upsert", row: row("p", "h:0010", "10") },
      { op: "upsert", row: row("p", "h;", "not history") },
      { op: "upsert", row: row("p", "h", "not history either") },
    ]);
    await store.transact("q", [{ op: "upsert", row: row("q", "h:0001", "other partition") }]);
    expect((await store.readPartition("p")).map((r) => r.rowKey)).toEqual([
      "h",
      "h:0001",
      "h:0002",
      "h:0010",
      "h;",
      "state",
    ]);
    expect((await store.readPartition("p", "h:")).map((r) => r.data)).toEqual(["1", "2", "10"]);
    expect(await store.readPartition("p", "zzz")).toEqual([]);
  });

  describe("query", () => {
    async function seed(store: DurableStore): Promise<void> {
      const instances: [string, string, string, string][] = [
        ["app-1", "Running", "Hello", "2026-01-01T00:00:00.000Z"],
        ["app-2", "Completed", "Hello", "2026-01-02T00:00:00.000Z"],
        ["app-3", "Failed", "Bye", "2026-01-03T00:00:00.000Z"],
        ["app-4", "Running", "Bye", "2026-01-04T00:00:00.000Z"],
        ["bpp-1", "Running", "Hello", "2026-01-05T00:00:00.000Z"],
        ["app-5", "Completed", "Hello", "2026-01-06T00:00:00.000Z"],
      ];
      for (const [id, status, name, created] of instances) {
        await store.transact(id, [
          {
            op: "upsert",
            row: row(id, "state", `{"id":"${id}"}`, { runtimeStatus: status, name, createdTime: created }),
          },
          { op: "upsert", row: row(id, "h:0001", "history", { runtimeStatus: status }) },
        ]);
      }
    }

    it("selects rows by row key, ordered by partition key", async () => {
      const store = await open();
      await seed(store);
      const page = await store.query({ rowKey: "state" });
      expect(page.rows.map((r) => r.partitionKey)).toEqual([
        "app-1",
        "app-2",
        "app-3",
        "app-4",
        "app-5",
        "bpp-1",
      ]);
      expect(page.continuationToken).toBeUndefined();
      expect(page.rows[0]).toMatchObject({
        rowKey: "state",
        data: '{"id":"app-1"}',
        index: { runtimeStatus: "Running" },
      });
    });

    it("filters by partition key prefix and index values", async () => {
      const store = await open();
      await seed(store);
      const ids = async (q: Omit<Parameters<DurableStore["query"]>[0], "rowKey">): Promise<string[]> =>
        (await store.query({ rowKey: "state", ...q })).rows.map((r) => r.partitionKey);
      expect(await ids({ partitionKeyPrefix: "app-" })).toEqual([
        "app-1",
        "app-2",
        "app-3",
        "app-4",
        "app-5",
      ]);
      expect(await ids({ indexIn: { runtimeStatus: ["Running"] } })).toEqual(["app-1", "app-4", "bpp-1"]);
      expect(await ids({ indexIn: { runtimeStatus: ["Running", "Failed"], name: ["Bye"] } })).toEqual([
        "app-3",
        "app-4",
      ]);
      expect(await ids({ indexIn: { runtimeStatus: [] } })).toEqual([]);
      expect(await ids({ indexIn: { runtimeStatus: ["it's"] } })).toEqual([]);
      expect(
        await ids({
          indexFrom: { createdTime: "2026-01-02T00:00:00.000Z" },
          indexTo: { createdTime: "2026-01-04T00:00:00.000Z" },
        }),
      ).toEqual(["app-2", "app-3", "app-4"]);
      expect(
        await ids({
          partitionKeyPrefix: "app",
          indexIn: { runtimeStatus: ["Completed"] },
          indexFrom: { createdTime: "2026-01-03" },
        }),
      ).toEqual(["app-5"]);
    });

    it("pages with top and a continuation token, each row exactly once", async () => {
      const store = await open();
      await seed(store);
      const seen: string[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = await store.query({
          rowKey: "state",
          top: 2,
          ...(token ? { continuationToken: token } : {}),
        });
        sizes.push(page.rows.length);
        seen.push(...page.rows.map((r) => r.partitionKey));
        token = page.continuationToken;
      } while (token);
      expect(seen).toEqual(["app-1", "app-2", "app-3", "app-4", "app-5", "bpp-1"]);
      expect(sizes).toEqual([2, 2, 2]);

      const filtered = await store.query({
        rowKey: "state",
        top: 2,
        indexIn: { runtimeStatus: ["Running"] },
      });
      expect(filtered.rows.map((r) => r.partitionKey)).toEqual(["app-1", "app-4"]);
      expect(filtered.continuationToken).toBeDefined();
      const rest = await store.query({
        rowKey: "state",
        top: 2,
        indexIn: { runtimeStatus: ["Running"] },
        continuationToken: filtered.continuationToken!,
      });
      expect(rest.rows.map((r) => r.partitionKey)).toEqual(["bpp-1"]);
      expect(rest.continuationToken).toBeUndefined();
    });
  });

  it("deletePartition removes every row of one partition and counts them", async () => {
    const store = await open();
    for (let start = 0; start < 250; start += 100) {
      const ops: RowOp[] = [];
      for (let i = start; i < Math.min(start + 100, 250); i++)
        ops.push({ op: "insert", row: row("victim", `h:${String(i).padStart(4, "0")}`, "x") });
      await store.transact("victim", ops);
    }
    await store.transact("victim2", [{ op: "insert", row: row("victim2", "state", "keep") }]);
    await store.transact("victi", [{ op: "insert", row: row("victi", "state", "keep") }]);
    expect(await store.deletePartition("victim")).toBe(250);
    expect(await store.readPartition("victim")).toEqual([]);
    expect(await store.deletePartition("victim")).toBe(0);
    expect((await store.readRow("victim2", "state"))?.data).toBe("keep");
    expect((await store.readRow("victi", "state"))?.data).toBe("keep");
  });
});

describe("TableStore specifics", () => {
  function hub(): string {
    return `S${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  }

  it("refuses data beyond Azure's 1 MiB entity limit with a clear error and writes nothing", async () => {
    const store = new TableStore({ connectionString: azurite().connectionString, taskHub: hub() });
    await store.init();
    try {
      const attempt = store.transact("p", [
        { op: "upsert", row: row("p", "ok", "fine") },
        { op: "upsert", row: row("p", "huge", "x".repeat(600_000)) },
      ]);
      await expect(attempt).rejects.toThrow(TableStoreError);
      await expect(attempt).rejects.toThrow(/1048576 bytes/);
      expect(await store.readPartition("p")).toEqual([]);
      // Just under the limit still fits.
      await store.transact("p", [{ op: "upsert", row: row("p", "near", "y".repeat(520_000)) }]);
      expect((await store.readRow("p", "near"))?.data.length).toBe(520_000);
    } finally {
      await store.close();
    }
  });

  it("works with a SAS connection string (no account key), batches and conditional deletes included", async () => {
    const sas = generateAccountSas(new AzureNamedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY), {
      expiresOn: new Date(Date.now() + 3600_000),
      permissions: {
        write: true,
        delete: true,
        list: true,
        add: true,
        update: true,
        query: true,
      },
      resourceTypes: "sco",
    });
    const store = new TableStore({
      connectionString: `TableEndpoint=${azurite().tableEndpoint};SharedAccessSignature=${sas}`,
      taskHub: hub(),
    });
    await store.init();
    try {
      await store.transact("p", [
        { op: "insert", row: row("p", "a", "1", { s: "x" }) },
        { op: "insert", row: row("p", "b", "2") },
      ]);
      const etag = (await store.readRow("p", "a"))!.etag!;
      await store.transact("p", [
        { op: "delete", rowKey: "a", ifMatch: etag },
        { op: "upsert", row: row("p", "c", "3") },
      ]);
      expect((await store.readPartition("p")).map((r) => r.rowKey)).toEqual(["b", "c"]);
      await expect(
        store.transact("p", [{ op: "insert", row: row("p", "b", "again") }]),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect((await store.query({ rowKey: "c" })).rows).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("refuses a transaction beyond Azure's 4 MiB payload limit and writes nothing", async () => {
    const store = new TableStore({ connectionString: azurite().connectionString, taskHub: hub() });
    await store.init();
    try {
      const big = "z".repeat(500_000);
      const ops: RowOp[] = Array.from({ length: 9 }, (_, i) => ({
        op: "upsert",
        row: row("p", `r${i}`, big),
      }));
      await expect(store.transact("p", ops)).rejects.toThrow(/4194304/);
      expect(await store.readPartition("p")).toEqual([]);
      await store.transact("p", ops.slice(0, 4));
      expect(await store.readPartition("p")).toHaveLength(4);
    } finally {
      await store.close();
    }
  });

  it("shares the data of one task hub between store instances and keeps hubs apart", async () => {
    const name = hub();
    const a = new TableStore({ connectionString: azurite().connectionString, taskHub: name });
    const b = new TableStore({ connectionString: azurite().connectionString, taskHub: name });
    const other = new TableStore({ connectionString: azurite().connectionString, taskHub: hub() });
    try {
      await Promise.all([a.init(), b.init(), other.init()]);
      await a.transact("i", [{ op: "insert", row: row("i", "state", "from a") }]);
      expect((await b.readRow("i", "state"))?.data).toBe("from a");
      expect(await other.readRow("i", "state")).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it("validates task hub names and refuses plain http to a non-loopback endpoint", () => {
    expect(
      () => new TableStore({ connectionString: azurite().connectionString, taskHub: "bad-hub" }),
    ).toThrow(/Task hub/);
    const remote = azurite().connectionString.replace(/127\.0\.0\.1/g, "example.com");
    expect(() => new TableStore({ connectionString: remote, taskHub: hub() })).toThrow(/loopback/);
  });

  it("rejects a forged continuation token", async () => {
    const store = new TableStore({ connectionString: azurite().connectionString, taskHub: hub() });
    await store.init();
    try {
      await expect(store.query({ rowKey: "state", continuationToken: "not-a-token" })).rejects.toThrow(
        /continuation token/,
      );
    } finally {
      await store.close();
    }
  });

  it("keeps its rows across an Azurite restart on the same workspace (state outlives the emulator process)", async () => {
    const location = mkdtempSync(path.join(os.tmpdir(), "azurite-restart-"));
    const taskHub = hub();
    try {
      const first = await startAzurite({ location, silent: true });
      const writer = new TableStore({ connectionString: first.connectionString, taskHub });
      await writer.init();
      await writer.transact("i", [
        { op: "insert", row: row("i", "state", "kept", { runtimeStatus: "Running" }) },
        { op: "insert", row: row("i", "h-1", "x".repeat(100_000)) },
      ]);
      await writer.close();
      await first.stop();

      const second = await startAzurite({ location, silent: true });
      const reader = new TableStore({ connectionString: second.connectionString, taskHub });
      try {
        await reader.init();
        expect((await reader.readRow("i", "state"))?.data).toBe("kept");
        expect((await reader.readRow("i", "h-1"))?.data).toHaveLength(100_000);
        expect(
          (await reader.query({ rowKey: "state", indexIn: { runtimeStatus: ["Running"] } })).rows,
        ).toHaveLength(1);
      } finally {
        await reader.close();
        await second.stop();
      }
    } finally {
      rmSync(location, { recursive: true, force: true });
    }
  }, 120_000);
});
