import { describe, expect, it } from "vitest";
import { GLOBAL_ADMINISTRATOR_ROLE_ID, LOCALES } from "../../src/domain/model";
import {
  customerReminderEmail,
  invitationEmail,
  partnerNotificationEmail,
  type InvitationEmailInput,
} from "../../src/web/emails";
import { EXCHANGE_ADMINISTRATOR, HOSTILE, USER_ADMINISTRATOR } from "./fixtures";

const LINK = "https://relationships.example/invite/AbC-123_xyz";
// eslint-disable-next-line no-control-regex
const SUBJECT_FORBIDDEN = /[\r\n\u0000-\u001f\u202e]/;
// eslint-disable-next-line no-control-regex
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202e]/;

function input(overrides: Partial<InvitationEmailInput> = {}): InvitationEmailInput {
  return {
    locale: "en",
    partnerName: "Contoso Ltd",
    kind: "reseller+admin",
    customer: { displayName: "Woodgrove Bank", domain: "woodgrove.example" },
    admin: { roles: [USER_ADMINISTRATOR, EXCHANGE_ADMINISTRATOR], durationDays: 90, autoExtend: false },
    link: LINK,
    expiresAt: "2027-02-19T10:00:00.000Z",
    ...overrides,
  };
}

const SUBJECTS = {
  en: "Contoso Ltd requests a relationship with Woodgrove Bank",
  "pt-BR": "Contoso Ltd solicita uma relação com Woodgrove Bank",
  "zh-CN": "Contoso Ltd 请求与 Woodgrove Bank 建立关系",
  hu: "Kapcsolatkérés érkezett: Contoso Ltd",
} as const;

describe("invitationEmail", () => {
  it.each(LOCALES)("is written in the invitation's language: %s", (locale) => {
    const email = invitationEmail(input({ locale }));
    expect(email.subject).toBe(SUBJECTS[locale]);
    expect(email.html).toContain(`<html lang="${locale}">`);
    if (locale !== "en") {
      expect(email.text).not.toContain("safely ignore");
      expect(email.html).not.toContain("Review the request");
    }
  });

  it("carries the link as a real <a href> and on its own line in the text part", () => {
    const email = invitationEmail(input());
    expect(email.html).toContain(`<a href="${LINK}"`);
    expect(email.html.match(new RegExp(`href="${LINK}"`, "g"))).toHaveLength(2);
    expect(email.text.split("\n")).toContain(LINK);
  });

  it("says what is asked, until when, and that it is safe to ignore", () => {
    const email = invitationEmail(input());
    for (const part of [email.text, email.html]) {
      expect(part).toContain("Reseller relationship");
      expect(part).toContain(
        "Administrative privileges: User Administrator, Exchange Administrator, for 90 days",
      );
      expect(part).toContain("Off — access ends automatically");
      expect(part).toContain("The invitation expires on February 19, 2027.");
      expect(part).toContain("you can safely ignore it");
    }
  });

  it("names the reseller in indirect invitations", () => {
    const email = invitationEmail(input({ resellerName: "Fabrikam", locale: "pt-BR" }));
    expect(email.text).toContain("- Revendedor indireto: Fabrikam");
  });

  it("is table-free, image-free and script-free HTML", () => {
    const { html } = invitationEmail(input());
    expect(html).not.toMatch(/<table|<img|<script|<link|\ssrc=/i);
  });

  it("escapes hostile names in HTML and strips control characters from every part", () => {
    const email = invitationEmail(
      input({
        partnerName: HOSTILE.partner + "\r\nBcc: victim@example.com",
        resellerName: HOSTILE.reseller,
        customer: { displayName: HOSTILE.customer, domain: HOSTILE.domain },
        admin: {
          roles: [GLOBAL_ADMINISTRATOR_ROLE_ID, { id: "x", displayName: HOSTILE.role }],
          durationDays: 1,
          autoExtend: false,
        },
      }),
    );
    expect(email.html).not.toMatch(/<script|<img|<svg|<iframe/i);
    expect(email.html).toContain("&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;");
    expect(email.html).toContain("&lt;iframe src=&quot;javascript:alert(3)&quot;&gt;");
    // A subject is one header line: no CR/LF, no controls.
    expect(email.subject).not.toMatch(SUBJECT_FORBIDDEN);
    expect(email.subject).toContain("Contoso <script>");
    expect(email.text).not.toMatch(TEXT_FORBIDDEN);
  });

  it("keeps subjects short for very long names", () => {
    const email = invitationEmail(input({ partnerName: "P".repeat(10_000) }));
    expect(email.subject.length).toBeLessThan(200);
    expect(email.html).toContain("P".repeat(10_000));
  });

  it("refuses a link that is not http(s)", () => {
    expect(() => invitationEmail(input({ link: "javascript:alert(1)" }))).toThrow(TypeError);
  });

  it("falls back to English for an unknown locale", () => {
    expect(invitationEmail(input({ locale: "tlh" })).subject).toBe(SUBJECTS.en);
  });
});

describe("customerReminderEmail", () => {
  it("leads with the days left, in the customer's language, with the same link", () => {
    const en = customerReminderEmail({ ...input(), daysLeft: 3 });
    expect(en.subject).toBe("Reminder: the request from Contoso Ltd expires in 3 days");
    expect(en.text).toContain("It expires in 3 days, on February 19, 2027.");
    expect(en.text.split("\n")).toContain(LINK);
    expect(customerReminderEmail({ ...input(), daysLeft: 1 }).subject).toMatch(/in 1 day$/);
    expect(customerReminderEmail({ ...input({ locale: "pt-BR" }), daysLeft: 83 }).subject).toBe(
      "Lembrete: a solicitação de Contoso Ltd expira em 83 dias",
    );
    expect(customerReminderEmail({ ...input({ locale: "zh-CN" }), daysLeft: 3 }).subject).toBe(
      "提醒：Contoso Ltd 的请求将在 3 天后过期",
    );
    expect(customerReminderEmail({ ...input({ locale: "hu" }), daysLeft: 3 }).text).toContain(
      "Lejárat: 2027. február 19. (3 nap múlva).",
    );
  });
});

describe("partnerNotificationEmail", () => {
  it.each([
    ["accepted", "Invitation accepted by Woodgrove Bank", "are now active"],
    ["declined", "Invitation declined by Woodgrove Bank", "declined your invitation"],
    ["expired", "Invitation to Woodgrove Bank expired", "expired without an answer"],
    ["cancelled", "Invitation to Woodgrove Bank cancelled", "was cancelled"],
  ] as const)("%s", (event, subject, sentence) => {
    const email = partnerNotificationEmail({
      event,
      invitationId: "inv-1",
      customer: { displayName: "Woodgrove Bank", domain: "woodgrove.example", tenantId: "t-1" },
      decidedBy: { kind: "customer", tenantId: "t-1", userId: "u-1" },
      at: "2026-11-21T09:30:00.000Z",
    });
    expect(email.subject).toBe(subject);
    expect(email.text).toContain(sentence);
    expect(email.text).toContain("Decided by: u-1, tenant t-1");
    expect(email.text).toContain("When: 2026-11-21 09:30 UTC");
    expect(email.html).toContain('<html lang="en">');
    expect(email.html).not.toContain("/invite/");
  });

  it("escapes the customer's name", () => {
    const email = partnerNotificationEmail({
      event: "declined",
      invitationId: "inv-1",
      customer: { displayName: HOSTILE.customer, domain: HOSTILE.domain },
      decidedBy: `admin"<b>@woodgrove.example`,
    });
    expect(email.html).not.toMatch(/<img|<svg|<b>/);
    expect(email.html).toContain("admin&quot;&lt;b&gt;@woodgrove.example");
    expect(email.subject).not.toMatch(SUBJECT_FORBIDDEN);
  });
});
