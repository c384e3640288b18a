import { ClusterState, OverviewView } from "@trustmap/engine";
import { SCALES, SyntheticWorld } from "@trustmap/engine/synthetic-world";
import type { ViewEdge, ViewNode } from "@trustmap/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ScriptedSource } from "../testing/scripted";
import { LiveCluster } from "./cluster";
import { LiveView } from "./views";

const byId = <T extends { id: string }>(items: readonly T[]) =>
  [...items].sort((a, b) => a.id.localeCompare(b.id));

function contents(snapshot: { readonly nodes: readonly ViewNode[]; readonly edges: readonly ViewEdge[] }) {
  return { nodes: byId(snapshot.nodes), edges: byId(snapshot.edges) };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe("a view's copy on the main thread", () => {
  it("reads a snapshot part by part, answering from what it held until the last part", () => {
    const node = (id: string) => ({
      id,
      kind: "namespace" as const,
      label: id,
      pods: 1,
      openIngressPods: 0,
      openEgressPods: 0,
    });
    const view = new LiveView("overview", { kind: "overview" });
    view.loadPart({ view: "overview", revision: 3, nodes: [node("old")], edges: [] }, true, true);
    expect(view.loadPart({ view: "overview", revision: 7, nodes: [node("a")], edges: [] }, true, false)).toBe(
      false,
    );
    // Between parts the view still is the old snapshot, whole.
    expect(view.snapshot()).toMatchObject({ revision: 3, nodes: [node("old")] });
    expect(view.loadPart({ view: "overview", revision: 7, nodes: [node("b")], edges: [] }, false, true)).toBe(
      true,
    );
    expect(view.snapshot()).toEqual({
      view: "overview",
      revision: 7,
      nodes: [node("a"), node("b")],
      edges: [],
    });
    expect(view.patchesSince(7)).toEqual([]);
  });

  it("holds a large view sent in parts exactly as the engine computes it", async () => {
    const world = new SyntheticWorld(SCALES.M!, 4);
    const source = new ScriptedSource();
    const live = new LiveCluster(source);
    live.start();
    stops.push(() => live.stop());
    source.push(world.initialEvents());
    let ready = 0;
    live.listen({ patch() {}, status() {}, ready: () => ready++ });
    const view = live.watch("overview", { kind: "overview" });
    await live.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(view.ready).toBe(true);
    expect(ready).toBe(1);
    const state = new ClusterState();
    state.applyAll(world.initialEvents());
    const expected = new OverviewView(state).snapshot();
    // Large enough to come in several parts.
    expect(expected.nodes.length + expected.edges.length).toBeGreaterThan(2000);
    expect(contents(view.snapshot())).toEqual(contents(expected));
  });
});
