import type { Role, RoleBinding, ServiceAccount } from "../objects/model";
import { bindingGrants, bindingRef, boundRoleRef, type Grant, type SubjectRights } from "../rbac/effective";
import { type ResolvedRole, resolveAggregation, roleRef, ruleKey } from "../rbac/roles";
import {
  bindingSubjectApplies,
  compareSubjects,
  type Subject,
  serviceAccountUsername,
  subjectRef,
  userInfoOf,
} from "../rbac/subjects";
import type { Changes } from "./changes";
import { addTo, removeFrom } from "./multimap";

const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

/**
 * The RBAC side of the live engine: roles (aggregation resolved), bindings indexed by the user
 * names and groups they name, and each subject's effective rights, recomputed only for the
 * subjects an event can reach.
 */
export class RbacIndex {
  readonly roles = new Map<string, Role>();
  readonly resolved = new Map<string, ResolvedRole>();
  readonly bindings = new Map<string, RoleBinding>();
  private readonly bindingsByRole = new Map<string, Set<RoleBinding>>();
  private readonly byUser = new Map<string, Set<RoleBinding>>();
  private readonly byGroup = new Map<string, Set<RoleBinding>>();
  /** Every subject, with how many objects (ServiceAccounts and binding subject entries) name it. */
  private readonly subjectRefs = new Map<string, { subject: Subject; count: number }>();
  private readonly accountsByNamespace = new Map<string, Set<string>>();
  readonly rows = new Map<string, SubjectRights>();
  /** Subjects whose rights may have changed since the last flush: a relist of thousands of bindings recomputes each once. */
  private readonly pending = new Set<string>();

  subjects(): SubjectRights[] {
    return [...this.rows.values()].sort((a, b) => compareSubjects(a.subject, b.subject));
  }

  boundRole(binding: RoleBinding): ResolvedRole | undefined {
    return this.resolved.get(boundRoleRef(binding));
  }

  // Objects

  setServiceAccount(before: ServiceAccount | undefined, after: ServiceAccount | undefined): void {
    const subject = (sa: ServiceAccount): Subject => ({
      kind: "ServiceAccount",
      namespace: sa.namespace,
      name: sa.name,
    });
    if (before !== undefined) this.release(subject(before), this.pending);
    if (after !== undefined) this.retain(subject(after), this.pending);
  }

  setRole(ref: string, role: Role | undefined, changes: Changes): void {
    if (role === undefined) this.roles.delete(ref);
    else this.roles.set(ref, role);
    const changedRoles = new Set<string>([ref]);
    if (role === undefined) this.resolved.delete(ref);
    else this.resolved.set(ref, { role, rules: role.aggregationSelectors === undefined ? role.rules : [] });
    if (ref.startsWith("ClusterRole/")) {
      const clusterRoles = [...this.roles.values()].filter((r) => r.kind === "ClusterRole");
      for (const changed of resolveAggregation(clusterRoles, this.resolved)) changedRoles.add(changed);
    }
    for (const changed of changedRoles) {
      for (const binding of this.bindingsByRole.get(changed) ?? []) {
        changes.bindingsTouched.add(bindingRef(binding));
        this.reach(binding, this.pending);
      }
    }
  }

  setBinding(ref: string, binding: RoleBinding | undefined, changes: Changes): void {
    const dirty = this.pending;
    const previous = this.bindings.get(ref);
    if (previous !== undefined) {
      this.bindings.delete(ref);
      removeFrom(this.bindingsByRole, boundRoleRef(previous), previous);
      for (const s of previous.subjects) {
        this.unindex(previous, s);
        this.release(s, dirty);
      }
      this.reach(previous, dirty);
    }
    if (binding !== undefined) {
      this.bindings.set(ref, binding);
      addTo(this.bindingsByRole, boundRoleRef(binding), binding);
      for (const s of binding.subjects) {
        this.index(binding, s);
        this.retain(s, dirty);
      }
      this.reach(binding, dirty);
    }
    changes.bindingsTouched.add(ref);
  }

  // Indexes

  private index(binding: RoleBinding, s: Subject): void {
    if (s.kind === "Group") addTo(this.byGroup, s.name, binding);
    else if (s.kind === "User") addTo(this.byUser, s.name, binding);
    else addTo(this.byUser, serviceAccountUsername(s.namespace ?? "", s.name), binding);
  }

  /** Removes a binding from the index of one of its subjects (a binding is indexed once however often it names one). */
  private unindex(binding: RoleBinding, s: Subject): void {
    if (s.kind === "Group") removeFrom(this.byGroup, s.name, binding);
    else if (s.kind === "User") removeFrom(this.byUser, s.name, binding);
    else removeFrom(this.byUser, serviceAccountUsername(s.namespace ?? "", s.name), binding);
  }

  private retain(subject: Subject, dirty: Set<string>): void {
    const ref = subjectRef(subject);
    const entry = this.subjectRefs.get(ref);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    this.subjectRefs.set(ref, { subject, count: 1 });
    if (subject.kind === "ServiceAccount") addTo(this.accountsByNamespace, subject.namespace ?? "", ref);
    dirty.add(ref);
  }

  private release(subject: Subject, dirty: Set<string>): void {
    const ref = subjectRef(subject);
    const entry = this.subjectRefs.get(ref);
    if (entry === undefined) return;
    entry.count--;
    if (entry.count > 0) return;
    this.subjectRefs.delete(ref);
    if (subject.kind === "ServiceAccount") removeFrom(this.accountsByNamespace, subject.namespace ?? "", ref);
    dirty.add(ref);
  }

  /** Marks every existing subject whose rights a binding can affect. */
  private reach(binding: RoleBinding, dirty: Set<string>): void {
    for (const s of binding.subjects) {
      if (s.kind === "ServiceAccount") {
        dirty.add(`ServiceAccount/${s.namespace ?? ""}/${s.name}`);
        dirty.add(`User/${serviceAccountUsername(s.namespace ?? "", s.name)}`);
      } else if (s.kind === "User") {
        dirty.add(`User/${s.name}`);
        const match = SA_USER.exec(s.name);
        if (match) dirty.add(`ServiceAccount/${match[1]}/${match[2]}`);
      } else {
        dirty.add(`Group/${s.name}`);
        if (s.name === "system:serviceaccounts" || s.name === "system:authenticated") {
          for (const refs of this.accountsByNamespace.values()) for (const ref of refs) dirty.add(ref);
        } else if (s.name.startsWith("system:serviceaccounts:")) {
          for (const ref of this.accountsByNamespace.get(s.name.slice("system:serviceaccounts:".length)) ??
            [])
            dirty.add(ref);
        }
      }
    }
  }

  /** Recomputes the rights of every subject the changes since the last flush may have reached. */
  flush(changes: Changes): void {
    const dirty = [...this.pending];
    this.pending.clear();
    for (const ref of dirty) {
      const entry = this.subjectRefs.get(ref);
      const had = this.rows.has(ref);
      if (entry === undefined) {
        if (had) {
          this.rows.delete(ref);
          changes.subjectsRemoved.add(ref);
        }
        continue;
      }
      const rights = this.rightsOf(entry.subject);
      const before = this.rows.get(ref);
      if (before !== undefined && sameGrants(before.grants, rights.grants)) continue;
      this.rows.set(ref, rights);
      (had ? changes.subjectsChanged : changes.subjectsAdded).add(ref);
    }
  }

  private rightsOf(subject: Subject): SubjectRights {
    const user = userInfoOf(subject);
    const candidates = new Set<RoleBinding>();
    if (user.username !== undefined) for (const b of this.byUser.get(user.username) ?? []) candidates.add(b);
    for (const group of user.groups) for (const b of this.byGroup.get(group) ?? []) candidates.add(b);
    const grants: Grant[] = [];
    const sorted =
      candidates.size < 2
        ? candidates
        : [...candidates]
            .map((binding) => ({ binding, ref: bindingRef(binding) }))
            .sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
            .map(({ binding }) => binding);
    for (const binding of sorted) {
      if (!binding.subjects.some((s) => bindingSubjectApplies(s, user))) continue;
      const resolved = this.resolved.get(boundRoleRef(binding));
      if (resolved !== undefined) grants.push(...bindingGrants(binding, resolved));
    }
    return { subject, grants };
  }
}

/** Whether two lists of grants say the same, comparing the objects first and their contents only when they differ. */
function sameGrants(a: readonly Grant[], b: readonly Grant[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.namespace === y.namespace && x.binding === y.binding && x.role === y.role && x.rule === y.rule)
      continue;
    if (grantKey(x) !== grantKey(y)) return false;
  }
  return true;
}

function grantKey(grant: Grant): string {
  return `${grant.namespace} ${bindingRef(grant.binding)} ${roleRef(grant.role)} ${ruleKey(grant.rule)}`;
}
