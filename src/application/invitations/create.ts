import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { DomainError, refuse } from "../../domain/errors";
import { hashInvitationToken, invitationLinkToken, newLinkNonce } from "../../domain/invitation-token";
import {
  INVITATION_KINDS,
  LOCALES,
  type AuditRecord,
  type Invitation,
  type Locale,
  type Partner,
  type Principal,
} from "../../domain/model";
import { addDays } from "../../domain/time";
import { checkInvitation, cloudOfDomain, requireWriteRole, type KnownCloud } from "../../domain/rules";
import { auditedCheck, partnerActor } from "../audit";
import { callerPartner } from "../partners";
import {
  CreationWindowFull,
  type AuditLog,
  type Clock,
  type IdempotencyRecord,
  type IdempotencyStore,
  type InvitationRepository,
  type InvitationWorkflow,
  type PartnerRepository,
  type RelationshipRepository,
  type TenantDirectory,
} from "../ports";
import { domainSchema, emailSchema, guidSchema, nameSchema } from "../schemas";
import { invitationViewSchema, toInvitationView, type InvitationView } from "./query";
import { creationRateLimit, creationRateLimited, type CreationRateLimit } from "./rate-limit";

/** An unknown or missing locale falls back to English; `pt-br` and `zh` find their locale. */
export function normalizeLocale(value: string | undefined): Locale {
  if (!value) return "en";
  const lower = value.trim().toLowerCase();
  const exact = LOCALES.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  const language = lower.split(/[-_]/)[0];
  return LOCALES.find((l) => l.toLowerCase().split("-")[0] === language) ?? "en";
}

export const adminRequestSchema = z
  .strictObject({
    roles: z
      .array(z.string().trim().min(1).max(64))
      .min(1)
      .max(72)
      .describe("Microsoft Entra role template ids (src/domain/admin-roles.ts lists those accepted)."),
    durationDays: z.number().int().describe("R4: 1..730."),
    autoExtend: z.boolean().describe("R6: not allowed when the roles include Global Administrator."),
  })
  .meta({ id: "AdminRequest" });

export const createInvitationInputSchema = z
  .strictObject({
    kind: z.enum(INVITATION_KINDS),
    customer: z.strictObject({
      domain: domainSchema,
      displayName: nameSchema,
      adminEmail: emailSchema,
      tenantId: guidSchema.optional(),
    }),
    locale: z
      .string()
      .max(35)
      .optional()
      .describe("en, pt-BR, zh-CN or hu; anything else falls back to en.")
      .transform(normalizeLocale),
    admin: adminRequestSchema.optional(),
    resellerPartnerId: guidSchema
      .optional()
      .describe("An indirect provider names the reseller it invites for (R13)."),
  })
  .meta({ id: "CreateInvitationInput" });
export type CreateInvitationInput = z.infer<typeof createInvitationInputSchema>;

export const createInvitationResultSchema = invitationViewSchema;

/** `Idempotency-Key`: visible ASCII, like the IETF draft's examples (UUIDs, random strings). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface CreateInvitationDeps {
  clock: Clock;
  partners: PartnerRepository;
  invitations: InvitationRepository;
  relationships: RelationshipRepository;
  /** Where a named customer tenant's cloud comes from (R12). */
  tenants: TenantDirectory;
  audit: AuditLog;
  idempotency: IdempotencyStore;
  workflow: InvitationWorkflow;
  invitationTtlDays: number;
  linkKey: string;
  /** INVITATIONS_PER_PARTNER_PER_MINUTE; 0 or absent: no limit. */
  invitationsPerPartnerPerMinute?: number;
}

export interface CreateInvitationResult {
  status: 202;
  body: InvitationView;
  location: string;
  /** True when this answer replays an earlier one for the same Idempotency-Key. */
  replayed: boolean;
}

export const invitationLocation = (id: string): string => `/api/invitations/${encodeURIComponent(id)}`;

/**
 * POST /api/invitations. Every rule is checked before anything is stored; then the invitation, its
 * token lookup and its start intent are stored, and only then the orchestration starts (instance id
 * = invitation id). A crash before the start leaves the intent, which the recovery sweep
 * (start-recovery.ts) carries out. A failed start fails the request; a retry with the same Idempotency-Key finishes the same
 * invitation (creation and start are both idempotent by id), and without a key the stored
 * invitation is removed again, so a plain re-POST cannot leave a twin behind.
 */
export async function createInvitation(
  deps: CreateInvitationDeps,
  principal: Principal,
  input: CreateInvitationInput,
  idempotencyKey?: string,
): Promise<CreateInvitationResult> {
  const caller = await callerPartner(deps.partners, principal);
  const actor = partnerActor(principal);
  const requestHash = hashRequest(input);
  let invitationId: string = randomUUID();

  let record: IdempotencyRecord | undefined;
  if (idempotencyKey !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw refuse.invalid("The Idempotency-Key header is not valid.", [
        { field: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" },
      ]);
    }
    record = await deps.idempotency.get(caller.id, idempotencyKey);
    if (record) {
      const replay = replayOrResume(record, requestHash);
      if (replay) return replay;
      invitationId = record.resourceId;
    }
  }

  await auditedCheck(
    deps.audit,
    deps.clock,
    { partnerId: caller.id, resourceType: "invitation", resourceId: invitationId, action: "create", actor },
    () => requireWriteRole(principal),
  );
  const facts = await gatherFacts(deps, caller, input);
  await auditedCheck(
    deps.audit,
    deps.clock,
    { partnerId: caller.id, resourceType: "invitation", resourceId: invitationId, action: "create", actor },
    () => checkInvitation(input, { principal, caller, ...facts }),
  );

  // Only a creation that would be stored counts: replays answered above are free. A fresh request
  // is refused here, before its Idempotency-Key is claimed, so a refusal stores nothing; the
  // counted write below settles races between concurrent requests.
  const rateLimit = creationRateLimit(deps.clock.now(), deps.invitationsPerPartnerPerMinute);
  // Without a key nothing is claimed before the counted write, which refuses a full window itself
  // before storing anything: the early read is only worth it when a key would be claimed.
  if (rateLimit && !record && idempotencyKey !== undefined) {
    const count = await deps.invitations.countInWindow(caller.id, rateLimit.window.start);
    if (count >= rateLimit.window.limit) throw creationRateLimited(rateLimit, deps.clock);
  }

  let claimedHere = false;
  if (idempotencyKey !== undefined && !record) {
    const claimed = await deps.idempotency.claim(caller.id, {
      key: idempotencyKey,
      requestHash,
      resourceId: invitationId,
      createdAt: deps.clock.now().toISOString(),
    });
    record = claimed.record;
    claimedHere = claimed.created;
    if (!claimed.created) {
      // Another request with the same key got there first.
      const replay = replayOrResume(record, requestHash);
      if (replay) return replay;
      invitationId = record.resourceId;
    }
  }

  let invitation: Invitation;
  try {
    invitation = await storeInvitation(deps, caller, principal, invitationId, input, rateLimit, {
      fresh: record === undefined,
    });
  } catch (error) {
    // Lost the window to concurrent requests after claiming the key: the refusal leaves no claim.
    if (
      claimedHere &&
      idempotencyKey !== undefined &&
      error instanceof DomainError &&
      error.kind === "rateLimited"
    )
      await deps.idempotency.release(caller.id, idempotencyKey);
    throw error;
  }

  try {
    await deps.workflow.start(
      // The dates spare the orchestration a read of the document before its first email.
      {
        invitationId: invitation.id,
        partnerId: caller.id,
        createdAt: invitation.createdAt,
        expiresAt: invitation.expiresAt,
        outcomeFromEvents: true,
      },
      { fresh: record === undefined },
    );
  } catch (error) {
    if (idempotencyKey === undefined)
      await deps.invitations
        .remove(caller.id, invitation.id, { auditIds: [createdRecord(invitation).id] })
        .catch(() => undefined);
    throw error;
  }
  // The start intent stored with the invitation is settled by the orchestration's first email,
  // in the request that reads the invitation (or, should the host die first, by the recovery sweep).
  const body = toInvitationView(invitation);
  const location = invitationLocation(invitation.id);
  if (record && idempotencyKey !== undefined) {
    await deps.idempotency.complete(caller.id, { ...record, response: { status: 202, body, location } });
  }
  return { status: 202, body, location, replayed: false };
}

function replayOrResume(record: IdempotencyRecord, requestHash: string): CreateInvitationResult | undefined {
  if (record.requestHash !== requestHash) {
    throw new DomainError("invalid", "This Idempotency-Key was used with a different request body.", {
      errors: [{ field: "Idempotency-Key", message: "was already used with a different body" }],
    });
  }
  if (!record.response) return undefined;
  return {
    status: 202,
    body: invitationViewSchema.parse(record.response.body),
    location: record.response.location ?? invitationLocation(record.resourceId),
    replayed: true,
  };
}

/** Facts the rules need, each a point read except the customer's existing relationships. */
async function gatherFacts(
  deps: Pick<CreateInvitationDeps, "partners" | "tenants">,
  caller: Partner,
  input: CreateInvitationInput,
): Promise<{
  reseller: Partner | undefined;
  customerPartner: Partner | undefined;
  customerClouds: KnownCloud[];
}> {
  const reseller = input.resellerPartnerId
    ? await deps.partners.get(input.resellerPartnerId.toLowerCase())
    : undefined;
  const tenantId = input.customer.tenantId?.toLowerCase();
  const customerPartner = tenantId ? await deps.partners.findEnrolled(tenantId) : undefined;
  const customerClouds: KnownCloud[] = [];
  if (customerPartner)
    customerClouds.push({ cloud: customerPartner.cloud, source: "enrolled partner tenant" });
  if (tenantId && !customerPartner) {
    // The tenant's own directory entry, never other partners' relationships with it (R10, R12).
    const cloud = await deps.tenants.cloudOf(tenantId);
    if (cloud) customerClouds.push({ cloud, source: "tenant directory" });
  }
  const byDomain = cloudOfDomain(input.customer.domain);
  if (byDomain) customerClouds.push({ cloud: byDomain, source: "initial domain" });
  return { reseller, customerPartner, customerClouds };
}

/** The partner's trail: who created it, when. A fixed id: a repeated write is the same record. */
function createdRecord(invitation: Invitation): AuditRecord {
  return {
    id: `${invitation.id}:created`,
    partnerId: invitation.partnerId,
    resourceType: "invitation",
    resourceId: invitation.id,
    action: "created",
    outcome: "applied",
    actor: invitation.createdBy,
    at: invitation.createdAt,
  };
}

async function storeInvitation(
  deps: CreateInvitationDeps,
  caller: Partner,
  principal: Principal,
  id: string,
  input: CreateInvitationInput,
  rateLimit: CreationRateLimit | undefined,
  options: { fresh: boolean },
): Promise<Invitation> {
  // A fresh id (random, no Idempotency-Key record) cannot be stored yet, nor raced for by another
  // request: only a resumed or raced key needs to look for the stored one.
  if (!options.fresh) {
    const existing = await deps.invitations.get(caller.id, id);
    if (existing) return existing.value;
  }
  const now = deps.clock.now();
  const linkNonce = newLinkNonce();
  const invitation: Invitation = {
    id,
    partnerId: caller.id,
    cloud: caller.cloud,
    kind: input.kind,
    status: "pending",
    customer: {
      domain: input.customer.domain,
      displayName: input.customer.displayName,
      adminEmail: input.customer.adminEmail,
      ...(input.customer.tenantId ? { tenantId: input.customer.tenantId.toLowerCase() } : {}),
    },
    locale: input.locale,
    ...(input.admin
      ? { admin: { ...input.admin, roles: input.admin.roles.map((r) => r.toLowerCase()) } }
      : {}),
    ...(input.resellerPartnerId ? { resellerPartnerId: input.resellerPartnerId.toLowerCase() } : {}),
    tokenHash: hashInvitationToken(invitationLinkToken(deps.linkKey, caller.id, id, linkNonce)),
    linkNonce,
    createdBy: partnerActor(principal),
    createdAt: now.toISOString(),
    expiresAt: addDays(now.toISOString(), deps.invitationTtlDays),
  };
  try {
    // Its "created" record goes in the same write: the invitation is live from here (the start
    // intent stored with it binds someone to start its orchestration); a compensated attempt
    // removes the record with it.
    await deps.invitations.create(invitation, rateLimit?.window, { audit: [createdRecord(invitation)] });
  } catch (error) {
    if (rateLimit && error instanceof CreationWindowFull) throw creationRateLimited(rateLimit, deps.clock);
    throw error;
  }
  if (options.fresh) return invitation;
  // Read back: a concurrent request with the same key may have stored its own first.
  return (await deps.invitations.get(caller.id, id))?.value ?? invitation;
}

/** sha256 of the request with keys in a fixed order: the same JSON in another key order is the same body. */
export function hashRequest(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
