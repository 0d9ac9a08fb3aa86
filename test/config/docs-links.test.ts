import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/host-process";

/** Markdown files a reader of a clone follows links in. */
function markdownFiles(): string[] {
  const found = ["README.md"];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".md")) found.push(rel);
    }
  };
  walk("docs");
  walk("src");
  return found;
}

/**
 * Relative link targets of a Markdown text: inline `[text](target)` and reference definitions
 * `[id]: target`. Code blocks and code spans are not links, so they are left out.
 */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
  const targets = [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? ""),
    ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] ?? ""),
  ];
  return targets.filter((t) => t !== "" && !t.startsWith("#") && !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** Why a link from `file` (relative to the repository) is broken, or undefined when it is fine. */
function brokenReason(file: string, target: string): string | undefined {
  const withoutFragment = decodeURI(target.replace(/[#?].*$/, ""));
  const resolved = path.resolve(REPO_ROOT, path.dirname(file), withoutFragment);
  const inside = path.relative(REPO_ROOT, resolved);
  if (inside.startsWith("..") || path.isAbsolute(inside) || path.isAbsolute(withoutFragment)) {
    return "points outside the repository";
  }
  if (inside.split(path.sep)[0] === "node_modules") return "points into node_modules";
  if (!existsSync(resolved)) return "does not exist";
  return undefined;
}

describe("the project's docs are self-contained", () => {
  it("finds relative links, and leaves code, anchors and URLs alone", () => {
    const sample = [
      "See [rules](docs/rules.md#r1) and [up](../outside.md), [web](https://example.com/x.md),",
      "[top](#layout), `[code](not-a-link.md)`.",
      "```sh",
      "[fenced](also-not-a-link.md)",
      "```",
      "[ref]: ./docs/deploy.md",
    ].join("\n");
    expect(relativeLinks(sample)).toEqual(["docs/rules.md#r1", "../outside.md", "./docs/deploy.md"]);
    expect(brokenReason("README.md", "../outside.md")).toBe("points outside the repository");
    expect(brokenReason("README.md", "docs/no-such-file.md")).toBe("does not exist");
    expect(brokenReason("README.md", "docs/rules.md#r1")).toBeUndefined();
  });

  it("every relative link in README.md, docs/ and src/ names a file inside the repository", () => {
    const files = markdownFiles();
    expect(files).toEqual(expect.arrayContaining(["README.md", path.join("docs", "rules.md")]));
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const target of relativeLinks(readFileSync(path.join(REPO_ROOT, file), "utf8"))) {
        checked++;
        const reason = brokenReason(file, target);
        if (reason) broken.push(`${file}: ${target} ${reason}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it("no doc or source file refers to the workspace's shared folder", () => {
    // Built from parts so that this file does not match itself.
    const needles = [["..", "shared", ""].join("/"), ["", "work", "shared"].join("/")];
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(rel);
        else if (/\.(md|ts|mts|mjs|json)$/.test(entry.name)) {
          const text = readFileSync(path.join(REPO_ROOT, rel), "utf8");
          if (needles.some((n) => text.includes(n))) offenders.push(rel);
        }
      }
    };
    for (const dir of ["docs", "src", "functions", "test", "scripts", "infra"]) walk(dir);
    if (needles.some((n) => readFileSync(path.join(REPO_ROOT, "README.md"), "utf8").includes(n)))
      offenders.push("README.md");
    expect(offenders).toEqual([]);
  });

  it("docs/rules.md states every rule R1-R20 under its id", () => {
    const rules = readFileSync(path.join(REPO_ROOT, "docs", "rules.md"), "utf8");
    const missing = Array.from({ length: 20 }, (_, i) => `R${i + 1}`).filter(
      (id) => !new RegExp(`\\*\\*${id} - `).test(rules),
    );
    expect(missing).toEqual([]);
  });
});
