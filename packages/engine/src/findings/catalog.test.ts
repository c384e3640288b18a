import { Finding } from "@trustmap/shared";
import { describe, expect, it } from "vitest";
import { analyze } from "../report/report";
import { netpol, ns, parsed, pod } from "../testing/objects";
import { CHECKS } from "./catalog";

type Json = Record<string, unknown>;

/** The evidence of every finding of one check. */
function hits(objects: Json[], id: string): string[][] {
  return analyze(parsed(...objects))
    .findings.filter((f) => f.id === id)
    .map((f) => f.objects);
}

const RBAC = "rbac.authorization.k8s.io/v1";
const clusterRole = (name: string, rules: object[]) => ({
  apiVersion: RBAC,
  kind: "ClusterRole",
  metadata: { name },
  rules,
});
const crb = (name: string, role: string, subjects: object[]) => ({
  apiVersion: RBAC,
  kind: "ClusterRoleBinding",
  metadata: { name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
  subjects,
});
const rb = (namespace: string, name: string, kind: string, role: string, subjects: object[]) => ({
  apiVersion: RBAC,
  kind: "RoleBinding",
  metadata: { namespace, name },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: role },
  subjects,
});
const sa = (namespace: string, name: string, extra: Json = {}) => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { namespace, name },
  ...extra,
});
const user = (name: string) => ({ kind: "User", name });
const hardened = {
  automountServiceAccountToken: false,
  securityContext: { runAsNonRoot: true },
  containers: [
    {
      name: "main",
      image: `app@sha256:${"a".repeat(64)}`,
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    },
  ],
};

describe("the check catalog", () => {
  it("gives every check a unique id, a pillar, a severity and a title", () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const check of CHECKS) expect(check.title.length).toBeGreaterThan(10);
  });

  it("emits findings that fit the published schema", () => {
    const report = analyze(
      parsed(
        ns("a"),
        pod("a", "p", {}, { hostNetwork: true }),
        netpol("a", "none", { podSelector: { matchLabels: { x: "y" } } }),
      ),
    );
    expect(report.findings.length).toBeGreaterThan(5);
    for (const finding of report.findings) expect(Finding.parse(finding)).toEqual(finding);
  });
});

describe("network segmentation checks", () => {
  it("flags namespaces without default-deny, and accepts a policy that isolates every pod", () => {
    const objects = [
      ns("open"),
      ns("closed"),
      netpol("closed", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    ];
    expect(hits(objects, "namespace-no-default-deny-ingress")).toEqual([["Namespace/open"]]);
    expect(hits(objects, "namespace-no-default-deny-egress")).toEqual([["Namespace/open"]]);
  });

  it("does not count a policy that lets everything back in as default-deny", () => {
    const objects = [ns("a"), netpol("a", "allow-all", { podSelector: {}, ingress: [{}] })];
    expect(hits(objects, "namespace-no-default-deny-ingress")).toEqual([["Namespace/a"]]);
    const withRules = [
      ns("a"),
      netpol("a", "baseline", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] }),
    ];
    expect(hits(withRules, "namespace-no-default-deny-ingress")).toEqual([]);
  });

  it("flags pods isolated by no ingress or egress policy", () => {
    const objects = [
      pod("a", "open", { app: "open" }),
      pod("a", "web", { app: "web" }),
      netpol("a", "web", { podSelector: { matchLabels: { app: "web" } }, ingress: [] }),
    ];
    expect(hits(objects, "pod-not-isolated-ingress")).toEqual([["Pod/a/open"]]);
    expect(hits(objects, "pod-not-isolated-egress")).toEqual([["Pod/a/open"], ["Pod/a/web"]]);
  });

  it("flags a policy that selects no pod", () => {
    const objects = [
      pod("a", "web", { app: "web" }),
      netpol("a", "typo", { podSelector: { matchLabels: { app: "wbe" } } }),
      netpol("a", "ok", { podSelector: { matchLabels: { app: "web" } } }),
    ];
    expect(hits(objects, "policy-selects-no-pod")).toEqual([["NetworkPolicy/a/typo"]]);
  });

  it("flags rules open to every namespace and to every address", () => {
    const objects = [
      netpol("a", "ns-open", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      netpol("a", "internet", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
      }),
      netpol("a", "no-peers", { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }),
      netpol("a", "narrow", {
        podSelector: {},
        ingress: [
          { from: [{ ipBlock: { cidr: "10.0.0.0/8" } }, { namespaceSelector: { matchLabels: { a: "b" } } }] },
        ],
      }),
    ];
    expect(hits(objects, "policy-rule-open-to-all-namespaces")).toEqual([["NetworkPolicy/a/ns-open"]]);
    expect(hits(objects, "policy-rule-open-to-any-address")).toEqual([
      ["NetworkPolicy/a/no-peers"],
      ["NetworkPolicy/a/internet"],
    ]);
  });

  it("gives a ready default-deny policy as remediation", () => {
    const finding = analyze(parsed(ns("shop"))).findings.find(
      (f) => f.id === "namespace-no-default-deny-ingress",
    );
    expect(finding?.remediation).toContain("kind: NetworkPolicy");
    expect(finding?.remediation).toContain("namespace: shop");
    expect(finding?.remediation).toContain("podSelector: {}");
  });
});

describe("least privilege and secrets checks", () => {
  it("flags bindings to cluster-admin, the built-in system:masters one too (critical, as in the matrix)", () => {
    const objects = [
      clusterRole("cluster-admin", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]),
      crb("admins", "cluster-admin", [user("alice")]),
      crb("cluster-admin", "cluster-admin", [{ kind: "Group", name: "system:masters" }]),
    ];
    expect(hits(objects, "rbac-cluster-admin-binding")).toEqual([
      ["ClusterRoleBinding/admins", "ClusterRole/cluster-admin"],
      ["ClusterRoleBinding/cluster-admin", "ClusterRole/cluster-admin"],
    ]);
  });

  it("flags bindings to roles with wildcards", () => {
    const objects = [
      clusterRole("wild", [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }]),
      clusterRole("tame", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]),
      rb("a", "w", "ClusterRole", "wild", [user("bob")]),
      rb("a", "t", "ClusterRole", "tame", [user("bob")]),
    ];
    expect(hits(objects, "rbac-wildcard-role-binding")).toEqual([["RoleBinding/a/w", "ClusterRole/wild"]]);
  });

  it("flags subjects that can read secrets, exec, create pods, escalate, or mint tokens", () => {
    const objects = [
      sa("a", "app"),
      clusterRole("risky", [
        { apiGroups: [""], resources: ["secrets"], verbs: ["list"] },
        { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["create"] },
        { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] },
        { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
      ]),
      clusterRole("harmless", [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get"] }]),
      rb("a", "risky", "ClusterRole", "risky", [{ kind: "ServiceAccount", name: "app", namespace: "a" }]),
      crb("harmless", "harmless", [{ kind: "Group", name: "system:authenticated" }]),
    ];
    const evidence = ["ServiceAccount/a/app", "RoleBinding/a/risky", "ClusterRole/risky"];
    for (const id of [
      "rbac-read-secrets",
      "rbac-exec-pods",
      "rbac-create-pods",
      "rbac-escalate-bind-impersonate",
      "rbac-create-serviceaccount-token",
    ]) {
      expect(hits(objects, id), id).toEqual([evidence]);
    }
  });

  it("rates a cluster-wide right above the same right in one namespace", () => {
    const role = clusterRole("secrets", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]);
    const local = analyze(parsed(role, rb("a", "b", "ClusterRole", "secrets", [user("u")]))).findings.find(
      (f) => f.id === "rbac-read-secrets",
    );
    const global = analyze(parsed(role, crb("b", "secrets", [user("u")]))).findings.find(
      (f) => f.id === "rbac-read-secrets",
    );
    expect(local?.severity).toBe("medium");
    expect(global?.severity).toBe("high");
  });

  it("flags bindings to missing roles, to anonymous users, and of default service accounts", () => {
    const objects = [
      rb("a", "dangling", "Role", "gone", [user("u")]),
      crb("anon", "view", [{ kind: "Group", name: "system:unauthenticated" }]),
      clusterRole("view", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]),
      rb("a", "default-view", "ClusterRole", "view", [{ kind: "ServiceAccount", name: "default" }]),
    ];
    expect(hits(objects, "rbac-binding-missing-role")).toEqual([["RoleBinding/a/dangling"]]);
    expect(hits(objects, "rbac-anonymous-binding")).toEqual([
      ["ClusterRoleBinding/anon", "ClusterRole/view"],
    ]);
    expect(hits(objects, "rbac-default-service-account-bound")).toEqual([
      ["ServiceAccount/a/default", "RoleBinding/a/default-view"],
    ]);
    // One finding per account, however many times a binding names it: twice as a service
    // account, once as the user the API server authenticates it as.
    const twice = rb("a", "twice", "ClusterRole", "view", [
      { kind: "ServiceAccount", name: "default" },
      { kind: "ServiceAccount", name: "default", namespace: "a" },
      user("system:serviceaccount:a:default"),
      user("system:serviceaccount:b:default"),
    ]);
    expect(hits([objects[2]!, twice], "rbac-default-service-account-bound")).toEqual([
      ["ServiceAccount/a/default", "RoleBinding/a/twice"],
      ["ServiceAccount/b/default", "RoleBinding/a/twice"],
    ]);
  });
});

describe("anonymous bindings", () => {
  const unauthenticated = { kind: "Group", name: "system:unauthenticated" };
  /** The anonymous-binding finding of the one binding `anon`, read from a from-scratch report. */
  const anonymous = (role: Json | undefined) => {
    const objects = [crb("anon", "r", [unauthenticated]), ...(role === undefined ? [] : [role])];
    const found = analyze(parsed(...objects)).findings.filter((f) => f.id === "rbac-anonymous-binding");
    expect(found.length).toBe(1);
    return found[0]!;
  };

  it("rates the default public-info-viewer binding info: it opens only health and version endpoints", () => {
    // Every cluster's own binding and role, as the API server writes them.
    const objects = [
      {
        apiVersion: RBAC,
        kind: "ClusterRole",
        metadata: { name: "system:public-info-viewer" },
        rules: [
          { nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"], verbs: ["get"] },
        ],
      },
      crb("system:public-info-viewer", "system:public-info-viewer", [
        { kind: "Group", name: "system:authenticated" },
        unauthenticated,
      ]),
    ];
    const found = analyze(parsed(...objects)).findings.filter((f) => f.id === "rbac-anonymous-binding");
    expect(found.map((f) => [f.severity, f.message])).toEqual([
      [
        "info",
        "ClusterRoleBinding/system:public-info-viewer grants ClusterRole/system:public-info-viewer (Group system:authenticated, Group system:unauthenticated): only health and version endpoints (/healthz, /livez, /readyz, /version, /version/) are open to requests without credentials.",
      ],
    ]);
    // A single health check of the same endpoints is as public as the list of all of them.
    expect(
      anonymous(clusterRole("r", [{ nonResourceURLs: ["/readyz/*", "/livez/ping"], verbs: ["get"] }]))
        .severity,
    ).toBe("info");
  });

  it("rates other non-resource URLs, or other verbs on health endpoints, medium", () => {
    for (const rule of [
      { nonResourceURLs: ["/healthz", "/metrics"], verbs: ["get"] },
      { nonResourceURLs: ["/openapi/*"], verbs: ["get"] },
      { nonResourceURLs: ["*"], verbs: ["get"] },
      { nonResourceURLs: ["/version"], verbs: ["get", "post"] },
      { nonResourceURLs: ["/healthz"], verbs: ["*"] },
    ]) {
      const finding = anonymous(clusterRole("r", [rule]));
      expect(finding.severity, JSON.stringify(rule)).toBe("medium");
      expect(finding.message).toContain("no API objects, but non-resource URLs beyond health and version");
    }
  });

  it("keeps any resource rule, a missing role and a role granting nothing critical", () => {
    const health = { nonResourceURLs: ["/healthz"], verbs: ["get"] };
    const pods = { apiGroups: [""], resources: ["pods"], verbs: ["get"] };
    expect(anonymous(clusterRole("r", [health, pods])).severity).toBe("critical");
    // Whoever creates the role, or gives it rules, later grants them to every anonymous request.
    expect(anonymous(undefined).severity).toBe("critical");
    expect(anonymous(clusterRole("r", [])).severity).toBe("critical");
    expect(anonymous(clusterRole("r", [pods])).message).toBe(
      "ClusterRoleBinding/anon grants ClusterRole/r to requests without credentials (Group system:unauthenticated).",
    );
  });
});

describe("workload checks", () => {
  it("finds nothing on a hardened pod", () => {
    const workloadIds = [
      "privileged-container",
      "host-network",
      "host-pid",
      "host-ipc",
      "host-path-volume",
      "added-capabilities",
      "run-as-root",
      "privilege-escalation-allowed",
      "automount-service-account-token",
      "image-mutable-tag",
      "writable-root-filesystem",
    ];
    const findings = analyze(parsed(pod("a", "safe", {}, hardened))).findings;
    expect(findings.filter((f) => workloadIds.includes(f.id))).toEqual([]);
  });

  it("flags each dangerous pod setting", () => {
    const risky = pod(
      "a",
      "risky",
      {},
      {
        hostNetwork: true,
        hostPID: true,
        hostIPC: true,
        volumes: [{ name: "root", hostPath: { path: "/" } }],
        containers: [
          {
            name: "main",
            image: "app:latest",
            securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ["NET_ADMIN"] } },
          },
        ],
      },
    );
    for (const id of [
      "privileged-container",
      "host-network",
      "host-pid",
      "host-ipc",
      "host-path-volume",
      "added-capabilities",
      "run-as-root",
      "privilege-escalation-allowed",
      "automount-service-account-token",
      "image-mutable-tag",
      "writable-root-filesystem",
    ]) {
      expect(hits([risky], id)[0]?.[0], id).toBe("Pod/a/risky");
    }
  });

  it("reads runAsUser 0 as root even with runAsNonRoot, and the pod's context as the default", () => {
    const rootish = pod(
      "a",
      "p",
      {},
      {
        securityContext: { runAsNonRoot: true },
        containers: [{ name: "c", image: "i", securityContext: { runAsUser: 0 } }],
      },
    );
    expect(hits([rootish], "run-as-root")).toHaveLength(1);
    const nonRoot = pod(
      "a",
      "q",
      {},
      { securityContext: { runAsUser: 1000 }, containers: [{ name: "c", image: "i" }] },
    );
    expect(hits([nonRoot], "run-as-root")).toEqual([]);
  });

  it("lets the pod's automount setting win over its service account's", () => {
    const objects = [
      sa("a", "quiet", { automountServiceAccountToken: false }),
      pod("a", "inherits", {}, { serviceAccountName: "quiet" }),
      pod("a", "overrides", {}, { serviceAccountName: "quiet", automountServiceAccountToken: true }),
    ];
    expect(hits(objects, "automount-service-account-token").map((o) => o[0])).toEqual(["Pod/a/overrides"]);
  });

  it("cites the workload whose template stands for the pod", () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "a" },
      spec: { template: { spec: { hostPID: true, containers: [] } } },
    };
    expect(hits([deployment], "host-pid")).toEqual([["Deployment/a/web"]]);
  });

  it("tells apart workloads of different kinds with one name, citing and naming each", () => {
    const workload = (kind: string) => ({
      apiVersion: "apps/v1",
      kind,
      metadata: { name: "redis", namespace: "a" },
      spec: { template: { metadata: { labels: { app: kind } }, spec: { hostPID: true, containers: [] } } },
    });
    const findings = analyze(parsed(workload("Deployment"), workload("StatefulSet"))).findings.filter(
      (f) => f.id === "host-pid",
    );
    expect(findings.map((f) => f.objects)).toEqual([["Deployment/a/redis"], ["StatefulSet/a/redis"]]);
    expect(findings.map((f) => f.message)).toEqual([
      "Deployment a/redis uses hostPID: it sees and can signal every process of the node.",
      "StatefulSet a/redis uses hostPID: it sees and can signal every process of the node.",
    ]);
  });
});

describe("namespace checks", () => {
  it("flags declared namespaces without Pod Security enforce, and those enforcing privileged", () => {
    const objects = [
      ns("none"),
      ns("priv", { "pod-security.kubernetes.io/enforce": "privileged" }),
      ns("ok", { "pod-security.kubernetes.io/enforce": "restricted" }),
      pod("implied", "p"),
    ];
    // The privileged one is rated higher, so it comes first.
    expect(hits(objects, "namespace-no-pod-security-enforce")).toEqual([
      ["Namespace/priv"],
      ["Namespace/none"],
    ]);
  });

  it("flags namespaces with pods and no service-mesh mTLS", () => {
    const objects = [
      ns("plain"),
      ns("meshed", { "istio-injection": "enabled" }),
      pod("plain", "p"),
      pod("meshed", "q"),
      ns("empty"),
    ];
    expect(hits(objects, "namespace-no-mesh-mtls")).toEqual([["Namespace/plain"]]);
  });
});
