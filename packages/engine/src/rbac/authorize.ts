import type { PolicyRule } from "../objects/model";
import type { Grant, SubjectRights } from "./effective";

/** A request as the RBAC authorizer sees it. */
export interface ResourceRequest {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
  /** Absent: a request that names no object (list, create, or a check that ignores names). */
  readonly name?: string;
  /** Absent or "": a cluster-scoped request. */
  readonly namespace?: string;
}

const ALL = "*";

// pkg/apis/rbac/v1/evaluation_helpers.go, rule by rule.

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(ALL) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes(ALL) || rule.apiGroups.includes(group);
}

/** "*" matches everything, "pods/exec" the subresource, "*\/exec" that subresource of any resource; "pods/*" nothing special. */
export function resourceMatches(
  rule: PolicyRule,
  resource: string,
  subresource: string | undefined,
): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const ruleResource of rule.resources) {
    if (ruleResource === ALL || ruleResource === combined) return true;
    if (subresource && ruleResource === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  if (rule.resourceNames.length === 0) return true;
  return name !== undefined && rule.resourceNames.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const url of rule.nonResourceURLs) {
    if (url === ALL || url === path) return true;
    // strings.TrimRight(ruleURL, "*"): every trailing star goes.
    if (url.endsWith("*") && path.startsWith(url.replace(/\*+$/, ""))) return true;
  }
  return false;
}

export function ruleAllows(rule: PolicyRule, request: ResourceRequest): boolean {
  return (
    verbMatches(rule, request.verb) &&
    apiGroupMatches(rule, request.apiGroup) &&
    resourceMatches(rule, request.resource, request.subresource) &&
    resourceNameMatches(rule, request.name)
  );
}

/** Whether a grant covers the request in its namespace (a ClusterRoleBinding's "*" covers every one). */
export function grantAllows(grant: Grant, request: ResourceRequest): boolean {
  if (grant.namespace !== ALL && grant.namespace !== (request.namespace ?? "")) return false;
  return ruleAllows(grant.rule, request);
}

export function grantAllowsNonResource(grant: Grant, verb: string, path: string): boolean {
  return grant.namespace === ALL && verbMatches(grant.rule, verb) && nonResourceURLMatches(grant.rule, path);
}

/**
 * Whether a grant's rule reaches the action on some object, whatever its name or namespace:
 * used to find risky rights, where a right over one named secret is still a right to read secrets.
 */
export function grantReaches(
  grant: Grant,
  verb: string,
  apiGroup: string,
  resource: string,
  subresource?: string,
) {
  const rule = grant.rule;
  return (
    verbMatches(rule, verb) && apiGroupMatches(rule, apiGroup) && resourceMatches(rule, resource, subresource)
  );
}

/** Whether a subject's rights allow a resource request: some grant allows it (RBAC only adds). */
export function subjectAllows(rights: SubjectRights, request: ResourceRequest): boolean {
  return rights.grants.some((grant) => grantAllows(grant, request));
}
