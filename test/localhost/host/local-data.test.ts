import { TableClient, TableTransaction } from "@azure/data-tables";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteInstance } from "../../../src/localhost/services/azurite";
import {
  loopbackCosmosClient,
  startEmbeddedCosmos,
  type ContainerSpec,
  type EmbeddedCosmos,
} from "../../../src/localhost/services/cosmos";

/**
 * The embedded services keep what they acknowledged in their data folder, even when their process
 * is killed at once: the Cosmos journal is fsynced before a response, Azurite journals (or saves)
 * before it answers.
 */
const folders: string[] = [];
const running: EmbeddedCosmos[] = [];
function folder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(running.map((c) => c.stop()));
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const containers: ContainerSpec[] = [{ id: "things", partitionKeyPath: "/pk", uniqueKeys: [["/code"]] }];

async function cosmosOn(dataDir: string | undefined): Promise<EmbeddedCosmos> {
  const cosmos = await startEmbeddedCosmos({ database: "db", containers, dataDir });
  running.push(cosmos);
  return cosmos;
}

interface Thing {
  id: string;
  pk: string;
  code: string;
  n?: number;
  _etag?: string;
  _ts?: number;
  _rid?: string;
}

function things(cosmos: EmbeddedCosmos) {
  return loopbackCosmosClient(cosmos.endpoint, cosmos.key).database("db").container("things");
}

describe("embedded Cosmos data folder", () => {
  it("a server started on the folder of one that never stopped has every acknowledged change, etags included", async () => {
    const dir = folder("cosmos-journal-");
    const first = things(await cosmosOn(dir));
    await first.items.create<Thing>({ id: "a", pk: "p", code: "A", n: 1 });
    await first.items.create<Thing>({ id: "b", pk: "p", code: "B" });
    await first.items.create<Thing>({ id: "c", pk: "q", code: "C" });
    const { resource: a2 } = await first.item("a", "p").replace<Thing>({ id: "a", pk: "p", code: "A", n: 2 });
    await first.item("b", "p").delete();
    await first.items.upsert<Thing>({ id: "d", pk: "q", code: "D" });
    await first.items.batch(
      [
        { operationType: "Create", resourceBody: { id: "e", pk: "p", code: "E" } },
        { operationType: "Create", resourceBody: { id: "f", pk: "p", code: "F" } },
      ],
      "p",
    );
    // The first server is never stopped: as after a kill, only what reached the file counts.

    const second = things(await cosmosOn(dir));
    const { resources } = await second.items.readAll<Thing>().fetchAll();
    expect(resources.map((r) => r.id).sort()).toEqual(["a", "c", "d", "e", "f"]);
    const { resource: a } = await second.item("a", "p").read<Thing>();
    expect(a).toMatchObject({ n: 2, _etag: a2?._etag, _ts: a2?._ts, _rid: a2?._rid });

    // A conditional write prepared before the restart still works, and a stale one still fails.
    const replaced = await second
      .item("a", "p")
      .replace(
        { id: "a", pk: "p", code: "A", n: 3 },
        { accessCondition: { type: "IfMatch", condition: a2?._etag ?? "" } },
      );
    expect(replaced.statusCode).toBe(200);
    await expect(
      second.item("a", "p").replace(
        { id: "a", pk: "p", code: "A", n: 4 },
        {
          accessCondition: { type: "IfMatch", condition: a2?._etag ?? "" },
        },
      ),
    ).rejects.toMatchObject({ code: 412 });
    // Unique keys and new ids still behave.
    await expect(second.items.create<Thing>({ id: "z", pk: "p", code: "A" })).rejects.toMatchObject({
      code: 409,
    });
    await second.items.create<Thing>({ id: "g", pk: "p", code: "G" });
    expect((await second.items.readAll<Thing>().fetchAll()).resources).toHaveLength(6);
  });

  it("ignores a torn last line (a write the kill interrupted was never answered)", async () => {
    const dir = folder("cosmos-torn-");
    const first = await cosmosOn(dir);
    await things(first).items.create<Thing>({ id: "kept", pk: "p", code: "K" });
    appendFileSync(path.join(dir, "journal.ndjson"), '{"k":"documents","p":"/dbs/');
    const second = things(await cosmosOn(dir));
    const { resources } = await second.items.readAll<Thing>().fetchAll();
    expect(resources.map((r) => r.id)).toEqual(["kept"]);
  });

  it("writes nothing without a data folder", async () => {
    const dir = folder("cosmos-none-");
    const cosmos = await cosmosOn(undefined);
    await things(cosmos).items.create<Thing>({ id: "x", pk: "p", code: "X" });
    expect(cosmos.dataDir).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** A client of one table on an Azurite (plain http: a loopback emulator). */
function tableOn(azurite: AzuriteInstance, table: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
}

/** Ends an Azurite the hard way: no save, no flush, as a crash would. */
async function kill(azurite: AzuriteInstance): Promise<void> {
  process.kill(azurite.pid, "SIGKILL");
  await azurite.stop();
}

describe("embedded Azurite data folder", () => {
  it("keeps every answered write, transactions included, when Azurite is killed right after answering", async () => {
    const location = folder("azurite-kill-");
    const first = await startAzurite({ location, silent: true });
    const table = "keptrows";
    const writer = tableOn(first, table);
    await writer.createTable();
    await writer.createEntity({ partitionKey: "p", rowKey: "single", value: "one" });
    const transaction = new TableTransaction();
    transaction.createEntity({ partitionKey: "p", rowKey: "t1", value: "two" });
    transaction.createEntity({ partitionKey: "p", rowKey: "t2", value: "three" });
    await writer.submitTransaction(transaction.actions);
    await writer.updateEntity({ partitionKey: "p", rowKey: "single", value: "changed" }, "Replace");
    // Azurite's own periodic save runs every 5 s; these answers came well within that.
    await kill(first);
    expect(existsSync(location)).toBe(true);

    const second = await startAzurite({ location, silent: true });
    try {
      const reader = tableOn(second, table);
      const rows: Record<string, unknown>[] = [];
      for await (const entity of reader.listEntities()) rows.push(entity);
      expect(rows.map((r) => [r.rowKey, r.value])).toEqual([
        ["single", "changed"],
        ["t1", "two"],
        ["t2", "three"],
      ]);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("journals entity writes instead of rewriting the whole database per answer, and folds the journal in at the next start", async () => {
    const location = folder("azurite-journal-");
    const first = await startAzurite({ location, silent: true });
    const table = "journaled";
    const writer = tableOn(first, table);
    await writer.createTable();
    const files = () => readdirSync(location).filter((f) => f.startsWith("__azurite_db_table__"));
    const snapshot = files().find((f) => f.endsWith(".json"))!;
    const snapshotAt = statSync(path.join(location, snapshot)).mtimeMs;
    for (let i = 0; i < 50; i++) await writer.createEntity({ partitionKey: "p", rowKey: `r${i}`, value: i });
    const transaction = new TableTransaction();
    transaction.updateEntity({ partitionKey: "p", rowKey: "r0", value: "in a transaction" }, "Replace");
    transaction.deleteEntity("p", "r1");
    await writer.submitTransaction(transaction.actions);
    // 50 answered writes and a transaction (a line per row it touched), and the snapshot was not
    // written again for any of them.
    expect(statSync(path.join(location, snapshot)).mtimeMs).toBe(snapshotAt);
    const journal = readFileSync(path.join(location, `${snapshot}.journal`), "utf8")
      .trim()
      .split("\n");
    expect(journal).toHaveLength(52);
    await kill(first);

    const second = await startAzurite({ location, silent: true });
    try {
      const reader = tableOn(second, table);
      const rows = new Map<string, unknown>();
      for await (const entity of reader.listEntities()) rows.set(entity.rowKey!, entity.value);
      expect(rows.size).toBe(49);
      expect(rows.get("r0")).toBe("in a transaction");
      expect(rows.has("r1")).toBe(false);
      expect(rows.get("r49")).toBe(49);
      // Folded into a snapshot at start-up: the journal starts empty again.
      expect(readFileSync(path.join(location, `${snapshot}.journal`), "utf8")).toBe("");
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("folds a journal grown past its size into a snapshot while answering, and loses nothing to a kill afterwards", async () => {
    const location = folder("azurite-compact-");
    const first = await startAzurite({ location, silent: true, journalCompactBytes: 8 * 1024 });
    const table = "compacted";
    const writer = tableOn(first, table);
    await writer.createTable();
    const snapshot = readdirSync(location).find(
      (f) => f.startsWith("__azurite_db_table__") && f.endsWith(".json"),
    )!;
    const snapshotAt = statSync(path.join(location, snapshot)).mtimeMs;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writer.createEntity({ partitionKey: `p${i % 7}`, rowKey: `r${i}`, value: "x".repeat(200) }),
      ),
    );
    // Each row's line is some 500 bytes: the journal passed 8 KiB many times over, and was folded in.
    await expect.poll(() => statSync(path.join(location, snapshot)).mtimeMs).not.toBe(snapshotAt);
    await kill(first);
    const second = await startAzurite({ location, silent: true });
    try {
      const reader = tableOn(second, table);
      let count = 0;
      for await (const entity of reader.listEntities()) if (entity.value === "x".repeat(200)) count++;
      expect(count).toBe(200);
      // No sealed journal is left behind once its snapshot is on disk.
      expect(readdirSync(location).filter((f) => /\.journal\.\d+$/.test(f))).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
