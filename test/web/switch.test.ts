import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/domain/model";
import { switchEn } from "../../src/web/locales/switch/en";
import { switchOutcomeEmail, switchRequestEmail } from "../../src/web/switch-emails";
import { SWITCH_CATALOGS } from "../../src/web/switch-i18n";
import {
  renderSwitchAnsweredPage,
  renderSwitchPage,
  renderSwitchUnavailablePage,
} from "../../src/web/switch-pages";
import { switchWakeSchedule } from "../../src/workflows/migration-partner-switch";

const EVIL = `<script>alert("x")</script>&"'`;
const placeholders = (s: string) => [...s.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort();

const page = (locale: (typeof LOCALES)[number], party: "customer" | "currentPartner" = "customer") =>
  renderSwitchPage({
    locale,
    actionBase: "/switch/TOKEN",
    party,
    newPartnerName: EVIL,
    customerName: "Fabrikam",
    subscription: { id: EVIL, offer: EVIL },
    expiresAt: "2030-03-31T00:00:00.000Z",
    signIn: { mode: "dev" },
  });

describe("R19 switch strings", () => {
  it.each(LOCALES)(
    "R19: the %s catalog has every key, non-empty, with the English placeholders",
    (locale) => {
      const catalog = SWITCH_CATALOGS[locale];
      for (const key of Object.keys(switchEn) as (keyof typeof switchEn)[]) {
        expect(catalog[key].trim(), `${locale} ${key}`).not.toBe("");
        expect(placeholders(catalog[key]), `${locale} ${key}`).toEqual(placeholders(switchEn[key]));
      }
    },
  );
});

describe("R19 switch page", () => {
  it.each(LOCALES)(
    "R15: the %s page escapes what partners typed and answers with two POST forms",
    (locale) => {
      const body = page(locale);
      expect(body).not.toContain("<script>");
      expect(body).toContain("&lt;script&gt;");
      expect(body).toContain(`lang="${locale}"`);
      expect(body.match(/<form method="post"/g)?.length).toBe(3);
      expect(body).toContain('action="/switch/TOKEN/approve"');
      // Not signed in: the answer buttons are disabled.
      expect(body).toMatch(/id="approve"\s+disabled/);
    },
  );

  it("R19: the page tells each party what it is asked, in the customer's words or the partner's", () => {
    expect(page("en", "customer")).toContain("instead of its current partner");
    expect(page("en", "currentPartner")).toContain("of which you are the partner of record today");
  });

  it("R16: the unavailable page says nothing about why", () => {
    const body = renderSwitchUnavailablePage("hu");
    expect(body).toContain("Ez a hivatkozás nem érhető el");
    expect(renderSwitchAnsweredPage("zh-CN", "approved", EVIL)).not.toContain("<script>");
  });
});

describe("R19 switch emails", () => {
  const base = {
    newPartnerName: EVIL,
    customerName: "Fabrikam\nInjected: header",
    subscription: { id: "AZ-77", offer: "Azure plan" },
    expiresAt: "2030-03-31T00:00:00.000Z",
  };
  it.each(LOCALES)(
    "R19: the %s request escapes names, carries the link, and its subject is one line",
    (locale) => {
      const email = switchRequestEmail({
        ...base,
        locale,
        party: "customer",
        step: "request",
        link: "https://switch.example/switch/abc",
        daysLeft: 30,
      });
      expect(email.html).not.toContain("<script>");
      expect(email.text).toContain("\nhttps://switch.example/switch/abc\n");
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.text).toContain("30");
    },
  );

  it.each(LOCALES)("R19: the %s outcome emails exist for every end", (locale) => {
    for (const outcome of ["completed", "declined", "expired", "cancelled"] as const) {
      const email = switchOutcomeEmail({ ...base, locale, outcome });
      expect(email.subject).not.toBe("");
      expect(email.html).not.toContain("<script>");
    }
  });

  it("R19: a link that is not http(s) is refused rather than rendered", () => {
    expect(() =>
      switchRequestEmail({
        ...base,
        locale: "en",
        party: "customer",
        step: "request",
        link: "javascript:alert(1)",
        daysLeft: 1,
      }),
    ).toThrow();
  });
});

describe("R19 reminder schedule", () => {
  const created = new Date("2030-03-01T00:00:00.000Z");
  const expires = new Date("2030-03-31T00:00:00.000Z");
  it("R19: reminders 7 days after the request and 3 days before expiry, then expiry", () => {
    expect(switchWakeSchedule(created, expires, created).map((w) => [w.step, w.at.toISOString()])).toEqual([
      ["reminder-first", "2030-03-08T00:00:00.000Z"],
      ["reminder-last", "2030-03-28T00:00:00.000Z"],
      ["expiry", "2030-03-31T00:00:00.000Z"],
    ]);
  });
  it("R19: after a replay past a reminder only what lies ahead remains", () => {
    expect(
      switchWakeSchedule(created, expires, new Date("2030-03-10T00:00:00.000Z")).map((w) => w.step),
    ).toEqual(["reminder-last", "expiry"]);
  });
});
