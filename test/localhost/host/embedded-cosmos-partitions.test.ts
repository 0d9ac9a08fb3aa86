import type { Container } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCosmos, type TestCosmos } from "../../support/embedded-cosmos";

/**
 * The embedded Cosmos serves a query with a partition key from that partition alone, as Cosmos DB
 * does (src/localhost/services/cosmos-partitions.ts): the results are the partition's, and its
 * index follows every create, replace, upsert and delete.
 */
describe("embedded Cosmos: single-partition queries", () => {
  let cosmos: TestCosmos;
  let schedule: Container;

  beforeAll(async () => {
    cosmos = await startTestCosmos({ database: "partitions" });
    schedule = cosmos.db.container("schedule");
  });
  afterAll(async () => {
    await cosmos?.stop();
  });

  const query = "SELECT c.id FROM c WHERE c.kind = 'entry'";

  async function all(partitionKey: string | undefined, maxItemCount = 2): Promise<string[]> {
    const ids: string[] = [];
    const iterator = schedule.items.query<{ id: string }>(query, {
      maxItemCount,
      ...(partitionKey === undefined ? {} : { partitionKey }),
    });
    while (iterator.hasMoreResults()) {
      const page = await iterator.fetchNext();
      ids.push(...page.resources.map((r) => r.id));
    }
    return ids;
  }

  it("a query with a partition key returns that partition's documents only, paged through once each", async () => {
    for (const [id, day] of [
      ["a1", "2031-01-01"],
      ["b1", "2031-01-02"],
      ["a2", "2031-01-01"],
      ["a3", "2031-01-01"],
      ["b2", "2031-01-02"],
    ]) {
      await schedule.items.create({ id, day, kind: "entry" });
    }
    expect(await all("2031-01-01")).toEqual(["a1", "a2", "a3"]);
    expect(await all("2031-01-02")).toEqual(["b1", "b2"]);
    expect(await all("2031-01-03")).toEqual([]);
    // Without a partition key the query still spans the container.
    expect((await all(undefined, 100)).sort()).toEqual(["a1", "a2", "a3", "b1", "b2"]);
  });

  it("the partition's index follows replace, upsert and delete", async () => {
    await schedule.item("a2", "2031-01-01").replace({ id: "a2", day: "2031-01-01", kind: "other" });
    await schedule.items.upsert({ id: "a4", day: "2031-01-01", kind: "entry" });
    await schedule.item("a1", "2031-01-01").delete();
    await schedule.items.upsert({ id: "a2", day: "2031-01-01", kind: "entry" });
    expect((await all("2031-01-01")).sort()).toEqual(["a2", "a3", "a4"]);
    expect(await all("2031-01-02")).toEqual(["b1", "b2"]);
  });
});
