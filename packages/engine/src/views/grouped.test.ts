import { decodeNodeId, hasControlCharacter } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { GroupedView, type Grouping, groupGraph } from "./grouped";
import { groupValue } from "./scoped";
import { applyPatch, type ViewEdge, type ViewNode } from "./view";
import { NamespaceView, OverviewView } from "./views";

const byId = <T extends { id: string }>(items: Iterable<T>) =>
  [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

/** The view grouped: the cluster by namespace (undefined) or one namespace's view. */
function innerView(state: ClusterState, namespace: string | undefined) {
  return namespace === undefined ? new OverviewView(state) : new NamespaceView(state, namespace);
}

/** The grouped view a fresh engine gives: the inner view, grouped from scratch. */
function fresh(state: ClusterState, grouping: Grouping, namespace: string | undefined) {
  const graph = groupGraph(
    innerView(state, namespace).snapshot(),
    (namespace) => groupValue(state, namespace, grouping.by),
    grouping,
  );
  return { nodes: byId(graph.nodes.values()), edges: byId(graph.edges.values()) };
}

const grouping: fc.Arbitrary<Grouping> = fc.record({
  by: fc.constantFrom("team", "app", "tier"),
  open: fc.uniqueArray(fc.constantFrom<string | null>("a", "b", "c", null), { maxLength: 2 }),
});

describe("namespaces grouped by a namespace label", () => {
  // The patches at least expected: the cluster's view changes with nearly every event, a
  // namespace's view misses the events elsewhere.
  it.each([
    ["the cluster by namespace", undefined, RUNS],
    ["a namespace's view, the namespaces around it", "ns0", RUNS / 2],
  ])(
    "in %s: equal to the view grouped from scratch after every event, with the patches applied in order",
    (_, namespace, fewestPatches) => {
      let patches = 0;
      let groups = 0;
      fc.assert(
        fc.property(
          networkCluster,
          fc.array(command, { minLength: 1, maxLength: 15 }),
          grouping,
          (network, commands, chosen) => {
            const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
            const state = ClusterState.from(initial.cluster);
            const view = new GroupedView(state, chosen, innerView(state, namespace));
            const first = view.snapshot();
            const client = {
              nodes: new Map<string, ViewNode>(first.nodes.map((n) => [n.id, n])),
              edges: new Map<string, ViewEdge>(first.edges.map((e) => [e.id, e])),
              revision: first.revision,
            };
            expect({ nodes: byId(first.nodes), edges: byId(first.edges) }).toEqual(
              fresh(state, chosen, namespace),
            );
            for (const cmd of commands) {
              for (const event of eventsOf(state, cmd)) {
                const delta = state.apply(event);
                const patch = view.update(delta);
                if (patch !== undefined) {
                  expect(patch.base).toBe(client.revision);
                  applyPatch(client, patch);
                  client.revision = patch.revision;
                  patches++;
                }
                const expected = fresh(ClusterState.from(state.cluster()), chosen, namespace);
                expect({ nodes: byId(client.nodes.values()), edges: byId(client.edges.values()) }).toEqual(
                  expected,
                );
                for (const node of client.nodes.values()) {
                  expect(hasControlCharacter(node.id)).toBe(false);
                  expect(decodeNodeId(node.id)).toBeDefined();
                  if (node.kind === "group") groups++;
                }
              }
            }
          },
        ),
        { numRuns: RUNS },
      );
      expect(patches).toBeGreaterThan(fewestPatches);
      expect(groups).toBeGreaterThan(0);
    },
  );

  it("sums a closed group's namespaces and their edges, and shows an opened group's namespaces in it", () => {
    const overview = {
      nodes: [
        {
          id: "ns:a",
          kind: "namespace" as const,
          label: "a",
          namespace: "a",
          pods: 2,
          openIngressPods: 1,
          openEgressPods: 0,
          worst: "high" as const,
        },
        {
          id: "ns:b",
          kind: "namespace" as const,
          label: "b",
          namespace: "b",
          pods: 3,
          openIngressPods: 0,
          openEgressPods: 3,
          worst: "critical" as const,
        },
        {
          id: "ns:c",
          kind: "namespace" as const,
          label: "c",
          namespace: "c",
          pods: 1,
          openIngressPods: 1,
          openEgressPods: 1,
        },
        {
          id: "outside",
          kind: "outside" as const,
          label: "outside the cluster",
          pods: 0,
          openIngressPods: 0,
          openEgressPods: 0,
        },
      ],
      edges: [
        {
          id: "ns:a->ns:c",
          source: "ns:a",
          target: "ns:c",
          ports: [{ protocol: "TCP" as const, port: 80 }],
          pairs: 2,
        },
        {
          id: "ns:b->ns:c",
          source: "ns:b",
          target: "ns:c",
          ports: [{ protocol: "TCP" as const, port: 443 }],
          pairs: 3,
        },
        { id: "outside->ns:a", source: "outside", target: "ns:a", ports: "all" as const, pairs: 2 },
      ],
    };
    const team = (namespace: string) => (namespace === "c" ? null : "shop");
    const closed = groupGraph(overview, team, { by: "team", open: [] });
    expect(closed.nodes.get("grp:team=shop")).toEqual({
      id: "grp:team=shop",
      kind: "group",
      label: "team=shop",
      pods: 5,
      openIngressPods: 1,
      openEgressPods: 3,
      namespaces: 2,
      worst: "critical",
    });
    expect(closed.nodes.get("grp:team")).toMatchObject({ label: "no team label", pods: 1, namespaces: 1 });
    expect(closed.edges.get("grp:team=shop->grp:team")).toEqual({
      id: "grp:team=shop->grp:team",
      source: "grp:team=shop",
      target: "grp:team",
      ports: [
        { protocol: "TCP", port: 80 },
        { protocol: "TCP", port: 443 },
      ],
      pairs: 5,
    });
    expect(closed.edges.get("outside->grp:team=shop")?.ports).toBe("all");
    const opened = groupGraph(overview, team, { by: "team", open: ["shop"] });
    expect(opened.nodes.get("grp:team=shop")).toMatchObject({ open: true, namespaces: 2, pods: 5 });
    expect(opened.nodes.get("ns:a")).toMatchObject({ group: "grp:team=shop", pods: 2 });
    expect([...opened.edges.keys()].sort()).toEqual(["ns:a->grp:team", "ns:b->grp:team", "outside->ns:a"]);
  });
});
