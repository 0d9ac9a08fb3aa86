import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webAdminRelationshipEmails } from "../../functions/admin-relationship-workflow";
import { CosmosAuditLog } from "../../src/adapters/cosmos/audit-repository";
import { CosmosInvitationRepository } from "../../src/adapters/cosmos/invitation-repository";
import { CosmosPartnerRepository } from "../../src/adapters/cosmos/partner-repository";
import { CosmosRelationshipRepository } from "../../src/adapters/cosmos/relationship-repository";
import { AcsEmailSender } from "../../src/adapters/email/acs-email-sender";
import {
  adminReminderOperationId,
  endAdminRelationship,
  notifyAdminExpired,
  readAdminRelationship,
  remindAdminPartner,
  startAdminLifecycles,
  type AdminLifecycleDependencies,
} from "../../src/application/admin-relationships";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Partner, type Relationship } from "../../src/domain/model";
import { startEmailEndpoint, type EmailEndpoint } from "../../src/localhost/services/email";
import { adminRelationshipInstanceId, lifecycleSchedule } from "../../src/workflows/admin-relationship";
import { useCosmos } from "../support/cosmos";

/**
 * The admin relationship lifecycle's activities against the real adapters (embedded Cosmos DB API
 * server, local ACS endpoint with the real EmailClient). Each may run twice, so each runs twice here.
 */
const DAY = 86_400_000;
const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";

const cosmos = useCosmos({ database: "h6-admin-activities" });
let email: EmailEndpoint;
let now = Date.parse("2031-01-01T00:00:00.000Z");
const clock = { now: () => new Date(now) };

beforeAll(async () => {
  email = await startEmailEndpoint({ now: () => now });
});
afterAll(async () => {
  await email?.stop();
});

function deps(): AdminLifecycleDependencies {
  const db = cosmos().db;
  return {
    relationships: new CosmosRelationshipRepository(db),
    invitations: new CosmosInvitationRepository(db),
    partners: new CosmosPartnerRepository(db),
    audit: new CosmosAuditLog(db),
    email: new AcsEmailSender({
      EMAIL_ENDPOINT: email.endpoint,
      EMAIL_ACCESS_KEY: email.accessKey,
      EMAIL_SENDER: "donotreply@partners.example.test",
    }),
    clock,
    render: webAdminRelationshipEmails,
  };
}

async function seed(
  overrides: Partial<Relationship> = {},
): Promise<{ relationship: Relationship; partner: Partner }> {
  const d = deps();
  const at = clock.now().toISOString();
  const partner: Partner = {
    id: randomUUID(),
    name: "Fabrikam",
    type: "direct",
    cloud: "global",
    contactEmail: `contact-${randomUUID().slice(0, 8)}@partner.example`,
    createdAt: at,
    updatedAt: at,
  };
  await d.partners.put(partner);
  const relationship: Relationship = {
    id: randomUUID(),
    customerTenantId: randomUUID(),
    type: "admin",
    partnerId: partner.id,
    status: "active",
    roles: [EXCHANGE_ADMIN],
    durationDays: 30,
    autoExtend: false,
    startsAt: at,
    endsAt: new Date(now + 30 * DAY).toISOString(),
    invitationId: randomUUID(),
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
  await d.relationships.createMany(relationship.customerTenantId, [relationship]);
  return { relationship, partner };
}

/** What every lifecycle activity is given: the relationship and its customer's partition. */
const ref = (r: Pick<Relationship, "id" | "customerTenantId">) => ({
  relationshipId: r.id,
  customerTenantId: r.customerTenantId,
});

const mailTo = (address: string) => email.messages().filter((m) => m.to.includes(address));

describe("lifecycle schedule", () => {
  const end = new Date("2031-06-30T00:00:00Z");
  it("R7: reminders 30, 7 and 1 days before the end, then the end; none with auto-extend", () => {
    const start = new Date(end.getTime() - 60 * DAY);
    expect(lifecycleSchedule(end, false, start).map((w) => [w.step, w.at.toISOString()])).toEqual([
      [30, "2031-05-31T00:00:00.000Z"],
      [7, "2031-06-23T00:00:00.000Z"],
      [1, "2031-06-29T00:00:00.000Z"],
      ["end", "2031-06-30T00:00:00.000Z"],
    ]);
    expect(lifecycleSchedule(end, true, start).map((w) => w.step)).toEqual(["end"]);
  });
  it("skips reminders already in the past", () => {
    const late = new Date(end.getTime() - 10 * DAY);
    expect(lifecycleSchedule(end, false, late).map((w) => w.step)).toEqual([7, 1, "end"]);
    expect(lifecycleSchedule(end, false, new Date(end.getTime() + DAY)).map((w) => w.step)).toEqual(["end"]);
  });
});

describe("admin relationship activities (each run twice)", () => {
  it("R7: a reminder goes to the partner's contact once per step and period", async () => {
    const d = deps();
    const { relationship, partner } = await seed();
    const input = { ...ref(relationship), endsAt: relationship.endsAt!, daysBefore: 30 as const };
    expect(await remindAdminPartner(d, input)).toEqual({ sent: true, status: "active" });
    expect(await remindAdminPartner(d, input)).toEqual({ sent: true, status: "active" });
    const mails = mailTo(partner.contactEmail);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.operationId).toBe(adminReminderOperationId(relationship.id, relationship.endsAt!, 30));
    expect(mails[0]!.subject).toBe(
      `Admin relationship with ${relationship.customerTenantId} ends in 30 days`,
    );

    // A step of another period (the end moved) or of a relationship no longer in force sends nothing.
    expect(await remindAdminPartner(d, { ...input, endsAt: new Date(now).toISOString() })).toEqual({
      sent: false,
      status: "active",
    });
    const ended = await seed({ status: "terminated" });
    expect(
      await remindAdminPartner(d, {
        ...input,
        ...ref(ended.relationship),
        endsAt: ended.relationship.endsAt!,
      }),
    ).toEqual({ sent: false, status: "terminated" });
    expect(mailTo(partner.contactEmail)).toHaveLength(1);
    expect(mailTo(ended.partner.contactEmail)).toHaveLength(0);
  });

  it("R6: the end extends by 180 days once, however often it runs, even concurrently", async () => {
    const d = deps();
    const { relationship, partner } = await seed({ autoExtend: true });
    const input = { ...ref(relationship), endsAt: relationship.endsAt! };
    const extended = new Date(Date.parse(relationship.endsAt!) + 180 * DAY).toISOString();
    const runs = await Promise.all([endAdminRelationship(d, input), endAdminRelationship(d, input)]);
    expect(runs).toEqual([
      { outcome: "extended", endsAt: extended },
      { outcome: "extended", endsAt: extended },
    ]);
    expect(await endAdminRelationship(d, input)).toEqual({ outcome: "extended", endsAt: extended });
    expect((await d.relationships.get(relationship.id, ref(relationship)))?.value).toMatchObject({
      status: "active",
      endsAt: extended,
    });
    expect(await readAdminRelationship(d, ref(relationship))).toEqual({
      status: "active",
      endsAt: extended,
      autoExtend: true,
    });
    expect(mailTo(partner.contactEmail)).toHaveLength(0);
  });

  it("reads in the customer's partition the input names, and only there", async () => {
    const d = deps();
    const { relationship } = await seed();
    const expected = { status: "active", endsAt: relationship.endsAt, autoExtend: false };
    expect(await readAdminRelationship(d, ref(relationship))).toEqual(expected);
    await expect(
      readAdminRelationship(d, { relationshipId: relationship.id, customerTenantId: randomUUID() }),
    ).rejects.toThrow(/does not exist/);
  });

  it("R6: a stored auto-extend never applies with Global Administrator: it expires", async () => {
    const d = deps();
    const { relationship } = await seed({ autoExtend: true, roles: [GLOBAL_ADMINISTRATOR_ROLE_ID] });
    expect((await readAdminRelationship(d, ref(relationship))).autoExtend).toBe(false);
    const input = { ...ref(relationship), endsAt: relationship.endsAt! };
    expect(await endAdminRelationship(d, input)).toEqual({ outcome: "expired", endsAt: relationship.endsAt });
  });

  it("R8: expiry happens once, is notified once, and never touches a terminated relationship", async () => {
    const d = deps();
    const { relationship, partner } = await seed();
    const input = { ...ref(relationship), endsAt: relationship.endsAt! };
    now += 30 * DAY;
    expect(await endAdminRelationship(d, input)).toEqual({ outcome: "expired", endsAt: relationship.endsAt });
    expect(await endAdminRelationship(d, input)).toEqual({ outcome: "expired", endsAt: relationship.endsAt });
    await notifyAdminExpired(d, ref(relationship));
    await notifyAdminExpired(d, ref(relationship));
    const mails = mailTo(partner.contactEmail);
    expect(mails.map((m) => m.subject)).toEqual([
      `Admin relationship with ${relationship.customerTenantId} has expired`,
    ]);

    const terminated = await seed({ status: "terminated" });
    const before = await d.relationships.get(terminated.relationship.id, ref(terminated.relationship));
    expect(
      await endAdminRelationship(d, {
        ...ref(terminated.relationship),
        endsAt: terminated.relationship.endsAt!,
      }),
    ).toEqual({ outcome: "terminated", endsAt: terminated.relationship.endsAt });
    expect((await d.relationships.get(terminated.relationship.id, ref(terminated.relationship)))?.etag).toBe(
      before?.etag,
    );
    await expect(notifyAdminExpired(d, ref(terminated.relationship))).rejects.toThrow(
      /terminated, not expired/,
    );
  });

  it("starts one lifecycle per admin relationship still in force", async () => {
    const d = deps();
    const admin = await seed();
    // One invitation's relationships: one customer.
    const customerTenantId = admin.relationship.customerTenantId;
    const gone = await seed({ status: "terminated", customerTenantId });
    const reseller = await seed({
      type: "reseller",
      roles: undefined,
      endsAt: undefined,
      durationDays: undefined,
      customerTenantId,
    });
    const started: string[] = [];
    const input = {
      relationshipIds: [admin.relationship.id, gone.relationship.id, reseller.relationship.id, randomUUID()],
      customerTenantId,
    };
    const result = await startAdminLifecycles(
      {
        relationships: d.relationships,
        start: (instanceId, startInput) => {
          // The customer rides along, so the lifecycle's reads skip the relationship lookup; the
          // period as read spares its first execution the read.
          expect(startInput).toEqual({
            relationshipId: admin.relationship.id,
            customerTenantId: admin.relationship.customerTenantId,
            period: { endsAt: admin.relationship.endsAt, autoExtend: admin.relationship.autoExtend ?? false },
          });
          started.push(instanceId);
          return Promise.resolve();
        },
      },
      input,
    );
    expect(result).toEqual({ instanceIds: [adminRelationshipInstanceId(admin.relationship.id)] });
    expect(started).toEqual([`admin-relationship:${admin.relationship.id}`]);
  });
});
