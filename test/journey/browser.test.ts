import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { customerFor, EXCHANGE_ADMIN, eventually, linkPath, useJourneyHost } from "./support";

/**
 * The customer's journey in a real browser (Debian's headless Chromium via playwright-core): open
 * the emailed link, sign in with the dev form, accept with the keyboard, see the result page.
 * No JavaScript is needed by the page: everything is plain forms.
 */
const host = useJourneyHost();
let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const SCREENSHOT_DIR = "/tmp";

describe("customer journey in headless Chromium", () => {
  it("opens the emailed link, signs in with the dev form, accepts with the keyboard", async () => {
    const journey = host();
    const partner = await journey.enrolPartner({ name: "Fabrikam <Cloud> & Co" });
    const customer = customerFor("Contoso");
    const { id } = await journey.invite(partner, {
      kind: "reseller+admin",
      customer,
      locale: "en",
      admin: { roles: [EXCHANGE_ADMIN], durationDays: 180, autoExtend: true },
    });
    const [mail] = await journey.waitForMail(customer.adminEmail, 1);
    // The decision must work without scripts: prove it by turning them off.
    const context = await browser.browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1024, height: 900 },
    });
    const page = await context.newPage();
    const response = await page.goto(`${journey.url}${linkPath(mail!)}`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toContain("Fabrikam <Cloud> & Co");
    expect(await page.locator("h1").innerText()).toContain("Fabrikam <Cloud> & Co");

    // Accept is disabled until someone signs in.
    await expect(page.locator("#accept").isDisabled()).resolves.toBe(true);
    await page.getByLabel(/tenant/i).fill(customer.tenantId);
    await page.getByLabel(/email/i).fill(customer.adminEmail);
    await expect(page.getByLabel(/Global Administrator/i).isChecked()).resolves.toBe(true);
    await Promise.all([page.waitForURL(`**${linkPath(mail!)}`), page.getByLabel(/email/i).press("Enter")]);
    expect(await page.locator("#signed-in").innerText()).toContain(customer.adminEmail);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/h3l-invitation-page.png`, fullPage: true });

    // Keyboard only: focus the Accept button and press Enter.
    await page.locator("#accept").focus();
    await Promise.all([page.waitForURL(/\/accept$/), page.keyboard.press("Enter")]);
    expect(await page.locator("h1").innerText()).toMatch(/accepted/i);
    expect(await page.locator("[role=status]").innerText()).toContain("Fabrikam <Cloud> & Co");
    await page.screenshot({ path: `${SCREENSHOT_DIR}/h3l-accepted-page.png`, fullPage: true });

    await context.close();
    await journey.waitForStatus(partner, id, "accepted");
    await eventually(
      () => journey.relationships(partner, customer.tenantId),
      (items) => items.length === 2,
      "the relationships",
    );
  });

  it("R9: the customer's Global Administrator ends the admin relationship from the confirmation email's link", async () => {
    const journey = host();
    const partner = await journey.enrolPartner({ name: "Fabrikam <Cloud> & Co" });
    const customer = customerFor("Contoso");
    await journey.invite(partner, {
      kind: "admin",
      customer,
      locale: "en",
      admin: { roles: [EXCHANGE_ADMIN], durationDays: 60, autoExtend: false },
    });
    const [invitationMail] = await journey.waitForMail(customer.adminEmail, 1);
    const accepted = await journey.call("POST", `${linkPath(invitationMail!)}/accept`, {
      token: await journey.customerToken(customer.tenantId),
    });
    expect(accepted.status).toBe(200);
    const mails = await journey.waitForMail(customer.adminEmail, 2);
    const link = /\/terminate\/[A-Za-z0-9-]+\.[A-Za-z0-9-]+\.[A-Za-z0-9_-]{43}/.exec(
      mails.map((m) => m.text).join("\n"),
    )?.[0];
    expect(link).toBeTruthy();

    const context = await browser.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    expect((await page.goto(`${journey.url}${link!}`))?.status()).toBe(200);
    expect(await page.locator("h1").innerText()).toContain("Fabrikam <Cloud> & Co");
    await expect(page.locator("#terminate").isDisabled()).resolves.toBe(true);
    await page.locator("#signin-tenant").fill(customer.tenantId);
    await Promise.all([page.waitForURL(`**${link!}`), page.locator("#signin-submit").click()]);
    await Promise.all([page.waitForURL(/\/confirm$/), page.locator("#terminate").click()]);
    expect(await page.locator("h1").innerText()).toMatch(/has ended/i);
    expect(await page.locator("[role=status]").innerText()).toContain("Fabrikam <Cloud> & Co");
    await context.close();

    const items = await journey.relationships(await journey.refresh(partner), customer.tenantId);
    expect(items.find((r) => r.type === "admin")?.status).toBe("terminated");
    expect((await journey.call("GET", link!)).status).toBe(410);
  });
});
