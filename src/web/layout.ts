/**
 * The document shell every customer page shares: one inline stylesheet, no scripts, no external
 * resources (the page is reached from a link in an email and must work in a locked-down browser,
 * and nothing on it may leak the link's token to a third party).
 */
import { createHash } from "node:crypto";
import type { Locale } from "../domain/model";
import { html, SafeHtml, type HtmlValue } from "./escape";

// Colours checked for WCAG AA: body text #1b1b1b on #fff (17:1), muted #4a4a4a (8.9:1), brand blue
// #0b5cad on #fff (6.6:1) and white on it, input borders #6b6b6b (5.3:1, >= 3:1 for components).
const STYLESHEET = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0; background: #eef0f3; color: #1b1b1b;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
    "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif;
}
main {
  max-width: 44rem; margin: 2rem auto; padding: 2rem 2.25rem; background: #fff;
  border: 1px solid #c9ced6; border-radius: 8px;
}
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 2rem 0 .6rem; padding-top: 1.25rem; border-top: 1px solid #dde1e6; }
h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
p, li, dd, dt, h1, h2, summary { overflow-wrap: anywhere; }
p { margin: .6rem 0; }
dl { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .45rem 1.25rem; margin: .75rem 0; }
dt { font-weight: 600; color: #4a4a4a; }
dd { margin: 0; }
ul.roles { padding-left: 1.25rem; margin: .4rem 0; }
ul.roles li { margin: .45rem 0; }
ul.roles li.privileged { list-style: none; margin-left: -1.25rem; padding: .5rem .75rem; border-left: 4px solid #a4262c; background: #fdf3f4; }
.muted { color: #4a4a4a; font-size: .95rem; }
.notice { padding: .75rem 1rem; border-left: 4px solid #0b5cad; background: #f0f6fc; }
.warning { padding: .75rem 1rem; border-left: 4px solid #a4262c; background: #fdf3f4; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0 .5rem; }
.actions form { margin: 0; }
button, a.button {
  display: inline-block; font: inherit; font-weight: 600; line-height: 1.3; text-decoration: none;
  padding: .65rem 1.5rem; min-height: 2.75rem; border-radius: 4px; border: 2px solid #0b5cad; cursor: pointer;
}
.primary { background: #0b5cad; color: #fff; }
.primary:hover { background: #084a8c; border-color: #084a8c; }
.secondary { background: #fff; color: #0b5cad; }
.secondary:hover { background: #f0f6fc; }
button:disabled { background: #f2f2f2; color: #4a4a4a; border-color: #8a8a8a; cursor: not-allowed; }
a { color: #0b5cad; text-underline-offset: .15em; }
:focus-visible { outline: 3px solid #1b1b1b; outline-offset: 3px; box-shadow: 0 0 0 3px #fff; }
label { display: block; font-weight: 600; margin: .9rem 0 .25rem; }
label.check { display: flex; gap: .6rem; align-items: flex-start; font-weight: 400; }
label.check input { width: 1.15rem; height: 1.15rem; margin: .2rem 0 0; flex: none; }
input[type="text"], input[type="email"] {
  font: inherit; width: 100%; max-width: 28rem; padding: .5rem .6rem; border: 1px solid #6b6b6b;
  border-radius: 4px; background: #fff; color: #1b1b1b;
}
details { margin: .75rem 0; }
summary { cursor: pointer; color: #0b5cad; font-weight: 600; }
footer { margin-top: 2rem; padding-top: 1rem; border-top: 1px solid #dde1e6; }
@media (max-width: 40rem) {
  main { margin: 0; border: 0; border-radius: 0; padding: 1.25rem; }
  dl { grid-template-columns: 1fr; gap: .1rem; }
  dd { margin-bottom: .5rem; }
}
`.trim();

const STYLE_HASH = createHash("sha256").update(STYLESHEET, "utf8").digest("base64");
// Built outside any template so no formatter can add whitespace inside it: the CSP hash covers the
// element's exact text.
const STYLE_ELEMENT = SafeHtml.trusted(`<style>${STYLESHEET}</style>`);

/**
 * Response headers for every customer page. The CSP allows exactly this stylesheet (by hash) and
 * forms posting to the same origin; `no-referrer` keeps the token in the URL out of any Referer;
 * `no-store` keeps the page out of shared caches.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
});

export interface DocumentOptions {
  /** Navigate there at once (an escaped `safeUrl`). */
  refreshTo?: SafeHtml;
}

export function renderDocument(
  locale: Locale,
  title: string,
  body: HtmlValue,
  options: DocumentOptions = {},
): string {
  const page: SafeHtml = html`<!doctype html>
    <html lang="${locale}" dir="ltr">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex, nofollow" />
        ${options.refreshTo ? html`<meta http-equiv="refresh" content="0;url=${options.refreshTo}" />` : null}
        <title>${title}</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html> `;
  return page.toString();
}
