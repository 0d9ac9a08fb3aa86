import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { currentReadmeBlock, readmeBlock, svgChart, type BenchResults } from "./report";

const root = path.resolve(__dirname, "../..");
const latest = path.join(root, "bench", "results", "latest.json");

describe("README Performance section", () => {
  it("shows the table of bench/results/latest.json, as `npm run bench` wrote it (no hand edits drift)", () => {
    expect(existsSync(latest)).toBe(true);
    const results = JSON.parse(readFileSync(latest, "utf8")) as BenchResults;
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    expect(currentReadmeBlock(readme)).toBe(readmeBlock(results));
  });

  it("the committed chart is the one drawn from latest.json", () => {
    const results = JSON.parse(readFileSync(latest, "utf8")) as BenchResults;
    expect(readFileSync(path.join(root, "bench", "results", "latest.svg"), "utf8")).toBe(svgChart(results));
  });
});
