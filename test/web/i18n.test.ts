import { describe, expect, it } from "vitest";
import { LOCALES } from "../../src/domain/model";
import { catalog, format, formatDate, formatHtml, resolveLocale, type MessageKey } from "../../src/web/i18n";
import { describeRole, DESCRIBED_ROLE_IDS } from "../../src/web/roles";
import { en } from "../../src/web/locales/en";
import { ADMIN_ROLE_CATALOG } from "../../src/domain/admin-roles";

describe("resolveLocale", () => {
  it.each([
    ["en", "en"],
    ["pt-BR", "pt-BR"],
    ["pt-br", "pt-BR"],
    ["PT-BR", "pt-BR"],
    ["pt_BR", "pt-BR"],
    ["pt", "pt-BR"],
    ["pt-PT", "pt-BR"],
    ["zh-CN", "zh-CN"],
    ["zh-cn", "zh-CN"],
    ["zh", "zh-CN"],
    ["zh-Hans-CN", "zh-CN"],
    ["hu", "hu"],
    ["hu-HU", "hu"],
    ["en-GB", "en"],
  ])("%s -> %s", (input, expected) => {
    expect(resolveLocale(input)).toBe(expected);
  });

  it("reads Accept-Language headers, honouring q values and order", () => {
    expect(resolveLocale("pt-BR,pt;q=0.9,en;q=0.8")).toBe("pt-BR");
    expect(resolveLocale("fr-FR,fr;q=0.9,hu;q=0.8,en;q=0.7")).toBe("hu");
    expect(resolveLocale("en;q=0.5, zh-CN;q=0.9")).toBe("zh-CN");
    expect(resolveLocale("hu;q=0, pt-BR")).toBe("pt-BR");
    expect(resolveLocale(" de-DE , * ")).toBe("en");
  });

  it("does not serve Simplified Chinese to a Traditional Chinese reader", () => {
    expect(resolveLocale("zh-TW")).toBe("en");
    expect(resolveLocale("zh-Hant-HK,hu;q=0.5")).toBe("hu");
  });

  it("falls back to en for unknown, empty and malformed input", () => {
    for (const input of [
      undefined,
      null,
      "",
      "xx",
      "klingon",
      ";;;,,,",
      "q=1",
      "pt-BR;q=abc",
      "x".repeat(5000),
    ]) {
      expect(resolveLocale(input)).toBe("en");
    }
  });
});

describe("catalogs", () => {
  const keys = Object.keys(en) as MessageKey[];
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const forms = (value: unknown): string[] =>
    typeof value === "string" ? [value] : Object.values(value as Record<string, string>);

  it.each(LOCALES.filter((l) => l !== "en"))(
    "%s translates every message with the same placeholders as English",
    (locale) => {
      const translated = catalog(locale);
      expect(Object.keys(translated).sort()).toEqual([...keys].sort());
      for (const key of keys) {
        const english = forms(en[key]);
        for (const text of forms(translated[key])) {
          expect(text.trim(), `${locale} ${key}`).not.toBe("");
          // A locale may drop a value the sentence does not need (hu subject), never invent one.
          const allowed = new Set(english.flatMap(placeholders));
          for (const name of placeholders(text))
            expect(allowed, `${locale} ${key} {${name}}`).toContain(name);
          if (english.some((e) => e.includes("{count}")))
            expect(text, `${locale} ${key}`).toContain("{count}");
        }
      }
    },
  );

  it("the page reads in the invitation's language, not English", () => {
    expect(format("pt-BR", "decision.accept")).toBe("Aceitar");
    expect(format("zh-CN", "decision.accept")).toBe("接受");
    expect(format("hu", "decision.accept")).toBe("Elfogadás");
    expect(format("en", "decision.accept")).toBe("Accept");
  });

  it("picks plural forms per locale and formats the number", () => {
    expect(format("en", "admin.days", { count: 1 })).toBe("1 day");
    expect(format("en", "admin.days", { count: 730 })).toBe("730 days");
    expect(format("en", "admin.days", { count: 1000 })).toBe("1,000 days");
    expect(format("pt-BR", "admin.days", { count: 1 })).toBe("1 dia");
    expect(format("pt-BR", "admin.days", { count: 90 })).toBe("90 dias");
    expect(format("hu", "admin.days", { count: 90 })).toBe("90 nap");
    expect(format("zh-CN", "admin.days", { count: 90 })).toBe("90 天");
  });

  it("refuses to render a message with a missing value instead of printing the placeholder", () => {
    expect(() => format("en", "page.invite.title")).toThrow(/partner/);
  });

  it("escapes template text and string values in markup, keeps SafeHtml values", () => {
    const out = formatHtml("en", "page.invite.title", {
      partner: `<img src=x onerror="alert(1)">`,
    }).toString();
    expect(out).toBe("Request from &lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });
});

describe("formatDate", () => {
  it("writes the long date of the UTC day in each language", () => {
    const at = "2027-02-19T23:30:00Z"; // already the 20th east of UTC: the page must say the 19th
    expect(formatDate("en", at)).toBe("February 19, 2027");
    expect(formatDate("pt-BR", at)).toBe("19 de fevereiro de 2027");
    expect(formatDate("zh-CN", at)).toBe("2027年2月19日");
    expect(formatDate("hu", at)).toBe("2027. február 19.");
  });

  it("rejects an invalid date rather than printing 'Invalid Date'", () => {
    expect(() => formatDate("en", "not a date")).toThrow(TypeError);
  });
});

describe("roles", () => {
  it("describes every known role in every locale", () => {
    for (const id of DESCRIBED_ROLE_IDS) {
      for (const locale of LOCALES) {
        const role = describeRole(locale, id);
        expect(role.name.length, `${locale} ${id}`).toBeGreaterThan(0);
        expect(role.allows.length, `${locale} ${id}`).toBeGreaterThan(0);
      }
    }
    expect(describeRole("pt-BR", "62e90394-69f5-4237-9190-012177145e10")).toMatchObject({
      name: "Administrador Global",
      isGlobalAdministrator: true,
    });
  });

  it("describes every role a partner may request (the domain's catalog) in every locale", () => {
    const missing = Object.keys(ADMIN_ROLE_CATALOG).filter((id) => !DESCRIBED_ROLE_IDS.includes(id));
    expect(missing).toEqual([]);
  });

  it("falls back to the caller's display name, then the id, for roles it does not know", () => {
    expect(
      describeRole("en", { id: "11111111-2222-3333-4444-555555555555", displayName: "Custom" }),
    ).toMatchObject({
      name: "Custom",
      allows: "A directory role (ID 11111111-2222-3333-4444-555555555555).",
    });
    expect(describeRole("hu", "abc").name).toBe("abc");
  });
});
