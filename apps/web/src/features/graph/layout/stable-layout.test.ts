import { ViewEdge, ViewNode } from "@trustmap/shared";
import cytoscape, { type Core, type NodeSingular } from "cytoscape";
import { describe, expect, it, vi } from "vitest";
import { LayoutCache } from "./cache";
import { layOut, type Point, SPACING } from "./positions";
import { inputOf, StableLayout } from "./stable-layout";
import { LayoutWorkerClient } from "./worker-client";

// The layout against a real (headless) cytoscape. The worker client here has no Worker (as in
// Node): it runs the same layout on the page, after a tick, as the browser's fallback does.

const nodes = Array.from({ length: 30 }, (_, i) =>
  ViewNode.parse({
    id: `ns:team-${i}`,
    kind: "namespace",
    label: `team-${i}`,
    namespace: `team-${i}`,
    pods: 1,
    openIngressPods: 0,
    openEgressPods: 0,
  }),
);
const edges = nodes.slice(1).map((node, i) =>
  ViewEdge.parse({
    id: `${node.id}->ns:team-${i % 5}`,
    source: node.id,
    target: `ns:team-${i % 5}`,
    ports: "all",
    pairs: 1,
  }),
);

function graph(): Core {
  const cy = cytoscape({ headless: true, styleEnabled: false });
  cy.add([
    ...nodes.map((data) => ({ group: "nodes" as const, data })),
    ...edges.map((data) => ({ group: "edges" as const, data })),
  ]);
  return cy;
}

function positionsOn(cy: Core): Record<string, Point> {
  return Object.fromEntries(cy.nodes().map((node) => [node.id(), { ...node.position() }]));
}

function setUp(cache: LayoutCache) {
  const cy = graph();
  const layout = new StableLayout(cy, "overview", cache, new LayoutWorkerClient(() => undefined));
  return { cy, layout };
}

describe("a view's stable layout", () => {
  it("shows a new view at once, then the worker's layout, and the same on the next visit", async () => {
    const cache = new LayoutCache(undefined);
    const first = setUp(cache);
    first.layout.placeSnapshot();
    const expected = Object.fromEntries(layOut(inputOf(first.cy)));
    // Every node has a place of its own before the worker answers.
    expect(new Set(first.cy.nodes().map((n) => `${n.position().x},${n.position().y}`)).size).toBe(30);
    await vi.waitFor(() => expect(positionsOn(first.cy)).toEqual(expected));
    first.layout.destroy();

    const second = setUp(cache);
    second.layout.placeSnapshot();
    expect(positionsOn(second.cy)).toEqual(expected);

    // Another tab, no cache: the same view is laid out the same.
    const elsewhere = setUp(new LayoutCache(undefined));
    elsewhere.layout.placeSnapshot();
    await vi.waitFor(() => expect(positionsOn(elsewhere.cy)).toEqual(expected));
  });

  it("places a patch's new node beside its neighbours and moves nothing else; a removed node is forgotten", async () => {
    const cache = new LayoutCache(undefined);
    const { cy, layout } = setUp(cache);
    layout.placeSnapshot();
    await vi.waitFor(() => expect(cache.get("overview")).toBeDefined());
    const before = positionsOn(cy);
    const added = cy.add({
      group: "nodes",
      data: { ...nodes[0]!, id: "ns:new", namespace: "new" },
    }) as unknown as NodeSingular;
    cy.add({ group: "edges", data: { id: "ns:new->ns:team-7", source: "ns:new", target: "ns:team-7" } });
    cy.add({ group: "edges", data: { id: "ns:team-9->ns:new", source: "ns:team-9", target: "ns:new" } });
    cy.getElementById("ns:team-29").remove();
    layout.placeAdded([added]);
    const after = positionsOn(cy);
    const { "ns:new": placed, ...rest } = after;
    const { "ns:team-29": _gone, ...kept } = before;
    expect(rest).toEqual(kept);
    const a = before["ns:team-7"]!;
    const b = before["ns:team-9"]!;
    const middle = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    expect(Math.hypot(placed!.x - middle.x, placed!.y - middle.y)).toBeLessThanOrEqual(2 * SPACING);
    expect(Object.fromEntries(cache.get("overview")!)).toEqual(after);
  });

  it("draws the same layout at once for a picture drawn once (no view)", () => {
    const cy = graph();
    new StableLayout(
      cy,
      undefined,
      new LayoutCache(undefined),
      new LayoutWorkerClient(() => undefined),
    ).placeSnapshot();
    expect(positionsOn(cy)).toEqual(Object.fromEntries(layOut(inputOf(cy))));
  });
});
