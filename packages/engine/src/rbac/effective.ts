import type { Cluster, PolicyRule, Role, RoleBinding } from "../objects/model";
import { type ResolvedRole, resolveRoles, roleRef } from "./roles";
import { bindingSubjectApplies, compareSubjects, type Subject, subjectRef, userInfoOf } from "./subjects";

/** One rule a subject holds, and where it holds it. */
export interface Grant {
  /** The RoleBinding's namespace, or "*" for a ClusterRoleBinding (every namespace and the cluster scope). */
  readonly namespace: string;
  readonly rule: PolicyRule;
  readonly binding: RoleBinding;
  readonly role: Role;
}

export interface SubjectRights {
  readonly subject: Subject;
  readonly grants: readonly Grant[];
}

export interface Rbac {
  /** Every ServiceAccount object and every subject a binding names, sorted. */
  readonly subjects: readonly SubjectRights[];
  readonly roles: ReadonlyMap<string, ResolvedRole>;
  /** Bindings whose role does not exist: they grant nothing. */
  readonly danglingBindings: readonly RoleBinding[];
}

export function bindingRef(binding: RoleBinding): string {
  return binding.namespace === undefined
    ? `${binding.kind}/${binding.name}`
    : `${binding.kind}/${binding.namespace}/${binding.name}`;
}

/** The role a binding refers to: a Role in the binding's own namespace, or a ClusterRole. */
export function boundRoleRef(binding: RoleBinding): string {
  return binding.roleRef.kind === "Role"
    ? `Role/${binding.namespace ?? ""}/${binding.roleRef.name}`
    : `ClusterRole/${binding.roleRef.name}`;
}

/**
 * The rules a binding grants. Through a RoleBinding, rules hold in its namespace only, and
 * non-resource URLs (which have no namespace) are granted by ClusterRoleBindings alone.
 */
export function bindingGrants(binding: RoleBinding, resolved: ResolvedRole): Grant[] {
  const namespace = binding.kind === "ClusterRoleBinding" ? "*" : (binding.namespace ?? "");
  const grants: Grant[] = [];
  for (const rule of resolved.rules) {
    if (binding.kind === "RoleBinding" && rule.nonResourceURLs.length > 0) continue;
    grants.push({ namespace, rule, binding, role: resolved.role });
  }
  return grants;
}

export function computeRbac(cluster: Cluster): Rbac {
  const roles = resolveRoles(cluster);
  const subjects = new Map<string, Subject>();
  const add = (subject: Subject) => subjects.set(subjectRef(subject), subject);
  for (const account of cluster.serviceAccounts) {
    add({ kind: "ServiceAccount", namespace: account.namespace, name: account.name });
  }
  const danglingBindings: RoleBinding[] = [];
  for (const binding of cluster.bindings) {
    for (const subject of binding.subjects) add(subject);
    if (!roles.has(boundRoleRef(binding))) danglingBindings.push(binding);
  }
  // Index bindings by the user names and groups they name, so each subject reads only its own.
  const byUser = new Map<string, RoleBinding[]>();
  const byGroup = new Map<string, RoleBinding[]>();
  const index = (map: Map<string, RoleBinding[]>, key: string, binding: RoleBinding) => {
    const list = map.get(key) ?? [];
    if (list[list.length - 1] !== binding) list.push(binding);
    map.set(key, list);
  };
  for (const binding of cluster.bindings) {
    for (const subject of binding.subjects) {
      if (subject.kind === "Group") index(byGroup, subject.name, binding);
      else if (subject.kind === "User") index(byUser, subject.name, binding);
      else index(byUser, `system:serviceaccount:${subject.namespace ?? ""}:${subject.name}`, binding);
    }
  }
  const rights: SubjectRights[] = [];
  for (const subject of [...subjects.values()].sort(compareSubjects)) {
    const user = userInfoOf(subject);
    const candidates = new Set<RoleBinding>();
    if (user.username !== undefined) for (const b of byUser.get(user.username) ?? []) candidates.add(b);
    for (const group of user.groups) for (const b of byGroup.get(group) ?? []) candidates.add(b);
    const grants: Grant[] = [];
    for (const binding of [...candidates].sort(compareBindings)) {
      if (!binding.subjects.some((s) => bindingSubjectApplies(s, user))) continue;
      const resolved = roles.get(boundRoleRef(binding));
      if (resolved !== undefined) grants.push(...bindingGrants(binding, resolved));
    }
    rights.push({ subject, grants });
  }
  return { subjects: rights, roles, danglingBindings };
}

function compareBindings(a: RoleBinding, b: RoleBinding): number {
  const ka = bindingRef(a);
  const kb = bindingRef(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export { roleRef };
