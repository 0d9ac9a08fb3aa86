import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loopbackCosmosClient,
  readContainerSpecs,
  startEmbeddedCosmos,
  type EmbeddedCosmos,
} from "../../../src/localhost/services/cosmos";
import { REPO_ROOT } from "../../support/host-process";
import path from "node:path";

describe("embedded Cosmos", () => {
  let cosmos: EmbeddedCosmos;
  const containers = readContainerSpecs(path.join(REPO_ROOT, "infra/cosmos-containers.json"));

  beforeAll(async () => {
    cosmos = await startEmbeddedCosmos({ database: "hosttest", containers });
  });
  afterAll(async () => {
    await cosmos?.stop();
  });

  it("serves https on loopback", () => {
    expect(cosmos.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("creates the database and every container of the containers file with its partition key", async () => {
    const client = loopbackCosmosClient(cosmos.endpoint, cosmos.key);
    try {
      const db = client.database("hosttest");
      for (const spec of containers) {
        const { resource } = await db.container(spec.id).read();
        expect(resource?.partitionKey?.paths).toEqual([spec.partitionKeyPath]);
      }
      // A document round-trips through the real SDK.
      const first = containers[0];
      expect(first).toBeDefined();
      const container = db.container(first?.id ?? "");
      const key = (first?.partitionKeyPath ?? "/id").slice(1);
      await container.items.create({ id: "doc-1", [key]: "doc-1", value: 42 });
      const { resource } = await container.item("doc-1", "doc-1").read<{ value: number }>();
      expect(resource?.value).toBe(42);
    } finally {
      client.dispose();
    }
  });

  it("is in memory: a new server starts empty", async () => {
    const other = await startEmbeddedCosmos({});
    const client = loopbackCosmosClient(other.endpoint, other.key);
    try {
      const { resources } = await client.databases.readAll().fetchAll();
      expect(resources).toEqual([]);
    } finally {
      client.dispose();
      await other.stop();
    }
  });

  it("relaxes TLS for loopback endpoints only", () => {
    expect(() => loopbackCosmosClient("https://myaccount.documents.azure.com:443/", "a2V5")).toThrow(
      /non-loopback/,
    );
  });
});
