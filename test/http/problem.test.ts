import type { InvocationContext } from "@azure/functions";
import { BulkOperationType } from "@azure/cosmos";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { batchFailed } from "../../src/adapters/cosmos/documents";
import { InvalidContinuationToken } from "../../src/application/ports";
import { refuse } from "../../src/domain/errors";
import { toProblemResponse } from "../../src/http/problem";
import { loopbackCosmosClient } from "../../src/localhost/services/cosmos";

const context = { error: () => undefined, warn: () => undefined } as unknown as InvocationContext;

describe("the one problem mapper", () => {
  it("a bad continuation token is 422 naming continuationToken, with its reason code", () => {
    const response = toProblemResponse(new InvalidContinuationToken(), context);
    expect(response.status).toBe(422);
    expect(response.jsonBody).toMatchObject({
      status: 422,
      reason: "invalidContinuationToken",
      errors: [{ field: "continuationToken", message: "is not valid" }],
    });
  });

  it("R2: a refusal's reason code is a stable field beside its rule", () => {
    const response = toProblemResponse(
      refuse.forbidden("This invitation was sent to another tenant.", "R2").because("wrongTenant"),
      context,
    );
    expect(response.jsonBody).toMatchObject({ status: 403, rule: "R2", reason: "wrongTenant" });
    expect(toProblemResponse(refuse.notFound("The invitation"), context).jsonBody).not.toHaveProperty(
      "reason",
    );
  });

  it("a dependency still throttling or unavailable (Cosmos 429/503) is 503 with Retry-After, not 500", () => {
    for (const error of [Object.assign(new Error("throttled"), { code: 429 }), { statusCode: 503 }]) {
      const response = toProblemResponse(error, context);
      expect(response.status).toBe(503);
      expect((response.headers as Record<string, string>)["retry-after"]).toBe("5");
    }
    expect(toProblemResponse(Object.assign(new Error("bug"), { code: 400 }), context).status).toBe(500);
  });

  it("finds the dependency's 503 behind a wrapping error, as the Cosmos SDK reports a failed batch", () => {
    const answer = Object.assign(new Error("Injected fault"), { code: 503 });
    const wrapped = new Error("Batch request error: Injected fault", { cause: answer });
    expect(toProblemResponse(wrapped, context).status).toBe(503);
    const failedOperation = batchFailed("Storing a decision with its intent", [
      { statusCode: 200 },
      { statusCode: 429 },
      { statusCode: 424 },
    ]);
    expect(failedOperation.statusCode).toBe(429);
    expect(toProblemResponse(failedOperation, context).status).toBe(503);
    const conflict = batchFailed("Replacing an invitation", [{ statusCode: 424 }, { statusCode: 409 }]);
    expect(conflict.statusCode).toBe(409);
    expect(toProblemResponse(conflict, context).status).toBe(500);
    expect(toProblemResponse(new Error("outer", { cause: new Error("bug") }), context).status).toBe(500);
  });

  it("a write whose connection the store closed unanswered is 503 with Retry-After, not 500 (the real SDK's error)", async () => {
    // A store that drops every connection without an answer, as a server closing an idle kept-alive
    // socket just as the client reuses it does; the SDK does not retry a write.
    const certs = path.dirname(require.resolve("@vercel/cosmosdb-server/package.json"));
    let requests = 0;
    const store = createServer(
      { cert: readFileSync(path.join(certs, "cert.pem")), key: readFileSync(path.join(certs, "key.pem")) },
      (request) => {
        requests++;
        request.socket.destroy();
      },
    );
    await new Promise<void>((resolve) => store.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = store.address() as AddressInfo;
      const client = loopbackCosmosClient(
        `https://127.0.0.1:${port}/`,
        Buffer.from("key").toString("base64"),
      );
      const failure: unknown = await client
        .database("db")
        .container("invitations")
        .items.batch(
          [{ operationType: BulkOperationType.Create, resourceBody: { id: "a", partnerId: "p" } }],
          "p",
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(failure).toBeInstanceOf(Error);
      expect(requests).toBe(1);
      const response = toProblemResponse(failure, context);
      expect(response.status).toBe(503);
      expect((response.headers as Record<string, string>)["retry-after"]).toBe("5");
      client.dispose();
    } finally {
      store.closeAllConnections();
      await new Promise<void>((resolve) => store.close(() => resolve()));
    }
  });
});
