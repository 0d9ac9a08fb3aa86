import type { HttpRequest } from "@azure/functions";
import { z } from "zod";
import type { TokenVerifier } from "../src/adapters/auth";
import {
  accessAssignmentInputSchema,
  accessAssignmentListSchema,
  accessAssignmentViewSchema,
  createAccessAssignment,
  deleteAccessAssignment,
  listAccessAssignments,
  type AccessAssignmentRepository,
} from "../src/application/access-assignments";
import { auditViewSchema } from "../src/application/invitations/query";
import { callerPartner } from "../src/application/partners";
import type { RelationshipDeps } from "../src/application/relationships";
import { refuse } from "../src/domain/errors";
import { requireReadRole } from "../src/domain/rules";
import { authenticated, json } from "../src/http/auth";
import { readJsonBody, zodIssuesToFieldErrors } from "../src/http/body";
import { httpFunction } from "../src/http/descriptor";
import { errorResponses } from "../src/http/openapi";

export const CREATE_ACCESS_ASSIGNMENT_FUNCTION = "createAccessAssignment";
export const LIST_ACCESS_ASSIGNMENTS_FUNCTION = "listAccessAssignments";
export const ACCESS_ASSIGNMENTS_ROUTE = "api/relationships/{id}/access-assignments";
export const DELETE_ACCESS_ASSIGNMENT_FUNCTION = "deleteAccessAssignment";
export const ACCESS_ASSIGNMENT_ROUTE = "api/relationships/{id}/access-assignments/{assignmentId}";
export const LIST_AUDIT_FUNCTION = "listAudit";
export const AUDIT_ROUTE = "api/audit";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,200}$/;

function param(request: HttpRequest, name: string, what: string): string {
  const value = request.params[name] ?? "";
  if (!SAFE_ID.test(value)) throw refuse.notFound(what);
  return value;
}

type Api = RelationshipDeps & { verifier: TokenVerifier };
type Deps = { partnerApi: Api; accessAssignments: AccessAssignmentRepository };
const idParam = { name: "id", in: "path" as const, schema: z.string() };

export const createAccessAssignmentFunction = httpFunction({
  name: CREATE_ACCESS_ASSIGNMENT_FUNCTION,
  route: ACCESS_ASSIGNMENTS_ROUTE,
  methods: ["POST"],
  authLevel: "anonymous",
  handler: ({ partnerApi, accessAssignments }: Deps) =>
    authenticated(partnerApi.verifier, async (request, _context, principal) => {
      const id = param(request, "id", "The relationship");
      const input = await readJsonBody(request, accessAssignmentInputSchema);
      const view = await createAccessAssignment({ ...partnerApi, accessAssignments }, principal, id, input);
      return json(201, view, { location: `/${ACCESS_ASSIGNMENTS_ROUTE.replace("{id}", id)}/${view.id}` });
    }),
  openapi: {
    summary:
      "Give a security group of the partner's tenant some of an active admin relationship's roles. 422 naming `roles` for a role outside the relationship; 409 once it has ended or when the group has one already.",
    tags: ["relationships"],
    parameters: [idParam],
    requestBody: { schema: accessAssignmentInputSchema },
    responses: {
      201: { description: "Assigned.", schema: accessAssignmentViewSchema },
      ...errorResponses(400, 401, 403, 404, 409, 413, 422),
    },
  },
});

export const listAccessAssignmentsFunction = httpFunction({
  name: LIST_ACCESS_ASSIGNMENTS_FUNCTION,
  route: ACCESS_ASSIGNMENTS_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi, accessAssignments }: Deps) =>
    authenticated(partnerApi.verifier, async (request, _context, principal) =>
      json(
        200,
        await listAccessAssignments(
          { ...partnerApi, accessAssignments },
          principal,
          param(request, "id", "The relationship"),
        ),
      ),
    ),
  openapi: {
    summary: "The access assignments of an admin relationship (none once it has ended).",
    tags: ["relationships"],
    parameters: [idParam],
    responses: {
      200: { description: "The list.", schema: accessAssignmentListSchema },
      ...errorResponses(401, 403, 404),
    },
  },
});

export const deleteAccessAssignmentFunction = httpFunction({
  name: DELETE_ACCESS_ASSIGNMENT_FUNCTION,
  route: ACCESS_ASSIGNMENT_ROUTE,
  methods: ["DELETE"],
  authLevel: "anonymous",
  handler: ({ partnerApi, accessAssignments }: Deps) =>
    authenticated(partnerApi.verifier, async (request, _context, principal) => {
      await deleteAccessAssignment(
        { ...partnerApi, accessAssignments },
        principal,
        param(request, "id", "The relationship"),
        param(request, "assignmentId", "The access assignment"),
      );
      return { status: 204, headers: { "cache-control": "no-store" } };
    }),
  openapi: {
    summary: "Remove one access assignment.",
    tags: ["relationships"],
    parameters: [idParam, { name: "assignmentId", in: "path", schema: z.string() }],
    responses: { 204: { description: "Removed." }, ...errorResponses(401, 403, 404) },
  },
});

/** An audit record with the resource it is about (the list may mix a resource's kinds of records). */
export const auditEntrySchema = auditViewSchema.extend({ resourceId: z.string() }).meta({ id: "AuditEntry" });

export const auditQuerySchema = z
  .object({
    resourceId: z.string().min(1).max(200),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const listAuditFunction = httpFunction({
  name: LIST_AUDIT_FUNCTION,
  route: AUDIT_ROUTE,
  methods: ["GET"],
  authLevel: "anonymous",
  handler: ({ partnerApi }: Deps) =>
    authenticated(partnerApi.verifier, async (request, _context, principal) => {
      const query = auditQuerySchema.safeParse(Object.fromEntries(request.query.entries()));
      if (!query.success)
        throw refuse.invalid("The query is not valid.", zodIssuesToFieldErrors(query.error.issues));
      const caller = await callerPartner(partnerApi.partners, principal);
      requireReadRole(principal);
      const from = query.data.from ? Date.parse(query.data.from) : -Infinity;
      const to = query.data.to ? Date.parse(query.data.to) : Infinity;
      // The caller's own partition only: another partner's resource simply has no records here.
      const records = (await partnerApi.audit.listFor(caller.id, query.data.resourceId)).filter((r) => {
        const at = Date.parse(r.at);
        return at >= from && at <= to;
      });
      return json(200, { items: records.map((r) => auditEntrySchema.parse(r)) });
    }),
  openapi: {
    summary:
      "The caller's own audit records of one resource (invitation or relationship id), refused requests included, oldest first; `from`/`to` bound the time.",
    tags: ["audit"],
    parameters: [
      { name: "resourceId", in: "query", schema: z.string() },
      { name: "from", in: "query", schema: z.string().describe("ISO date-time") },
      { name: "to", in: "query", schema: z.string().describe("ISO date-time") },
    ],
    responses: {
      200: {
        description: "The records.",
        schema: z.object({ items: z.array(auditEntrySchema) }),
      },
      ...errorResponses(401, 403, 422),
    },
  },
});

export const accessAndAuditFunctions = [
  createAccessAssignmentFunction,
  listAccessAssignmentsFunction,
  deleteAccessAssignmentFunction,
  listAuditFunction,
];
