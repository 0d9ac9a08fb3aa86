/**
 * The shell and styles every customer email shares. Deliberately plain (no tables, no images, inline
 * styles only) so mail clients render it as written.
 */
import type { Locale } from "../domain/model";
import { cleanText, html, type HtmlValue } from "./escape";

export const EMAIL_STYLE = {
  body: "margin:0;padding:24px;background:#ffffff;color:#1b1b1b;font-family:'Segoe UI',Roboto,'Helvetica Neue',Arial,'PingFang SC','Microsoft YaHei',sans-serif;font-size:16px;line-height:1.55;",
  container: "max-width:600px;margin:0 auto;",
  button:
    "display:inline-block;background:#0b5cad;color:#ffffff;padding:12px 22px;border-radius:4px;text-decoration:none;font-weight:600;",
  link: "color:#0b5cad;word-break:break-all;",
  muted: "color:#4a4a4a;font-size:14px;",
} as const;

/** Subjects are one line in every client, whatever a partner typed into a name. */
export function subjectLine(value: string): string {
  return cleanText(value).replace(/\s+/g, " ").trim();
}

// Subjects are one line in every client; long partner names would push the meaning out of view.
export const SUBJECT_NAME_LIMIT = 80;

/**
 * The document around a link family's email body. (The invitation emails keep their own, which also
 * carries a viewport meta.)
 */
export function emailDocument(locale: Locale, subject: string, body: HtmlValue): string {
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
        <title>${subject}</title>
      </head>
      <body style="${EMAIL_STYLE.body}">
        <div style="${EMAIL_STYLE.container}">${body}</div>
      </body>
    </html> `.toString();
}
