import type { Cluster, PolicyRule, Role } from "../objects/model";
import { selectorMatches } from "../selectors/labelSelector";

// A literal reading of the Kubernetes RBAC authorizer (plugin/pkg/auth/authorizer/rbac and
// pkg/apis/rbac/v1/evaluation_helpers.go), slow and obviously right, for property tests. It
// shares no code with the engine's authorizer.

export interface RefUser {
  readonly name: string;
  readonly groups: readonly string[];
}

export interface RefAttributes {
  readonly verb: string;
  /** Resource request when true, non-resource (path) request when false. */
  readonly isResourceRequest: boolean;
  readonly namespace: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  readonly path: string;
}

const VerbAll = "*";
const APIGroupAll = "*";
const ResourceAll = "*";
const NonResourceAll = "*";

function VerbMatches(rule: PolicyRule, requestedVerb: string): boolean {
  for (const ruleVerb of rule.verbs) {
    if (ruleVerb === VerbAll) return true;
    if (ruleVerb === requestedVerb) return true;
  }
  return false;
}

function APIGroupMatches(rule: PolicyRule, requestedGroup: string): boolean {
  for (const ruleGroup of rule.apiGroups) {
    if (ruleGroup === APIGroupAll) return true;
    if (ruleGroup === requestedGroup) return true;
  }
  return false;
}

function ResourceMatches(rule: PolicyRule, combinedRequestedResource: string, requestedSubresource: string) {
  for (const ruleResource of rule.resources) {
    if (ruleResource === ResourceAll) return true;
    if (ruleResource === combinedRequestedResource) return true;
    if (requestedSubresource.length === 0) continue;
    if (
      ruleResource.length === requestedSubresource.length + 2 &&
      ruleResource.startsWith("*/") &&
      ruleResource.endsWith(requestedSubresource)
    )
      return true;
  }
  return false;
}

function ResourceNameMatches(rule: PolicyRule, requestedName: string): boolean {
  if (rule.resourceNames.length === 0) return true;
  for (const ruleName of rule.resourceNames) if (ruleName === requestedName) return true;
  return false;
}

function NonResourceURLMatches(rule: PolicyRule, requestedURL: string): boolean {
  for (const ruleURL of rule.nonResourceURLs) {
    if (ruleURL === NonResourceAll) return true;
    if (ruleURL === requestedURL) return true;
    let trimmed = ruleURL;
    while (trimmed.endsWith("*")) trimmed = trimmed.slice(0, -1);
    if (ruleURL.endsWith("*") && requestedURL.startsWith(trimmed)) return true;
  }
  return false;
}

export function RuleAllows(a: RefAttributes, rule: PolicyRule): boolean {
  if (a.isResourceRequest) {
    let combinedResource = a.resource;
    if (a.subresource.length > 0) combinedResource = `${a.resource}/${a.subresource}`;
    return (
      VerbMatches(rule, a.verb) &&
      APIGroupMatches(rule, a.apiGroup) &&
      ResourceMatches(rule, combinedResource, a.subresource) &&
      ResourceNameMatches(rule, a.name)
    );
  }
  return VerbMatches(rule, a.verb) && NonResourceURLMatches(rule, a.path);
}

/** The roles' rules with aggregation filled naively: repeat until nothing grows. */
export function referenceRoleRules(cluster: Cluster): Map<Role, PolicyRule[]> {
  const text = (r: PolicyRule) =>
    JSON.stringify([r.verbs, r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);
  const rules = new Map<Role, PolicyRule[]>(
    cluster.roles.map((r) => [r, r.aggregationSelectors ? [] : r.rules.slice()]),
  );
  const byName = [...cluster.roles].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (let round = 0; round <= cluster.roles.length; round++) {
    for (const role of cluster.roles) {
      if (role.kind !== "ClusterRole" || !role.aggregationSelectors) continue;
      const seen = new Set<string>();
      const collected: PolicyRule[] = [];
      for (const selector of role.aggregationSelectors)
        for (const other of byName) {
          if (
            other.kind !== "ClusterRole" ||
            other.name === role.name ||
            !selectorMatches(selector, other.labels)
          )
            continue;
          for (const rule of rules.get(other)!)
            if (!seen.has(text(rule))) {
              seen.add(text(rule));
              collected.push(rule);
            }
        }
      if (collected.length > rules.get(role)!.length) rules.set(role, collected);
    }
  }
  return rules;
}

function appliesTo(
  user: RefUser,
  subject: { kind: string; name: string; namespace?: string },
  bindingNamespace: string,
) {
  switch (subject.kind) {
    case "User":
      return user.name === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const ns = subject.namespace ?? bindingNamespace;
      return ns !== "" && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
  }
  return false;
}

/** The authorizer's VisitRulesFor and Authorize: ClusterRoleBindings, then the namespace's RoleBindings. */
export function referenceAuthorize(
  cluster: Cluster,
  roleRules: Map<Role, PolicyRule[]>,
  user: RefUser,
  a: RefAttributes,
): boolean {
  for (const binding of cluster.bindings) {
    if (binding.kind !== "ClusterRoleBinding") continue;
    if (!binding.subjects.some((s) => appliesTo(user, s, ""))) continue;
    const role = cluster.roles.find((r) => r.kind === "ClusterRole" && r.name === binding.roleRef.name);
    if (role === undefined) continue;
    for (const rule of roleRules.get(role)!) if (RuleAllows(a, rule)) return true;
  }
  if (a.namespace.length > 0) {
    for (const binding of cluster.bindings) {
      if (binding.kind !== "RoleBinding" || binding.namespace !== a.namespace) continue;
      if (!binding.subjects.some((s) => appliesTo(user, s, binding.namespace ?? ""))) continue;
      const role = cluster.roles.find((r) =>
        binding.roleRef.kind === "Role"
          ? r.kind === "Role" && r.namespace === binding.namespace && r.name === binding.roleRef.name
          : r.kind === "ClusterRole" && r.name === binding.roleRef.name,
      );
      if (role === undefined) continue;
      for (const rule of roleRules.get(role)!) if (RuleAllows(a, rule)) return true;
    }
  }
  return false;
}

/** What the authenticator gives a subject: a service account's user name and groups; a User; a Group member. */
export function referenceUser(subject: { kind: string; name: string; namespace?: string }): RefUser {
  if (subject.kind === "ServiceAccount")
    return {
      name: `system:serviceaccount:${subject.namespace}:${subject.name}`,
      groups: [
        "system:serviceaccounts",
        `system:serviceaccounts:${subject.namespace}`,
        "system:authenticated",
      ],
    };
  if (subject.kind === "User") return { name: subject.name, groups: [] };
  return { name: "", groups: [subject.name] };
}
