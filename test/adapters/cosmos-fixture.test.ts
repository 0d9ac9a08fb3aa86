import { describe, expect, it } from "vitest";
import { useCosmos } from "../support/cosmos";

describe("test Cosmos fixture", () => {
  const cosmos = useCosmos();

  it("creates every container of infra/cosmos-containers.json with its partition key", async () => {
    const { resources } = await cosmos().db.containers.readAll().fetchAll();
    const byId = new Map(resources.map((c) => [c.id, c.partitionKey?.paths]));
    expect(byId.get("partners")).toEqual(["/id"]);
    expect(byId.get("invitations")).toEqual(["/partnerId"]);
    expect(byId.get("customers")).toEqual(["/customerTenantId"]);
    expect(byId.get("lookups")).toEqual(["/id"]);
    expect(new URL(cosmos().endpoint).hostname).toBe("127.0.0.1");
  });
});
