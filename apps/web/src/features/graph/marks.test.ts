import type { ViewNode } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import {
  criticalGlow,
  fillOf,
  glows,
  KIND_MARKS,
  POSTURE_MARKS,
  postureOf,
  WORKLOAD_GROUP_MARK,
} from "./marks";
import { listedNodes, scrollToRow, visibleRows } from "./node-list";
import { graphStyle } from "./style";

function node(overrides: Partial<ViewNode>): ViewNode {
  return {
    id: "ns:a",
    kind: "namespace",
    label: "a",
    pods: 1,
    openIngressPods: 0,
    openEgressPods: 0,
    ...overrides,
  };
}

/** The style properties of one selector, as the graph's stylesheet gives them. */
function styleOf(dark: boolean, selector: string): Record<string, unknown> {
  const rule = graphStyle(dark).find((r) => "selector" in r && r.selector === selector);
  expect(rule, selector).toBeDefined();
  return (rule as unknown as { style: Record<string, unknown> }).style;
}

describe("the graph's marks", () => {
  it("draws a node with no pods neutral, not as isolated", () => {
    expect(postureOf(node({ pods: 0 }))).toBe("empty");
    expect(postureOf(node({ pods: 3 }))).toBe("isolated");
    expect(postureOf(node({ pods: 3, openEgressPods: 1 }))).toBe("open");
    const empty = POSTURE_MARKS.find((m) => m.posture === "empty")!;
    expect(fillOf(node({ pods: 0 }))).toBe(empty.fill);
    expect(styleOf(false, "node.empty")["background-color"]).toBe(empty.fill);
  });

  it("draws each kind with the shape and colours of the table the legend draws from", () => {
    for (const dark of [false, true])
      for (const mark of KIND_MARKS) {
        const style = styleOf(dark, `node[kind = '${mark.kind}']`);
        expect(style.shape).toBe(mark.shape);
        if (mark.fill !== undefined) expect(style["background-color"]).toBe(mark.fill);
      }
    expect(KIND_MARKS.find((m) => m.kind === "outside")?.shape).toBe("hexagon");
    // A group of a namespace's own workloads is drawn as a workload, not as a group of namespaces.
    expect(styleOf(false, WORKLOAD_GROUP_MARK.selector).shape).toBe(WORKLOAD_GROUP_MARK.shape);
    expect(WORKLOAD_GROUP_MARK.shape).toBe(KIND_MARKS.find((m) => m.kind === "identity")?.shape);
    expect(WORKLOAD_GROUP_MARK.shape).not.toBe(KIND_MARKS.find((m) => m.kind === "group")?.shape);
    expect(fillOf(node({ kind: "outside", pods: 0 }))).toBe(
      KIND_MARKS.find((m) => m.kind === "outside")!.fill,
    );
  });

  it("glows only where the worst finding is critical, more strongly on the dark background", () => {
    expect(glows(node({ worst: "critical" }))).toBe(true);
    expect(glows(node({ worst: "high" }))).toBe(false);
    expect(glows(node({}))).toBe(false);
    expect(criticalGlow(true).opacity).toBeGreaterThan(criticalGlow(false).opacity);
    expect(styleOf(true, "node.critical")["underlay-opacity"]).toBe(criticalGlow(true).opacity);
  });

  it("writes labels and background in the theme's colours, port labels only on labelled edges", () => {
    expect(styleOf(false, "node").color).not.toBe(styleOf(true, "node").color);
    expect(styleOf(false, "edge").label).toBeUndefined();
    expect(styleOf(false, "edge.labelled").label).toBe("data(portsText)");
    expect(styleOf(false, ".faded")["text-opacity"]).toBe(styleOf(false, ".faded").opacity);
    expect(styleOf(false, "edge.two-way")["curve-style"]).toBe("bezier");
  });
});

describe("the node list", () => {
  it("lists every node of a large view, by name", () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      node({ id: `wl:${i}`, kind: "identity", label: `w${i}` }),
    );
    const listed = listedNodes(many, "", false, undefined);
    expect(listed).toHaveLength(5000);
    expect(listed[0]?.label).toBe("w0");
    expect(listed.at(-1)?.label).toBe("w999");
  });

  it("lists what the search, open-only and severity leave at full strength", () => {
    const nodes = [
      node({ id: "ns:a", label: "shop", worst: "critical" }),
      node({ id: "ns:b", label: "bank", labels: { team: "shop" }, openIngressPods: 1 }),
      node({ id: "ns:c", label: "mail" }),
      node({ id: "any", kind: "any", label: "any pod", pods: 0 }),
    ];
    expect(listedNodes(nodes, " SHOP ", false, undefined).map((n) => n.id)).toEqual(["ns:b", "ns:a"]);
    expect(listedNodes(nodes, "", true, undefined).map((n) => n.id)).toEqual(["any", "ns:b"]);
    expect(listedNodes(nodes, "", false, "critical").map((n) => n.id)).toEqual(["any", "ns:a"]);
  });

  it("renders the rows in the window and some beyond, never past either end", () => {
    expect(visibleRows(0, 480, 24, 10_000, 5)).toEqual({ first: 0, end: 25 });
    expect(visibleRows(2400, 480, 24, 10_000, 5)).toEqual({ first: 95, end: 125 });
    expect(visibleRows(24 * 9_990, 480, 24, 10_000, 5)).toEqual({ first: 9_985, end: 10_000 });
    expect(visibleRows(0, 480, 24, 3, 5)).toEqual({ first: 0, end: 3 });
    expect(visibleRows(0, 0, 24, 0, 5)).toEqual({ first: 0, end: 0 });
  });

  it("scrolls just enough to show a row", () => {
    expect(scrollToRow(0, 480, 24, 5)).toBe(0);
    expect(scrollToRow(0, 480, 24, 100)).toBe(101 * 24 - 480);
    expect(scrollToRow(2400, 480, 24, 10)).toBe(240);
  });
});
