import type { Finding } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { namespacesOfFinding } from "../findings/finding";
import type { Cluster, NetworkPolicy, Pod } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { selectorMatches } from "../selectors/labelSelector";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster, rbacCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { clusterCounts, namespaceSummaries } from "./namespaces";

type Direction = "ingress" | "egress";
const affects = (p: NetworkPolicy, d: Direction) => (d === "ingress" ? p.affectsIngress : p.affectsEgress);

/** A pod is isolated in a direction when a policy of its namespace selects it and lists the direction. */
function isolated(cluster: Cluster, pod: Pod, d: Direction): boolean {
  return cluster.networkPolicies.some(
    (p) => p.namespace === pod.namespace && affects(p, d) && selectorMatches(p.podSelector, pod.labels),
  );
}

/** Default deny: a policy selecting every pod, listing the direction, with no rule open to everything. */
function denies(policies: readonly NetworkPolicy[], d: Direction): boolean {
  return policies.some(
    (p) =>
      Object.keys(p.podSelector.matchLabels).length === 0 &&
      p.podSelector.matchExpressions.length === 0 &&
      affects(p, d) &&
      (d === "ingress" ? p.ingress : p.egress).every(
        (rule) => rule.peers.length > 0 || rule.ports.length > 0,
      ),
  );
}

/** The namespace list as read literally from the objects and the findings. */
function literalSummaries(state: ClusterState, findings: readonly Finding[]) {
  const cluster = state.cluster();
  return cluster.namespaces.map((ns) => {
    const pods = cluster.pods.filter((p) => p.namespace === ns.name);
    const policies = cluster.networkPolicies.filter((p) => p.namespace === ns.name);
    const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const f of findings) if (namespacesOfFinding(f).has(ns.name)) counts[f.severity]++;
    return {
      name: ns.name,
      labels: ns.labels,
      declared: ns.declared,
      pods: pods.length,
      identities: new Set(pods.map((p) => state.identityOfPod(`${p.namespace}/${p.name}`)!.key)).size,
      networkPolicies: policies.length,
      defaultDenyIngress: denies(policies, "ingress"),
      defaultDenyEgress: denies(policies, "egress"),
      openIngressPods: pods.filter((p) => !isolated(cluster, p, "ingress")).length,
      openEgressPods: pods.filter((p) => !isolated(cluster, p, "egress")).length,
      findings: counts,
    };
  });
}

describe("the namespace list and the cluster's counts", () => {
  it("equal a literal reading of the objects and findings, after every event of random sequences", () => {
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(command, { minLength: 1, maxLength: 8 }),
        (network, rbac, commands) => {
          const initial = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(initial.cluster);
          for (const cmd of [undefined, ...commands]) {
            if (cmd !== undefined) state.applyAll(eventsOf(state, cmd));
            const findings = state.findings();
            const inNamespace = (name: string) => findings.filter((f) => namespacesOfFinding(f).has(name));
            expect(namespaceSummaries(state, inNamespace)).toEqual(literalSummaries(state, findings));
            const cluster = state.cluster();
            expect(clusterCounts(state)).toEqual({
              namespaces: cluster.namespaces.length,
              pods: cluster.pods.length,
              identities: new Set(
                cluster.pods.map((p) => state.identityOfPod(`${p.namespace}/${p.name}`)!.key),
              ).size,
              networkPolicies: cluster.networkPolicies.length,
              subjects: state.rbac().length,
              bindings: cluster.bindings.length,
              findings: findings.length,
            });
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});
