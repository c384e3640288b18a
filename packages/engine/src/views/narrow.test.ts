import { narrowGraph, narrowPatch, narrowSnapshot, nodeVisible } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { applyPatch, type ViewEdge, type ViewNode } from "./view";
import { NamespaceView, OverviewView, type View, WorkloadView } from "./views";

// A user who may read some namespaces only gets each view narrowed to them: the narrowed snapshot,
// then narrowed patches, must hold exactly the fresh view restricted to those namespaces after
// every event, and never name a node of another namespace.

const NAMESPACES = ["ns0", "ns1", "ns2", "ns3"];

interface Held {
  readonly view: View;
  readonly fresh: (state: ClusterState) => View;
  nodes: Map<string, ViewNode>;
  edges: Map<string, ViewEdge>;
}

function sorted(graph: { nodes: Map<string, ViewNode>; edges: Map<string, ViewEdge> }) {
  return {
    nodes: [...graph.nodes.keys()].sort(),
    edges: [...graph.edges.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

describe("views narrowed to the namespaces a user may read", () => {
  it("equal the fresh view restricted to those namespaces after every event, patches narrowed alike", () => {
    let checked = 0;
    fc.assert(
      fc.property(
        networkCluster,
        fc.array(command, { minLength: 1, maxLength: 12 }),
        fc.subarray(NAMESPACES),
        (network, commands, readable) => {
          const visible = new Set(readable);
          const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
          const state = ClusterState.from(initial.cluster);
          const firstIdentity = [...state.identities()][0]?.key ?? "none";
          const views: { make: (s: ClusterState) => View }[] = [
            { make: (s) => new OverviewView(s) },
            ...NAMESPACES.map((ns) => ({ make: (s: ClusterState) => new NamespaceView(s, ns) })),
            { make: (s) => new WorkloadView(s, firstIdentity) },
          ];
          const held: Held[] = views.map(({ make }) => {
            const view = make(state);
            const whole = view.snapshot();
            const { snapshot } = narrowSnapshot(
              { view: "v", revision: whole.revision, nodes: [...whole.nodes], edges: [...whole.edges] },
              visible,
            );
            return {
              view,
              fresh: make,
              nodes: new Map(snapshot.nodes.map((n) => [n.id, n])),
              edges: new Map(snapshot.edges.map((e) => [e.id, e])),
            };
          });
          for (const cmd of commands) {
            for (const event of eventsOf(state, cmd)) {
              const delta = state.apply(event);
              const fresh = ClusterState.from(state.cluster());
              for (const h of held) {
                const patch = h.view.update(delta);
                if (patch !== undefined) {
                  const narrowed = narrowPatch(
                    {
                      view: "v",
                      base: patch.base,
                      revision: patch.revision,
                      putNodes: [...patch.putNodes],
                      removeNodes: [...patch.removeNodes],
                      putEdges: [...patch.putEdges],
                      removeEdges: [...patch.removeEdges],
                    },
                    visible,
                  );
                  for (const id of [...narrowed.removeNodes, ...narrowed.putNodes.map((n) => n.id)])
                    expect(nodeVisible(id, visible)).toBe(true);
                  for (const id of narrowed.removeEdges)
                    for (const end of id.split("->")) expect(nodeVisible(end, visible)).toBe(true);
                  applyPatch(h, narrowed);
                }
                const whole = h.fresh(fresh).snapshot();
                const expected = narrowGraph(
                  {
                    nodes: new Map(whole.nodes.map((n) => [n.id, n])),
                    edges: new Map(whole.edges.map((e) => [e.id, e])),
                  },
                  visible,
                );
                expect(sorted(h)).toEqual(sorted(expected));
                for (const edge of h.edges.values()) {
                  expect(h.nodes.has(edge.source)).toBe(true);
                  expect(h.nodes.has(edge.target)).toBe(true);
                }
                checked++;
              }
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(checked).toBeGreaterThan(RUNS);
  });
});
