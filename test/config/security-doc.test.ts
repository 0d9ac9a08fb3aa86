import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/host-process";

/**
 * docs/SECURITY.md names, for each threat, the tests that cover it as `file` › "title". Each must
 * exist: a renamed or deleted test fails here rather than leaving the threat model citing nothing.
 */
const DOC = "docs/SECURITY.md";
const CITATION = /`(test\/[^`]+\.test\.ts)` › "([^"]+)"/g;

function threatRows(markdown: string): { id: string; cells: string[] }[] {
  return markdown
    .split("\n")
    .filter((line) => /^\|\s*[A-Z]+\d+\s*\|/.test(line))
    .map((line) => {
      const cells = line.split("|").map((c) => c.trim());
      return { id: cells[1] ?? "", cells };
    });
}

/** A test title as the file writes it: a string literal (quotes or backticks) of it/describe. */
function declares(source: string, title: string): boolean {
  return [`"${title}"`, `'${title}'`, `\`${title}\``].some((literal) => source.includes(literal));
}

describe("docs/SECURITY.md", () => {
  const markdown = readFileSync(path.join(REPO_ROOT, DOC), "utf8");

  it("cites at least one test for every threat, each by file and exact title", () => {
    const rows = threatRows(markdown);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size, "threat ids are unique").toBe(ids.length);
    const uncited = rows
      .filter((r) => ![...(r.cells.at(-2) ?? "").matchAll(CITATION)].length)
      .map((r) => r.id);
    expect(uncited, "threats without a cited test").toEqual([]);
  });

  it("every cited test exists", () => {
    const missing: string[] = [];
    const citations = [...markdown.matchAll(CITATION)];
    expect(citations.length).toBeGreaterThanOrEqual(25);
    for (const [, file, title] of citations) {
      const full = path.join(REPO_ROOT, file!);
      if (!existsSync(full)) missing.push(`${file}: no such file`);
      else if (!declares(readFileSync(full, "utf8"), title!)) missing.push(`${file}: no test "${title}"`);
    }
    expect(missing).toEqual([]);
  });

  it("says how to report a vulnerability", () => {
    expect(markdown).toMatch(/^## Reporting a vulnerability$/m);
  });
});
