import { decodeNodeId, hasControlCharacter } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { identitiesOfNode } from "./explain";
import {
  GroupedView,
  type Grouping,
  type Groupings,
  groupedNamespaceView,
  groupGraph,
  groupingKeys,
  workloadGroupingKeys,
} from "./grouped";
import { groupValue, nodeName } from "./scoped";
import { applyPatch, type ViewEdge, type ViewNode } from "./view";
import { NamespaceView, OverviewView } from "./views";

const byId = <T extends { id: string }>(items: Iterable<T>) =>
  [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

/** The view grouped: the cluster by namespace (undefined) or one namespace's view. */
function innerView(state: ClusterState, namespace: string | undefined) {
  return namespace === undefined ? new OverviewView(state) : new NamespaceView(state, namespace);
}

/** The grouped view a fresh engine gives: the inner view, grouped from scratch. */
function fresh(state: ClusterState, groupings: Groupings, namespace: string | undefined) {
  const graph = groupGraph(
    innerView(state, namespace).snapshot(),
    (namespace, by) => groupValue(state, namespace, by),
    groupings,
  );
  return { nodes: byId(graph.nodes.values()), edges: byId(graph.edges.values()) };
}

const grouping: fc.Arbitrary<Grouping> = fc.record({
  by: fc.constantFrom("team", "app", "tier"),
  open: fc.uniqueArray(fc.constantFrom<string | null>("a", "b", "c", null), { maxLength: 2 }),
});

/** The cluster's view groups namespaces; a namespace's view its neighbours, its own workloads, or both. */
function groupingsOf(namespace: string | undefined): fc.Arbitrary<Groupings> {
  if (namespace === undefined) return grouping.map((g) => ({ namespaces: g }));
  const workloads = grouping.map((g) => ({ ...g, namespace }));
  return fc.oneof(
    grouping.map((g): Groupings => ({ namespaces: g })),
    workloads.map((w): Groupings => ({ workloads: w })),
    fc.tuple(grouping, workloads).map(([g, w]): Groupings => ({ namespaces: g, workloads: w })),
  );
}

describe("namespaces grouped by a namespace label, a namespace's workloads by a pod label", () => {
  // The patches at least expected: the cluster's view changes with nearly every event, a
  // namespace's view misses the events elsewhere.
  it.each([
    ["the cluster by namespace", undefined, RUNS],
    ["a namespace's view, the namespaces around it and its own workloads", "ns0", RUNS / 2],
  ])(
    "in %s: equal to the view grouped from scratch after every event, with the patches applied in order",
    (_, namespace, fewestPatches) => {
      let patches = 0;
      let groups = 0;
      let workloadGroups = 0;
      fc.assert(
        fc.property(
          networkCluster,
          fc.array(command, { minLength: 1, maxLength: 15 }),
          groupingsOf(namespace),
          (network, commands, chosen) => {
            const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
            const state = ClusterState.from(initial.cluster);
            const view =
              namespace === undefined
                ? new GroupedView(state, chosen, innerView(state, namespace))
                : groupedNamespaceView(state, namespace, chosen);
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
                  if (decodeNodeId(node.id)?.kind === "workloads") workloadGroups++;
                }
              }
            }
          },
        ),
        { numRuns: RUNS },
      );
      expect(patches).toBeGreaterThan(fewestPatches);
      expect(groups).toBeGreaterThan(0);
      if (namespace !== undefined) expect(workloadGroups).toBeGreaterThan(0);
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
    const closed = groupGraph(overview, team, { namespaces: { by: "team", open: [] } });
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
    const opened = groupGraph(overview, team, { namespaces: { by: "team", open: ["shop"] } });
    expect(opened.nodes.get("grp:team=shop")).toMatchObject({ open: true, namespaces: 2, pods: 5 });
    expect(opened.nodes.get("ns:a")).toMatchObject({ group: "grp:team=shop", pods: 2 });
    expect([...opened.edges.keys()].sort()).toEqual(["ns:a->grp:team", "ns:b->grp:team", "outside->ns:a"]);
  });

  it("groups a namespace's own workloads by their pods' label, and leaves the namespaces around it as they are", () => {
    const workload = (name: string, labels: Record<string, string>, pods: number, open: number) => ({
      id: `wl:shop/${name}`,
      kind: "identity" as const,
      label: name,
      namespace: "shop",
      labels,
      pods,
      openIngressPods: open,
      openEgressPods: 0,
    });
    const view = {
      nodes: [
        workload("app=cart", { app: "cart", tier: "web" }, 2, 2),
        workload("app=pay", { app: "pay", tier: "web" }, 3, 0),
        workload("app=db", { app: "db" }, 1, 0),
        {
          id: "ns:other",
          kind: "namespace" as const,
          label: "other",
          namespace: "other",
          pods: 4,
          openIngressPods: 4,
          openEgressPods: 4,
        },
      ],
      edges: [
        { id: "a", source: "wl:shop/app=cart", target: "wl:shop/app=db", ports: "all" as const, pairs: 2 },
        { id: "b", source: "wl:shop/app=pay", target: "wl:shop/app=db", ports: "all" as const, pairs: 3 },
        { id: "c", source: "ns:other", target: "wl:shop/app=cart", ports: "all" as const, pairs: 8 },
      ],
    };
    const graph = groupGraph(view, () => null, { workloads: { namespace: "shop", by: "tier", open: [] } });
    expect(graph.nodes.get("wls:shop/tier=web")).toEqual({
      id: "wls:shop/tier=web",
      kind: "group",
      label: "tier=web",
      namespace: "shop",
      pods: 5,
      openIngressPods: 2,
      openEgressPods: 0,
      workloads: 2,
    });
    expect(graph.nodes.get("wls:shop/tier")).toMatchObject({ label: "no tier label", workloads: 1, pods: 1 });
    expect(graph.nodes.get("ns:other")).toMatchObject({ kind: "namespace", pods: 4 });
    expect([...graph.edges.values()].map((e) => [e.id, e.pairs])).toEqual([
      ["wls:shop/tier=web->wls:shop/tier", 5],
      ["ns:other->wls:shop/tier=web", 8],
    ]);
    const opened = groupGraph(view, () => null, {
      workloads: { namespace: "shop", by: "tier", open: ["web"] },
    });
    expect(opened.nodes.get("wls:shop/tier=web")).toMatchObject({ open: true, workloads: 2, pods: 5 });
    expect(opened.nodes.get("wl:shop/app=cart")).toMatchObject({ group: "wls:shop/tier=web", pods: 2 });
    expect([...opened.edges.keys()]).toEqual([
      "wl:shop/app=cart->wls:shop/tier",
      "wl:shop/app=pay->wls:shop/tier",
      "ns:other->wl:shop/app=cart",
    ]);
  });

  it("offers the labels that split nodes into groups: more than one group, fewer groups than nodes", () => {
    const namespace = (name: string, labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels },
    });
    const pod = (name: string, labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { namespace: "shop", name, labels },
      spec: { containers: [{ name: "main", image: "app:1" }] },
    });
    const objects = [
      namespace("shop", { team: "a", env: "prod", owner: "x" }),
      namespace("bank", { team: "a", env: "prod", owner: "x" }),
      namespace("lab", { team: "b", env: "prod" }),
      pod("cart-1", { app: "cart", tier: "web", team: "a", "pod-template-hash": "h1" }),
      pod("pay-1", { app: "pay", tier: "web", team: "a", "pod-template-hash": "h1" }),
      pod("db-1", { app: "db", tier: "data", team: "a", "pod-template-hash": "h2" }),
      pod("db-2", { app: "db", tier: "data", team: "a", "pod-template-hash": "h3" }),
    ];
    const state = ClusterState.from(
      parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
    );
    // team: a and b; owner: x and the namespace without it; env: one group of all (no use); the
    // namespace's name: a group each (no use).
    expect(groupingKeys(state)).toEqual({
      namespaces: 3,
      keys: [
        { key: "team", namespaces: 3, values: 2 },
        { key: "owner", namespaces: 2, values: 1 },
      ],
    });
    // Pods that differ only by their revision make workloads of their own; a revision's label
    // never groups them, nor does a label every workload shares.
    expect(workloadGroupingKeys(state, "shop")).toEqual({
      workloads: 4,
      keys: [
        { key: "tier", workloads: 4, values: 2 },
        { key: "app", workloads: 4, values: 3 },
      ],
    });
    // A group of workloads stands for the namespace's workloads with that value (explanations,
    // reach), and is named by it.
    const names = (id: string) =>
      identitiesOfNode(state, id)
        .map((identity) => identity.labels.app)
        .sort();
    expect(names("wls:shop/tier=data")).toEqual(["db", "db"]);
    expect(names("wls:shop/tier=web")).toEqual(["cart", "pay"]);
    expect(names("wls:shop/app")).toEqual([]);
    expect(names("wls:bank/tier=web")).toEqual([]);
    expect(nodeName(state, "wls:shop/tier=web")).toBe("tier=web in shop");
  });
});
