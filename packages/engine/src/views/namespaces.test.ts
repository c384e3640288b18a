import type { Finding } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AcceptedException, judge } from "../findings/exceptions";
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

/** The namespace list as read literally from the objects and the open and accepted findings. */
function literalSummaries(state: ClusterState, findings: readonly Finding[], accepted: ReadonlySet<Finding>) {
  const cluster = state.cluster();
  return cluster.namespaces.map((ns) => {
    const pods = cluster.pods.filter((p) => p.namespace === ns.name);
    const policies = cluster.networkPolicies.filter((p) => p.namespace === ns.name);
    const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    let acceptedHere = 0;
    for (const f of findings)
      if (namespacesOfFinding(f).has(ns.name)) {
        if (accepted.has(f)) acceptedHere++;
        else counts[f.severity]++;
      }
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
      accepted: acceptedHere,
    };
  });
}

const NOW = Date.parse("2026-06-01T12:00:00Z");

/** Exceptions made from findings the cluster has: by namespace, by kind and name, or by a glob; some lapsed. */
const exceptionSeeds = fc.array(
  fc.record({
    pick: fc.nat(),
    by: fc.constantFrom("namespace", "kind-name", "glob"),
    lapsed: fc.boolean(),
  }),
  { maxLength: 4 },
);

function exceptionsOf(state: ClusterState, seeds: readonly { pick: number; by: string; lapsed: boolean }[]) {
  const located = state.located();
  if (located.length === 0) return [];
  return seeds.map(({ pick, by, lapsed }, index): AcceptedException => {
    const { finding, pod } = located[pick % located.length]!;
    const [kind = "", ...rest] = finding.objects[0]!.split("/");
    const namespace = pod?.namespace ?? (rest.length > 1 ? rest[0] : undefined);
    const name = pod?.owner.name ?? rest.at(-1) ?? "";
    const match =
      by === "namespace" && namespace !== undefined
        ? { namespace }
        : by === "glob"
          ? { name: `${name.slice(0, 1)}*` }
          : { kind: pod?.owner.kind ?? kind, name };
    return {
      index,
      check: finding.id,
      match,
      reason: "reviewed",
      owner: "platform",
      expires: lapsed ? "2026-05-31" : "2026-06-01",
    };
  });
}

const rank = (severity: Finding["severity"]) =>
  ["critical", "high", "medium", "low", "info"].indexOf(severity);

describe("the namespace list, the cluster's counts and the pods' marks", () => {
  it("equal a literal reading of the objects and findings, accepted exceptions apart, after every event of random sequences", () => {
    let acceptedSeen = 0;
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(command, { minLength: 1, maxLength: 8 }),
        exceptionSeeds,
        (network, rbac, commands, seeds) => {
          const initial = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(initial.cluster);
          const exceptions = exceptionsOf(state, seeds);
          state.accept(exceptions, NOW);
          for (const cmd of [undefined, ...commands]) {
            if (cmd !== undefined) state.applyAll(eventsOf(state, cmd));
            const located = state.located();
            const findings = located.map((l) => l.finding);
            const accepted = new Set(
              located
                .filter((l) => judge(exceptions, l.finding, l.pod, NOW).state === "accepted")
                .map((l) => l.finding),
            );
            acceptedSeen += accepted.size;
            // The graph's marks: a pod's worst open finding.
            for (const pod of state.pods()) {
              let worst: Finding["severity"] | undefined;
              for (const l of located)
                if (l.pod === pod && !accepted.has(l.finding))
                  worst =
                    worst === undefined || rank(l.finding.severity) < rank(worst)
                      ? l.finding.severity
                      : worst;
              expect(state.worstOfPod(`${pod.namespace}/${pod.name}`)).toBe(worst);
            }
            expect(namespaceSummaries(state)).toEqual(literalSummaries(state, findings, accepted));
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
              findings: findings.length - accepted.size,
              accepted: accepted.size,
            });
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    // The exceptions made accepted findings (else the test would only check the counts without them).
    expect(acceptedSeen).toBeGreaterThan(0);
  });

  it("count a pod's finding at the severity its hit has (a strong capability raises it), as the worded findings say", () => {
    const pod = (name: string, add: string[]) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "caps" },
      spec: { containers: [{ name: "main", image: "app:1", securityContext: { capabilities: { add } } }] },
    });
    const parsed = parseCluster(
      [pod("weak", ["NET_BIND_SERVICE"]), pod("strong", ["SYS_ADMIN"])].map((object, i) => ({
        source: `doc ${i}`,
        object,
      })),
    );
    const state = ClusterState.from(parsed.cluster);
    const worded = state.findingsInNamespace("caps");
    expect(
      worded
        .filter((f) => f.id === "added-capabilities")
        .map((f) => f.severity)
        .sort(),
    ).toEqual(["high", "medium"]);
    const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const finding of worded) counts[finding.severity]++;
    expect(namespaceSummaries(state).find((n) => n.name === "caps")?.findings).toEqual(counts);
  });
});
