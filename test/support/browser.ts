/**
 * Headless Chromium for tests: Debian's /usr/bin/chromium (installed by scripts/ensure-chromium.mjs)
 * driven by playwright-core, never a browser downloaded by Playwright. Each launch gets a fresh
 * profile (Playwright creates a temporary user data dir per `launch` and deletes it on close), so
 * no cookies or cache leak between test files.
 */
import { accessSync, constants } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Everything that would make the browser talk to the network on its own is off: tests only ever
// reach servers they started on loopback.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

export interface TestBrowser {
  browser: Browser;
  /** A new isolated context and page; closed with the browser. */
  newPage(options?: { locale?: string; viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM_PATH} is missing: run \`node scripts/ensure-chromium.mjs\` (npm test does).`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({
        ...(options.locale ? { locale: options.locale } : {}),
        viewport: options.viewport ?? { width: 1024, height: 900 },
      });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      await Promise.allSettled(contexts.map((c) => c.close()));
      await browser.close();
    },
  };
}
