import { randomUUID } from "node:crypto";
import type { Cloud, PartnerType } from "../../src/domain/model";

/**
 * A small client for the partner API on a running host (dev auth): tokens from /dev/token, the
 * operator's enrolment, invitations. Every call returns status, headers and parsed body, so tests
 * assert on the answer rather than on exceptions.
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  rule?: string;
  errors?: { field: string; message: string }[];
}

export interface InvitationRequestBody {
  kind: "reseller" | "admin" | "reseller+admin";
  customer: { domain: string; displayName: string; adminEmail: string; tenantId?: string };
  locale?: string;
  admin?: { roles: string[]; durationDays: number; autoExtend: boolean };
  resellerPartnerId?: string;
}

export interface InvitationBody {
  id: string;
  status: string;
  kind: string;
  customer: { domain: string; displayName: string; adminEmail: string; tenantId?: string };
  locale: string;
  createdAt: string;
  expiresAt: string;
  admin?: { roles: string[]; durationDays: number; autoExtend: boolean };
  audit?: { action: string; outcome: string; rule?: string }[];
  relationshipIds?: string[];
}

export interface EnrolledPartner {
  id: string;
  name: string;
  type: PartnerType;
  cloud: Cloud;
  contactEmail: string;
  indirectProviderId?: string;
  /** A SalesAgent token of the partner (may write, R1). */
  token: string;
}

/** Exchange Administrator: an ordinary role to request. */
export const EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de";

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async call<T = unknown>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  /** A dev token (AUTH_MODE=dev) with the given claims. */
  async token(claims: {
    tenantId: string;
    roles?: string[];
    wids?: string[];
    userId?: string;
    email?: string;
    expiresInSeconds?: number;
  }): Promise<string> {
    const answer = await this.call<{ access_token: string }>("POST", "/dev/token", { body: claims });
    if (answer.status !== 200) throw new Error(`/dev/token answered ${answer.status}: ${answer.text}`);
    return answer.body.access_token;
  }

  async operatorToken(): Promise<string> {
    return this.token({ tenantId: "00000000-0000-0000-0000-00000000a11c", roles: ["Operator"] });
  }

  async partnerToken(partnerId: string, roles: string[] = ["SalesAgent"]): Promise<string> {
    return this.token({
      tenantId: partnerId,
      roles,
      userId: randomUUID(),
      email: `user@${partnerId}.example`,
    });
  }

  /** PUT /api/partners/{id} as the operator; throws unless 200/201. */
  async enrolPartner(
    partner: Partial<Omit<EnrolledPartner, "token">> & { type?: PartnerType } = {},
  ): Promise<EnrolledPartner> {
    const id = partner.id ?? randomUUID();
    const body = {
      name: partner.name ?? `Partner ${id.slice(0, 8)}`,
      type: partner.type ?? "direct",
      cloud: partner.cloud ?? "global",
      contactEmail: partner.contactEmail ?? `ops-${id.slice(0, 8)}@partner.example`,
      ...(partner.indirectProviderId ? { indirectProviderId: partner.indirectProviderId } : {}),
    };
    const answer = await this.call("PUT", `/api/partners/${id}`, { token: await this.operatorToken(), body });
    if (answer.status !== 201 && answer.status !== 200) {
      throw new Error(`Enrolling ${id} answered ${answer.status}: ${answer.text}`);
    }
    return { id, ...body, token: await this.partnerToken(id) };
  }

  createInvitation(
    token: string,
    body: InvitationRequestBody,
    idempotencyKey?: string,
  ): Promise<ApiAnswer<InvitationBody & ProblemBody>> {
    return this.call("POST", "/api/invitations", {
      token,
      body,
      ...(idempotencyKey ? { headers: { "idempotency-key": idempotencyKey } } : {}),
    });
  }

  getInvitation(token: string, id: string): Promise<ApiAnswer<InvitationBody & ProblemBody>> {
    return this.call("GET", `/api/invitations/${id}`, { token });
  }

  cancelInvitation(token: string, id: string): Promise<ApiAnswer<InvitationBody & ProblemBody>> {
    return this.call("POST", `/api/invitations/${id}/cancel`, { token });
  }

  relationships(
    token: string,
    customerTenantId: string,
  ): Promise<ApiAnswer<{ items: Record<string, unknown>[] }>> {
    return this.call("GET", `/api/customers/${customerTenantId}/relationships`, { token });
  }

  async mail(): Promise<
    { id: string; to: string[]; subject: string; html: string; text: string; sentAt: string }[]
  > {
    const answer = await this.call<{
      items: { id: string; to: string[]; subject: string; html: string; text: string; sentAt: string }[];
    }>("GET", "/dev/mail.json");
    return answer.body.items;
  }

  async advanceClock(by: { days?: number; hours?: number; minutes?: number }): Promise<string> {
    const answer = await this.call<{ now: string }>("POST", "/dev/clock/advance", { body: by });
    if (answer.status !== 200)
      throw new Error(`/dev/clock/advance answered ${answer.status}: ${answer.text}`);
    return answer.body.now;
  }
}

/** A customer for an invitation; unique per call so tests never share state. */
export function customer(
  overrides: Partial<InvitationRequestBody["customer"]> = {},
): InvitationRequestBody["customer"] {
  const tag = randomUUID().slice(0, 8);
  return {
    domain: `fabrikam-${tag}.example.com`,
    displayName: `Fabrikam ${tag}`,
    adminEmail: `admin@fabrikam-${tag}.example.com`,
    ...overrides,
  };
}
