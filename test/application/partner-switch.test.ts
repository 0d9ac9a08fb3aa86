import { beforeEach, describe, expect, it } from "vitest";
import {
  answerSwitchAsCurrentPartner,
  answerSwitchByLink,
  listSwitchRequests,
  lookUpSwitchLink,
  recoverSwitchAnswers,
} from "../../src/application/migrations/partner-switch";
import {
  completeSwitch,
  expireSwitch,
  notifySwitchOutcome,
  releaseSubscription,
  sendSwitchEmail,
  transferOrderId,
} from "../../src/application/migrations/partner-switch-lifecycle";
import { DomainError } from "../../src/domain/errors";
import { GLOBAL_ADMINISTRATOR_ROLE_ID } from "../../src/domain/model";
import { hashInvitationToken } from "../../src/domain/invitation-token";
import type { Migration } from "../../src/domain/subscriptions/model";
import {
  CURRENT_PARTNER,
  DAY,
  NEW_PARTNER,
  T0,
  currentPartnerUser,
  customerGA,
  seed,
  tokenOf,
  world,
  type World,
} from "../support/partner-switch-world";

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
}

describe("R19 partner switch: answers through the links", () => {
  let w: World;
  let m: Migration;
  beforeEach(async () => {
    w = world();
    m = await seed(w);
  });

  it("R15: looking a link up changes nothing and tells which party it is for", async () => {
    const before = w.migrations.read(m.id)!.etag;
    const link = await lookUpSwitchLink(w.answers, tokenOf(m, "customer"));
    expect(link.state).toBe("open");
    expect(link.state === "open" && link.party).toBe("customer");
    expect(w.migrations.read(m.id)!.etag).toBe(before);
  });

  it("R16: a tampered, malformed or unknown token is 'unknown'; answering it is the one generic 410", async () => {
    const token = tokenOf(m, "customer");
    const tampered = (token[0] === "A" ? "B" : "A") + token.slice(1);
    expect((await lookUpSwitchLink(w.answers, tampered)).state).toBe("unknown");
    expect((await lookUpSwitchLink(w.answers, "short")).state).toBe("unknown");
    const error = await refusal(
      answerSwitchByLink(w.answers, { token: tampered, decision: "approved", identity: customerGA }),
    );
    expect([error.kind, error.reason]).toEqual(["gone", "linkNotValid"]);
    expect(error.message).not.toContain(tampered);
  });

  it("R2: the customer's link needs a Global Administrator of the customer's tenant", async () => {
    const token = tokenOf(m, "customer");
    const notGa = await refusal(
      answerSwitchByLink(w.answers, { token, decision: "approved", identity: { ...customerGA, wids: [] } }),
    );
    expect([notGa.kind, notGa.rule, notGa.reason]).toEqual(["forbidden", "R2", "notGlobalAdmin"]);
    const other = await refusal(
      answerSwitchByLink(w.answers, {
        token,
        decision: "approved",
        identity: { ...customerGA, tenantId: CURRENT_PARTNER },
      }),
    );
    expect(other.reason).toBe("wrongTenant");
    expect(w.migrations.read(m.id)!.value.approvals).toEqual({
      customer: "pending",
      currentPartner: "pending",
    });
    expect(w.signals).toEqual([]);
  });

  it("R19: the current partner's link needs a write-role user (or GA) of the current partner's tenant", async () => {
    const token = tokenOf(m, "currentPartner");
    const reader = await refusal(
      answerSwitchByLink(w.answers, {
        token,
        decision: "approved",
        identity: { ...currentPartnerUser, roles: ["HelpdeskAgent"] },
      }),
    );
    expect(reader.rule).toBe("R1");
    const stranger = await refusal(
      answerSwitchByLink(w.answers, {
        token,
        decision: "approved",
        identity: { ...currentPartnerUser, tenantId: NEW_PARTNER },
      }),
    );
    expect(stranger.rule).toBe("R19");
    const ga = await answerSwitchByLink(w.answers, {
      token,
      decision: "approved",
      identity: { ...currentPartnerUser, roles: [], wids: [GLOBAL_ADMINISTRATOR_ROLE_ID] },
    });
    expect(ga.migration.approvals?.currentPartner).toBe("approved");
  });

  it("R19: an approval is recorded, audited and signalled once; repeating it is a no-op, changing it is 409", async () => {
    const token = tokenOf(m, "customer");
    const first = await answerSwitchByLink(w.answers, { token, decision: "approved", identity: customerGA });
    expect(first.migration.approvals).toEqual({ customer: "approved", currentPartner: "pending" });
    expect(first.migration.status).toBe("awaitingApproval");
    const again = await answerSwitchByLink(w.answers, { token, decision: "approved", identity: customerGA });
    expect(again.migration.updatedAt).toBe(first.migration.updatedAt);
    const changed = await refusal(
      answerSwitchByLink(w.answers, { token, decision: "declined", identity: customerGA }),
    );
    expect([changed.kind, changed.rule]).toEqual(["conflict", "R19"]);
    expect(w.signals).toEqual([
      { migrationId: m.id, signal: { kind: "approval", party: "customer", decision: "approved" } },
    ]);
    const audited = await w.audit.listFor(NEW_PARTNER, m.id);
    expect(audited.filter((a) => a.outcome === "applied").map((a) => a.action)).toEqual(["approveSwitch"]);
  });

  it("R19: a decline by one ends the switch; the other's link is then the generic 410", async () => {
    await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "currentPartner"),
      decision: "declined",
      identity: currentPartnerUser,
    });
    expect(w.migrations.read(m.id)!.value.status).toBe("declined");
    expect((await lookUpSwitchLink(w.answers, tokenOf(m, "customer"))).state).toBe("closed");
    const late = await refusal(
      answerSwitchByLink(w.answers, {
        token: tokenOf(m, "customer"),
        decision: "approved",
        identity: customerGA,
      }),
    );
    expect([late.kind, late.reason]).toEqual(["gone", "linkNotValid"]);
  });

  it("R19: after 30 days the link is the generic 410 and nothing is stored", async () => {
    w.clock.at = new Date(T0.getTime() + 30 * DAY);
    const before = w.migrations.read(m.id)!.etag;
    const late = await refusal(
      answerSwitchByLink(w.answers, {
        token: tokenOf(m, "customer"),
        decision: "approved",
        identity: customerGA,
      }),
    );
    expect([late.kind, late.reason]).toEqual(["gone", "linkNotValid"]);
    expect(w.migrations.read(m.id)!.etag).toBe(before);
  });

  it("R19: an answer stored but never signalled (the durable store unreachable, or the host died) is signalled by the recovery from its intent, once", async () => {
    const token = tokenOf(m, "customer");
    const signal = w.answers.workflows.signal;
    w.answers.workflows = { signal: () => Promise.reject(new Error("durable store down")) };
    const first = await answerSwitchByLink(w.answers, { token, decision: "approved", identity: customerGA });
    expect(first.migration.approvals?.customer).toBe("approved");
    expect(w.signals).toEqual([]);
    expect([...w.answerIntents.values()].map((i) => [i.migrationId, i.party])).toEqual([[m.id, "customer"]]);
    // The customer's retry is a no-op: its answer is stored; only the recovery can tell.
    w.answers.workflows = { signal };
    await answerSwitchByLink(w.answers, { token, decision: "approved", identity: customerGA });
    expect(w.signals).toEqual([]);
    const recover = () => recoverSwitchAnswers({ migrations: w.migrationRepo, workflows: { signal } });
    expect(await recover()).toEqual({ raised: 1, dropped: 0, failed: 0 });
    expect(w.signals).toEqual([
      { migrationId: m.id, signal: { kind: "approval", party: "customer", decision: "approved" } },
    ]);
    expect(await recover()).toEqual({ raised: 0, dropped: 0, failed: 0 });
    // Signalled at once, an answer leaves no intent behind.
    await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "currentPartner"),
      decision: "approved",
      identity: currentPartnerUser,
    });
    expect(w.signals).toHaveLength(2);
    expect(w.answerIntents.size).toBe(0);
  });

  it("a concurrent write is decided again on what won (ETag loop)", async () => {
    const original = w.answers.migrations.replaceWithAnswerIntent;
    let raced = false;
    w.answers.migrations = {
      ...w.answers.migrations,
      replaceWithAnswerIntent: async (next, etag, party) => {
        if (!raced) {
          raced = true;
          const current = w.migrations.read(m.id)!;
          w.migrations.put({
            ...current.value,
            approvals: { customer: "pending", currentPartner: "approved" },
          });
        }
        return original(next, etag, party);
      },
    };
    const done = await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "customer"),
      decision: "approved",
      identity: customerGA,
    });
    expect(done.migration.approvals).toEqual({ customer: "approved", currentPartner: "approved" });
  });
});

describe("R19 partner switch: the current partner's API", () => {
  it("R19: lists the requests addressed to the caller and answers them; anyone else gets 404", async () => {
    const w = world();
    const m = await seed(w);
    const page = await listSwitchRequests(w.answers, currentPartnerUser, { limit: 25 });
    expect(page.items.map((i) => [i.migrationId, i.newPartnerId, i.status])).toEqual([
      [m.id, NEW_PARTNER, "awaitingApproval"],
    ]);
    expect(JSON.stringify(page)).not.toContain(m.approvalLinks!.customer.nonce);
    expect(
      (await listSwitchRequests(w.answers, { ...currentPartnerUser, tenantId: NEW_PARTNER }, { limit: 25 }))
        .items,
    ).toEqual([]);
    const other = await refusal(
      answerSwitchAsCurrentPartner(w.answers, {
        migrationId: m.id,
        decision: "approved",
        identity: { ...currentPartnerUser, tenantId: NEW_PARTNER },
      }),
    );
    expect(other.kind).toBe("notFound");
    const done = await answerSwitchAsCurrentPartner(w.answers, {
      migrationId: m.id,
      decision: "approved",
      identity: currentPartnerUser,
    });
    expect(done.migration.approvals?.currentPartner).toBe("approved");
  });

  it("R19: through the API an answer after 30 days is 410, and after a decline 409", async () => {
    const w = world();
    const m = await seed(w);
    w.clock.at = new Date(T0.getTime() + 31 * DAY);
    const late = await refusal(
      answerSwitchAsCurrentPartner(w.answers, {
        migrationId: m.id,
        decision: "approved",
        identity: currentPartnerUser,
      }),
    );
    expect([late.kind, late.rule]).toEqual(["gone", "R19"]);
    w.clock.at = T0;
    await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "customer"),
      decision: "declined",
      identity: customerGA,
    });
    const ended = await refusal(
      answerSwitchAsCurrentPartner(w.answers, {
        migrationId: m.id,
        decision: "approved",
        identity: currentPartnerUser,
      }),
    );
    expect(ended.kind).toBe("conflict");
  });
});

describe("R19 partner switch: the orchestration's activities", () => {
  it("R19: request emails go to the customer's GA (its language) and the current partner's contact, each once, with a link whose token only its hash names", async () => {
    const w = world();
    const m = await seed(w);
    for (let i = 0; i < 2; i++) {
      await sendSwitchEmail(w.lifecycle, {
        migrationId: m.id,
        partnerId: NEW_PARTNER,
        party: "customer",
        step: "request",
      });
      await sendSwitchEmail(w.lifecycle, {
        migrationId: m.id,
        partnerId: NEW_PARTNER,
        party: "currentPartner",
        step: "request",
      });
    }
    const emails = [...w.sent.values()];
    expect(emails.map((e) => e.to)).toEqual([["ga@fabrikam.example"], ["desk@other.example"]]);
    const customerLink = /https:\/\/switch\.example\/switch\/([A-Za-z0-9_-]{43})/.exec(emails[0]!.text)?.[1];
    expect(hashInvitationToken(customerLink!)).toBe(m.approvalLinks!.customer.tokenHash);
    expect(emails[0]!.subject).toContain("pede para assumir");
    expect(emails[0]!.html).toContain("Contoso &lt;Cloud&gt;");
    // The request changed nothing in the documents: the token is nowhere stored.
    expect(JSON.stringify(w.migrations.read(m.id))).not.toContain(customerLink);
  });

  it("R19: no email to a party that answered; none once the switch ended", async () => {
    const w = world();
    const m = await seed(w);
    await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "customer"),
      decision: "approved",
      identity: customerGA,
    });
    const r = await sendSwitchEmail(w.lifecycle, {
      migrationId: m.id,
      partnerId: NEW_PARTNER,
      party: "customer",
      step: "reminder-first",
    });
    expect(r.sent).toBe(false);
    expect(w.sent.size).toBe(0);
  });

  it("R19: both approved: one transfer order, partner of record changed, subscription migrated, three notices once", async () => {
    const w = world();
    const m = await seed(w);
    const ref = { migrationId: m.id, partnerId: NEW_PARTNER };
    expect((await completeSwitch(w.lifecycle, ref)).status).toBe("awaitingApproval");
    expect(w.transfers).toEqual([]);
    await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "customer"),
      decision: "approved",
      identity: customerGA,
    });
    await answerSwitchByLink(w.answers, {
      token: tokenOf(m, "currentPartner"),
      decision: "approved",
      identity: currentPartnerUser,
    });
    expect((await completeSwitch(w.lifecycle, ref)).status).toBe("completed");
    expect((await completeSwitch(w.lifecycle, ref)).status).toBe("completed");
    expect(w.transfers).toEqual([transferOrderId(m.id)]);
    const subscription = w.subscriptions.read("AZ-77")!.value;
    expect([subscription.status, subscription.partnerOfRecord]).toEqual(["migrated", NEW_PARTNER]);
    await notifySwitchOutcome(w.lifecycle, { ...ref, outcome: "completed" });
    await notifySwitchOutcome(w.lifecycle, { ...ref, outcome: "completed" });
    expect([...w.sent.values()].map((e) => e.to[0]).sort()).toEqual([
      "desk@other.example",
      "ga@fabrikam.example",
      "ops@contoso.example",
    ]);
  });

  it("R19: expiry at 30 days, not before; the subscription is active again", async () => {
    const w = world();
    const m = await seed(w);
    const ref = { migrationId: m.id, partnerId: NEW_PARTNER };
    w.clock.at = new Date(T0.getTime() + 30 * DAY - 1);
    expect((await expireSwitch(w.lifecycle, ref)).status).toBe("awaitingApproval");
    w.clock.at = new Date(T0.getTime() + 30 * DAY);
    expect((await expireSwitch(w.lifecycle, ref)).status).toBe("expired");
    await releaseSubscription(w.lifecycle, ref);
    await releaseSubscription(w.lifecycle, ref);
    expect(w.subscriptions.read("AZ-77")!.value.status).toBe("active");
    expect(w.transfers).toEqual([]);
  });
});
