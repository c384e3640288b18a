import type { Kind } from "@trustmap/engine";

/** One collection the source reads: always the whole cluster, never one namespace. */
export interface Resource {
  readonly kind: Kind;
  /** The collection's path under the server URL: a constant, never built from cluster data. */
  readonly path: string;
  readonly plural: string;
  /** The API group as RBAC rules name it ("" is the core group). */
  readonly group: string;
  /**
   * Served only where its CustomResourceDefinition is installed: a 404 means the cluster has none
   * of this kind (not an error), and the kind is looked for again now and then.
   */
  readonly optional?: boolean;
  /**
   * The paths of the kind's older versions, asked in turn when the server does not serve `path`
   * (the Gateway API serves TLSRoute, TCPRoute and UDPRoute as v1 since v1.5, as v1alpha2 before).
   */
  readonly older?: readonly string[];
  /**
   * What a user's access to the kind decides: `tiers` (the cluster-wide network policies) and
   * `exposure` (what publishes workloads) are asked apart; a user who may not list them still reads
   * the whole picture, told without them. Every other kind is part of the picture itself.
   */
  readonly part?: "tiers" | "exposure";
}

/**
 * Every collection the engine reads. The first sync lists the pods beside the others, which it
 * lists in this order: namespaces first (policies' namespaceSelectors and pods' namespaces refer to
 * them). Secrets are not in this list and never will be: the source cannot ask for them.
 */
export const RESOURCES: readonly Resource[] = [
  { kind: "Namespace", path: "/api/v1/namespaces", plural: "namespaces", group: "" },
  { kind: "ServiceAccount", path: "/api/v1/serviceaccounts", plural: "serviceaccounts", group: "" },
  {
    kind: "NetworkPolicy",
    path: "/apis/networking.k8s.io/v1/networkpolicies",
    plural: "networkpolicies",
    group: "networking.k8s.io",
  },
  {
    kind: "Role",
    path: "/apis/rbac.authorization.k8s.io/v1/roles",
    plural: "roles",
    group: "rbac.authorization.k8s.io",
  },
  {
    kind: "ClusterRole",
    path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    plural: "clusterroles",
    group: "rbac.authorization.k8s.io",
  },
  {
    kind: "RoleBinding",
    path: "/apis/rbac.authorization.k8s.io/v1/rolebindings",
    plural: "rolebindings",
    group: "rbac.authorization.k8s.io",
  },
  {
    kind: "ClusterRoleBinding",
    path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    plural: "clusterrolebindings",
    group: "rbac.authorization.k8s.io",
  },
  {
    kind: "AdminNetworkPolicy",
    path: "/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies",
    plural: "adminnetworkpolicies",
    group: "policy.networking.k8s.io",
    optional: true,
    part: "tiers",
  },
  {
    kind: "BaselineAdminNetworkPolicy",
    path: "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies",
    plural: "baselineadminnetworkpolicies",
    group: "policy.networking.k8s.io",
    optional: true,
    part: "tiers",
  },
  {
    kind: "ClusterNetworkPolicy",
    path: "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies",
    plural: "clusternetworkpolicies",
    group: "policy.networking.k8s.io",
    optional: true,
    part: "tiers",
  },
  { kind: "Service", path: "/api/v1/services", plural: "services", group: "", part: "exposure" },
  {
    kind: "Ingress",
    path: "/apis/networking.k8s.io/v1/ingresses",
    plural: "ingresses",
    group: "networking.k8s.io",
    part: "exposure",
  },
  ...(
    [
      ["Gateway", "gateways", []],
      ["HTTPRoute", "httproutes", []],
      ["GRPCRoute", "grpcroutes", []],
      ["TLSRoute", "tlsroutes", ["v1alpha3", "v1alpha2"]],
      ["TCPRoute", "tcproutes", ["v1alpha2"]],
      ["UDPRoute", "udproutes", ["v1alpha2"]],
    ] as const
  ).map(
    ([kind, plural, older]): Resource => ({
      kind,
      path: `/apis/gateway.networking.k8s.io/v1/${plural}`,
      ...(older.length === 0
        ? {}
        : { older: older.map((version) => `/apis/gateway.networking.k8s.io/${version}/${plural}`) }),
      plural,
      group: "gateway.networking.k8s.io",
      optional: true,
      part: "exposure",
    }),
  ),
  { kind: "Pod", path: "/api/v1/pods", plural: "pods", group: "" },
];

/** What the source needs granted, said the way a ClusterRole's rules say it. */
export function requiredAccess(): string {
  const byGroup = new Map<string, string[]>();
  for (const resource of RESOURCES) {
    const plurals = byGroup.get(resource.group) ?? [];
    plurals.push(resource.plural);
    byGroup.set(resource.group, plurals);
  }
  const groups = [...byGroup].map(([group, plurals]) => `${plurals.join(", ")} (API group "${group}")`);
  return `the verbs list and watch, in all namespaces, on ${groups.join("; ")}`;
}
