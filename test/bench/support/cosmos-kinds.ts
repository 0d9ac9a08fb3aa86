/** How a Cosmos DB REST request is counted: by what it costs, not by which SDK call sent it. */
export type CosmosRequestKind =
  | "point read"
  | "create"
  | "upsert"
  | "replace"
  | "patch"
  | "delete"
  | "batch"
  | "query"
  | "cross-partition query"
  | "query plan"
  | "metadata";

export const COSMOS_REQUEST_KINDS: readonly CosmosRequestKind[] = [
  "point read",
  "create",
  "upsert",
  "replace",
  "patch",
  "delete",
  "batch",
  "query",
  "cross-partition query",
  "query plan",
  "metadata",
];

export const WRITE_KINDS: ReadonlySet<CosmosRequestKind> = new Set([
  "create",
  "upsert",
  "replace",
  "patch",
  "delete",
  "batch",
]);

/**
 * REST paths are `/dbs/{db}/colls/{container}/docs[/{id}]`; queries are POSTs to `docs` with
 * `x-ms-documentdb-isquery`, scoped to one partition when `x-ms-documentdb-partitionkey` is set.
 */
export function classifyCosmosRequest(
  method: string,
  path: string,
  header: (name: string) => string | undefined,
): { kind: CosmosRequestKind; container: string } {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  const container = parts[2] === "colls" && parts[3] ? decodeURIComponent(parts[3]) : "-";
  if (parts[4] !== "docs") return { kind: "metadata", container };
  const m = method.toUpperCase();
  const withId = parts.length > 5;
  if (withId) {
    if (m === "GET") return { kind: "point read", container };
    if (m === "PUT") return { kind: "replace", container };
    if (m === "PATCH") return { kind: "patch", container };
    if (m === "DELETE") return { kind: "delete", container };
    return { kind: "metadata", container };
  }
  if (m === "POST") {
    const yes = (name: string): boolean => (header(name) ?? "").toLowerCase() === "true";
    if (yes("x-ms-cosmos-is-query-plan-request")) return { kind: "query plan", container };
    if (yes("x-ms-documentdb-isquery") || (header("content-type") ?? "").includes("query+json")) {
      const scoped = header("x-ms-documentdb-partitionkey") !== undefined;
      return { kind: scoped ? "query" : "cross-partition query", container };
    }
    if (yes("x-ms-cosmos-is-batch-request")) return { kind: "batch", container };
    if (yes("x-ms-documentdb-is-upsert")) return { kind: "upsert", container };
    return { kind: "create", container };
  }
  // A GET of the docs feed is a read-feed: as dear as a query across the container.
  return { kind: "cross-partition query", container };
}
