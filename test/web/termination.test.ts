import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/domain/model";
import { terminationEn } from "../../src/web/locales/termination/en";
import { TERMINATION_CATALOGS } from "../../src/web/termination-i18n";
import { adminConfirmationEmail } from "../../src/web/termination-emails";
import {
  renderTerminatedPage,
  renderTerminationPage,
  renderTerminationUnavailablePage,
  type TerminationPageView,
} from "../../src/web/termination-pages";

const EVIL = `<script>alert("x")</script>&"'`;
const EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const placeholders = (s: string) => [...s.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort();

const view = (locale: (typeof LOCALES)[number], extra: Partial<TerminationPageView> = {}) =>
  renderTerminationPage({
    locale,
    actionBase: "/terminate/TOKEN",
    partnerName: EVIL,
    customerName: EVIL,
    roles: [EXCHANGE_ADMIN],
    endsAt: "2030-03-31T00:00:00.000Z",
    autoExtend: false,
    signIn: { mode: "dev" },
    ...extra,
  });

describe("R9 termination strings", () => {
  it.each(LOCALES)("R9: the %s catalog has every key, non-empty, with the English placeholders", (locale) => {
    const catalog = TERMINATION_CATALOGS[locale];
    for (const key of Object.keys(terminationEn) as (keyof typeof terminationEn)[]) {
      expect(catalog[key].trim(), `${locale} ${key}`).not.toBe("");
      expect(placeholders(catalog[key]), `${locale} ${key}`).toEqual(placeholders(terminationEn[key]));
    }
  });
});

describe("R9 termination page", () => {
  it.each(LOCALES)(
    "R15: the %s page escapes what partners typed; ending it is one POST form, disabled until sign-in",
    (locale) => {
      const body = view(locale);
      expect(body).not.toContain("<script>");
      expect(body).toContain("&lt;script&gt;");
      expect(body).toContain(`lang="${locale}"`);
      expect(body).toContain('action="/terminate/TOKEN/confirm"');
      expect(body).toContain('action="/terminate/TOKEN/signin"');
      expect(body).toMatch(/id="terminate"\s+disabled/);
      expect(body).not.toContain('name="csrf"');
    },
  );

  it("R9: signed in, the form carries the CSRF token and the button is enabled; entra mode links to Microsoft sign-in", () => {
    const signed = view("en", {
      signedInAs: { tenantId: "t-1", email: "ga@contoso.example" },
      csrfToken: "CSRF",
    });
    expect(signed).toContain('name="csrf" value="CSRF"');
    expect(signed).not.toMatch(/id="terminate"\s+disabled/);
    expect(signed).toContain("ga@contoso.example (t-1)");
    const entra = view("hu", { signIn: { mode: "entra" } });
    expect(entra).toContain('href="/terminate/TOKEN/signin"');
    expect(entra).toContain("Bejelentkezés Microsoft-fiókkal");
    expect(entra).not.toContain('name="tenantId"');
  });

  it("R16: the dead-link and result pages never carry a token", () => {
    expect(renderTerminationUnavailablePage("zh-CN")).toContain("此链接不可用");
    expect(renderTerminatedPage("pt-BR", EVIL)).toContain("&lt;script&gt;");
  });
});

describe("R9 acceptance confirmation email", () => {
  it.each(LOCALES)(
    "R9: in %s it names the roles and carries the termination link in both parts, escaped",
    (locale) => {
      const link = "https://partners.example.test/terminate/abc.def";
      const email = adminConfirmationEmail({
        locale,
        partnerName: EVIL,
        customerName: "Contoso",
        roles: [EXCHANGE_ADMIN],
        endsAt: "2030-03-31T00:00:00.000Z",
        autoExtend: true,
        link,
      });
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.html).not.toContain("<script>");
      expect(email.html).toContain(`href="${link}"`);
      expect(email.text).toContain(`\n${link}\n`);
      expect(email.html).toContain(`lang="${locale}"`);
    },
  );
});
