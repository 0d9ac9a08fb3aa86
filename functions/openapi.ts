import type { HttpHandler } from "@azure/functions";
import { z } from "zod";
import {
  createInvitationInputSchema,
  createInvitationResultSchema,
} from "../src/application/invitations/create";
import {
  invitationListSchema,
  invitationViewSchema,
  listInvitationsQuerySchema,
} from "../src/application/invitations/query";
import { partnerIdSchema, partnerInputSchema, partnerViewSchema } from "../src/application/partners";
import { relationshipListSchema, relationshipViewSchema } from "../src/application/relationships";
import { INVITATION_STATUSES } from "../src/domain/model";
import { buildOpenApiDocument, errorResponses, type OperationSpec } from "../src/http/openapi";
import { DEV_TOKEN_ROUTE, devTokenInputSchema, devTokenResultSchema } from "./dev-token";
import {
  CANCEL_INVITATION_FUNCTION,
  CANCEL_INVITATION_ROUTE,
  CREATE_INVITATION_FUNCTION,
  GET_INVITATION_FUNCTION,
  GET_INVITATION_ROUTE,
  INVITATIONS_ROUTE,
  LIST_INVITATIONS_FUNCTION,
} from "./invitations";
import { PUT_PARTNER_FUNCTION, PUT_PARTNER_ROUTE } from "./partners";
import {
  LIST_CUSTOMER_RELATIONSHIPS_FUNCTION,
  LIST_CUSTOMER_RELATIONSHIPS_ROUTE,
  TERMINATE_RELATIONSHIP_FUNCTION,
  TERMINATE_RELATIONSHIP_ROUTE,
} from "./relationships";

export const OPENAPI_FUNCTION = "openApi";
export const OPENAPI_ROUTE = "api/openapi.json";

/** Function routes are written without the leading slash; OpenAPI paths have one. */
const path = (route: string): string => `/${route}`;
const invitationIdParam = { name: "id", in: "path" as const, schema: z.guid() };
const html = (description: string) => ({ description, contentType: "text/html", schema: z.string() });

/** Every route of docs/http-contract.md that the app serves (the local host's own /dev routes included). */
export function apiOperations(options: { devMode: boolean }): OperationSpec[] {
  const operations: OperationSpec[] = [
    {
      method: "put",
      path: path(PUT_PARTNER_ROUTE),
      operationId: PUT_PARTNER_FUNCTION,
      summary: "Enrol or replace a partner (role Operator).",
      tags: ["operator"],
      parameters: [{ name: "partnerId", in: "path", schema: partnerIdSchema }],
      requestBody: { schema: partnerInputSchema },
      responses: {
        200: { description: "Replaced.", schema: partnerViewSchema },
        201: {
          description: "Enrolled.",
          schema: partnerViewSchema,
          headers: { location: "The partner's URL." },
        },
        ...errorResponses(400, 401, 403, 413, 422),
      },
    },
    {
      method: "post",
      path: path(INVITATIONS_ROUTE),
      operationId: CREATE_INVITATION_FUNCTION,
      summary: "Invite a customer to a reseller and/or admin relationship.",
      tags: ["invitations"],
      parameters: [
        {
          name: "Idempotency-Key",
          in: "header",
          description: "Same key and body: the first answer again. Same key, other body: 422. Kept 24 hours.",
          schema: z.string().min(1).max(255),
        },
      ],
      requestBody: { schema: createInvitationInputSchema },
      responses: {
        202: {
          description: "Stored; the email is on its way.",
          schema: createInvitationResultSchema,
          headers: { location: "/api/invitations/{id}" },
        },
        ...errorResponses(400, 401, 403, 413, 422),
        429: {
          description:
            "The partner created INVITATIONS_PER_PARTNER_PER_MINUTE invitations this minute; nothing was stored. Replays of an Idempotency-Key are never refused.",
          headers: { "retry-after": "Seconds until the next minute's window opens." },
        },
      },
    },
    {
      method: "get",
      path: path(INVITATIONS_ROUTE),
      operationId: LIST_INVITATIONS_FUNCTION,
      summary: "The caller's invitations, newest first, in pages.",
      tags: ["invitations"],
      parameters: [
        { name: "status", in: "query", schema: z.enum(INVITATION_STATUSES) },
        { name: "limit", in: "query", schema: listInvitationsQuerySchema.shape.limit },
        { name: "continuationToken", in: "query", schema: z.string() },
      ],
      responses: {
        200: { description: "A page.", schema: invitationListSchema },
        ...errorResponses(401, 403, 422),
      },
    },
    {
      method: "get",
      path: path(GET_INVITATION_ROUTE),
      operationId: GET_INVITATION_FUNCTION,
      summary: "One of the caller's invitations, with its audit trail.",
      tags: ["invitations"],
      parameters: [invitationIdParam],
      responses: {
        200: { description: "The invitation.", schema: invitationViewSchema },
        ...errorResponses(401, 403, 404),
      },
    },
    {
      method: "post",
      path: path(CANCEL_INVITATION_ROUTE),
      operationId: CANCEL_INVITATION_FUNCTION,
      summary: "Cancel a pending invitation.",
      tags: ["invitations"],
      parameters: [invitationIdParam],
      responses: {
        200: { description: "Cancelled.", schema: invitationViewSchema },
        ...errorResponses(401, 403, 404, 409),
      },
    },
    {
      method: "get",
      path: path(LIST_CUSTOMER_RELATIONSHIPS_ROUTE),
      operationId: LIST_CUSTOMER_RELATIONSHIPS_FUNCTION,
      summary:
        "The relationships with a customer that the caller is party to (the customer's Global Administrator: all).",
      tags: ["relationships"],
      parameters: [{ name: "tenantId", in: "path", schema: z.string() }],
      responses: {
        200: { description: "The list.", schema: relationshipListSchema },
        ...errorResponses(401, 403, 422),
      },
    },
    {
      method: "post",
      path: path(TERMINATE_RELATIONSHIP_ROUTE),
      operationId: TERMINATE_RELATIONSHIP_FUNCTION,
      summary:
        "Terminate an admin relationship (the partner, or the customer's Global Administrator; R9). An expired one cannot be revived: 409 with rule R8.",
      tags: ["relationships"],
      parameters: [{ name: "id", in: "path", schema: z.string() }],
      responses: {
        200: { description: "Terminated.", schema: relationshipViewSchema },
        ...errorResponses(401, 403, 404, 409),
      },
    },
    {
      method: "get",
      path: "/invite/{token}",
      operationId: "customerInvitePage",
      summary: "The customer's invitation page (changes nothing; R15).",
      tags: ["customers"],
      secured: false,
      parameters: [{ name: "token", in: "path", schema: z.string() }],
      responses: {
        200: html("The page, in the invitation's language."),
        404: html("Unknown link."),
        410: html("Used or expired link."),
      },
    },
    {
      method: "post",
      path: "/invite/{token}/accept",
      operationId: "customerInviteAccept",
      summary: "Accept, as the invited tenant's Global Administrator (R2).",
      tags: ["customers"],
      parameters: [{ name: "token", in: "path", schema: z.string() }],
      responses: {
        200: { description: "Accepted (JSON, or an HTML page for a form post)." },
        ...errorResponses(401, 403, 410),
      },
    },
    {
      method: "post",
      path: "/invite/{token}/decline",
      operationId: "customerInviteDecline",
      summary: "Decline.",
      tags: ["customers"],
      parameters: [{ name: "token", in: "path", schema: z.string() }],
      responses: { 200: { description: "Declined." }, ...errorResponses(401, 403, 410) },
    },
    {
      method: "get",
      path: "/api/health",
      operationId: "health",
      summary: "200 when every dependency answers.",
      tags: ["operations"],
      secured: false,
      responses: { 200: { description: "Healthy." }, 503: { description: "A dependency is down." } },
    },
    {
      method: "get",
      path: path(OPENAPI_ROUTE),
      operationId: OPENAPI_FUNCTION,
      summary: "This document.",
      tags: ["operations"],
      secured: false,
      responses: { 200: { description: "OpenAPI 3.1." } },
    },
  ];
  if (options.devMode) {
    operations.push(
      {
        method: "post",
        path: path(DEV_TOKEN_ROUTE),
        operationId: "devToken",
        summary: "AUTH_MODE=dev only: a token signed by the local dev key.",
        tags: ["development"],
        secured: false,
        requestBody: { schema: devTokenInputSchema },
        responses: {
          200: { description: "The token.", schema: devTokenResultSchema },
          ...errorResponses(400, 413, 422),
        },
      },
      {
        method: "get",
        path: "/dev/mail.json",
        operationId: "devMail",
        summary: "Local host only: the emails sent, newest first.",
        tags: ["development"],
        secured: false,
        responses: { 200: { description: "{items:[{id, to, subject, html, text, sentAt}]}" } },
      },
      {
        method: "post",
        path: "/dev/clock/advance",
        operationId: "devClockAdvance",
        summary: "Local host with CLOCK=virtual only: moves timers and now.",
        tags: ["development"],
        secured: false,
        requestBody: {
          schema: z.strictObject({
            days: z.number().optional(),
            hours: z.number().optional(),
            minutes: z.number().optional(),
          }),
        },
        responses: { 200: { description: "{now}" } },
      },
    );
  }
  return operations;
}

export function makeOpenApiHandler(options: { devMode: boolean; version: string }): HttpHandler {
  // Built once: the document only changes with the code.
  const document = buildOpenApiDocument({
    title: "CSP relationships",
    version: options.version,
    description:
      "Partners invite customers to reseller and admin relationships. Errors are application/problem+json (RFC 9457) with `rule` when a rule refused the request.",
    operations: apiOperations(options),
  });
  return () =>
    Promise.resolve({ status: 200, jsonBody: document, headers: { "cache-control": "public, max-age=300" } });
}
