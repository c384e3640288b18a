import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cluster, PolicyRule, Role } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { wireRule } from "../report/report";
import { selectorMatches } from "../selectors/labelSelector";
import { rbacCluster } from "../testing/arbitraries";
import { parsed } from "../testing/objects";
import { RUNS } from "../testing/runs";
import { grantAllows, grantAllowsNonResource } from "./authorize";
import { computeRbac } from "./effective";

const RBAC = "rbac.authorization.k8s.io/v1";
const sa = (namespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { namespace, name },
});
const role = (namespace: string, name: string, rules: object[]) => ({
  apiVersion: RBAC,
  kind: "Role",
  metadata: { namespace, name },
  rules,
});
const clusterRole = (
  name: string,
  rules: object[],
  labels: Record<string, string> = {},
  aggregate?: object[],
) => ({
  apiVersion: RBAC,
  kind: "ClusterRole",
  metadata: { name, labels },
  rules,
  ...(aggregate === undefined ? {} : { aggregationRule: { clusterRoleSelectors: aggregate } }),
});
const roleBinding = (
  namespace: string,
  name: string,
  roleRef: { kind: string; name: string },
  subjects: object[],
) => ({
  apiVersion: RBAC,
  kind: "RoleBinding",
  metadata: { namespace, name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
  subjects,
});
const clusterRoleBinding = (name: string, roleName: string, subjects: object[]) => ({
  apiVersion: RBAC,
  kind: "ClusterRoleBinding",
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
  subjects,
});
const readPods = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };

function rulesOf(cluster: Cluster, kind: string, name: string, namespace?: string) {
  const found = computeRbac(cluster).subjects.find(
    (s) => s.subject.kind === kind && s.subject.name === name && s.subject.namespace === namespace,
  );
  if (found === undefined) throw new Error(`no subject ${kind} ${namespace}/${name}`);
  return found.grants.map(wireRule);
}

describe("effective RBAC rules", () => {
  it("lists every ServiceAccount object, with no rules when nothing is bound", () => {
    expect(rulesOf(parsed(sa("ns0", "idle")), "ServiceAccount", "idle", "ns0")).toEqual([]);
  });

  it("scopes a RoleBinding to its namespace and a ClusterRoleBinding to every namespace", () => {
    const cluster = parsed(
      sa("ns0", "app"),
      role("ns0", "reader", [readPods]),
      clusterRole("viewer", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] }]),
      roleBinding("ns0", "b1", { kind: "Role", name: "reader" }, [
        { kind: "ServiceAccount", name: "app", namespace: "ns0" },
      ]),
      roleBinding("ns1", "b2", { kind: "ClusterRole", name: "viewer" }, [
        { kind: "ServiceAccount", name: "app", namespace: "ns0" },
      ]),
      clusterRoleBinding("b3", "viewer", [{ kind: "ServiceAccount", name: "app", namespace: "ns0" }]),
    );
    expect(rulesOf(cluster, "ServiceAccount", "app", "ns0")).toEqual([
      {
        namespace: "*",
        apiGroups: ["apps"],
        resources: ["deployments"],
        verbs: ["get"],
        grantedBy: { binding: "ClusterRoleBinding/b3", role: "ClusterRole/viewer" },
      },
      {
        namespace: "ns0",
        apiGroups: [""],
        resources: ["pods"],
        verbs: ["get", "list"],
        grantedBy: { binding: "RoleBinding/ns0/b1", role: "Role/ns0/reader" },
      },
      {
        namespace: "ns1",
        apiGroups: ["apps"],
        resources: ["deployments"],
        verbs: ["get"],
        grantedBy: { binding: "RoleBinding/ns1/b2", role: "ClusterRole/viewer" },
      },
    ]);
  });

  it("gives a service account what its user name and its three groups are granted", () => {
    const cluster = parsed(
      sa("ns0", "app"),
      clusterRole("r", [readPods]),
      roleBinding("ns0", "as-user", { kind: "ClusterRole", name: "r" }, [
        { kind: "User", name: "system:serviceaccount:ns0:app" },
      ]),
      roleBinding("ns0", "all-sa", { kind: "ClusterRole", name: "r" }, [
        { kind: "Group", name: "system:serviceaccounts" },
      ]),
      roleBinding("ns0", "ns-sa", { kind: "ClusterRole", name: "r" }, [
        { kind: "Group", name: "system:serviceaccounts:ns0" },
      ]),
      roleBinding("ns0", "other-ns-sa", { kind: "ClusterRole", name: "r" }, [
        { kind: "Group", name: "system:serviceaccounts:ns1" },
      ]),
      roleBinding("ns0", "authn", { kind: "ClusterRole", name: "r" }, [
        { kind: "Group", name: "system:authenticated" },
      ]),
      roleBinding("ns0", "unauthn", { kind: "ClusterRole", name: "r" }, [
        { kind: "Group", name: "system:unauthenticated" },
      ]),
    );
    expect(rulesOf(cluster, "ServiceAccount", "app", "ns0").map((r) => r.grantedBy.binding)).toEqual([
      "RoleBinding/ns0/all-sa",
      "RoleBinding/ns0/as-user",
      "RoleBinding/ns0/authn",
      "RoleBinding/ns0/ns-sa",
    ]);
  });

  it("reads a RoleBinding's ServiceAccount subject without namespace as one of the binding's namespace", () => {
    const cluster = parsed(
      sa("ns0", "app"),
      role("ns0", "r", [readPods]),
      roleBinding("ns0", "b", { kind: "Role", name: "r" }, [{ kind: "ServiceAccount", name: "app" }]),
    );
    expect(rulesOf(cluster, "ServiceAccount", "app", "ns0")).toHaveLength(1);
  });

  it("grants non-resource URLs through ClusterRoleBindings only", () => {
    const cluster = parsed(
      clusterRole("health", [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }, readPods]),
      roleBinding("ns0", "local", { kind: "ClusterRole", name: "health" }, [{ kind: "User", name: "u" }]),
      clusterRoleBinding("global", "health", [{ kind: "User", name: "v" }]),
    );
    expect(rulesOf(cluster, "User", "u")).toEqual([
      {
        namespace: "ns0",
        apiGroups: [""],
        resources: ["pods"],
        verbs: ["get", "list"],
        grantedBy: { binding: "RoleBinding/ns0/local", role: "ClusterRole/health" },
      },
    ]);
    expect(rulesOf(cluster, "User", "v")[0]).toEqual({
      namespace: "*",
      nonResourceURLs: ["/healthz"],
      verbs: ["get"],
      grantedBy: { binding: "ClusterRoleBinding/global", role: "ClusterRole/health" },
    });
  });

  it("grants nothing through a binding to a missing role, but lists its subjects", () => {
    const cluster = parsed(
      roleBinding("ns0", "b", { kind: "Role", name: "gone" }, [{ kind: "Group", name: "devs" }]),
    );
    expect(rulesOf(cluster, "Group", "devs")).toEqual([]);
    expect(computeRbac(cluster).danglingBindings.map((b) => b.name)).toEqual(["b"]);
  });

  it("does not let a RoleBinding reach a Role of another namespace", () => {
    const cluster = parsed(
      role("ns1", "r", [readPods]),
      roleBinding("ns0", "b", { kind: "Role", name: "r" }, [{ kind: "User", name: "u" }]),
    );
    expect(rulesOf(cluster, "User", "u")).toEqual([]);
  });

  it("fills aggregated ClusterRoles from the roles their selectors match, transitively", () => {
    const cluster = parsed(
      clusterRole("view-pods", [readPods], { "agg/view": "true" }),
      clusterRole("view-deploys", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] }], {
        "agg/view": "true",
      }),
      clusterRole(
        "view",
        [{ apiGroups: ["ignored"], resources: ["x"], verbs: ["get"] }],
        { "agg/edit": "true" },
        [{ matchLabels: { "agg/view": "true" } }],
      ),
      clusterRole("edit", [], {}, [
        { matchLabels: { "agg/edit": "true" } },
        { matchLabels: { "agg/view": "true" } },
      ]),
      clusterRoleBinding("b", "edit", [{ kind: "User", name: "u" }]),
    );
    // edit takes view's rules (view-deploys, then view-pods: name order), never view's own manifest rules.
    expect(rulesOf(cluster, "User", "u").map((r) => r.resources)).toEqual([["deployments"], ["pods"]]);
  });

  it("answers requests the way the RBAC authorizer does", () => {
    const cluster = parsed(
      sa("ns0", "app"),
      clusterRole("r", [
        { apiGroups: ["*"], resources: ["*/scale"], verbs: ["update"] },
        { apiGroups: [""], resources: ["pods/*"], verbs: ["create"] },
        { apiGroups: [""], resources: ["secrets"], resourceNames: ["tls"], verbs: ["get"] },
      ]),
      roleBinding("ns0", "b", { kind: "ClusterRole", name: "r" }, [
        { kind: "ServiceAccount", name: "app", namespace: "ns0" },
      ]),
    );
    const grants = computeRbac(cluster).subjects.find((s) => s.subject.name === "app")!.grants;
    const can = (request: Parameters<typeof grantAllows>[1]) => grants.some((g) => grantAllows(g, request));
    expect(
      can({
        verb: "update",
        apiGroup: "apps",
        resource: "deployments",
        subresource: "scale",
        namespace: "ns0",
      }),
    ).toBe(true);
    expect(
      can({
        verb: "update",
        apiGroup: "apps",
        resource: "deployments",
        subresource: "scale",
        namespace: "ns1",
      }),
    ).toBe(false);
    expect(can({ verb: "update", apiGroup: "apps", resource: "deployments", namespace: "ns0" })).toBe(false);
    // "pods/*" is not a subresource wildcard: only "*/exec" or "pods/exec" name pods/exec.
    expect(
      can({ verb: "create", apiGroup: "", resource: "pods", subresource: "exec", namespace: "ns0" }),
    ).toBe(false);
    expect(can({ verb: "get", apiGroup: "", resource: "secrets", name: "tls", namespace: "ns0" })).toBe(true);
    expect(can({ verb: "get", apiGroup: "", resource: "secrets", name: "other", namespace: "ns0" })).toBe(
      false,
    );
    expect(can({ verb: "get", apiGroup: "", resource: "secrets", namespace: "ns0" })).toBe(false);
    expect(grants.some((g) => grantAllowsNonResource(g, "get", "/healthz"))).toBe(false);
  });
});

// A brute-force reading of RBAC for the property test: every binding checked against every
// subject, roles found by linear search, aggregation iterated naively.
function bruteForce(cluster: Cluster): Map<string, string[]> {
  const ruleText = (r: PolicyRule) =>
    JSON.stringify([r.verbs, r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);
  const rulesByRole = new Map<Role, PolicyRule[]>(
    cluster.roles.map((r) => [r, r.aggregationSelectors ? [] : [...r.rules]]),
  );
  for (let round = 0; round < cluster.roles.length + 1; round++) {
    for (const r of cluster.roles) {
      if (!r.aggregationSelectors) continue;
      const texts = new Set<string>();
      const collected: PolicyRule[] = [];
      for (const sel of r.aggregationSelectors) {
        for (const other of [...cluster.roles].sort((x, y) => (x.name < y.name ? -1 : 1))) {
          if (other.kind !== "ClusterRole" || other.name === r.name || !selectorMatches(sel, other.labels))
            continue;
          for (const rule of rulesByRole.get(other)!) {
            if (!texts.has(ruleText(rule))) {
              texts.add(ruleText(rule));
              collected.push(rule);
            }
          }
        }
      }
      if (collected.length > rulesByRole.get(r)!.length) rulesByRole.set(r, collected);
    }
  }
  const out = new Map<string, string[]>();
  for (const { subject } of computeRbac(cluster).subjects) {
    const username =
      subject.kind === "ServiceAccount"
        ? `system:serviceaccount:${subject.namespace}:${subject.name}`
        : subject.kind === "User"
          ? subject.name
          : undefined;
    const groups =
      subject.kind === "ServiceAccount"
        ? ["system:serviceaccounts", `system:serviceaccounts:${subject.namespace}`, "system:authenticated"]
        : subject.kind === "Group"
          ? [subject.name]
          : [];
    const lines: string[] = [];
    for (const binding of cluster.bindings) {
      const applies = binding.subjects.some((s) =>
        s.kind === "User"
          ? s.name === username
          : s.kind === "Group"
            ? groups.includes(s.name)
            : username === `system:serviceaccount:${s.namespace}:${s.name}`,
      );
      if (!applies) continue;
      const target = cluster.roles.find((r) =>
        binding.roleRef.kind === "Role"
          ? r.kind === "Role" && r.namespace === binding.namespace && r.name === binding.roleRef.name
          : r.kind === "ClusterRole" && r.name === binding.roleRef.name,
      );
      if (target === undefined) continue;
      for (const rule of rulesByRole.get(target)!) {
        if (binding.kind === "RoleBinding" && rule.nonResourceURLs.length > 0) continue;
        lines.push(
          `${binding.kind === "RoleBinding" ? binding.namespace : "*"} ${binding.kind}/${binding.name} ${ruleText(rule)}`,
        );
      }
    }
    out.set(`${subject.kind}/${subject.namespace ?? ""}/${subject.name}`, lines.sort());
  }
  return out;
}

describe("effective RBAC equals a brute-force reading", () => {
  it("on random roles, aggregated cluster roles and bindings", () => {
    fc.assert(
      fc.property(rbacCluster, (objects) => {
        const result = parseCluster(objects.map((object, i) => ({ source: `random ${i}`, object })));
        expect(result.errors.map(formatInputError)).toEqual([]);
        const cluster = result.cluster;
        const engine = new Map(
          computeRbac(cluster).subjects.map(({ subject, grants }) => [
            `${subject.kind}/${subject.namespace ?? ""}/${subject.name}`,
            grants
              .map(
                (g) =>
                  `${g.namespace} ${g.binding.kind}/${g.binding.name} ${JSON.stringify([g.rule.verbs, g.rule.apiGroups, g.rule.resources, g.rule.resourceNames, g.rule.nonResourceURLs])}`,
              )
              .sort(),
          ]),
        );
        expect(engine).toEqual(bruteForce(cluster));
        for (const account of cluster.serviceAccounts) {
          expect(engine.has(`ServiceAccount/${account.namespace}/${account.name}`)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
