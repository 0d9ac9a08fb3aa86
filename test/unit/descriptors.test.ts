import type { InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { activityFunction } from "../../src/adapters/durable/registration";
import { openApiOperations, openApiPath, type HttpFunctionDoc } from "../../src/http/descriptor";
import { buildOpenApiDocument } from "../../src/http/openapi";
import { activityRetryOptions, defineActivity } from "../../src/workflows/activity";
import {
  createRelationshipsActivity,
  notifyPartnerActivity,
  readInvitationStatusActivity,
} from "../../src/workflows/invitation";

const page: HttpFunctionDoc = {
  name: "customerInvitePage",
  route: "invite/{token}",
  methods: ["GET", "HEAD"],
  authLevel: "anonymous",
  openapi: {
    summary: "The page.",
    tags: ["customers"],
    security: "none",
    responses: { 200: { description: "ok" } },
  },
};
const canary: HttpFunctionDoc = {
  name: "startDiagnosticsCanary",
  route: "api/diagnostics/canary",
  methods: ["POST"],
  authLevel: "function",
  openapi: { summary: "Canary.", tags: ["operations"], responses: { 202: { description: "started" } } },
};

describe("function descriptors", () => {
  it("document one operation per registered method, named after the function", () => {
    const operations = openApiOperations([page, canary]);
    expect(operations.map((o) => `${o.method} ${o.path} ${o.operationId}`)).toEqual([
      "get /invite/{token} customerInvitePage",
      "head /invite/{token} customerInvitePageHead",
      "post /api/diagnostics/canary startDiagnosticsCanary",
    ]);
  });

  it("a function-key route is documented as such, whatever its operation says", () => {
    const document = buildOpenApiDocument({
      title: "t",
      version: "1",
      description: "d",
      operations: openApiOperations([canary, page]),
    }) as { paths: Record<string, Record<string, { security?: unknown }>> };
    expect(document.paths["/api/diagnostics/canary"]?.post?.security).toEqual([{ functionKey: [] }]);
    expect(document.paths["/invite/{token}"]?.get?.security).toBeUndefined();
  });

  it("route constraints and optional markers are not part of the OpenAPI path", () => {
    expect(openApiPath("api/invitations/{id:guid}/cancel")).toBe("/api/invitations/{id}/cancel");
    expect(openApiPath("api/items/{page?}")).toBe("/api/items/{page}");
  });

  it("an activity parses its input with its contract's schema before its handler runs", async () => {
    const seen: unknown[] = [];
    const contract = defineActivity({
      name: "double",
      input: z.strictObject({ n: z.number().int() }),
      result: z.object({ doubled: z.number() }),
    });
    const handler = activityFunction(contract, {
      handler: () => (input: { n: number }) => {
        seen.push(input);
        return { doubled: input.n * 2 };
      },
    }).handler(undefined);
    const context = {} as InvocationContext;
    await expect(Promise.resolve(handler({ n: 2 }, context))).resolves.toEqual({ doubled: 4 });
    expect(() => void handler({ n: "2" }, context)).toThrow(z.ZodError);
    expect(() => void handler({ n: 2, extra: true }, context)).toThrow(z.ZodError);
    expect(seen).toEqual([{ n: 2 }]);
  });

  it("the invitation's activities share one retry policy: doubling from 30 s, at most 15 min apart, for about a day", () => {
    for (const activity of [
      readInvitationStatusActivity,
      createRelationshipsActivity,
      notifyPartnerActivity,
    ]) {
      expect(activity.retry).toEqual(activityRetryOptions());
    }
    const retry = activityRetryOptions();
    expect([
      retry.firstRetryIntervalInMilliseconds,
      retry.maxNumberOfAttempts,
      retry.backoffCoefficient,
      retry.maxRetryIntervalInMilliseconds,
    ]).toEqual([30_000, 101, 2, 900_000]);
    // The retries outlast an email or Cosmos outage of a day (issue 13).
    let waited = 0;
    for (let attempt = 1; attempt < retry.maxNumberOfAttempts; attempt++) {
      waited += Math.min(30_000 * 2 ** (attempt - 1), 900_000);
    }
    expect(waited).toBeGreaterThan(24 * 3_600_000);
  });
});
