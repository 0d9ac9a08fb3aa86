import { randomUUID } from "node:crypto";
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "../../src/domain/model";
import type { HostProcess } from "../support/host-process";

/**
 * A small client for a local host: the operator enrols partners, partners invite, customers answer,
 * callers read the local mailbox and move the clock. No test runner needed (benchmarks use it too);
 * `support.ts` starts a host per test file.
 */

export interface MailItem {
  id: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  sentAt: string;
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface InvitationBody {
  kind: "reseller" | "admin" | "reseller+admin";
  customer: { domain: string; displayName: string; adminEmail: string; tenantId?: string };
  locale?: string;
  admin?: { roles: string[]; durationDays: number; autoExtend: boolean };
  resellerPartnerId?: string;
}

export interface PartnerSetup {
  id: string;
  token: string;
  contactEmail: string;
  name: string;
}

export const DAY_MS = 86_400_000;
export const GA = GLOBAL_ADMINISTRATOR_ROLE_ID;
/** Exchange Administrator: an ordinary role a partner may ask for. */
export const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const LINK = /\/invite\/([A-Za-z0-9-]{1,64}\.[A-Za-z0-9-]{1,64}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;

/** Polls `probe` until `done` holds; fails with the last value after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    }
    // Yield to the host between probes; state is what we wait for, not time.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export class Journey {
  readonly url: string;

  /**
   * `mailbox`: where the mail is read when the host serves no `/dev/mail.json` (outside AUTH_MODE=dev,
   * the test's own email endpoint, see test/support/loopback-services.ts).
   */
  constructor(
    readonly host: HostProcess,
    private readonly mailbox?: () => MailItem[],
  ) {
    this.url = host.url.replace(/\/+$/, "");
  }

  async call<T = unknown>(
    method: string,
    path: string,
    options: {
      token?: string;
      json?: unknown;
      form?: Record<string, string>;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let body: string | undefined;
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    if (options.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body, redirect: "manual" });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (/json/.test(response.headers.get("content-type") ?? "") && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  async token(request: {
    tenantId: string;
    roles?: string[];
    wids?: string[];
    email?: string;
  }): Promise<string> {
    const answer = await this.call<{ access_token: string }>("POST", "/dev/token", { json: request });
    if (answer.status !== 200) throw new Error(`dev token: ${answer.status} ${answer.text}`);
    return answer.body.access_token;
  }

  operatorToken(): Promise<string> {
    return this.token({ tenantId: "operator-tenant", roles: ["Operator"] });
  }

  customerToken(tenantId: string, globalAdmin = true): Promise<string> {
    return this.token({ tenantId, wids: globalAdmin ? [GA] : [] });
  }

  async enrolPartner(
    options: { type?: string; cloud?: string; name?: string; indirectProviderId?: string } = {},
  ): Promise<PartnerSetup> {
    const id = randomUUID();
    const contactEmail = `contact-${id.slice(0, 8)}@partner.example`;
    const name = options.name ?? `Partner ${id.slice(0, 6)}`;
    const answer = await this.call("PUT", `/api/partners/${id}`, {
      token: await this.operatorToken(),
      json: {
        name,
        type: options.type ?? "direct",
        cloud: options.cloud ?? "global",
        contactEmail,
        ...(options.indirectProviderId ? { indirectProviderId: options.indirectProviderId } : {}),
      },
    });
    if (answer.status !== 201 && answer.status !== 200)
      throw new Error(`enrol: ${answer.status} ${answer.text}`);
    return { id, token: await this.token({ tenantId: id, roles: ["GlobalAdmin"] }), contactEmail, name };
  }

  /** Fresh partner token (virtual time may have expired the old one). */
  async refresh(partner: PartnerSetup): Promise<PartnerSetup> {
    return { ...partner, token: await this.token({ tenantId: partner.id, roles: ["GlobalAdmin"] }) };
  }

  async invite(partner: PartnerSetup, body: InvitationBody): Promise<{ id: string; expiresAt: string }> {
    const answer = await this.call<{ id: string; expiresAt: string; status: string }>(
      "POST",
      "/api/invitations",
      {
        token: partner.token,
        json: body,
      },
    );
    if (answer.status !== 202) throw new Error(`invite: ${answer.status} ${answer.text}`);
    return answer.body;
  }

  async invitation(partner: PartnerSetup, id: string): Promise<Record<string, unknown> & { status: string }> {
    const answer = await this.call<Record<string, unknown> & { status: string }>(
      "GET",
      `/api/invitations/${id}`,
      {
        token: partner.token,
      },
    );
    if (answer.status !== 200) throw new Error(`get invitation: ${answer.status} ${answer.text}`);
    return answer.body;
  }

  async waitForStatus(partner: PartnerSetup, id: string, status: string) {
    return eventually(
      () => this.invitation(partner, id),
      (i) => i.status === status,
      `invitation ${id} to be ${status}`,
    );
  }

  /**
   * Waits until an accepted invitation's relationship is linked to it: the write that links it also
   * puts the partner's copy in place, which the partner's cross-customer list reads. (The routes by
   * id reach the relationship as soon as the customer's list shows it; that list may lag until here.)
   */
  async linked(partner: PartnerSetup, relationshipId: string): Promise<void> {
    await eventually(
      async () => {
        const token = (await this.refresh(partner)).token;
        const relationship = await this.call<{ invitationId?: string }>(
          "GET",
          `/api/relationships/${relationshipId}`,
          { token },
        );
        if (relationship.status !== 200 || !relationship.body.invitationId) return [];
        const invitation = await this.call<{ relationshipIds?: string[] }>(
          "GET",
          `/api/invitations/${relationship.body.invitationId}`,
          { token },
        );
        return invitation.status === 200 ? (invitation.body.relationshipIds ?? []) : [];
      },
      (ids) => ids.includes(relationshipId),
      `relationship ${relationshipId} to be linked to its invitation`,
    );
  }

  async relationships(partner: PartnerSetup, tenantId: string) {
    const answer = await this.call<{ items: Record<string, unknown>[] }>(
      "GET",
      `/api/customers/${tenantId}/relationships`,
      { token: partner.token },
    );
    if (answer.status !== 200) throw new Error(`relationships: ${answer.status} ${answer.text}`);
    return answer.body.items;
  }

  async mail(): Promise<MailItem[]> {
    if (this.mailbox) return this.mailbox();
    const answer = await this.call<{ items: MailItem[] }>("GET", "/dev/mail.json");
    return answer.body.items;
  }

  async mailTo(address: string): Promise<MailItem[]> {
    return (await this.mail()).filter((m) => m.to.includes(address));
  }

  async waitForMail(address: string, count: number): Promise<MailItem[]> {
    return eventually(
      () => this.mailTo(address),
      (items) => items.length >= count,
      `${count} email(s) to ${address}`,
    );
  }

  /**
   * Moves the virtual clock; by default through every due timer in order. `jump: true` moves at once,
   * as a host that was down would see it (each due timer fires once, late).
   */
  async advance(days: number, options: { jump?: boolean } = {}): Promise<void> {
    const body = options.jump ? { days, jump: true } : { days };
    const answer = await this.call("POST", "/dev/clock/advance", { json: body });
    if (answer.status !== 200) throw new Error(`advance: ${answer.status} ${answer.text}`);
  }

  /**
   * Waits until the invitation's orchestration sits on its timers. Moving the clock before that would
   * race the orchestration's first schedule (a reminder already in the past is skipped by design).
   */
  async waitUntilWaiting(instanceId: string): Promise<void> {
    await eventually(
      () => this.orchestration(instanceId),
      (o) => (o.customStatus as { phase?: string } | undefined)?.phase === "waiting",
      `orchestration ${instanceId} to wait on its timers`,
    );
  }

  /** The durable management API's view of the orchestration (runtimeStatus, output, customStatus). */
  async orchestration(
    instanceId: string,
  ): Promise<{ runtimeStatus?: string; output?: unknown; customStatus?: unknown }> {
    const answer = await this.call<{ runtimeStatus?: string; output?: unknown; customStatus?: unknown }>(
      "GET",
      `/runtime/webhooks/durabletask/instances/${instanceId}?showHistory=true&showHistoryOutput=true&showInput=true`,
    );
    return answer.body ?? {};
  }
}

/** The link's path (`/invite/{token}`) from an email; the host's own URL is used to open it. */
export function linkPath(mail: MailItem): string {
  const match = LINK.exec(mail.text) ?? LINK.exec(mail.html);
  if (!match?.[1]) throw new Error(`No invitation link in "${mail.subject}"`);
  return `/invite/${match[1]}`;
}

export function customerFor(label = "Contoso"): InvitationBody["customer"] & { tenantId: string } {
  const id = randomUUID();
  return {
    tenantId: id,
    domain: `${label.toLowerCase()}-${id.slice(0, 6)}.example`,
    displayName: `${label} ${id.slice(0, 4)}`,
    adminEmail: `admin-${id.slice(0, 8)}@customer.example`,
  };
}
