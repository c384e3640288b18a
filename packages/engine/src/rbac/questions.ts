import type { Severity } from "@trustmap/shared";
import type { PolicyRule } from "../objects/model";
import {
  apiGroupMatches,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  verbMatches,
} from "./authorize";
import { bindingRef, type Grant, type SubjectRights } from "./effective";
import { matrixRow, type RulesOf } from "./matrix";
import type { ResourceQuery } from "./resources";
import { compareRanked } from "./risk";
import { roleRef } from "./roles";
import { type Subject, subjectRef } from "./subjects";

// The two RBAC questions a security team asks, answered by the authorizer's own rules over every
// subject's effective grants: "who can VERB RESOURCE [NAME] in NAMESPACE" (kubectl who-can) and
// "what may SUBJECT do" (kubectl auth can-i --list).

/** One grant in an answer: where it holds and the binding → role → rule that gives it. */
export interface GrantTrace {
  /** The RoleBinding's namespace, or "*" for a ClusterRoleBinding. */
  readonly namespace: string;
  readonly binding: string;
  readonly role: string;
  /** The rule's index among the role's (aggregated) rules. */
  readonly rule: number;
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface WhoCanQuestion {
  readonly verb: string;
  readonly target: ResourceQuery;
  /** The object's name; absent: a request that names none (list, create, a collection). */
  readonly name?: string;
  /** Absent: cluster-wide (a cluster-scoped request, or one across all namespaces). */
  readonly namespace?: string;
}

export interface WhoCanEntry {
  readonly subject: Subject;
  readonly ref: string;
  /** The subject's worst right overall (as the matrix ranks it). */
  readonly worst?: Severity;
  /** Whether a ClusterRoleBinding gives it. */
  readonly clusterWide: boolean;
  /**
   * When no name was asked and the subject may do it only to named objects (resourceNames):
   * those names. Absent: it may do it without naming an object.
   */
  readonly onlyNames?: readonly string[];
  /** The grants that allow it. */
  readonly grants: readonly GrantTrace[];
}

function trace(grant: Grant, rulesOf: RulesOf): GrantTrace {
  const rule = grant.rule;
  return {
    namespace: grant.namespace,
    binding: bindingRef(grant.binding),
    role: roleRef(grant.role),
    rule: rulesOf(grant.role).indexOf(rule),
    verbs: rule.verbs,
    apiGroups: rule.apiGroups,
    resources: rule.resources,
    resourceNames: rule.resourceNames,
    nonResourceURLs: rule.nonResourceURLs,
  };
}

/** Whether a grant holds where the question asks: its namespace, or any for a ClusterRoleBinding. */
function holdsIn(grant: Grant, namespace: string | undefined): boolean {
  return grant.namespace === "*" || grant.namespace === (namespace ?? "");
}

/**
 * Whether the rule allows the question's request for some object name: RuleAllows with the
 * name left out (the name is judged apart). A resource question without apiGroup asks about
 * the resource in any API group.
 */
function ruleCovers(rule: PolicyRule, verb: string, target: ResourceQuery): boolean {
  if (!verbMatches(rule, verb)) return false;
  if ("url" in target) return nonResourceURLMatches(rule, target.url);
  return (
    (target.apiGroup === undefined ? rule.apiGroups.length > 0 : apiGroupMatches(rule, target.apiGroup)) &&
    resourceMatches(rule, target.resource, target.subresource)
  );
}

/** A subject's worst right: the matrix row's (callers may pass one computed once per revision). */
export type WorstOf = (rights: SubjectRights) => Severity | undefined;

/** Every subject the authorizer would allow the request, ranked (worst, cluster-wide, name). */
export function whoCan(
  subjects: readonly SubjectRights[],
  question: WhoCanQuestion,
  rulesOf: RulesOf,
  worstOf: WorstOf = (rights) => matrixRow(rights, rulesOf).worst,
): WhoCanEntry[] {
  const nonResource = "url" in question.target;
  const entries: WhoCanEntry[] = [];
  for (const rights of subjects) {
    const allowing: Grant[] = [];
    const named: Grant[] = [];
    for (const grant of rights.grants) {
      if (nonResource ? grant.namespace !== "*" : !holdsIn(grant, question.namespace)) continue;
      if (!ruleCovers(grant.rule, question.verb, question.target)) continue;
      // A non-resource request names no object; resourceNames do not apply to it.
      if (nonResource || question.name !== undefined) {
        if (nonResource || resourceNameMatches(grant.rule, question.name)) allowing.push(grant);
      } else if (grant.rule.resourceNames.length === 0) allowing.push(grant);
      else named.push(grant);
    }
    if (allowing.length === 0 && named.length === 0) continue;
    const shown = allowing.length > 0 ? allowing : named;
    const worst = worstOf(rights);
    entries.push({
      subject: rights.subject,
      ref: subjectRef(rights.subject),
      ...(worst === undefined ? {} : { worst }),
      clusterWide: shown.some((grant) => grant.namespace === "*"),
      ...(allowing.length > 0
        ? {}
        : { onlyNames: [...new Set(named.flatMap((g) => g.rule.resourceNames))].sort() }),
      grants: shown.map((grant) => trace(grant, rulesOf)),
    });
  }
  return entries.sort(compareRanked);
}

export interface CanIAnswer {
  readonly subject: Subject;
  readonly ref: string;
  readonly worst?: Severity;
  /** The rules that hold in the namespace asked (its own and the cluster-wide ones), or all. */
  readonly rules: readonly (GrantTrace & { readonly risks: readonly string[] })[];
}

/**
 * What a subject may do (kubectl auth can-i --list): its rules that hold in the namespace
 * (RoleBindings there and every ClusterRoleBinding), or all of them when no namespace is asked,
 * each traced to its binding and role, cluster-wide first.
 */
export function canI(rights: SubjectRights, namespace: string | undefined, rulesOf: RulesOf): CanIAnswer {
  const row = matrixRow(rights, rulesOf);
  const risky = new Map<string, Set<string>>();
  for (const cell of row.cells)
    for (const g of cell.grants) {
      const key = `${cell.scope} ${g.binding} ${g.role} ${g.rule}`;
      const set = risky.get(key) ?? new Set();
      for (const r of cell.risks) set.add(r);
      risky.set(key, set);
    }
  const rules = rights.grants
    .filter((grant) => namespace === undefined || holdsIn(grant, namespace))
    .map((grant) => {
      const t = trace(grant, rulesOf);
      const risks = [...(risky.get(`${t.namespace} ${t.binding} ${t.role} ${t.rule}`) ?? [])].sort();
      return { ...t, risks };
    })
    .sort((a, b) => Number(b.namespace === "*") - Number(a.namespace === "*"));
  return {
    subject: rights.subject,
    ref: subjectRef(rights.subject),
    ...(row.worst === undefined ? {} : { worst: row.worst }),
    rules,
  };
}
