import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceConnectivity, referenceSide } from "../netpol/reference";
import { type Cluster, type Pod, podKey } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { analyze } from "../report/report";
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
 * connectivity for traffic from outside; the reference's ingress side for "any pod" (every tier
 * read literally: no policy isolates the pod, or a rule with no peers, or a cluster-wide rule for
 * every pod, allows some port); the
 * containers for privileged; the from-scratch report's risky-right findings for the token.
 */
function literalExposure(cluster: Cluster, pod: Pod) {
  const key = podKey(pod);
  const outside = referenceConnectivity(cluster).external.some(
    (access) => access.pod === key && access.direction === "ingress" && !access.ports.isEmpty(),
  );
  // Any namespace: the pod's ingress, tier by tier, allows some port to a pod no selector of its own names.
  const namespaces = new Map(cluster.namespaces.map((ns) => [ns.name, ns]));
  const anyNamespace = !referenceSide(cluster, namespaces, pod, "ingress", "any", pod).ports.isEmpty();
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

describe("fix-first and Kubernetes' own RBAC", () => {
  const RBAC = "rbac.authorization.k8s.io/v1";
  const readSecrets = [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }];
  const clusterRole = (name: string) => ({
    apiVersion: RBAC,
    kind: "ClusterRole",
    metadata: { name },
    rules: readSecrets,
  });
  const crb = (name: string, role: string, subject: object) => ({
    apiVersion: RBAC,
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [subject],
  });
  const ranking = (objects: Record<string, unknown>[]) => {
    const parsed = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
    const state = ClusterState.from(parsed.cluster);
    return fixFirst(state, judgeFindings(indexFindings(state.located()), {}, [], 0).open);
  };

  it("ranks a team's binding before the API server's default binding of the same rights", () => {
    // The controller's binding as the API server writes it; the team's gives the same rules.
    const controller = "system:controller:namespace-controller";
    const ranked = ranking([
      clusterRole(controller),
      crb(controller, controller, {
        kind: "ServiceAccount",
        namespace: "kube-system",
        name: "namespace-controller",
      }),
      clusterRole("secret-reader"),
      crb("shop-secrets", "secret-reader", { kind: "ServiceAccount", namespace: "shop", name: "api" }),
    ]);
    expect(ranked.map((e) => [e.name, e.severity, e.score])).toEqual([
      ["shop/api", "high", 4],
      ["kube-system/namespace-controller", "high", 0],
    ]);
    // Both findings stay: only the ranking changes.
    expect(ranked.map((e) => e.findings.map((f) => f.id))).toEqual([
      ["rbac-read-secrets"],
      ["rbac-read-secrets"],
    ]);
    expect(ranked[1]!.why).toEqual([
      "worst open finding: high (weight 4)",
      "Kubernetes default RBAC, recreated by the API server at every start: restrict who can act as this subject instead of deleting it",
      "score 0",
    ]);
    // Without the rule the two would tie at 4, and the name would put kube-system/… first.
    expect(ranked[0]!.why.at(-1)).toBe("score 4 × 1 = 4");
  });

  it("ranks last only what rests on default bindings alone", () => {
    const controller = "system:controller:namespace-controller";
    const account = { kind: "ServiceAccount", namespace: "kube-system", name: "namespace-controller" };
    const names = (objects: Record<string, unknown>[]) => ranking(objects).map((e) => [e.name, e.score]);
    // A second, non-default binding of the same account: its right is no longer only Kubernetes'.
    expect(
      names([
        clusterRole(controller),
        crb(controller, controller, account),
        clusterRole("secret-reader"),
        crb("extra", "secret-reader", account),
        crb("shop-secrets", "secret-reader", { kind: "ServiceAccount", namespace: "shop", name: "api" }),
      ]),
    ).toEqual([
      ["kube-system/namespace-controller", 4],
      ["shop/api", 4],
    ]);
    // A "system:" binding of a "system:" role to a team's account or user is the team's to fix.
    for (const subject of [
      { kind: "ServiceAccount", namespace: "shop", name: "api" },
      { kind: "User", name: "bob" },
    ])
      expect(names([clusterRole(controller), crb("system:mine", controller, subject)])[0]![1]).toBe(4);
    // A default-looking name for a role that is not "system:" is not Kubernetes' either.
    expect(names([clusterRole("reader"), crb("system:mine", "reader", account)])[0]![1]).toBe(4);
  });

  it("reports cluster-admin for system:masters as critical, and ranks it after a team's cluster-admin", () => {
    const admin = {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: { name: "cluster-admin" },
      rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
    };
    const ranked = ranking([
      admin,
      crb("cluster-admin", "cluster-admin", { kind: "Group", name: "system:masters" }),
      crb("incident-admin", "cluster-admin", { kind: "User", name: "alice" }),
    ]);
    // The binding itself is critical, as the matrix calls the group; what rests on it ranks last.
    const binding = ranked.find((e) => e.name === "cluster-admin")!;
    expect(binding.severity).toBe("critical");
    expect(binding.score).toBe(0);
    const group = ranked.find((e) => e.name === "system:masters")!;
    expect(group.score).toBe(0);
    const first = ranked[0]!;
    expect(first.severity).toBe("critical");
    expect(first.score).toBeGreaterThan(0);
    expect(first.findings.some((f) => f.objects.includes("ClusterRoleBinding/incident-admin"))).toBe(true);
    // Every entry of the team's binding ranks before every entry of the default one.
    const lastTeam = ranked.findLastIndex((e) => e.score > 0);
    const firstDefault = ranked.findIndex((e) => e.score === 0);
    expect(lastTeam).toBeLessThan(firstDefault);
  });
});
