import { describe, expect, it } from "vitest";
import {
  cleanText,
  escapeAttribute,
  escapeHtml,
  html,
  joinHtml,
  safeUrl,
  truncate,
} from "../../src/web/escape";

describe("escapeHtml", () => {
  it("encodes every character that can end text or a quoted attribute", () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y' \`z\``)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;z&#96;",
    );
    expect(escapeAttribute(`" onmouseover="alert(1)`)).toBe("&quot; onmouseover=&quot;alert(1)");
  });

  it("does not double-encode what it is given as text", () => {
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });
});

describe("cleanText", () => {
  it("strips C0/C1 control characters and folds line breaks into spaces", () => {
    expect(cleanText("Contoso\u0000\u0007\u001b[31m\u007f\u0085Ltd")).toBe("Contoso[31m Ltd");
    expect(cleanText("line1\r\nline2\tend\u2028x")).toBe("line1 line2 end x");
  });

  it("strips bidi overrides so a name cannot render as another", () => {
    expect(cleanText("evil\u202Emoc.osotnoc\u202C")).toBe("evilmoc.osotnoc");
    expect(cleanText("a\u2066b\u2069c\u200Fd")).toBe("abcd");
  });

  it("keeps ordinary non-Latin text and emoji, repairs lone surrogates", () => {
    expect(cleanText("Árvíztűrő 全局管理员 ação 👩🏽‍💻")).toBe("Árvíztűrő 全局管理员 ação 👩🏽‍💻");
    expect(cleanText("bad\uD800end")).toBe("bad\uFFFDend");
  });
});

describe("html tag", () => {
  it("escapes interpolated values and keeps nested html fragments", () => {
    const name = `<b onclick="x">Fabrikam</b>`;
    const out = html`<p title="${name}">${html`<strong>${name}</strong>`}</p>`.toString();
    expect(out).toBe(
      `<p title="&lt;b onclick=&quot;x&quot;&gt;Fabrikam&lt;/b&gt;"><strong>&lt;b onclick=&quot;x&quot;&gt;Fabrikam&lt;/b&gt;</strong></p>`,
    );
  });

  it("renders lists and skips null, undefined and false", () => {
    expect(html`${["<a>", 1, null, undefined, false, html`<i>z</i>`]}`.toString()).toBe("&lt;a&gt;1<i>z</i>");
    expect(joinHtml(["<x>", html`<i>y</i>`], " & ").toString()).toBe("&lt;x&gt; &amp; <i>y</i>");
  });

  it("treats a plain string that looks like markup as text", () => {
    const forged = { toString: () => "<script>" } as unknown as string;
    expect(html`${forged}`.toString()).toBe("&lt;script&gt;");
  });
});

describe("safeUrl", () => {
  it("accepts http(s) URLs and same-origin paths", () => {
    expect(safeUrl("https://example.test/invite/abc?x=1&y=2").toString()).toBe(
      "https://example.test/invite/abc?x=1&amp;y=2",
    );
    expect(safeUrl("/invite/abc/accept").toString()).toBe("/invite/abc/accept");
  });

  it.each([
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:x",
    "//evil.example/x",
    "relative/path",
    "https://example.test/a b",
    "https://example.test/\u0000",
    "",
  ])("refuses %j", (url) => {
    expect(() => safeUrl(url)).toThrow(TypeError);
  });
});

describe("truncate", () => {
  it("cuts on code points, not UTF-16 units", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("😀😀😀😀", 3)).toBe("😀😀…");
    expect(truncate("short", 10)).toBe("short");
  });
});
