/**
 * The baseline of the lifecycle benchmark (scenario 1): the same invitation lifecycle as plain HTTP
 * handlers doing the same Cosmos writes and email sends inline, with no durable orchestration, no
 * authentication and no rule checks. It runs on the same local host, against the same embedded
 * Cosmos and email endpoint, so the ratio of the two shows what the service's own machinery costs.
 *
 * "The same writes" are the product's documents: the invitation and its audit record; on
 * acceptance the accepted invitation, its audit records (the acceptance, each relationship's
 * creation), both relationships and the partner's index copies of them. Each in as few requests as
 * a plain handler needs (a transactional batch per partition), without what only the durable path
 * needs (start and decision intents, the activities' reads). The same three emails: the customer's
 * invitation, the customer's confirmation and the partner's notice.
 */
import { app } from "@azure/functions";
import { BulkOperationType, type JSONObject, type OperationInput } from "@azure/cosmos";
import { randomUUID } from "node:crypto";
import { createCosmosDatabase } from "../../src/adapters/cosmos/client";
import { AcsEmailSender } from "../../src/adapters/email/acs-email-sender";
import { BASELINE_ACCEPT_ROUTE, BASELINE_CREATE_ROUTE } from "./bench-names";

const env = process.env;
const database = createCosmosDatabase({
  COSMOS_ENDPOINT: env.COSMOS_ENDPOINT ?? "",
  COSMOS_KEY: env.COSMOS_KEY,
  COSMOS_DATABASE: env.COSMOS_DATABASE ?? "csp",
});
const invitations = database.container("invitations");
const customers = database.container("customers");
const email = new AcsEmailSender({
  EMAIL_ENDPOINT: env.EMAIL_ENDPOINT ?? "",
  EMAIL_ACCESS_KEY: env.EMAIL_ACCESS_KEY,
  EMAIL_SENDER: env.EMAIL_SENDER ?? "donotreply@partners.example.com",
});

interface BaselineInvitation {
  id: string;
  partnerId: string;
  partnerEmail: string;
  customerTenantId: string;
  adminEmail: string;
  status: string;
  createdAt: string;
  relationshipIds?: string[];
}

const audit = (partnerId: string, resourceId: string, action: string, at: string): OperationInput => ({
  operationType: BulkOperationType.Upsert,
  partitionKey: partnerId,
  resourceBody: {
    id: randomUUID(),
    docType: "baselineAudit",
    partnerId,
    resourceType: "invitation",
    resourceId,
    action,
    outcome: "applied",
    actor: { kind: "partner", tenantId: partnerId },
    at,
  },
});

/**
 * A batch that must apply whole: any failed operation fails the request. Each operation names its
 * partition key too: the embedded emulator reads it there.
 */
async function batch(
  partition: string,
  operations: OperationInput[],
  container = invitations,
): Promise<void> {
  const response = await container.items.batch(operations, partition);
  const failed = response.result?.find((r) => r.statusCode >= 400);
  if (failed) throw new Error(`baseline batch failed: ${failed.statusCode}`);
}

app.http("baselineCreateInvitation", {
  route: BASELINE_CREATE_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  handler: async (request) => {
    const body = (await request.json()) as Omit<BaselineInvitation, "id" | "status" | "createdAt">;
    const doc: BaselineInvitation = {
      ...body,
      id: randomUUID(),
      status: "pending",
      createdAt: new Date().toISOString(),
    };
    await batch(doc.partnerId, [
      {
        operationType: BulkOperationType.Create,
        partitionKey: doc.partnerId,
        resourceBody: { ...doc, docType: "baselineInvitation" } as unknown as JSONObject,
      },
      audit(doc.partnerId, doc.id, "created", doc.createdAt),
    ]);
    const link = `${env.PUBLIC_BASE_URL ?? ""}/api/baseline/invitations/${doc.partnerId}/${doc.id}/accept`;
    await email.send(
      { to: [doc.adminEmail], subject: "Invitation", html: `<a href="${link}">${link}</a>`, text: link },
      randomUUID(),
    );
    return { status: 202, jsonBody: { id: doc.id } };
  },
});

app.http("baselineAcceptInvitation", {
  route: BASELINE_ACCEPT_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  handler: async (request) => {
    const { partnerId = "", id = "" } = request.params;
    const { resource, etag } = await invitations.item(id, partnerId).read<BaselineInvitation>();
    if (!resource || !etag) return { status: 404 };
    const now = new Date().toISOString();
    const relationships = ["reseller", "admin"].map((type) => ({
      id: `${id}-${type}`,
      docType: "baselineRelationship",
      customerTenantId: resource.customerTenantId,
      partnerId,
      type,
      status: "active",
      createdAt: now,
    }));
    await batch(
      resource.customerTenantId,
      relationships.map((r) => ({
        operationType: BulkOperationType.Create,
        partitionKey: r.customerTenantId,
        resourceBody: r,
      })),
      customers,
    );
    const accepted: BaselineInvitation = {
      ...resource,
      status: "accepted",
      relationshipIds: relationships.map((r) => r.id),
    };
    await batch(partnerId, [
      {
        operationType: BulkOperationType.Replace,
        id,
        partitionKey: partnerId,
        resourceBody: { ...accepted, docType: "baselineInvitation" } as unknown as JSONObject,
        ifMatch: etag,
      },
      audit(partnerId, id, "accept", now),
      ...relationships.flatMap((r): OperationInput[] => [
        audit(partnerId, r.id, "create", now),
        {
          operationType: BulkOperationType.Upsert,
          partitionKey: partnerId,
          resourceBody: { ...r, id: `relationship-index:${r.id}`, docType: "baselineRelationshipIndex" },
        },
      ]),
    ]);
    await email.send(
      { to: [resource.adminEmail], subject: "Relationship confirmed", html: "confirmed", text: "confirmed" },
      randomUUID(),
    );
    await email.send(
      { to: [resource.partnerEmail], subject: "Invitation accepted", html: "accepted", text: "accepted" },
      randomUUID(),
    );
    return { status: 200, jsonBody: { id, status: "accepted" } };
  },
});
