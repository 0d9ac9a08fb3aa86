import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailRoutes, type StoredMail } from "../../../src/localhost/services/email";
import { launchBrowser, type TestBrowser } from "../../support/browser";

// The /dev/mail page in a real browser: links clickable, message markup inert, subjects literal.
describe("/dev/mail in Chromium", () => {
  let server: Server;
  let base = "";
  let browser: TestBrowser;
  const visits: string[] = [];
  const mails: StoredMail[] = [];

  beforeAll(async () => {
    const routes = mailRoutes(() => [...mails].reverse());
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", base);
      void Promise.resolve(routes({ req, res, url, body: () => Promise.resolve(Buffer.alloc(0)) })).then(
        (handled) => {
          if (handled) return;
          visits.push(url.pathname + url.search);
          res.setHeader("content-type", "text/html; charset=utf-8");
          res.end(`<!doctype html><title>landed ${url.pathname}</title><p>landed</p>`);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mails.push({
      id: "m1",
      operationId: "m1",
      from: "noreply@example.com",
      to: ["ada@example.com"],
      cc: [],
      bcc: [],
      subject: "<b>Bold?</b> Your invitation",
      html:
        `<p>Hello</p><a id="in-mail" href="${base}/invite/abc?x=1&amp;y=2">Open your invitation</a>` +
        `<script>fetch("${base}/pwned-script")</script><img src="x" onerror="fetch('${base}/pwned-onerror')">`,
      text: `Open ${base}/invite/abc?x=1&y=2`,
      sentAt: "2031-01-01T00:00:00.000Z",
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it("shows the subject literally and the message's link as a working anchor", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/dev/mail`);
    await expect(page.locator("h2").first().textContent()).resolves.toBe("<b>Bold?</b> Your invitation");
    const link = page.locator("ul.links a").first();
    await expect(link.getAttribute("href")).resolves.toBe(`${base}/invite/abc?x=1&y=2`);
    const [opened] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toBe(`${base}/invite/abc?x=1&y=2`);
  });

  it("lets a link inside the rendered message open, while its scripts never run", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/dev/mail`);
    const frame = page.frameLocator("iframe").first();
    await frame.locator("#in-mail").click();
    await page.waitForURL(`${base}/invite/abc?x=1&y=2`);
    expect(visits.some((v) => v.startsWith("/pwned"))).toBe(false);
  });
});
