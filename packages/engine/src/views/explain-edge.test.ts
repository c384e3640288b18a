import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { networkCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { explainOpen, identitiesOfNode } from "./explain";
import { explainEdge } from "./explain-edge";
import { namespaceNodeId } from "./scoped";
import { ANY_POD, OUTSIDE } from "./view";

describe("the explanation of an edge with any pod or outside", () => {
  it("tells each different answer once, with how many workloads give it", () => {
    let merged = 0;
    fc.assert(
      fc.property(networkCluster, fc.nat(), fc.boolean(), fc.boolean(), (objects, pick, any, inbound) => {
        const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
        if (cluster.pods.length === 0) return;
        const state = ClusterState.from(cluster);
        const node = namespaceNodeId(cluster.pods[pick % cluster.pods.length]!.namespace);
        const other = any ? ANY_POD : OUTSIDE;
        const explanation = inbound ? explainEdge(state, other, node)! : explainEdge(state, node, other)!;
        const identities = identitiesOfNode(state, node);
        const each = identities.map((identity) =>
          explainOpen(node, identity, other, inbound ? "ingress" : "egress"),
        );
        // Every workload's answer is told, once: the groups add up to the workloads.
        expect(explanation.pairCount).toBe(identities.length);
        expect(explanation.open.reduce((sum, o) => sum + (o.alike ?? 0), 0)).toBe(identities.length);
        const told = new Set(explanation.open.map((o) => JSON.stringify([o.summary, o.side])));
        expect(told.size).toBe(explanation.open.length);
        for (const answer of each) expect(told.has(JSON.stringify([answer.summary, answer.side]))).toBe(true);
        // The headline only counts: no line of an answer is told again above it.
        for (const open of explanation.open) {
          for (const line of explanation.summary) expect(open.summary).not.toContain(line);
        }
        if (explanation.open.length < identities.length) merged++;
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    expect(merged).toBeGreaterThan(0);
  });
});

describe("the explanation of an edge between nodes that stand for many workloads", () => {
  it("names each pair's own workloads, not the group or namespace asked about", () => {
    const pod = (namespace: string, name: string, labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { namespace, name, labels },
      spec: { containers: [{ name: "main", image: "app:1" }] },
    });
    const objects = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { team: "a" } } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "bank", labels: { team: "a" } } },
      pod("shop", "cart-1", { app: "cart", tier: "web" }),
      pod("shop", "pay-1", { app: "pay", tier: "web" }),
      pod("shop", "db-1", { app: "db", tier: "data" }),
      pod("bank", "ledger-1", { app: "ledger" }),
    ];
    const state = ClusterState.from(
      parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object }))).cluster,
    );
    for (const [from, to, pairs] of [
      ["wls:shop/tier=web", "wls:shop/tier=data", 2],
      ["grp:team=a", "wls:shop/tier=web", 2 * 4],
      ["ns:bank", "ns:shop", 3],
    ] as const) {
      const explanation = explainEdge(state, from, to)!;
      expect(explanation.pairCount).toBe(pairs);
      const ends = explanation.pairs.map((p) => `${p.from.node} ${p.to.node}`);
      expect(new Set(ends).size).toBe(pairs);
      for (const p of explanation.pairs) {
        expect(p.from.node).toMatch(/^wl:/);
        expect(p.to.node).toMatch(/^wl:/);
      }
    }
  });
});
