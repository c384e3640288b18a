// What a question names: a resource (in one API group, or in any) or a non-resource URL.

/** A resource as a question names it; apiGroup undefined: in any API group. */
export type ResourceQuery =
  | { readonly apiGroup?: string; readonly resource: string; readonly subresource?: string }
  | { readonly url: string };

/**
 * The API group of Kubernetes' built-in resources, so a question about "secrets" means the core
 * group's secrets (what kubectl resolves through discovery), not a custom resource of that name.
 */
export const BUILT_IN_GROUPS: ReadonlyMap<string, string> = new Map([
  ...[
    "bindings",
    "componentstatuses",
    "configmaps",
    "endpoints",
    "events",
    "limitranges",
    "namespaces",
    "nodes",
    "persistentvolumeclaims",
    "persistentvolumes",
    "pods",
    "podtemplates",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "serviceaccounts",
    "services",
  ].map((r) => [r, ""] as const),
  ...["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"].map(
    (r) => [r, "apps"] as const,
  ),
  ...["cronjobs", "jobs"].map((r) => [r, "batch"] as const),
  ...["clusterrolebindings", "clusterroles", "rolebindings", "roles"].map(
    (r) => [r, "rbac.authorization.k8s.io"] as const,
  ),
  ...["ingressclasses", "ingresses", "networkpolicies"].map((r) => [r, "networking.k8s.io"] as const),
  ["poddisruptionbudgets", "policy"],
  ["horizontalpodautoscalers", "autoscaling"],
  ["leases", "coordination.k8s.io"],
  ["storageclasses", "storage.k8s.io"],
  ["customresourcedefinitions", "apiextensions.k8s.io"],
  ["certificatesigningrequests", "certificates.k8s.io"],
  ["mutatingwebhookconfigurations", "admissionregistration.k8s.io"],
  ["validatingwebhookconfigurations", "admissionregistration.k8s.io"],
  ["tokenreviews", "authentication.k8s.io"],
  ["subjectaccessreviews", "authorization.k8s.io"],
]);

const KNOWN_GROUPS = new Set([...BUILT_IN_GROUPS.values()].filter((g) => g !== ""));

/**
 * Reads a question's resource text: "/path" is a non-resource URL; "secrets" or "pods/exec" a
 * resource (and subresource) in its built-in group, or in any group when not built in;
 * "core/secrets", "apps/deployments", "example.com/widgets/status" name the group first (a first
 * part that is "core", a built-in group, or contains a dot). An explicit group wins.
 */
export function resourceQueryOf(text: string, apiGroup?: string): ResourceQuery {
  if (text.startsWith("/")) return { url: text };
  const parts = text.split("/");
  let group: string | undefined;
  if (
    parts.length === 3 ||
    (parts.length === 2 && (parts[0] === "core" || parts[0]!.includes(".") || KNOWN_GROUPS.has(parts[0]!)))
  ) {
    const first = parts.shift()!;
    group = first === "core" ? "" : first;
  }
  const [resource = "", subresource] = parts;
  const chosen = apiGroup ?? group ?? BUILT_IN_GROUPS.get(resource);
  return {
    resource,
    ...(subresource === undefined || subresource === "" ? {} : { subresource }),
    ...(chosen === undefined ? {} : { apiGroup: chosen }),
  };
}
