import { describe, expect, it } from "vitest";
import { type Page, pageOf, switchPage } from "./pages";

describe("each page keeps its own URL parameters", () => {
  it("does not carry the gaps' exact severity or namespace to the graph or the matrix", () => {
    const memory = new Map<Page, string>();
    const gaps = "?tab=gaps&severity=critical&ns=payments-prod";
    const graph = switchPage(gaps, "graph", memory);
    expect(graph).toBe("");
    const rbac = switchPage(graph, "rbac", memory);
    expect(rbac).toBe("?tab=rbac");
    expect(new URLSearchParams(rbac).get("ns")).toBeNull();
  });

  it("brings back each page's parameters when it is shown again", () => {
    const memory = new Map<Page, string>();
    let search = "?tab=gaps&severity=critical&ns=payments-prod";
    search = switchPage(search, "graph", memory);
    search = `?view=namespace%3Ashop&severity=high`;
    search = switchPage(search, "rbac", memory);
    search = "?tab=rbac&kind=ServiceAccount&ns=shop";
    search = switchPage(search, "gaps", memory);
    expect(Object.fromEntries(new URLSearchParams(search))).toEqual({
      tab: "gaps",
      severity: "critical",
      ns: "payments-prod",
    });
    search = switchPage(search, "graph", memory);
    expect(Object.fromEntries(new URLSearchParams(search))).toEqual({
      view: "namespace:shop",
      severity: "high",
    });
    search = switchPage(search, "rbac", memory);
    expect(Object.fromEntries(new URLSearchParams(search))).toEqual({
      tab: "rbac",
      kind: "ServiceAccount",
      ns: "shop",
    });
  });

  it("keeps the app's own modes and the page shown when it is the same page", () => {
    const memory = new Map<Page, string>();
    expect(switchPage("?tab=rbac&ns=a&capture=1", "gaps", memory)).toBe("?capture=1&tab=gaps");
    expect(switchPage("?tab=gaps&pillar=network", "gaps", memory)).toBe("?pillar=network&tab=gaps");
  });

  it("reads the page from tab, the graph by default or for an unknown tab", () => {
    expect(pageOf("?tab=rbac")).toBe("rbac");
    expect(pageOf("?tab=gaps&x=1")).toBe("gaps");
    expect(pageOf("")).toBe("graph");
    expect(pageOf("?tab=nope")).toBe("graph");
  });
});
