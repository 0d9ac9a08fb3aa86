import { odata, TableClient } from "@azure/data-tables";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onePartitionOf } from "../../../src/localhost/services/azurite";
import { startTestAzurite, type TestAzurite } from "../../support/embedded-azurite";

describe("which filters confine an Azurite query to one partition", () => {
  it.each([
    ["PartitionKey eq 'a'", "a"],
    ["PartitionKey eq 'a' and RowKey ge 'h:' and RowKey lt 'h;'", "a"],
    ["  PartitionKey  eq  'it''s'  and x_status eq 'waiting'", "it's"],
    ["PartitionKey eq 'a' and (RowKey eq 'x' or RowKey eq 'y')", "a"],
    ["PartitionKey eq 'a' and Order eq 'or' and RowKey ge ' or '", "a"],
    ["PartitionKey eq ''", ""],
  ])("%s: partition %j", (filter, partition) => {
    expect(onePartitionOf(filter)).toBe(partition);
  });

  it.each([
    // `and` binds tighter than `or`: the second term reaches every partition.
    "PartitionKey eq 'a' and RowKey eq 'x' or RowKey eq 'y'",
    "PartitionKey eq 'a' or PartitionKey eq 'b'",
    "PartitionKey eq 'a' OR RowKey eq 'y'",
    "PartitionKey ne 'a'",
    "PartitionKey ge 'a' and PartitionKey lt 'b'",
    "RowKey eq 'x' and PartitionKey eq 'a'",
    "(PartitionKey eq 'a')",
    "PartitionKey eq 'a') or (RowKey eq 'x'",
    "PartitionKey eq 'a' and (RowKey eq 'x'",
    "PartitionKey eq 'a' and RowKey eq 'x",
    "PartitionKey eq 'a'and RowKey eq 'x'",
    "PartitionKey eq 'a' x",
    "not PartitionKey eq 'a'",
    undefined,
  ])("%s: any partition", (filter) => {
    expect(onePartitionOf(filter)).toBeUndefined();
  });
});

/**
 * The preload narrows such queries to the partition's rows through the index; whatever the filter,
 * the rows answered must be the ones Azurite's own predicate picks from the whole table.
 */
describe("Azurite queries started from one partition answer the same rows", () => {
  let azurite: TestAzurite;
  let table: TableClient;
  interface Row {
    partitionKey: string;
    rowKey: string;
    n: number;
  }
  const rows: Row[] = [];

  beforeAll(async () => {
    azurite = await startTestAzurite({ inMemory: true });
    table = TableClient.fromConnectionString(azurite.connectionString, "narrowed", {
      allowInsecureConnection: true,
    });
    await table.createTable();
    // Row keys repeat across partitions, as the durable store's `state` rows do.
    for (const partitionKey of ["a", "b", "it's", "c"])
      for (let i = 0; i < 6; i++) rows.push({ partitionKey, rowKey: `r${i}`, n: i });
    await Promise.all(rows.map((row) => table.createEntity(row)));
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  const answered = async (filter: string): Promise<string[]> => {
    const found: string[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter } }))
      found.push(`${e.partitionKey}/${e.rowKey}`);
    return found;
  };
  const expected = (match: (row: Row) => boolean): string[] =>
    rows
      .filter(match)
      .map((r) => `${r.partitionKey}/${r.rowKey}`)
      .sort();

  it("a partition's rows, a range within it, and its rows that match more", async () => {
    expect(await answered(odata`PartitionKey eq ${"b"}`)).toEqual(expected((r) => r.partitionKey === "b"));
    expect(
      await answered(odata`PartitionKey eq ${"it's"} and RowKey ge ${"r2"} and RowKey lt ${"r4"}`),
    ).toEqual(expected((r) => r.partitionKey === "it's" && r.rowKey >= "r2" && r.rowKey < "r4"));
    expect(await answered(odata`PartitionKey eq ${"c"} and (n eq ${1} or n eq ${5})`)).toEqual(
      expected((r) => r.partitionKey === "c" && (r.n === 1 || r.n === 5)),
    );
    expect(await answered(odata`PartitionKey eq ${"zz"}`)).toEqual([]);
  });

  it("a filter that reaches other partitions still does", async () => {
    // (PartitionKey eq 'a' and n eq 1) or n eq 2: the `or` takes rows of every partition.
    expect(await answered(odata`PartitionKey eq ${"a"} and n eq ${1} or n eq ${2}`)).toEqual(
      expected((r) => (r.partitionKey === "a" && r.n === 1) || r.n === 2),
    );
    expect(await answered(odata`PartitionKey eq ${"a"} or PartitionKey eq ${"c"}`)).toEqual(
      expected((r) => r.partitionKey === "a" || r.partitionKey === "c"),
    );
  });

  it("pages through one partition with continuation tokens, every row once", async () => {
    const seen: string[] = [];
    const pages = table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${"a"}` } }).byPage({
      maxPageSize: 4,
    });
    for await (const page of pages) for (const e of page) seen.push(`${e.partitionKey}/${e.rowKey}`);
    expect(seen).toEqual(expected((r) => r.partitionKey === "a"));
  });

  it("any filter of the shape the preload narrows picks the rows a full scan would", async () => {
    const keys = ["a", "b", "it's", "c", "zz"];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...keys),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        async (partitionKey, low, high, either) => {
          const filter = either
            ? odata`PartitionKey eq ${partitionKey} and (n eq ${low} or n eq ${high})`
            : odata`PartitionKey eq ${partitionKey} and n ge ${low} and n lt ${high}`;
          expect(onePartitionOf(filter)).toBe(partitionKey);
          expect(await answered(filter)).toEqual(
            expected(
              (r) =>
                r.partitionKey === partitionKey &&
                (either ? r.n === low || r.n === high : r.n >= low && r.n < high),
            ),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});
