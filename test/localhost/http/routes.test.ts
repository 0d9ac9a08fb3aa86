import { describe, expect, it } from "vitest";
import { compileRoute, joinRoute, RouteTable } from "../../../src/localhost/http/routes";

function table(...routes: [string, string[] | undefined][]): RouteTable<string> {
  const t = new RouteTable<string>();
  for (const [template, methods] of routes) t.add(compileRoute(template, methods, template));
  return t;
}

function matched(
  t: RouteTable<string>,
  method: string,
  path: string,
): { target: string; params: Record<string, string> } | string {
  const r = t.resolve(method, path);
  return r.kind === "match" ? { target: r.match.route.target, params: r.match.params } : r.kind;
}

describe("route templates", () => {
  it("joins the prefix, and an empty prefix adds nothing", () => {
    expect(joinRoute("api", "/items/{id}")).toBe("api/items/{id}");
    expect(joinRoute("", "items")).toBe("items");
    expect(joinRoute("/v1/", "")).toBe("v1");
  });

  it("ranks literals over constrained parameters over plain ones over catch-alls, whatever the order added", () => {
    const t = table(
      ["x/{*rest}", ["GET"]],
      ["x/{name}", ["GET"]],
      ["x/{id:int}", ["GET"]],
      ["x/new", ["GET"]],
    );
    expect(matched(t, "GET", "/x/new")).toEqual({ target: "x/new", params: {} });
    expect(matched(t, "GET", "/x/12")).toEqual({ target: "x/{id:int}", params: { id: "12" } });
    expect(matched(t, "GET", "/x/abc")).toEqual({ target: "x/{name}", params: { name: "abc" } });
    expect(matched(t, "GET", "/x/a/b")).toEqual({ target: "x/{*rest}", params: { rest: "a/b" } });
  });

  it("supports constraints with arguments and several constraints on one parameter", () => {
    const t = table(
      ["n/{v:int:range(1,10)}", undefined],
      ["s/{code:regex(^[A-Z]{{3}}$)}", undefined],
      ["g/{id:guid}", undefined],
    );
    expect(matched(t, "GET", "/n/5")).toEqual({ target: "n/{v:int:range(1,10)}", params: { v: "5" } });
    expect(matched(t, "GET", "/n/11")).toBe("notFound");
    expect(matched(t, "GET", "/s/ABC")).toMatchObject({ params: { code: "ABC" } });
    expect(matched(t, "GET", "/s/ABCD")).toBe("notFound");
    expect(matched(t, "GET", "/g/0f8fad5b-d9cb-469f-a165-70867728950e")).toMatchObject({
      params: { id: "0f8fad5b-d9cb-469f-a165-70867728950e" },
    });
    expect(matched(t, "GET", "/g/nope")).toBe("notFound");
  });

  it("matches complex segments mixing literals and parameters", () => {
    const t = table(["files/{name}.{ext}", ["GET"]]);
    expect(matched(t, "GET", "/files/report.final.pdf")).toEqual({
      target: "files/{name}.{ext}",
      params: { name: "report", ext: "final.pdf" },
    });
    expect(matched(t, "GET", "/files/noext")).toBe("notFound");
  });

  it("treats trailing optional parameters as optional and nothing else", () => {
    const t = table(["a/{b?}/{c?}", undefined]);
    expect(matched(t, "GET", "/a")).toEqual({ target: "a/{b?}/{c?}", params: {} });
    expect(matched(t, "GET", "/a/1/2")).toEqual({ target: "a/{b?}/{c?}", params: { b: "1", c: "2" } });
    expect(matched(t, "GET", "/a/1/2/3")).toBe("notFound");
    expect(() => compileRoute("{x?}/y", undefined, "")).toThrow(/optional parameter must be at the end/);
  });

  it("reports methodNotAllowed with the union of allowed methods", () => {
    const t = table(["r/{id}", ["GET"]], ["r/{id:int}", ["DELETE"]]);
    expect(t.resolve("POST", "/r/1")).toEqual({ kind: "methodNotAllowed", allow: ["DELETE", "GET"] });
    expect(matched(t, "GET", "/r/1")).toMatchObject({ target: "r/{id}" });
  });

  it("treats no methods as every method", () => {
    const t = table(["any", undefined]);
    expect(matched(t, "PATCH", "/any")).toMatchObject({ target: "any" });
  });

  it("refuses the same template twice with overlapping methods, but allows disjoint methods", () => {
    const t = table(["dup", ["GET"]]);
    expect(() => t.add(compileRoute("DUP", ["GET", "POST"], "again"))).toThrow(/registered twice/);
    t.add(compileRoute("dup", ["POST"], "post"));
    expect(matched(t, "POST", "/dup")).toMatchObject({ target: "post" });
  });

  it("treats malformed percent-encoding as not found rather than crashing", () => {
    const t = table(["p/{x}", undefined]);
    expect(matched(t, "GET", "/p/%E0%A4%A")).toBe("notFound");
  });

  it("rejects unknown constraints and catch-alls that are not last", () => {
    expect(() => compileRoute("a/{x:banana}", undefined, "")).toThrow(/unknown constraint/);
    expect(() => compileRoute("{*rest}/more", undefined, "")).toThrow(/catch-all/);
  });
});
