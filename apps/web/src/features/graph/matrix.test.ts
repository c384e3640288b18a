import type { ViewEdge, ViewNode } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { cellAt, cellColour, matrixLayout } from "./matrix";

const node = (id: string, label: string, extra: Partial<ViewNode> = {}): ViewNode => ({
  id,
  kind: "namespace",
  label,
  pods: 1,
  openIngressPods: 0,
  openEgressPods: 0,
  ...extra,
});
const edge = (source: string, target: string, pairs = 1): ViewEdge => ({
  id: `${source}->${target}`,
  source,
  target,
  ports: "all",
  pairs,
});

describe("the view as a matrix", () => {
  it("puts every drawn node on both axes by name, any pod and outside last, an opened group's frame left out", () => {
    const layout = matrixLayout(
      [
        node("outside", "outside the cluster", { kind: "outside" }),
        node("ns:b", "b"),
        node("grp:team=x", "team=x", { kind: "group", open: true }),
        node("ns:a", "a", { group: "grp:team=x" }),
        node("grp:team=y", "team=y", { kind: "group" }),
      ],
      [edge("ns:a", "ns:b", 30), edge("outside", "ns:a"), edge("ns:b", "grp:team=x")],
    );
    expect(layout.axis.map((n) => n.id)).toEqual(["ns:a", "ns:b", "grp:team=y", "outside"]);
    // Every edge between drawn nodes is a cell; one to the frame has no cell of its own.
    expect([...layout.cells.keys()].sort()).toEqual(["0,1", "3,0"]);
    const hit = cellAt(layout, layout.margin + layout.cell * 1.5, layout.margin + layout.cell * 0.5);
    expect(hit?.row.id).toBe("ns:a");
    expect(hit?.column.id).toBe("ns:b");
    expect(hit?.edge?.pairs).toBe(30);
    expect(cellAt(layout, layout.margin + 2, layout.margin + layout.cell * 1.5)?.edge).toBeUndefined();
    expect(cellAt(layout, 0, 0)).toBeUndefined();
  });

  it("keeps cells readable on small views and at least 3 px on large ones", () => {
    const many = Array.from({ length: 2500 }, (_, i) => node(`ns:n${i}`, `n${i}`));
    const large = matrixLayout(many, []);
    expect(large.cell).toBe(3);
    expect(large.size).toBe(3 * 2500);
    expect(matrixLayout(many.slice(0, 10), []).cell).toBe(28);
  });

  it("colours a cell by its pairs' order of magnitude, red where the destination is open", () => {
    const closed = node("ns:a", "a");
    const open = node("ns:b", "b", { openIngressPods: 3 });
    expect(cellColour(edge("x", "ns:a", 5), closed, false)).not.toBe(
      cellColour(edge("x", "ns:a", 5000), closed, false),
    );
    expect(cellColour(edge("x", "ns:b", 5), open, false)).not.toBe(
      cellColour(edge("x", "ns:a", 5), closed, false),
    );
    expect(cellColour(edge("x", "ns:a", 5), closed, true)).not.toBe(
      cellColour(edge("x", "ns:a", 5), closed, false),
    );
  });
});
