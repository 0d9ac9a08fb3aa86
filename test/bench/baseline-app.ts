/**
 * The baseline of the lifecycle benchmark (scenario 1): the same invitation lifecycle as plain HTTP
 * handlers doing the same Cosmos writes and email sends inline, with no durable orchestration, no
 * authentication and no rule checks. It runs on the same local host, against the same embedded
 * Cosmos and email endpoint, so the ratio of the two shows what the service's own machinery costs.
 */
import { app } from "@azure/functions";
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
    await invitations.items.create({ ...doc, docType: "baselineInvitation" });
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
    if (!resource) return { status: 404 };
    const accepted = { ...resource, status: "accepted" };
    await invitations
      .item(id, partnerId)
      .replace(accepted, { accessCondition: { type: "IfMatch", condition: etag } });
    const now = new Date().toISOString();
    for (const type of ["reseller", "admin"]) {
      await customers.items.create({
        id: `${id}-${type}`,
        docType: "baselineRelationship",
        customerTenantId: resource.customerTenantId,
        partnerId,
        type,
        status: "active",
        createdAt: now,
      });
    }
    await email.send(
      { to: [resource.partnerEmail], subject: "Invitation accepted", html: "accepted", text: "accepted" },
      randomUUID(),
    );
    return { status: 200, jsonBody: { id, status: "accepted" } };
  },
});
