/**
 * The customer page in a real browser: accessible names, keyboard operation without JavaScript,
 * contrast, inert hostile names, and the CSP the functions send with it. Screenshots of every
 * locale go to /tmp/customer-page-screens for a human look.
 */
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { LOCALES, type Locale } from "../../src/domain/model";
import {
  PAGE_HEADERS,
  renderContinuePage,
  renderDecisionPage,
  renderErrorPage,
  renderInvitationPage,
  renderLinkUnavailablePage,
  type InvitationPageView,
} from "../../src/web/pages";
import { customerReminderEmail, invitationEmail, partnerNotificationEmail } from "../../src/web/emails";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { hostileView, pageView } from "./fixtures";

const SCREENS = "/tmp/customer-page-screens";

interface ReceivedPost {
  path: string;
  body: URLSearchParams;
}

/** A loopback server that records form posts and serves stored pages with the real headers. */
class FormServer {
  readonly posts: ReceivedPost[] = [];
  readonly pages = new Map<string, string>();
  private waiters: { path: string; resolve: (post: ReceivedPost) => void }[] = [];
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<FormServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const instance = new FormServer(server, `http://127.0.0.1:${port}`);
    server.on("request", (req, res) => {
      void instance.handle(req).then(([status, headers, body]) => res.writeHead(status, headers).end(body));
    });
    return instance;
  }

  private async handle(req: IncomingMessage): Promise<[number, Record<string, string>, string]> {
    const path = new URL(req.url ?? "/", this.origin).pathname;
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const post = { path, body: new URLSearchParams(Buffer.concat(chunks).toString("utf8")) };
      this.posts.push(post);
      for (const waiter of this.waiters.filter((w) => w.path === path)) waiter.resolve(post);
      this.waiters = this.waiters.filter((w) => w.path !== path);
      return [200, { "content-type": "text/plain" }, "received"];
    }
    const page = this.pages.get(path);
    return page === undefined ? [404, {}, ""] : [200, { ...PAGE_HEADERS }, page];
  }

  /** Resolves with the first POST to `path` (including one that already arrived). */
  nextPost(path: string): Promise<ReceivedPost> {
    const seen = this.posts.find((p) => p.path === path);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ path, resolve }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }
}

const emailInput = {
  partnerName: "Contoso Ltd",
  resellerName: "Fabrikam Reseller",
  kind: "reseller+admin" as const,
  customer: { displayName: "Woodgrove Bank", domain: "woodgrove.example" },
  admin: {
    roles: ["62e90394-69f5-4237-9190-012177145e10", "fe930be7-5e62-47db-91af-98c3a49a38b1"],
    durationDays: 30,
    autoExtend: false,
  },
  link: "https://relationships.example/invite/q8Zt3xVw1bR0yJkLmN4pQs",
  expiresAt: "2027-02-19T10:00:00Z",
};

let browser: TestBrowser;
let server: FormServer;

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  [browser, server] = await Promise.all([launchBrowser(), FormServer.start()]);
});

afterAll(async () => {
  await Promise.allSettled([browser?.close(), server?.stop()]);
});

function view(locale: Locale, overrides: Partial<InvitationPageView> = {}): InvitationPageView {
  return pageView({ actionBase: `${server.origin}/invite/${locale}`, ...overrides }, locale);
}

async function open(html: string, options: { width?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1024, height: 900 } });
  await page.setContent(html);
  return page;
}

interface AxNode {
  role?: { value?: string };
  name?: { value?: string };
  ignored?: boolean;
}

/** Names as Chromium's accessibility tree computes them (labels, text, aria), per control. */
async function controlNames(page: Page): Promise<{ role: string; name: string }[]> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: AxNode[] };
  await cdp.detach();
  const controls = new Set(["textbox", "checkbox", "button", "link", "DisclosureTriangle"]);
  return nodes
    .filter((n) => !n.ignored && controls.has(n.role?.value ?? ""))
    .map((n) => ({ role: n.role?.value ?? "", name: (n.name?.value ?? "").trim() }));
}

/** Tabs through the page (at most `limit` stops) until `selector` has focus; returns the stops. */
async function tabTo(page: Page, selector: string, limit = 25): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const here = await page.evaluate((sel) => {
      const el = document.activeElement;
      const id = el ? `${el.tagName.toLowerCase()}#${el.id}` : "none";
      return { id, matches: el?.matches(sel) ?? false };
    }, selector);
    stops.push(here.id);
    if (here.matches) return stops;
  }
  throw new Error(`Tab never reached ${selector}; stops: ${stops.join(", ")}`);
}

/** WCAG contrast of every element with its own text against the background behind it. */
async function lowContrast(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r = 0, g = 0, b = 0]: number[]) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c[3] ?? 0) > 0) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const failures: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? "").trim());
      if (!ownText) continue;
      const fg = lum(parse(getComputedStyle(el).color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) failures.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
    }
    return failures;
  });
}

describe("customer page in Chromium", () => {
  it.each(LOCALES)("%s: lang set, headings and main, every control named, AA contrast", async (locale) => {
    const signedOut = await open(renderInvitationPage(view(locale)));
    expect(await signedOut.getAttribute("html", "lang")).toBe(locale);
    expect(await signedOut.locator("main").count()).toBe(1);
    expect(await signedOut.locator("h1").count()).toBe(1);
    expect(await signedOut.locator("h2").count()).toBeGreaterThanOrEqual(4);
    const names = await controlNames(signedOut);
    expect(names.filter((c) => c.role === "textbox")).toHaveLength(2);
    expect(names.filter((c) => c.role === "checkbox")).toHaveLength(1);
    for (const control of names) expect(control.name, `${control.role} without a name`).not.toBe("");
    expect(await lowContrast(signedOut)).toEqual([]);
    await signedOut.screenshot({ path: `${SCREENS}/invite-${locale}-signed-out.png`, fullPage: true });

    const signedIn = await open(
      renderInvitationPage(
        view(locale, {
          signedInAs: { tenantId: "b5d6e1f0-1234", email: "admin@woodgrove.example", isGlobalAdmin: true },
        }),
      ),
    );
    expect(await lowContrast(signedIn)).toEqual([]);
    await signedIn.screenshot({ path: `${SCREENS}/invite-${locale}-signed-in.png`, fullPage: true });
  });

  it("Accept is reachable with Tab, visibly focused, and Enter posts the form", async () => {
    const page = await open(
      renderInvitationPage(
        view("en", { signedInAs: { tenantId: "t1", isGlobalAdmin: true }, csrfToken: "c1" }),
      ),
    );
    const stops = await tabTo(page, "#accept");
    expect(stops.at(-1)).toBe("button#accept");
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return { style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(outline).toEqual({ style: "solid", width: "3px" });
    const posted = server.nextPost("/invite/en/accept");
    await page.keyboard.press("Enter");
    expect((await posted).body.get("csrf")).toBe("c1");
  });

  it("Decline is the next Tab stop and Space posts the form", async () => {
    const page = await open(
      renderInvitationPage(view("hu", { signedInAs: { tenantId: "t1", isGlobalAdmin: true } })),
    );
    const stops = await tabTo(page, "#decline");
    expect(stops.slice(-2)).toEqual(["button#accept", "button#decline"]);
    const posted = server.nextPost("/invite/hu/decline");
    await page.keyboard.press("Space");
    await posted;
  });

  it("dev sign-in works from the keyboard and posts tenantId, email and globalAdmin", async () => {
    const page = await open(renderInvitationPage(view("pt-BR")));
    await tabTo(page, "#signin-tenant");
    await page.keyboard.type("7f3c2a10-0000-4000-8000-00000000abcd");
    await page.keyboard.press("Tab");
    await page.keyboard.type("admin@woodgrove.example");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("signin-ga");
    const posted = server.nextPost("/invite/pt-BR/signin");
    await page.keyboard.press("Enter"); // implicit submission from the checkbox
    const { body } = await posted;
    expect(Object.fromEntries(body)).toEqual({
      tenantId: "7f3c2a10-0000-4000-8000-00000000abcd",
      email: "admin@woodgrove.example",
      globalAdmin: "true",
    });
  });

  it("before sign-in the decision buttons are disabled and out of the Tab order", async () => {
    const page = await open(renderInvitationPage(view("zh-CN")));
    expect(await page.locator("#accept").isDisabled()).toBe(true);
    expect(await page.locator("#decline").isDisabled()).toBe(true);
    const stops = await tabTo(page, "#signin-submit"); // the last enabled control
    await page.keyboard.press("Tab");
    const after = await page.evaluate(() => document.activeElement?.id ?? "");
    expect([...stops, after]).not.toContain("button#accept");
    expect(["accept", "decline"]).not.toContain(after);
  });

  it("hostile names stay text: no script runs, no injected element or handler exists", async () => {
    const dialogs: string[] = [];
    const page = await browser.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setContent(
      renderInvitationPage({ ...hostileView(), actionBase: `${server.origin}/invite/x` }),
    );
    const dom = await page.evaluate(() => ({
      injected: document.querySelectorAll(
        "script, img, svg, iframe, [onerror], [onload], [onfocus], [autofocus]",
      ).length,
      h1: document.querySelector("h1")?.textContent ?? "",
      inputs: Array.from(document.querySelectorAll("input")).map((i) => i.name),
    }));
    expect(dom.injected).toBe(0);
    expect(dom.h1).toContain(`Contoso <script>alert("p")</script>`);
    expect(dom.inputs).toEqual(["csrf", "tenantId", "email", "globalAdmin", "csrf", "csrf"]);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: `${SCREENS}/invite-hostile.png`, fullPage: true });
  });

  it("served with PAGE_HEADERS, the CSP admits exactly the inline stylesheet", async () => {
    server.pages.set(
      "/served",
      renderInvitationPage(view("en", { signedInAs: { tenantId: "t1", isGlobalAdmin: true } })),
    );
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${server.origin}/served`);
    const accept = await page.evaluate(
      () => getComputedStyle(document.querySelector("#accept") as Element).backgroundColor,
    );
    expect(accept).toBe("rgb(11, 92, 173)");
    expect(violations).toEqual([]);
  });

  it("the continue page navigates on by itself under the page CSP", async () => {
    server.pages.set("/continue", renderContinuePage("en", "/arrived"));
    server.pages.set("/arrived", renderLinkUnavailablePage("en"));
    const page = await browser.newPage();
    await page.goto(`${server.origin}/continue`);
    await page.waitForURL(`${server.origin}/arrived`);
    expect(await page.locator("h1").textContent()).toBe("This link is not available");
  });

  it("other pages, emails and a narrow screen read well (screenshots)", async () => {
    const shots: [string, string, number?][] = [
      ["unavailable-hu", renderLinkUnavailablePage("hu")],
      [
        "accepted-zh-CN",
        renderDecisionPage("zh-CN", "accepted", { partnerName: "Contoso Ltd", kind: "admin" }),
      ],
      [
        "declined-pt-BR",
        renderDecisionPage("pt-BR", "declined", { partnerName: "Contoso Ltd", kind: "reseller" }),
      ],
      ["error-en", renderErrorPage("en", 403, "notGlobalAdmin", { backHref: "/invite/x" })],
      ["invite-pt-BR-narrow", renderInvitationPage(view("pt-BR")), 375],
      ["invite-en-entra", renderInvitationPage(view("en", { signIn: { mode: "entra" } }))],
      ["email-invitation-zh-CN", invitationEmail({ ...emailInput, locale: "zh-CN" }).html],
      ["email-reminder-hu", customerReminderEmail({ ...emailInput, locale: "hu", daysLeft: 3 }).html],
      [
        "email-partner-accepted",
        partnerNotificationEmail({
          event: "accepted",
          invitationId: "0d7f4c9e-3d0b-4a57-9f2b-1b7e0e5c2a11",
          customer: { displayName: "Woodgrove Bank", domain: "woodgrove.example", tenantId: "t-1" },
          decidedBy: "admin@woodgrove.example",
          at: "2026-11-21T09:30:00Z",
        }).html,
      ],
    ];
    for (const [name, html, width] of shots) {
      const page = await open(html, width ? { width } : {});
      expect(await lowContrast(page), name).toEqual([]);
      for (const control of await controlNames(page)) expect(control.name, name).not.toBe("");
      await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage: true });
    }
  });
});
