import { describe, expect, it } from "vitest";
import { RISKY_RIGHTS, rbacChecks } from "../findings/rbac";
import { analyze } from "../report/report";
import { ClusterState } from "../state/cluster-state";
import { parsed } from "../testing/objects";
import { compareRows, matrixRow } from "./matrix";
import { compareRanked, RISK_SEVERITY, riskSeverity } from "./risk";

const RBAC = "rbac.authorization.k8s.io/v1";
const everything = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };

describe("the one RBAC risk model", () => {
  it("states every RBAC check's and risky right's severity in one table", () => {
    for (const check of rbacChecks) expect(check.severity, check.id).toBe(riskSeverity(check.id, true));
    for (const right of RISKY_RIGHTS)
      expect(right.severity, right.id).toBe(RISK_SEVERITY[right.id as keyof typeof RISK_SEVERITY]);
    expect(riskSeverity("rbac-read-secrets", false)).toBe("medium");
    expect(() => riskSeverity("no-such-risk", true)).toThrow();
  });

  it("makes * on */* cluster-wide critical for a user, a group and a service account alike, whatever the role's name", () => {
    const cluster = parsed(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: "argocd", name: "controller" } },
      { apiVersion: RBAC, kind: "ClusterRole", metadata: { name: "gitops" }, rules: [everything] },
      { apiVersion: RBAC, kind: "ClusterRole", metadata: { name: "cluster-admin" }, rules: [everything] },
      {
        apiVersion: RBAC,
        kind: "ClusterRole",
        metadata: { name: "lister" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }],
      },
      {
        apiVersion: RBAC,
        kind: "ClusterRoleBinding",
        metadata: { name: "gitops" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "gitops" },
        subjects: [{ kind: "ServiceAccount", namespace: "argocd", name: "controller" }],
      },
      {
        apiVersion: RBAC,
        kind: "ClusterRoleBinding",
        metadata: { name: "admins" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [
          { kind: "User", name: "alice" },
          { kind: "Group", name: "admins" },
        ],
      },
      {
        apiVersion: RBAC,
        kind: "RoleBinding",
        metadata: { namespace: "lab", name: "local-admin" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "gitops" },
        subjects: [{ kind: "User", name: "bob" }],
      },
      {
        apiVersion: RBAC,
        kind: "ClusterRoleBinding",
        metadata: { name: "listers" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "lister" },
        subjects: [{ kind: "User", name: "carol" }],
      },
    );
    const state = ClusterState.from(cluster);
    const rows = state
      .rbac()
      .map((rights) => matrixRow(rights, state.rulesOf))
      .sort(compareRows);
    expect(rows.map((r) => [r.ref, r.worst, r.clusterWide])).toEqual([
      ["Group/admins", "critical", true],
      ["ServiceAccount/argocd/controller", "critical", true],
      ["User/alice", "critical", true],
      // The same rights inside one namespace only: one step milder.
      ["User/bob", "high", false],
      ["User/carol", undefined, true],
    ]);
    // The binding of a role equal to cluster-admin is the cluster-admin finding, not "wildcards".
    const findings = analyze(cluster).findings;
    const gitops = findings.filter((f) => f.objects[0] === "ClusterRoleBinding/gitops");
    expect(gitops.map((f) => [f.id, f.severity])).toEqual([["rbac-cluster-admin-binding", "critical"]]);
    const local = findings.filter((f) => f.objects[0] === "RoleBinding/lab/local-admin");
    expect(local.map((f) => [f.id, f.severity])).toEqual([["rbac-cluster-admin-binding", "high"]]);
  });

  it("orders subjects by severity, then cluster-wide before namespaced, then name", () => {
    const list = [
      { ref: "b", clusterWide: false, worst: "high" as const },
      { ref: "z", clusterWide: false },
      { ref: "c", clusterWide: true, worst: "high" as const },
      { ref: "a", clusterWide: true },
      { ref: "d", clusterWide: false, worst: "critical" as const },
      { ref: "a", clusterWide: false, worst: "high" as const },
    ];
    expect([...list].sort(compareRanked).map((r) => `${r.ref}${r.clusterWide ? "*" : ""}`)).toEqual([
      "d",
      "c*",
      "a",
      "b",
      "a*",
      "z",
    ]);
  });
});
