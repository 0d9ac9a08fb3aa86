import { describe, expect, it } from "vitest";
import { LOCALES, type Locale } from "../../src/domain/model";
import {
  PAGE_HEADERS,
  renderContinuePage,
  renderDecidedPage,
  renderDecisionPage,
  renderErrorPage,
  renderInvitationPage,
  renderLinkUnavailablePage,
  type ErrorReason,
} from "../../src/web/pages";
import { HOSTILE, hostileView, pageView } from "./fixtures";

// eslint-disable-next-line no-control-regex
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const TAGS = new Set(
  "html head meta title style body main h1 h2 h3 p strong section dl dt dd ul li form input label span div button details summary a footer".split(
    " ",
  ),
);
const ATTRIBUTES = new Set(
  "lang dir charset name content id class aria-labelledby aria-describedby role method action type required autocomplete spellcheck value for checked disabled href".split(
    " ",
  ),
);

/**
 * Every value typed by a partner must stay text: the document contains only the elements and
 * attributes the templates write, every attribute value is quoted, and no control or bidi
 * character survives.
 */
function expectInert(page: string): void {
  const withoutStyle = page.replace(/<style>[\s\S]*?<\/style>/, "");
  for (const tag of withoutStyle.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const name = (tag[1] ?? "").toLowerCase();
    expect(TAGS, `element <${name}>`).toContain(name);
    let rest = tag[2] ?? "";
    for (const attr of rest.matchAll(/\s([a-zA-Z-]+)(?:="[^"]*")?/g)) {
      expect(ATTRIBUTES, `attribute ${attr[1]} on <${name}>`).toContain(attr[1]);
    }
    rest = rest.replace(/\s([a-zA-Z-]+)(?:="[^"]*")?/g, "");
    expect(rest.trim(), `leftover in <${name}>`).toMatch(/^\/?$/);
  }
  expect(page).not.toMatch(CONTROL_OR_BIDI);
}

function attributes(page: string, tag: string): Record<string, string>[] {
  return [...page.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries(
      [...(m[1] ?? "").matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)].map((a) => [a[1] ?? "", a[2] ?? ""]),
    ),
  );
}

const EXPECTED: Record<
  Locale,
  { accept: string; decline: string; heading: string; date: string; role: string }
> = {
  en: {
    accept: "Accept",
    decline: "Decline",
    heading: "Contoso Ltd would like to work with Woodgrove Bank",
    date: "February 19, 2027",
    role: "User Administrator",
  },
  "pt-BR": {
    accept: "Aceitar",
    decline: "Recusar",
    heading: "Contoso Ltd quer trabalhar com Woodgrove Bank",
    date: "19 de fevereiro de 2027",
    role: "Administrador de Usuários",
  },
  "zh-CN": {
    accept: "接受",
    decline: "拒绝",
    heading: "Contoso Ltd 希望与 Woodgrove Bank 合作",
    date: "2027年2月19日",
    role: "用户管理员",
  },
  hu: {
    accept: "Elfogadás",
    decline: "Elutasítás",
    heading: "Együttműködési kérés: Contoso Ltd",
    date: "2027. február 19.",
    role: "Felhasználói rendszergazda",
  },
};

describe("renderInvitationPage", () => {
  it.each(LOCALES)("is written in the invitation's language: %s", (locale) => {
    const page = renderInvitationPage(
      pageView({ signedInAs: { tenantId: "t1", isGlobalAdmin: true } }, locale),
    );
    const expected = EXPECTED[locale];
    expect(page).toMatch(new RegExp(`<html lang="${locale}"`));
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(expected.heading);
    expect(page).toContain(expected.date);
    expect(page).toContain(expected.role);
    expect(page).toMatch(new RegExp(`>\\s*${expected.accept}\\s*</button>`));
    expect(page).toMatch(new RegExp(`>\\s*${expected.decline}\\s*</button>`));
    if (locale !== "en") expect(page).not.toMatch(/>\s*Accept\s*<\/button>/);
  });

  it("uses Chinese punctuation around names in zh-CN", () => {
    const page = renderInvitationPage(
      pageView({ signedInAs: { tenantId: "t1", email: "a@w.example", isGlobalAdmin: true } }, "zh-CN"),
    );
    expect(page).toMatch(/<dd>\s*Woodgrove Bank（woodgrove\.example）\s*<\/dd>/);
    expect(page).toContain("<strong>用户管理员</strong>：管理用户和组");
    expect(page).toContain("<strong>a@w.example（租户 t1）</strong>");
  });

  it("falls back to English for an unknown locale", () => {
    const page = renderInvitationPage(pageView({ locale: "xx-YY" as Locale }));
    expect(page).toContain('<html lang="en"');
    expect(page).toContain(EXPECTED.en.heading);
  });

  it("shows who asks for what: partner, reseller, kind, roles with what they allow, duration, auto-extend, expiry", () => {
    const page = renderInvitationPage(pageView());
    expect(page).toContain("Contoso Ltd");
    expect(page).toContain("Fabrikam Reseller");
    expect(page).toContain("Reseller relationship and administrative privileges");
    expect(page).toContain("User Administrator");
    expect(page).toContain("Manages users and groups");
    expect(page).toContain("Exchange Administrator");
    expect(page).toContain("90 days");
    expect(page).toContain("On — extended by 180 days");
    expect(page).toContain("February 19, 2027");
    expect(page).toMatch(/<main>/);
    expect(page).toMatch(/<h1>/);
  });

  it("shows only the sections the invitation asks for", () => {
    const reseller = renderInvitationPage(
      pageView({ kind: "reseller", admin: undefined, resellerName: undefined }),
    );
    expect(reseller).toContain('id="reseller-heading"');
    expect(reseller).not.toContain('id="admin-heading"');
    expect(reseller).not.toContain("Indirect reseller");
    const admin = renderInvitationPage(pageView({ kind: "admin" }));
    expect(admin).toContain('id="admin-heading"');
    expect(admin).not.toContain('id="reseller-heading"');
  });

  it("calls out Global Administrator as privileged", () => {
    const page = renderInvitationPage(hostileView());
    expect(page).toMatch(/<li class="privileged"><strong>Global Administrator<\/strong>: Full control/);
  });

  it("never lets names, domains, roles or sign-in values break out of their text", () => {
    for (const locale of LOCALES) {
      const page = renderInvitationPage({ ...hostileView(), locale });
      expectInert(page);
      expect(page).toContain("Contoso &lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;");
      expect(page).toContain("Fabrikam&quot; autofocus onfocus=&quot;alert(&#39;r&#39;)");
      expect(page).toContain("Woodgrove &lt;img src=x onerror=alert(1)&gt; Bankknab");
      expect(page).toContain("woodgrove.example&#39;&gt;&lt;svg onload=alert(2)&gt;");
      expect(page).toContain("&lt;iframe src=&quot;javascript:alert(3)&quot;&gt;");
      expect(page).toContain('value="c&quot;sr&lt;f&gt;"');
    }
  });

  it("keeps a 10,000-character name as text (wrapping is the stylesheet's job)", () => {
    const long = "N".repeat(10_000);
    const page = renderInvitationPage(pageView({ partnerName: long }));
    expect(page).toContain(long);
    expect(page).toContain("overflow-wrap: anywhere");
  });

  it("posts Accept and Decline as two forms to actionBase/accept and /decline", () => {
    const page = renderInvitationPage(pageView({ signedInAs: { tenantId: "t1", isGlobalAdmin: true } }));
    const forms = attributes(page, "form");
    expect(forms.map((f) => [f.method, f.action])).toEqual([
      ["post", "/invite/tok_123/signin"],
      ["post", "/invite/tok_123/accept"],
      ["post", "/invite/tok_123/decline"],
    ]);
    const buttons = attributes(page, "button");
    expect(buttons.filter((b) => "disabled" in b)).toEqual([]);
    expect(page).toContain("Signed in as <strong>tenant t1</strong>.");
  });

  it("disables the decision until someone signs in, and says why", () => {
    const page = renderInvitationPage(pageView());
    const decision = attributes(page, "button").filter((b) => b.id === "accept" || b.id === "decline");
    expect(decision).toHaveLength(2);
    for (const button of decision) {
      expect(button).toHaveProperty("disabled");
      expect(button["aria-describedby"]).toBe("decision-note");
    }
    expect(page).toMatch(/id="decision-note"[^>]*>\s*Sign in first to accept or decline\./);
  });

  it("dev sign-in: labelled tenantId, email and a ticked globalAdmin checkbox posting to actionBase/signin", () => {
    const page = renderInvitationPage(pageView());
    const inputs = attributes(page, "input").filter((i) => i.type !== "hidden");
    expect(inputs.map((i) => [i.type, i.name])).toEqual([
      ["text", "tenantId"],
      ["email", "email"],
      ["checkbox", "globalAdmin"],
    ]);
    expect(inputs[2]).toHaveProperty("checked");
    const labelled = new Set(attributes(page, "label").map((l) => l.for));
    for (const input of inputs) expect(labelled, input.name).toContain(input.id);
    // Signing in is the next step, so it is the prominent button until someone has signed in.
    expect(page).toMatch(/<button type="submit" class="primary" id="signin-submit">\s*Sign in\s*<\/button>/);
  });

  it("warns a signed-in account that is not a Global Administrator, and offers another account", () => {
    const page = renderInvitationPage(
      pageView({ signedInAs: { tenantId: "t1", email: "ann@woodgrove.example", isGlobalAdmin: false } }),
    );
    expect(page).toContain("Signed in as <strong>ann@woodgrove.example (tenant t1)</strong>.");
    expect(page).toContain('<h2 id="signin-heading">Your account</h2>');
    expect(page).toContain("This account is not a Global Administrator");
    expect(page).toMatch(/<details>\s*<summary>Use another account<\/summary>/);
  });

  it("entra sign-in: a 'Sign in with Microsoft' link to actionBase/signin and no password-less form", () => {
    const page = renderInvitationPage(pageView({ signIn: { mode: "entra" } }));
    expect(attributes(page, "a").map((a) => a.href)).toEqual(["/invite/tok_123/signin"]);
    expect(page).toMatch(/>\s*Sign in with Microsoft\s*<\/a>/);
    expect(page).not.toContain('name="tenantId"');
    expect(attributes(page, "form").map((f) => f.action)).toEqual([
      "/invite/tok_123/accept",
      "/invite/tok_123/decline",
    ]);
  });

  it("sends the CSRF token in every form when given", () => {
    const page = renderInvitationPage(pageView({ csrfToken: "csrf-1" }));
    const forms = page.split("<form").slice(1);
    expect(forms).toHaveLength(3);
    for (const form of forms) expect(form).toMatch(/<input type="hidden" name="csrf" value="csrf-1"/);
  });

  it("loads nothing from anywhere: no scripts, external styles, images or absolute links", () => {
    const page = renderInvitationPage(pageView({ signIn: { mode: "entra" } }));
    expect(page).not.toMatch(/<script|<link|<img|<iframe|\ssrc=/i);
    expect(page).not.toMatch(/(href|action)="(https?:)?\/\//);
    expect(page).toContain('<meta name="referrer" content="no-referrer"');
  });

  it("refuses an action base that is not a same-origin path or http(s) URL", () => {
    expect(() => renderInvitationPage(pageView({ actionBase: "javascript:alert(1)//" }))).toThrow(TypeError);
  });
});

describe("other pages", () => {
  it("one generic unavailable page, whatever the reason, in the reader's language", () => {
    const en = renderLinkUnavailablePage("en");
    expect(en).toContain("This link is not available");
    expect(en).toContain("has already been used, or has expired");
    expect(renderLinkUnavailablePage(undefined)).toBe(en);
    expect(renderLinkUnavailablePage("fr-FR,fr;q=0.9")).toBe(en);
    expect(renderLinkUnavailablePage("pt-BR,pt;q=0.9")).toContain("Este link não está disponível");
    expect(renderLinkUnavailablePage("zh-CN")).toContain("此链接不可用");
    expect(renderLinkUnavailablePage("hu")).toContain("Ez a hivatkozás nem érhető el");
  });

  it.each(["accepted", "declined"] as const)("decision page: %s, escaped", (outcome) => {
    const page = renderDecisionPage("pt-BR", outcome, {
      partnerName: HOSTILE.partner,
      kind: "admin",
      customer: { displayName: HOSTILE.customer, domain: HOSTILE.domain },
    });
    expect(page).toContain('<html lang="pt-BR"');
    expect(page).toContain(outcome === "accepted" ? "Solicitação aceita" : "Solicitação recusada");
    expect(page).toContain("Privilégios administrativos");
    expectInert(page);
  });

  const reasons: ErrorReason[] = [
    "notGlobalAdmin",
    "wrongTenant",
    "partnerTenant",
    "otherCloud",
    "signInRequired",
  ];
  it.each(LOCALES)("error pages explain each refusal in %s", (locale) => {
    const titles = new Set<string>();
    for (const reason of reasons) {
      const page = renderErrorPage(locale, 403, reason, { backHref: "/invite/tok_123" });
      expect(page).toContain(`<html lang="${locale}"`);
      expect(page).toContain("403");
      expect(page).toContain('href="/invite/tok_123"');
      titles.add(/<title>([^<]*)<\/title>/.exec(page)?.[1] ?? "");
    }
    expect(titles.size).toBe(reasons.length);
  });

  it("continue page moves on at once without script, and refuses a foreign scheme", () => {
    const page = renderContinuePage("hu", "/invite/tok_123");
    expect(page).toContain('<meta http-equiv="refresh" content="0;url=/invite/tok_123" />');
    expect(page).toContain('<a href="/invite/tok_123">Tovább a meghívóhoz</a>');
    expect(page).not.toContain("<script");
    expect(() => renderContinuePage("en", "javascript:alert(1)")).toThrow(TypeError);
    expect(renderContinuePage("en", `/invite/a"b`)).toContain("/invite/a&quot;b");
  });

  it("error page without a way back has no link", () => {
    expect(renderErrorPage("en", 401, "signInRequired")).not.toContain("<a ");
  });
});

describe("PAGE_HEADERS", () => {
  it("allow the inline stylesheet by hash, same-origin forms, and nothing else", () => {
    const csp = PAGE_HEADERS["content-security-policy"] ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toMatch(/form-action 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|script-src/);
    expect(PAGE_HEADERS["referrer-policy"]).toBe("no-referrer");
    expect(PAGE_HEADERS["cache-control"]).toBe("no-store");
  });
});

describe("who asks, the wrong-tenant warning and the decided page, in every locale", () => {
  const PARTNER_TENANT = "0b9a4c1e-5d7f-4e2a-9c3b-1a2b3c4d5e6f";
  const INVITED = "1d5c6e2a-3f1b-4c8e-9a7d-2b6f0e4c1a93";
  const OTHER = "7e8f9a0b-1c2d-4e3f-8a9b-0c1d2e3f4a5b";

  for (const locale of LOCALES) {
    it(`${locale}: the partner's tenant id and contact are shown; another signed-in tenant is warned before Accept`, () => {
      const view = pageView(
        {
          partnerTenantId: PARTNER_TENANT,
          partnerContactEmail: "csp@contoso.example",
          invitedTenantId: INVITED,
        },
        locale,
      );
      const anonymous = renderInvitationPage(view);
      expect(anonymous).toContain(`<dd id="partner-tenant">${PARTNER_TENANT}</dd>`);
      expect(anonymous).toContain(`<dd id="partner-contact">csp@contoso.example</dd>`);
      const wrong = renderInvitationPage({ ...view, signedInAs: { tenantId: OTHER, isGlobalAdmin: true } });
      expect(wrong).toMatch(new RegExp(`id="wrong-tenant">[^<]*${OTHER}[^<]*${INVITED}`));
      expect(wrong.indexOf('id="wrong-tenant"')).toBeLessThan(wrong.indexOf('id="accept"'));
      const right = renderInvitationPage({
        ...view,
        signedInAs: { tenantId: INVITED.toUpperCase(), isGlobalAdmin: true },
      });
      expect(right).not.toContain('id="wrong-tenant"');
      expectInert(wrong);
    });

    it(`${locale}: a decided invitation's page says the outcome and the date`, () => {
      for (const outcome of ["accepted", "declined"] as const) {
        const page = renderDecidedPage(locale, outcome, {
          partnerName: HOSTILE.partner,
          partnerTenantId: PARTNER_TENANT,
          kind: "reseller",
          customer: { displayName: "Woodgrove Bank", domain: "woodgrove.example" },
          decidedAt: "2027-01-05T10:00:00.000Z",
        });
        expect(page).toContain(`<html lang="${locale}"`);
        expect(page).toContain('id="decided"');
        expect(page).toMatch(/2027/);
        expect(page).not.toMatch(/\{(partner|date)\}/);
        expectInert(page);
      }
    });
  }
});
