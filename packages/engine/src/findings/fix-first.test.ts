import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceConnectivity, rulePorts } from "../netpol/reference";
import { type Cluster, type Pod, podKey } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { analyze } from "../report/report";
import { selectorMatches } from "../selectors/labelSelector";
import { ClusterState } from "../state/cluster-state";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { fixFirst } from "./fix-first";
import { judgeFindings } from "./gaps";
import { indexFindings } from "./groups";
import { RISKY_RIGHTS } from "./rbac";

const RISKY_IDS = new Set(RISKY_RIGHTS.map((right) => right.id));

/**
 * The exposure of one pod read literally from the cluster's objects: the from-scratch reference
 * connectivity for traffic from outside; the policies as written for "any namespace" (no policy
 * isolates the pod for ingress, or one of them has a rule with no peers, i.e. every source, on a
 * port the pod has); the
 * containers for privileged; the from-scratch report's risky-right findings for the token.
 */
function literalExposure(cluster: Cluster, pod: Pod) {
  const key = podKey(pod);
  const outside = referenceConnectivity(cluster).external.some(
    (access) => access.pod === key && access.direction === "ingress" && !access.ports.isEmpty(),
  );
  const isolating = cluster.networkPolicies.filter(
    (p) => p.namespace === pod.namespace && p.affectsIngress && selectorMatches(p.podSelector, pod.labels),
  );
  const anyNamespace =
    isolating.length === 0 ||
    isolating.some((p) => p.ingress.some((r) => r.peers.length === 0 && !rulePorts(r.ports, pod).isEmpty()));
  const account = cluster.serviceAccounts.find(
    (sa) => sa.namespace === pod.namespace && sa.name === pod.serviceAccountName,
  );
  const mounted = pod.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
  const ref = `ServiceAccount/${pod.namespace}/${pod.serviceAccountName}`;
  const risky = analyze(cluster).findings.some((f) => RISKY_IDS.has(f.id) && f.objects[0] === ref);
  return {
    outside,
    anyNamespace,
    privileged: pod.security.containers.some((c) => c.privileged === true),
    riskyToken: mounted && risky,
  };
}

describe("fix-first exposure", () => {
  it("equals a literal reading of the objects for every workload", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(networkCluster, rbacCluster, (network, rbac) => {
        const parsed = parseCluster(
          [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
        );
        const state = ClusterState.from(parsed.cluster);
        const open = judgeFindings(indexFindings(state.located()), {}, [], 0).open;
        const ranked = fixFirst(state, open);
        for (const entry of ranked) {
          if (entry.kind !== "workload") continue;
          const pods = new Set(
            open
              .filter((l) => l.key === `${entry.object.kind}/${entry.object.namespace}/${entry.object.name}`)
              .map((l) => l.pod!),
          );
          const expected = { outside: false, anyNamespace: false, privileged: false, riskyToken: false };
          for (const pod of pods) {
            const one = literalExposure(parsed.cluster, pod);
            expected.outside ||= one.outside;
            expected.anyNamespace ||= one.anyNamespace;
            expected.privileged ||= one.privileged;
            expected.riskyToken ||= one.riskyToken;
          }
          expect(entry.exposure, entry.name).toEqual(expected);
          seen.add(`outside ${expected.outside}`).add(`anyNamespace ${expected.anyNamespace}`);
        }
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
    // The random clusters tried both answers of each network question.
    expect([...seen].sort()).toEqual([
      "anyNamespace false",
      "anyNamespace true",
      "outside false",
      "outside true",
    ]);
  });
});
