// The demo company's service accounts, roles and bindings: Kubernetes' built-in roles (with their
// aggregation), the platform components' cluster roles as their charts ship them, a role per
// team namespace for the team's group, and the over-broad grants real clusters accumulate.

import { type Env, TEAMS, type TeamSpec, teamNamespace } from "./catalog";
import { type Json, type JsonMap, type Labels, type Manifest, matchLabels, metadata } from "./manifest";
import type { WorkloadSpec } from "./workloads";

const RBAC_API = "rbac.authorization.k8s.io/v1";
const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "patch", "update"];
const BOOTSTRAP: Labels = { "kubernetes.io/bootstrapping": "rbac-defaults" };
const AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";
const AGGREGATE_MONITORING = "rbac.acme.example/aggregate-to-monitoring";

function rule(apiGroups: readonly string[], resources: readonly string[], verbs: readonly string[]): JsonMap {
  return { apiGroups, resources, verbs };
}

function role(namespace: string, name: string, rules: readonly JsonMap[]): Manifest {
  return { apiVersion: RBAC_API, kind: "Role", metadata: metadata(name, namespace), rules };
}

function clusterRole(name: string, rules: readonly JsonMap[], labels: Labels = {}): Manifest {
  return { apiVersion: RBAC_API, kind: "ClusterRole", metadata: metadata(name, undefined, labels), rules };
}

/** The aggregation controller fills the rules in; the API returns the role with them. */
function aggregatedRole(name: string, selectorLabels: readonly Labels[], labels: Labels = {}): Manifest {
  return {
    ...clusterRole(name, [], labels),
    aggregationRule: { clusterRoleSelectors: selectorLabels.map(matchLabels) },
  };
}

type RoleKind = "Role" | "ClusterRole";

function roleBinding(namespace: string, name: string, kind: RoleKind, roleName: string, subjects: Json[]) {
  return {
    apiVersion: RBAC_API,
    kind: "RoleBinding",
    metadata: metadata(name, namespace),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: roleName },
    subjects,
  } satisfies Manifest;
}

function clusterRoleBinding(name: string, roleName: string, subjects: Json[]): Manifest {
  return {
    apiVersion: RBAC_API,
    kind: "ClusterRoleBinding",
    metadata: metadata(name, undefined),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
    subjects,
  };
}

const group = (name: string): JsonMap => ({ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name });
const user = (name: string): JsonMap => ({ kind: "User", apiGroup: "rbac.authorization.k8s.io", name });
const account = (namespace: string, name: string): JsonMap => ({ kind: "ServiceAccount", namespace, name });

function serviceAccount(namespace: string, name: string, automount?: boolean): Manifest {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: metadata(name, namespace),
    ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
  };
}

/** One per workload, plus the `default` account the API server creates in every namespace. */
export function serviceAccountManifests(namespaces: readonly string[], workloads: readonly WorkloadSpec[]) {
  const accounts = namespaces.map((namespace) =>
    // Careful teams turn the default account's token off in prod.
    serviceAccount(namespace, "default", namespace.endsWith("-prod") ? false : undefined),
  );
  const seen = new Set<string>();
  for (const workload of workloads) {
    const key = `${workload.namespace}/${workload.serviceAccount}`;
    if (seen.has(key)) continue;
    seen.add(key);
    accounts.push(serviceAccount(workload.namespace, workload.serviceAccount));
  }
  return accounts;
}

/** cluster-admin, admin, edit and view as every cluster has them: the last three by aggregation. */
function builtInRoles(): Manifest[] {
  const workloads = ["deployments", "statefulsets", "daemonsets", "replicasets"];
  const core = ["pods", "services", "endpoints", "configmaps", "persistentvolumeclaims", "events"];
  return [
    clusterRole(
      "cluster-admin",
      [rule(["*"], ["*"], ["*"]), { nonResourceURLs: ["*"], verbs: ["*"] }],
      BOOTSTRAP,
    ),
    aggregatedRole("admin", [{ [`${AGGREGATE}admin`]: "true" }], BOOTSTRAP),
    aggregatedRole("edit", [{ [`${AGGREGATE}edit`]: "true" }], {
      ...BOOTSTRAP,
      [`${AGGREGATE}admin`]: "true",
    }),
    aggregatedRole("view", [{ [`${AGGREGATE}view`]: "true" }], {
      ...BOOTSTRAP,
      [`${AGGREGATE}edit`]: "true",
    }),
    clusterRole(
      "system:aggregate-to-admin",
      [
        rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], [...READ, ...WRITE]),
        rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
      ],
      { ...BOOTSTRAP, [`${AGGREGATE}admin`]: "true" },
    ),
    // As upstream: edit includes exec, reading secrets and impersonating service accounts.
    clusterRole(
      "system:aggregate-to-edit",
      [
        rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], WRITE),
        rule([""], ["configmaps", "services", "secrets", "serviceaccounts", "persistentvolumeclaims"], WRITE),
        rule([""], ["secrets"], READ),
        rule([""], ["serviceaccounts"], ["impersonate"]),
        rule(["apps"], [...workloads, "deployments/scale", "statefulsets/scale"], WRITE),
        rule(["batch"], ["jobs", "cronjobs"], WRITE),
        rule(["networking.k8s.io"], ["networkpolicies", "ingresses"], WRITE),
      ],
      { ...BOOTSTRAP, [`${AGGREGATE}edit`]: "true" },
    ),
    clusterRole(
      "system:aggregate-to-view",
      [
        rule([""], [...core, "pods/log", "pods/status", "namespaces", "serviceaccounts"], READ),
        rule(["apps"], workloads, READ),
        rule(["batch"], ["jobs", "cronjobs"], READ),
        rule(["networking.k8s.io"], ["networkpolicies", "ingresses"], READ),
      ],
      { ...BOOTSTRAP, [`${AGGREGATE}view`]: "true" },
    ),
  ];
}

/** The cluster roles the platform's components install, as their upstream charts ship them. */
function componentRoles(): Manifest[] {
  return [
    clusterRole("system:coredns", [
      rule([""], ["endpoints", "services", "pods", "namespaces"], ["list", "watch"]),
      rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"]),
    ]),
    clusterRole("cilium", [
      rule([""], ["pods", "namespaces", "nodes", "endpoints", "services"], READ),
      rule(["networking.k8s.io"], ["networkpolicies"], READ),
      rule(["cilium.io"], ["*"], ["*"]),
    ]),
    // ingress-nginx reads TLS secrets of every namespace.
    clusterRole("ingress-nginx", [
      rule([""], ["configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"], ["list", "watch"]),
      rule([""], ["services"], READ),
      rule(["networking.k8s.io"], ["ingresses", "ingressclasses"], READ),
    ]),
    clusterRole("cert-manager-controller", [
      rule([""], ["secrets"], [...READ, ...WRITE]),
      rule(["cert-manager.io"], ["certificates", "certificaterequests", "issuers", "clusterissuers"], ["*"]),
    ]),
    clusterRole("fluent-bit", [rule([""], ["namespaces", "pods"], READ)]),
    clusterRole("kube-state-metrics", [
      rule([""], ["pods", "nodes", "namespaces", "services", "secrets", "configmaps"], ["list", "watch"]),
      rule(["apps"], ["deployments", "statefulsets", "daemonsets", "replicasets"], ["list", "watch"]),
    ]),
    // Argo CD's controller manages everything it syncs: wildcards, as the upstream manifest has.
    clusterRole("argocd-application-controller", [
      rule(["*"], ["*"], ["*"]),
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]),
    clusterRole("istiod-clusterrole", [
      rule([""], ["pods", "nodes", "services", "namespaces", "endpoints"], READ),
      rule([""], ["secrets"], READ),
      rule(["certificates.k8s.io"], ["certificatesigningrequests"], [...READ, "create", "delete"]),
    ]),
    // What Prometheus needs, assembled by aggregation so other teams can contribute rules.
    aggregatedRole("monitoring-reader", [{ [AGGREGATE_MONITORING]: "true" }]),
    clusterRole(
      "monitoring-reader-core",
      [rule([""], ["pods", "services", "endpoints", "nodes", "nodes/metrics"], READ)],
      { [AGGREGATE_MONITORING]: "true" },
    ),
    clusterRole(
      "monitoring-reader-metrics",
      [{ nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] }],
      { [AGGREGATE_MONITORING]: "true" },
    ),
  ];
}

/** Roles Acme wrote itself. */
function companyRoles(): Manifest[] {
  return [
    // Meant for deploying; grew to creating pods and reading every secret of the cluster.
    clusterRole("ci-deployer", [
      rule([""], ["pods"], ["create", "delete", ...READ]),
      rule([""], ["pods/log"], ["get"]),
      rule([""], ["secrets"], ["get", "list"]),
      rule([""], ["services", "configmaps"], [...READ, ...WRITE]),
      rule(["apps"], ["deployments", "statefulsets"], ["*"]),
    ]),
    clusterRole("pod-exec", [
      rule([""], ["pods"], ["get", "list"]),
      rule([""], ["pods/exec"], ["create"]),
      rule([""], ["pods/log"], ["get"]),
    ]),
    // The admin portal acts on behalf of support staff.
    clusterRole("user-impersonator", [rule([""], ["users", "groups", "serviceaccounts"], ["impersonate"])]),
  ];
}

export function clusterRoleManifests(): Manifest[] {
  return [...builtInRoles(), ...componentRoles(), ...companyRoles()];
}

export function clusterRoleBindingManifests(): Manifest[] {
  return [
    // The bootstrap binding every cluster has (the check leaves it out).
    clusterRoleBinding("cluster-admin", "cluster-admin", [group("system:masters")]),
    clusterRoleBinding("platform-admins", "cluster-admin", [group("platform-admins")]),
    // A break-glass grant to one person that was never removed.
    clusterRoleBinding("cluster-admin-mkeller", "cluster-admin", [user("m.keller@acme.example")]),
    clusterRoleBinding("engineering-view", "view", [group("engineering")]),
    clusterRoleBinding("ci-deployer", "ci-deployer", [account("platform-ci", "ci-deployer")]),
    clusterRoleBinding("admin-portal-impersonation", "user-impersonator", [
      account("identity-prod", "admin-portal"),
    ]),
    clusterRoleBinding("prometheus", "monitoring-reader", [account("monitoring", "prometheus")]),
    clusterRoleBinding("system:coredns", "system:coredns", [account("kube-system", "coredns")]),
    clusterRoleBinding("cilium", "cilium", [account("kube-system", "cilium")]),
    clusterRoleBinding("ingress-nginx", "ingress-nginx", [account("ingress-nginx", "ingress-nginx")]),
    clusterRoleBinding("cert-manager-controller", "cert-manager-controller", [
      account("cert-manager", "cert-manager"),
    ]),
    clusterRoleBinding("fluent-bit", "fluent-bit", [account("logging", "fluent-bit")]),
    clusterRoleBinding("kube-state-metrics", "kube-state-metrics", [
      account("monitoring", "kube-state-metrics"),
    ]),
    clusterRoleBinding("argocd-application-controller", "argocd-application-controller", [
      account("argocd", "argocd-application-controller"),
    ]),
    clusterRoleBinding("istiod", "istiod-clusterrole", [account("istio-system", "istiod")]),
  ];
}

/** What a team's developers may do: read in prod, change in staging, exec and read secrets in dev. */
function developerRules(env: Env): JsonMap[] {
  const read = [
    rule([""], ["pods", "pods/log", "services", "endpoints", "configmaps", "events"], READ),
    rule(["apps"], ["deployments", "replicasets", "statefulsets"], READ),
  ];
  if (env === "prod") return read;
  const change = [
    rule(["apps"], ["deployments", "statefulsets", "deployments/scale"], ["patch", "update"]),
    rule([""], ["pods"], ["delete"]),
    rule([""], ["configmaps"], WRITE),
  ];
  if (env === "staging") return [...read, ...change];
  return [
    ...read,
    ...change,
    rule([""], ["pods/exec", "pods/portforward"], ["create"]),
    rule([""], ["secrets"], ["get", "list"]),
  ];
}

function teamRbac(team: TeamSpec, env: Env): { roles: Manifest[]; bindings: Manifest[] } {
  const namespace = teamNamespace(team.team, env);
  const apps = team.apps.filter((app) => app.replicas[env] > 0).map((app) => app.app);
  const roles = [
    role(namespace, `${team.team}-developer`, developerRules(env)),
    role(namespace, "config-reader", [rule([""], ["configmaps"], READ)]),
  ];
  const bindings: Manifest[] = [
    roleBinding(namespace, `${team.team}-developers`, "Role", `${team.team}-developer`, [
      group(`${team.team}-devs`),
    ]),
    roleBinding(
      namespace,
      "config-reader",
      "Role",
      "config-reader",
      apps.map((app) => account(namespace, app)),
    ),
  ];
  if (env === "prod") {
    bindings.push(
      roleBinding(namespace, `${team.team}-leads-admin`, "ClusterRole", "admin", [
        group(`${team.team}-leads`),
      ]),
    );
  }
  return { roles, bindings };
}

/** Grants particular to one app or one namespace, mistakes included. */
function specialRbac(): { roles: Manifest[]; bindings: Manifest[] } {
  const roles: Manifest[] = [];
  const bindings: Manifest[] = [];
  for (const env of ["prod", "staging", "dev"] as const) {
    const payments = teamNamespace("payments", env);
    roles.push(
      role(payments, "ledger-db-credentials", [
        { ...rule([""], ["secrets"], ["get"]), resourceNames: ["ledger-db-credentials"] },
      ]),
    );
    bindings.push(
      roleBinding(payments, "ledger-db-credentials", "Role", "ledger-db-credentials", [
        account(payments, "ledger"),
      ]),
    );
    // Airflow's KubernetesPodOperator starts a pod per task.
    const data = teamNamespace("data", env);
    roles.push(
      role(data, "airflow-pod-launcher", [
        rule([""], ["pods"], ["create", "delete", ...READ]),
        rule([""], ["pods/log"], ["get"]),
      ]),
    );
    bindings.push(
      roleBinding(data, "airflow-pod-launcher", "Role", "airflow-pod-launcher", [
        account(data, "airflow-scheduler"),
      ]),
    );
  }
  // The role was deleted in a cleanup; the binding was forgotten.
  bindings.push(
    roleBinding("search-prod", "indexer-legacy", "Role", "indexer-legacy", [
      account("search-prod", "indexer"),
    ]),
  );
  // "Just make it work" in dev: every pod that names no service account can edit the namespace.
  bindings.push(
    roleBinding("data-dev", "default-edit", "ClusterRole", "edit", [account("data-dev", "default")]),
  );
  return { roles, bindings };
}

export function namespacedRbac(): { roles: Manifest[]; bindings: Manifest[] } {
  const parts = [...TEAMS.flatMap((team) => team.envs.map((env) => teamRbac(team, env))), specialRbac()];
  return { roles: parts.flatMap((part) => part.roles), bindings: parts.flatMap((part) => part.bindings) };
}

/** Grants that come and go while the demo runs: each is absent at first, then present, then absent… */
export function bindingChanges(): Manifest[] {
  return [
    roleBinding("payments-prod", "oncall-exec", "ClusterRole", "pod-exec", [group("payments-oncall")]),
    roleBinding("data-staging", "contractor-view", "ClusterRole", "view", [user("r.silva@partner.example")]),
    roleBinding("storefront-staging", "debug-admin", "ClusterRole", "admin", [group("storefront-devs")]),
    clusterRoleBinding("incident-2291-cluster-admin", "cluster-admin", [user("s.ito@acme.example")]),
  ];
}
