import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MemoryCommerce,
  MemoryMigrationWorkflows,
  memoryPorts,
  type MemoryPorts,
} from "../../src/adapters/memory";
import { cspSubscriptionIdFor } from "../../src/adapters/commerce/local-commerce";
import {
  cancelMigrationUseCase,
  confirmServiceMovedUseCase,
} from "../../src/application/migrations/commands";
import type { MigrationDeps } from "../../src/application/migrations/deps";
import {
  completeAtTermEnd,
  completeNewAzure,
  orderAzureSubscription,
  readMigrationState,
  sendTermEndReminder,
  settleServices,
  type MigrationLifecycleDeps,
} from "../../src/application/migrations/lifecycle";
import { getMigration, listMigrations } from "../../src/application/migrations/query";
import { startMigration } from "../../src/application/migrations/start";
import { runTermEndSweep } from "../../src/application/migrations/sweep";
import { completeMigration } from "../../src/domain/subscriptions/migration";
import type { OutgoingEmail } from "../../src/application/ports";
import { DomainError } from "../../src/domain/errors";
import type { Invitation, Partner, Principal } from "../../src/domain/model";
import type { Subscription } from "../../src/domain/subscriptions/model";
import { migrationCompletedEmail, migrationReminderEmail } from "../../src/web/migration-emails";

/**
 * The migration use cases, activities and sweep on in-memory ports: each rule checked directly,
 * without a database or host (the journeys run the same code through the host).
 *
 * The subscription, migration and schedule ports are small test-local twins here; the shared memory
 * adapters of those ports come from the subscription store's branch.
 */

const LINK_KEY = "test-only-invitation-link-key-0123456789abcdef";
const CUSTOMER = "1d5c6e2a-3f1b-4c8e-9a7d-2b6f0e4c1a93";
const DAY = 86_400_000;

/** Sends once per operation id, as the email service does. */
class Outbox {
  readonly sent = new Map<string, OutgoingEmail>();
  send(email: OutgoingEmail, operationId: string) {
    if (!this.sent.has(operationId)) this.sent.set(operationId, email);
    return Promise.resolve();
  }
}

interface World extends MemoryPorts {
  now: Date;
  workflows: MemoryMigrationWorkflows;
  commerce: MemoryCommerce;
  outbox: Outbox;
  partner: Partner;
  principal: Principal;
  deps: MigrationDeps;
  lifecycle: MigrationLifecycleDeps;
}

async function world(): Promise<World> {
  const ports = memoryPorts();
  const w = {
    ...ports,
    now: new Date("2030-01-01T00:00:00.000Z"),
    workflows: new MemoryMigrationWorkflows(),
    commerce: new MemoryCommerce(),
    outbox: new Outbox(),
  } as World;
  const clock = { now: () => w.now };
  w.partner = partner("Fabrikam Partners", "ops@fabrikam.example");
  await ports.partners.put(w.partner);
  w.principal = { tenantId: w.partner.id, userId: randomUUID(), roles: ["GlobalAdmin"], wids: [] };
  await befriend(w, w.partner, "admin@contoso.example", "pt-BR");
  w.deps = {
    ...ports,
    clock,
    subscriptions: w.subscriptions,
    migrations: w.migrations,
    workflows: w.workflows,
    linkKey: LINK_KEY,
  };
  w.lifecycle = {
    ...ports,
    clock,
    subscriptions: w.subscriptions,
    migrations: w.migrations,
    commerce: w.commerce,
    email: w.outbox,
    render: { reminder: migrationReminderEmail, completed: migrationCompletedEmail },
  };
  return w;
}

function partner(name: string, contactEmail: string): Partner {
  return {
    id: randomUUID(),
    name,
    type: "direct",
    cloud: "global",
    contactEmail,
    createdAt: "2029-01-01T00:00:00.000Z",
    updatedAt: "2029-01-01T00:00:00.000Z",
  };
}

/** An accepted reseller invitation and its active relationship (R20; the customer's contact). */
async function befriend(w: World, p: Partner, adminEmail: string, locale: Invitation["locale"]) {
  const invitationId = randomUUID();
  const at = "2029-06-01T00:00:00.000Z";
  await w.invitations.create({
    id: invitationId,
    partnerId: p.id,
    cloud: "global",
    kind: "reseller",
    status: "accepted",
    customer: { domain: "contoso.onmicrosoft.com", displayName: "Contoso", adminEmail, tenantId: CUSTOMER },
    locale,
    tokenHash: randomUUID(),
    linkNonce: randomUUID(),
    createdBy: { kind: "partner", tenantId: p.id },
    createdAt: at,
    expiresAt: at,
  });
  await w.relationships.createMany(CUSTOMER, [
    {
      id: randomUUID(),
      customerTenantId: CUSTOMER,
      type: "reseller",
      partnerId: p.id,
      status: "active",
      startsAt: at,
      invitationId,
      createdAt: at,
      updatedAt: at,
    },
  ]);
}

async function register(
  w: World,
  fields: Partial<Subscription> & Pick<Subscription, "id" | "billing" | "channel">,
  owner = w.partner,
) {
  const s: Subscription = {
    offer: fields.billing === "license" ? "Microsoft 365 E3" : "Azure plan",
    customerTenantId: CUSTOMER,
    partnerId: owner.id,
    status: "active",
    createdAt: w.now.toISOString(),
    updatedAt: w.now.toISOString(),
    ...fields,
  };
  await w.subscriptions.create(s);
  return s;
}

const sub = async (w: World, id: string) => (await w.subscriptions.get(w.partner.id, CUSTOMER, id))!.value;
const mig = async (w: World, id: string) => (await w.migrations.get(w.partner.id, id))!.value;

async function refusalOf(promise: Promise<unknown>): Promise<DomainError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

const license = (termEndDays: number, now: Date) => ({
  billing: "license" as const,
  channel: "ea" as const,
  termEnd: new Date(now.getTime() + termEndDays * DAY).toISOString(),
  seats: 25,
});

describe("starting a migration", () => {
  it("R17: schedules an atTermEnd move for the term end, marks the subscription and starts the workflow once", async () => {
    const w = await world();
    const s = await register(w, { id: "E3-1", ...license(200, w.now) });
    const started = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    expect(started).toMatchObject({ strategy: "atTermEnd", status: "scheduled", notBefore: s.termEnd });
    expect(started.id).toMatch(/^mig-[0-9a-f]{32}$/);
    expect(await sub(w, "E3-1")).toMatchObject({ status: "migrating", migrationId: started.id });
    expect([...w.workflows.started.keys()]).toEqual([started.id]);
    expect((await w.audit.listFor(w.partner.id, started.id)).map((r) => [r.action, r.rule])).toEqual([
      ["start", "R17"],
    ]);
  });

  it("R17: a second start answers 409 naming the running migration, and stores nothing new", async () => {
    const w = await world();
    await register(w, { id: "E3-1", ...license(200, w.now) });
    const first = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    const refusal = await refusalOf(
      startMigration(w.deps, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" }),
    );
    expect(refusal.kind).toBe("conflict");
    expect(refusal.options.extensions).toEqual({ migrationId: first.id });
    expect((await w.migrations.listForCustomer(w.partner.id, CUSTOMER)).length).toBe(1);
  });

  it("R17: a start that crashed after creating the migration is repaired by the next start (subscription marked, workflow started)", async () => {
    const w = await world();
    await register(w, { id: "E3-1", ...license(200, w.now) });
    const flaky = {
      ...w.deps,
      workflows: {
        ...w.workflows,
        start: () => Promise.reject(new Error("host down")),
        signal: () => Promise.resolve(),
      },
    };
    // The crash: the subscription write fails after the migration exists.
    const replace = w.subscriptions.replace.bind(w.subscriptions);
    w.subscriptions.replace = () => Promise.reject(new Error("crash"));
    await expect(
      startMigration(flaky, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" }),
    ).rejects.toThrow("crash");
    w.subscriptions.replace = replace;
    const [id] = (await w.migrations.listForCustomer(w.partner.id, CUSTOMER)).map((m) => m.id);
    expect((await sub(w, "E3-1")).status).toBe("active");
    const refusal = await refusalOf(
      startMigration(w.deps, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" }),
    );
    expect(refusal.options.extensions).toEqual({ migrationId: id });
    expect(await sub(w, "E3-1")).toMatchObject({ status: "migrating", migrationId: id });
    expect([...w.workflows.started.keys()]).toEqual([id]);
  });

  it("R17: a later attempt whose start crashed before marking the subscription is found past the pointer to the earlier one", async () => {
    const w = await world();
    await register(w, { id: "E3-1", ...license(200, w.now) });
    const start = () =>
      startMigration(w.deps, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" });
    const first = await start();
    await cancelMigrationUseCase(w.deps, w.principal, first.id);
    const replace = w.subscriptions.replace.bind(w.subscriptions);
    w.subscriptions.replace = () => Promise.reject(new Error("crash"));
    await expect(start()).rejects.toThrow("crash");
    w.subscriptions.replace = replace;
    expect((await sub(w, "E3-1")).migrationId).toBe(first.id);
    const second = (await w.migrations.listForCustomer(w.partner.id, CUSTOMER)).find(
      (m) => m.id !== first.id,
    );
    expect(second?.attempt).toBe(2);

    const refusal = await refusalOf(start());
    expect(refusal.options.extensions).toEqual({ migrationId: second?.id });
    expect(await sub(w, "E3-1")).toMatchObject({ status: "migrating", migrationId: second?.id });
  });

  it("R17: a pointer written back to an older attempt (a slow repair) still finds the newest; starts never list migrations", async () => {
    const w = await world();
    await register(w, { id: "E3-1", ...license(200, w.now) });
    // The latest attempt is found by point reads: a list would grow with the customer's migrations.
    w.migrations.listForCustomer = () => Promise.reject(new Error("a start listed migrations"));
    w.migrations.list = () => Promise.reject(new Error("a start listed migrations"));
    const start = () =>
      startMigration(w.deps, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" });
    const first = await start();
    await cancelMigrationUseCase(w.deps, w.principal, first.id);
    const second = await start();
    await cancelMigrationUseCase(w.deps, w.principal, second.id);
    const third = await start();
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    const current = (await w.subscriptions.get(w.partner.id, CUSTOMER, "E3-1"))!;
    expect(current.value.migrationId).toBe(third.id);
    await w.subscriptions.replace({ ...current.value, migrationId: first.id }, current.etag);

    const refusal = await refusalOf(start());
    expect(refusal.options.extensions).toEqual({ migrationId: third.id });
    expect((await sub(w, "E3-1")).migrationId).toBe(third.id);
    expect((await w.migrations.get(w.partner.id, third.id))?.value.attempt).toBe(3);
  });

  it("R20: without an active reseller relationship the start is refused (403, audited) and nothing is stored", async () => {
    const w = await world();
    const stranger = partner("Stranger", "ops@stranger.example");
    await w.partners.put(stranger);
    await register(w, { id: "E3-1", ...license(200, w.now) }, stranger);
    const principal = { ...w.principal, tenantId: stranger.id };
    const refusal = await refusalOf(
      startMigration(w.deps, principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" }),
    );
    expect([refusal.kind, refusal.rule]).toEqual(["forbidden", "R20"]);
    expect((await w.migrations.listForCustomer(w.partner.id, CUSTOMER)).length).toBe(0);
    expect((await w.audit.listFor(stranger.id, "E3-1")).map((r) => [r.outcome, r.rule])).toEqual([
      ["refused", "R20"],
    ]);
  });

  it("R1: a read-only role cannot start a migration", async () => {
    const w = await world();
    await register(w, { id: "E3-1", ...license(200, w.now) });
    const refusal = await refusalOf(
      startMigration(
        w.deps,
        { ...w.principal, roles: ["AdminAgent"] },
        { customerTenantId: CUSTOMER, subscriptionId: "E3-1" },
      ),
    );
    expect([refusal.kind, refusal.rule]).toEqual(["forbidden", "R1"]);
    expect((await w.migrations.listForCustomer(w.partner.id, CUSTOMER)).length).toBe(0);
  });

  it("R10: another partner's subscription and migration are not found, and its documents stay unchanged", async () => {
    const w = await world();
    const other = partner("Other", "ops@other.example");
    await w.partners.put(other);
    await befriend(w, other, "admin@contoso.example", "en");
    await register(w, { id: "E3-1", ...license(200, w.now) }, other);
    expect(
      (
        await refusalOf(
          startMigration(w.deps, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-1" }),
        )
      ).kind,
    ).toBe("notFound");
    const otherPrincipal = { ...w.principal, tenantId: other.id };
    const theirs = await startMigration(w.deps, otherPrincipal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    expect((await refusalOf(getMigration(w.deps, w.principal, theirs.id))).kind).toBe("notFound");
    expect((await refusalOf(cancelMigrationUseCase(w.deps, w.principal, theirs.id))).kind).toBe("notFound");
    expect((await listMigrations(w.deps, w.principal, { limit: 25 })).items).toEqual([]);
    expect((await w.subscriptions.get(other.id, CUSTOMER, "E3-1"))!.value.status).toBe("migrating");
  });
});

describe("cancel and service confirmations", () => {
  it("R17: cancelling a scheduled move hands the subscription back and signals the workflow; 409 once completed", async () => {
    const w = await world();
    await register(w, { id: "E3-1", ...license(200, w.now) });
    const { id } = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    const view = await cancelMigrationUseCase(w.deps, w.principal, id);
    expect(view.status).toBe("cancelled");
    expect((await sub(w, "E3-1")).status).toBe("active");
    expect(w.workflows.signals.map((s) => s.signal.kind)).toEqual(["cancelled"]);
    // A new attempt, then completed: cancel is refused.
    const second = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    expect(second.id).not.toBe(id);
    w.now = new Date(w.now.getTime() + 201 * DAY);
    await completeAtTermEnd(w.lifecycle, { migrationId: second.id, partnerId: w.partner.id });
    const refusal = await refusalOf(cancelMigrationUseCase(w.deps, w.principal, second.id));
    expect(refusal.kind).toBe("conflict");
  });

  it("R18: a confirmed service is recorded and signalled; unknown services are 404, other strategies 409", async () => {
    const w = await world();
    await register(w, {
      id: "AZ-1",
      billing: "usage",
      channel: "direct",
      services: [
        { id: "vm-1", name: "VM" },
        { id: "sql-1", name: "SQL" },
      ],
    });
    await register(w, { id: "E3-1", ...license(200, w.now) });
    const azure = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "AZ-1",
    });
    const e3 = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    expect(azure).toMatchObject({ strategy: "newAzureSubscription", status: "waitingForServices" });
    const view = await confirmServiceMovedUseCase(w.deps, w.principal, azure.id, "vm-1");
    expect(view.services).toEqual([
      { id: "vm-1", status: "moved" },
      { id: "sql-1", status: "pending" },
    ]);
    expect(w.workflows.signals.at(-1)).toEqual({
      migrationId: azure.id,
      signal: { kind: "serviceMoved", serviceId: "vm-1" },
    });
    expect((await refusalOf(confirmServiceMovedUseCase(w.deps, w.principal, azure.id, "nope"))).kind).toBe(
      "notFound",
    );
    expect((await refusalOf(confirmServiceMovedUseCase(w.deps, w.principal, e3.id, "vm-1"))).kind).toBe(
      "conflict",
    );
  });
});

describe("the R17 activities", () => {
  it("R17: reminders 30 and 7 days before go once each to partner and customer; the move orders once and sets partnerOfRecord", async () => {
    const w = await world();
    const s = await register(w, { id: "E3-1", ...license(200, w.now) });
    const { id } = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    const ref = { migrationId: id, partnerId: w.partner.id };
    const end = Date.parse(s.termEnd!);
    for (const at of [end - 30 * DAY, end - 30 * DAY + 3600_000, end - 7 * DAY, end - 7 * DAY]) {
      await sendTermEndReminder(w.lifecycle, { ...ref, at: new Date(at).toISOString() });
    }
    const sent = [...w.outbox.sent.values()];
    expect(sent.map((e) => e.to[0])).toEqual([
      "ops@fabrikam.example",
      "admin@contoso.example",
      "ops@fabrikam.example",
      "admin@contoso.example",
    ]);
    // The customer reads it in the invitation's language.
    expect(sent[1]!.subject).toContain("30 dias");
    expect((await mig(w, id)).remindersSent).toHaveLength(2);
    w.now = new Date(end);
    await completeAtTermEnd(w.lifecycle, ref);
    await completeAtTermEnd(w.lifecycle, ref);
    expect(w.commerce.orders.size).toBe(1);
    expect(await mig(w, id)).toMatchObject({
      status: "completed",
      targetSubscriptionId: cspSubscriptionIdFor(`${id}:order`),
    });
    expect(await sub(w, "E3-1")).toMatchObject({ status: "migrated", partnerOfRecord: w.partner.id });
  });

  it("R17: a renewed term end is followed when the workflow reads its state", async () => {
    const w = await world();
    const s = await register(w, { id: "E3-1", ...license(200, w.now) });
    const { id } = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    const renewed = new Date(Date.parse(s.termEnd!) + 365 * DAY).toISOString();
    const found = (await w.subscriptions.get(w.partner.id, CUSTOMER, "E3-1"))!;
    await w.subscriptions.replace({ ...found.value, termEnd: renewed }, found.etag);
    const state = await readMigrationState(w.lifecycle, { migrationId: id, partnerId: w.partner.id });
    expect(state.notBefore).toBe(renewed);
    expect((await mig(w, id)).notBefore).toBe(renewed);
  });
});

describe("the R18 activities", () => {
  for (const keepSource of [false, true]) {
    it(`R18: orders at once, cancels each confirmed service at the source, then ${keepSource ? "keeps" : "cancels"} the whole source`, async () => {
      const w = await world();
      await register(w, {
        id: "AZ-1",
        billing: "usage",
        channel: "direct",
        services: [
          { id: "vm-1", name: "VM" },
          { id: "sql-1", name: "SQL" },
        ],
      });
      const { id } = await startMigration(w.deps, w.principal, {
        customerTenantId: CUSTOMER,
        subscriptionId: "AZ-1",
        keepSource,
      });
      const ref = { migrationId: id, partnerId: w.partner.id };
      await orderAzureSubscription(w.lifecycle, ref);
      await orderAzureSubscription(w.lifecycle, ref);
      expect(w.commerce.orders.size).toBe(1);
      expect((await mig(w, id)).targetSubscriptionId).toBe(cspSubscriptionIdFor(`${id}:order`));
      await confirmServiceMovedUseCase(w.deps, w.principal, id, "vm-1");
      expect(await settleServices(w.lifecycle, ref)).toEqual({
        status: "waitingForServices",
        allCancelled: false,
      });
      expect((await mig(w, id)).services).toEqual([
        { id: "vm-1", status: "cancelledAtSource" },
        { id: "sql-1", status: "pending" },
      ]);
      await confirmServiceMovedUseCase(w.deps, w.principal, id, "sql-1");
      expect(await settleServices(w.lifecycle, ref)).toEqual({
        status: "waitingForServices",
        allCancelled: true,
      });
      await completeNewAzure(w.lifecycle, ref);
      const cancellations = [...w.commerce.orders.values()]
        .filter((o) => o.kind === "cancelAtSource")
        .map((o) => o.request.serviceId ?? "(whole source)");
      expect(cancellations).toEqual(keepSource ? ["vm-1", "sql-1"] : ["vm-1", "sql-1", "(whole source)"]);
      expect(await mig(w, id)).toMatchObject({ status: "completed" });
      expect(await sub(w, "AZ-1")).toMatchObject({ status: "migrated", partnerOfRecord: w.partner.id });
    });
  }
});

/** An R18 migration of one service, ordered and the service confirmed: next comes its completion. */
async function azureReadyToComplete() {
  const w = await world();
  await register(w, {
    id: "AZ-1",
    billing: "usage",
    channel: "direct",
    services: [{ id: "vm-1", name: "VM" }],
  });
  const { id } = await startMigration(w.deps, w.principal, {
    customerTenantId: CUSTOMER,
    subscriptionId: "AZ-1",
  });
  const ref = { migrationId: id, partnerId: w.partner.id };
  await orderAzureSubscription(w.lifecycle, ref);
  await confirmServiceMovedUseCase(w.deps, w.principal, id, "vm-1");
  await settleServices(w.lifecycle, ref);
  return { w, id, ref };
}

describe("completing a move", () => {
  /** What the subscription's status was at the moment each migration write was stored. */
  function watchCompletion(w: World) {
    const seen: { migration: string; subscription: string }[] = [];
    const replace = w.lifecycle.migrations.replace.bind(w.lifecycle.migrations);
    w.lifecycle = {
      ...w.lifecycle,
      migrations: Object.assign(Object.create(w.lifecycle.migrations) as typeof w.migrations, {
        replace: async (next: Parameters<typeof replace>[0], etag: string) => {
          const at = await w.subscriptions.get(w.partner.id, CUSTOMER, next.subscriptionId);
          seen.push({ migration: next.status, subscription: at!.value.status });
          return replace(next, etag);
        },
      }),
    };
    return seen;
  }

  it("R17: the subscription is migrated before its migration is stored completed, so no reader sees one without the other", async () => {
    const w = await world();
    const s = await register(w, { id: "E3-1", ...license(200, w.now) });
    const { id } = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-1",
    });
    const seen = watchCompletion(w);
    w.now = new Date(Date.parse(s.termEnd!));
    await completeAtTermEnd(w.lifecycle, { migrationId: id, partnerId: w.partner.id });
    expect(seen.find((e) => e.migration === "completed")).toEqual({
      migration: "completed",
      subscription: "migrated",
    });
  });

  it("R18: the same order for a new Azure subscription; once the source is being cancelled, a cancel is refused", async () => {
    const { w, id, ref } = await azureReadyToComplete();
    const seen = watchCompletion(w);
    // Cancel as the whole-source cancellation is ordered: the claim came first, so it is refused.
    let refused: DomainError | undefined;
    const cancelAtSource = w.commerce.cancelAtSource.bind(w.commerce);
    w.commerce.cancelAtSource = async (request) => {
      refused = await refusalOf(cancelMigrationUseCase(w.deps, w.principal, id));
      return cancelAtSource(request);
    };
    await completeNewAzure(w.lifecycle, ref);
    expect(refused?.kind).toBe("conflict");
    expect(seen.find((e) => e.migration === "completed")).toEqual({
      migration: "completed",
      subscription: "migrated",
    });
    expect(await sub(w, "AZ-1")).toMatchObject({ status: "migrated", partnerOfRecord: w.partner.id });
  });
});

describe("the R18 activities after a crash", () => {
  it("R18: a host that died after the migration was completed and before the subscription was marked: the re-run marks it migrated", async () => {
    const { w, id, ref } = await azureReadyToComplete();
    // The state the crash left: the migration's completion stored, the subscription's not.
    const stored = (await w.migrations.get(w.partner.id, id))!;
    await w.migrations.replace(
      completeMigration(stored.value, new Date(), stored.value.targetSubscriptionId).migration,
      stored.etag,
    );
    expect(await sub(w, "AZ-1")).toMatchObject({ status: "migrating" });
    expect(await completeNewAzure(w.lifecycle, ref)).toEqual({ status: "completed" });
    expect(await sub(w, "AZ-1")).toMatchObject({ status: "migrated", partnerOfRecord: w.partner.id });
  });
});

describe("the term-end sweep", () => {
  it("R17: signals each due migration once per run, and a second run the same day reads and signals nothing", async () => {
    const w = await world();
    await register(w, { id: "E3-due", ...license(30, w.now) });
    await register(w, { id: "E3-idle", ...license(30, w.now) });
    await register(w, { id: "E3-later", ...license(200, w.now) });
    const { id } = await startMigration(w.deps, w.principal, {
      customerTenantId: CUSTOMER,
      subscriptionId: "E3-due",
    });
    await startMigration(w.deps, w.principal, { customerTenantId: CUSTOMER, subscriptionId: "E3-later" });
    const deps = {
      schedule: w.schedule,
      subscriptions: w.subscriptions,
      workflows: w.workflows,
      clock: w.deps.clock,
    };
    w.workflows.signals.length = 0;
    const first = await runTermEndSweep(deps);
    expect(first).toMatchObject({ entries: 2, signals: 1 });
    expect(w.workflows.signals).toEqual([{ migrationId: id, signal: { kind: "termEndDue" } }]);
    const second = await runTermEndSweep(deps);
    expect(second).toEqual({ days: [], pages: 0, entries: 0, signals: 0 });
    expect(w.workflows.signals).toHaveLength(1);
  });

  it("R17: resumes a day from its checkpoint's continuation and stops when another run wrote first", async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) await register(w, { id: `E3-${i}`, ...license(7, w.now) });
    const deps = {
      schedule: w.schedule,
      subscriptions: w.subscriptions,
      workflows: w.workflows,
      clock: w.deps.clock,
    };
    const partial = await runTermEndSweep(deps, { pageSize: 2, budgetMs: 0 });
    expect(partial).toMatchObject({ pages: 1, entries: 2, stopped: "outOfTime" });
    expect((await w.schedule.readCheckpoint())!.value).toMatchObject({
      day: "2030-01-01",
      continuation: expect.any(String) as unknown,
    });
    const rest = await runTermEndSweep(deps, { pageSize: 2 });
    expect(rest).toMatchObject({ pages: 2, entries: 3 });
    expect((await w.schedule.readCheckpoint())!.value).toMatchObject({ lastCompletedDay: "2030-01-01" });
    // A concurrent run: the checkpoint changes under this one, which stops after its first page.
    w.now = new Date(w.now.getTime() + DAY);
    const write = w.schedule.writeCheckpoint.bind(w.schedule);
    w.schedule.writeCheckpoint = async (c, tag) => {
      w.schedule.writeCheckpoint = write;
      // Another run writes first.
      const theirs = await w.schedule.readCheckpoint();
      await write({ ...c }, theirs?.etag);
      return write(c, tag);
    };
    expect((await runTermEndSweep(deps)).stopped).toBe("lostRace");
  });
});
