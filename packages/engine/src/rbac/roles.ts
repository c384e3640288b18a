import type { Cluster, PolicyRule, Role } from "../objects/model";
import { selectorMatches } from "../selectors/labelSelector";

export function roleRef(role: { kind: string; namespace?: string; name: string }): string {
  return role.namespace === undefined
    ? `${role.kind}/${role.name}`
    : `${role.kind}/${role.namespace}/${role.name}`;
}

/** A role with the rules it really grants: for an aggregated ClusterRole, the aggregated ones. */
export interface ResolvedRole {
  readonly role: Role;
  readonly rules: readonly PolicyRule[];
}

/**
 * Resolves every role's rules, filling aggregated ClusterRoles the way the clusterrole
 * aggregation controller does: the union, in name order and without duplicates, of the rules of
 * every other ClusterRole a selector matches. Aggregated roles may aggregate each other, so this
 * iterates to the least fixed point (the manifest's own `rules` of an aggregated role are
 * overwritten by the controller and ignored here).
 */
export function resolveRoles(cluster: Cluster): Map<string, ResolvedRole> {
  const resolved = new Map<string, ResolvedRole>();
  for (const role of cluster.roles) {
    resolved.set(roleRef(role), { role, rules: role.aggregationSelectors === undefined ? role.rules : [] });
  }
  resolveAggregation(
    cluster.roles.filter((role) => role.kind === "ClusterRole"),
    resolved,
  );
  return resolved;
}

/**
 * Fills the aggregated ClusterRoles among `clusterRoles` in `resolved` (which holds every role,
 * aggregated ones with some earlier rules or none) and returns the refs of those whose rules changed.
 */
export function resolveAggregation(
  clusterRoles: readonly Role[],
  resolved: Map<string, ResolvedRole>,
): Set<string> {
  const byName = [...clusterRoles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const aggregated = byName.filter((role) => role.aggregationSelectors !== undefined);
  const changed = new Set<string>();
  // Start from nothing: the least fixed point, as if the controller had filled the roles in order.
  const start = new Map<string, string>();
  for (const role of aggregated) {
    const ref = roleRef(role);
    start.set(ref, resolved.get(ref)?.rules.map(ruleKey).join("\n") ?? "");
    resolved.set(ref, { role, rules: [] });
  }
  // Each pass can only add rules (the rule sets grow monotonically), so at most one pass per
  // aggregated role plus one to confirm is needed.
  for (let pass = 0; pass <= aggregated.length; pass++) {
    let grew = false;
    for (const role of aggregated) {
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const selector of role.aggregationSelectors ?? []) {
        for (const other of byName) {
          if (other.name === role.name || !selectorMatches(selector, other.labels)) continue;
          for (const rule of resolved.get(roleRef(other))?.rules ?? []) {
            const key = ruleKey(rule);
            if (seen.has(key)) continue;
            seen.add(key);
            rules.push(rule);
          }
        }
      }
      const previous = resolved.get(roleRef(role))!;
      if (previous.rules.length !== rules.length) {
        grew = true;
        resolved.set(roleRef(role), { role, rules });
      }
    }
    if (!grew) break;
  }
  for (const role of aggregated) {
    const ref = roleRef(role);
    if (resolved.get(ref)!.rules.map(ruleKey).join("\n") !== start.get(ref)) changed.add(ref);
  }
  return changed;
}

export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([
    rule.verbs,
    rule.apiGroups,
    rule.resources,
    rule.resourceNames,
    rule.nonResourceURLs,
  ]);
}
