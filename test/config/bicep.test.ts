import { describe, expect, it } from "vitest";
import { bicepParams, bicepVarObjectEntries } from "./bicep";

describe("the Bicep reader the drift tests rely on", () => {
  it("reads top-level keys and values, quoted or not, across strings, interpolation and nested objects", () => {
    const src = [
      "var other = { NOT_THIS: 1 }",
      "var appSettings = {",
      "  // a comment with { braces }",
      "  PLAIN: 'a } string'",
      "  'quoted__key': storage.name",
      "  INTERPOLATED: 'x=${contains(tags, 'y') ? '{' : '}'};z'",
      "  NESTED: {",
      "    INNER: 'no'",
      "  }",
      "  CALL: string(days) // trailing comment",
      "  MULTI: '''",
      "  not: a key",
      "  '''",
      "",
      "  LAST: true",
      "}",
      "output x string = 'y'",
    ].join("\n");
    expect(bicepVarObjectEntries(src, "appSettings")).toEqual([
      { key: "PLAIN", value: "'a } string'" },
      { key: "quoted__key", value: "storage.name" },
      { key: "INTERPOLATED", value: "'x=${contains(tags, 'y') ? '{' : '}'};z'" },
      { key: "NESTED", value: "{\n    INNER: 'no'\n  }" },
      { key: "CALL", value: "string(days)" },
      { key: "MULTI", value: "'''\n  not: a key\n  '''" },
      { key: "LAST", value: "true" },
    ]);
  });

  it("is undefined for a file without the variable and throws on what it cannot read", () => {
    expect(bicepVarObjectEntries("var x = {}\n", "appSettings")).toBeUndefined();
    expect(() => bicepVarObjectEntries("var appSettings = {\n  A: 'open\n", "appSettings")).toThrow();
    expect(() => bicepVarObjectEntries("var appSettings = {\n  A: (1]\n}\n", "appSettings")).toThrow();
    expect(() =>
      bicepVarObjectEntries("var appSettings = {\n  A: 1, B: 2 ?? x\n  c d\n}\n", "appSettings"),
    ).toThrow(/c d/);
  });

  it("lists params with their decorators and whether they default", () => {
    const src = [
      "targetScope = 'subscription'",
      "@description('a')",
      "@metadata({",
      "  azd: { type: 'generate' }",
      "})",
      "param secret string",
      "",
      "param region string = 'x'",
    ].join("\n");
    const params = bicepParams(src);
    expect(params.map((p) => [p.name, p.hasDefault])).toEqual([
      ["secret", false],
      ["region", true],
    ]);
    expect(params[0]?.decorators).toContain("type: 'generate'");
    expect(params[1]?.decorators).toBe("");
  });
});
