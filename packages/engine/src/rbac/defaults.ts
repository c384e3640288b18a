import type { BindingSubject, RoleBinding } from "../objects/model";

// Kubernetes' own RBAC: the API server writes its default roles and bindings (named "system:…",
// labelled kubernetes.io/bootstrapping=rbac-defaults) again at every start, so deleting or
// editing them fixes nothing. The model keeps no labels of bindings: the names tell.

/** A user or group the cluster itself names ("system:…"), or a service account of kube-system. */
function isSystemIdentity(subject: BindingSubject): boolean {
  return subject.kind === "ServiceAccount"
    ? subject.namespace === "kube-system"
    : subject.name.startsWith("system:");
}

/**
 * Whether a binding is one of Kubernetes' defaults: its name and its role's start with
 * "system:", and it names only system identities (so a "system:" binding someone gives to a
 * team's user or service account is theirs to fix).
 */
export function isKubernetesDefaultBinding(binding: RoleBinding): boolean {
  // The one default not named "system:": cluster-admin for the system:masters group.
  if (
    binding.kind === "ClusterRoleBinding" &&
    binding.name === "cluster-admin" &&
    binding.roleRef.kind === "ClusterRole" &&
    binding.roleRef.name === "cluster-admin" &&
    binding.subjects.length > 0 &&
    binding.subjects.every((s) => s.kind === "Group" && s.name === "system:masters")
  )
    return true;
  return (
    binding.name.startsWith("system:") &&
    binding.roleRef.name.startsWith("system:") &&
    binding.subjects.every(isSystemIdentity)
  );
}
