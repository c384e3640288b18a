import type { Severity } from "@trustmap/shared";
import { isFullAccess, RISKY_RIGHTS } from "../findings/rbac";
import type { PolicyRule, Role } from "../objects/model";
import { apiGroupMatches, nonResourceURLMatches, resourceMatches, verbMatches } from "./authorize";
import { bindingRef, type Grant, type SubjectRights } from "./effective";
import { type ResourceQuery, resourceQueryOf } from "./resources";
import { compareRanked, riskSeverity, worstOf } from "./risk";
import { roleRef } from "./roles";
import { type Subject, subjectRef } from "./subjects";

// The RBAC matrix: subjects × (scope, resource) with the verbs each may use there, every cell
// traced to the binding, role and rule that grant it, and the risky ones marked.

/** Where a grant holds: a namespace, or "*" (a ClusterRoleBinding: every namespace and the cluster scope). */
export type Scope = string;

/** What granted (part of) a cell. */
export interface CellGrant {
  readonly binding: string;
  readonly role: string;
  /** The rule's index in the role's rules (for an aggregated ClusterRole, in the rules aggregated into it). */
  readonly rule: number;
  readonly verbs: readonly string[];
  readonly resourceNames: readonly string[];
}

export interface MatrixCell {
  readonly scope: Scope;
  /** "<apiGroup>/<resource>" (core group written as "core"), wildcards kept ("*\/*"), or "url:<path>" for non-resource URLs. */
  readonly resource: string;
  readonly verbs: readonly string[];
  /** The ids of the risky rights this cell gives (e.g. "rbac-read-secrets"). */
  readonly risks: readonly string[];
  /** True when every grant of the cell is limited to named objects (resourceNames). */
  readonly namedOnly: boolean;
  /** When namedOnly: the objects named, sorted (else empty). */
  readonly resourceNames: readonly string[];
  readonly grants: readonly CellGrant[];
}

export interface MatrixRow {
  readonly subject: Subject;
  readonly ref: string;
  readonly cells: readonly MatrixCell[];
  /** The subject's worst right (over all its cells, whatever a filter shows), if any. */
  readonly worst?: Severity;
  readonly riskyCells: number;
  /** Whether some cell shown holds cluster-wide. */
  readonly clusterWide: boolean;
}

function groupName(group: string): string {
  return group === "" ? "core" : group;
}

/** The risky rights a rule gives over one group/resource, with the rule's verbs. */
export function risksOf(rule: PolicyRule, group: string, resource: string): string[] {
  const probe: PolicyRule = { ...rule, apiGroups: [group], resources: [resource] };
  const risks: string[] = [];
  const named = rule.resourceNames.length > 0;
  for (const right of RISKY_RIGHTS) {
    if ((right.names === "unrestricted" && named) || (right.names === "named" && !named)) continue;
    const reached = right.actions.some(
      (a) =>
        verbMatches(probe, a.verb) &&
        apiGroupMatches(probe, a.group) &&
        resourceMatches(probe, a.resource, a.subresource),
    );
    if (reached) risks.push(right.id);
  }
  // Every verb on every resource is cluster-admin's right; short of it, wildcards are risky in
  // themselves: they grant what does not exist yet.
  if (isFullAccess(probe)) risks.push("rbac-cluster-admin-binding");
  else if (rule.verbs.includes("*") || group === "*" || resource === "*")
    risks.push("rbac-wildcard-role-binding");
  return risks;
}

/** The rules a role holds: its own, or for an aggregated ClusterRole those aggregated into it. */
export type RulesOf = (role: Role) => readonly PolicyRule[];

/** One subject's row: its grants folded into cells by scope and resource. */
export function matrixRow(rights: SubjectRights, rulesOf: RulesOf = (role) => role.rules): MatrixRow {
  const ruleIndex = (grant: Grant) => rulesOf(grant.role).indexOf(grant.rule);
  const cells = new Map<
    string,
    {
      scope: string;
      resource: string;
      verbs: Set<string>;
      risks: Set<string>;
      named: boolean;
      grants: CellGrant[];
    }
  >();
  const add = (scope: string, resource: string, grant: Grant, risks: readonly string[]) => {
    const id = `${scope}\u0000${resource}`;
    let cell = cells.get(id);
    if (cell === undefined) {
      cell = { scope, resource, verbs: new Set(), risks: new Set(), named: true, grants: [] };
      cells.set(id, cell);
    }
    for (const verb of grant.rule.verbs) cell.verbs.add(verb);
    for (const risk of risks) cell.risks.add(risk);
    if (grant.rule.resourceNames.length === 0) cell.named = false;
    cell.grants.push({
      binding: bindingRef(grant.binding),
      role: roleRef(grant.role),
      rule: ruleIndex(grant),
      verbs: grant.rule.verbs,
      resourceNames: grant.rule.resourceNames,
    });
  };
  for (const grant of rights.grants) {
    const rule = grant.rule;
    for (const url of rule.nonResourceURLs) add(grant.namespace, `url:${url}`, grant, []);
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        add(grant.namespace, `${groupName(group)}/${resource}`, grant, risksOf(rule, group, resource));
      }
    }
  }
  const out: MatrixCell[] = [...cells.values()]
    .map((cell) => ({
      scope: cell.scope,
      resource: cell.resource,
      verbs: [...cell.verbs].sort(),
      risks: [...cell.risks].sort(),
      namedOnly: cell.named,
      resourceNames: cell.named ? [...new Set(cell.grants.flatMap((g) => g.resourceNames))].sort() : [],
      grants: cell.grants,
    }))
    .sort((a, b) =>
      a.scope === b.scope ? compareText(a.resource, b.resource) : compareText(a.scope, b.scope),
    );
  let worst: Severity | undefined;
  for (const cell of out)
    for (const risk of cell.risks) worst = worstOf(worst, riskSeverity(risk, cell.scope === "*"));
  return rowOf(rights.subject, subjectRef(rights.subject), out, worst);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The one order of subjects: worst right, then cluster-wide before namespaced, then reference. */
export function compareRows(a: MatrixRow, b: MatrixRow): number {
  return compareRanked(a, b);
}

export interface MatrixQuery {
  readonly subjectKind?: Subject["kind"];
  /** Cells that hold in this namespace: its own and the cluster-wide ones ("*"). */
  readonly namespace?: string;
  /**
   * A resource as resourceQueryOf reads it ("secrets", "pods/exec", "apps/deployments",
   * "core/secrets") or a non-resource URL ("/healthz"): cells whose rule covers it, wildcards included.
   */
  readonly resource?: string;
  /** Cells some grant of which allows this verb ("*" in a rule allows every verb). */
  readonly verb?: string;
  readonly riskyOnly?: boolean;
  /** Part of the subject's reference, case-insensitive. */
  readonly search?: string;
}

/** A matrix cell's resource read back: a non-resource URL, or a rule's group and resource entry. */
function cellTarget(cell: MatrixCell): { url: string } | { group: string; resource: string } {
  if (cell.resource.startsWith("url:")) return { url: cell.resource.slice(4) };
  const slash = cell.resource.indexOf("/");
  const group = cell.resource.slice(0, slash);
  return { group: group === "core" ? "" : group, resource: cell.resource.slice(slash + 1) };
}

/** Whether a cell's rule (its one group and resource entry) covers the resource asked. */
export function cellCovers(cell: MatrixCell, query: ResourceQuery): boolean {
  const target = cellTarget(cell);
  const probe: PolicyRule = {
    verbs: ["*"],
    apiGroups: "url" in target ? [] : [target.group],
    resources: "url" in target ? [] : [target.resource],
    resourceNames: [],
    nonResourceURLs: "url" in target ? [target.url] : [],
  };
  if ("url" in query) return nonResourceURLMatches(probe, query.url);
  return (
    (query.apiGroup === undefined ? probe.apiGroups.length > 0 : apiGroupMatches(probe, query.apiGroup)) &&
    resourceMatches(probe, query.resource, query.subresource)
  );
}

/**
 * The row restricted to the cells the query asks for, or undefined when none is left. Cells are
 * read as the authorizer reads their rules: a cell "*\/*" with verbs "*" answers every resource
 * and verb; a cell limited by resourceNames still answers (for the objects it names).
 */
export function filterRow(row: MatrixRow, query: MatrixQuery): MatrixRow | undefined {
  if (query.subjectKind !== undefined && row.subject.kind !== query.subjectKind) return undefined;
  if (query.search !== undefined && !row.ref.toLowerCase().includes(query.search.toLowerCase()))
    return undefined;
  // Without a filter on cells, a subject with no rights is listed too: "no rights" is an answer.
  if (
    query.namespace === undefined &&
    query.resource === undefined &&
    query.verb === undefined &&
    !query.riskyOnly
  )
    return row;
  const resource = query.resource === undefined ? undefined : resourceQueryOf(query.resource);
  const verb = query.verb;
  const cells = row.cells.filter((cell) => {
    if (query.namespace !== undefined && cell.scope !== "*" && cell.scope !== query.namespace) return false;
    if (resource !== undefined && !cellCovers(cell, resource)) return false;
    if (verb !== undefined && !cell.grants.some((g) => g.verbs.includes("*") || g.verbs.includes(verb)))
      return false;
    if (query.riskyOnly && cell.risks.length === 0) return false;
    return true;
  });
  if (cells.length === 0) return undefined;
  return cells.length === row.cells.length ? row : rowOf(row.subject, row.ref, cells, row.worst);
}

/** A row of cells with the subject's worst severity and its count of risky cells. */
function rowOf(
  subject: Subject,
  ref: string,
  cells: readonly MatrixCell[],
  worst: Severity | undefined,
): MatrixRow {
  const riskyCells = cells.filter((cell) => cell.risks.length > 0).length;
  const clusterWide = cells.some((cell) => cell.scope === "*");
  const row = { subject, ref, cells, riskyCells, clusterWide };
  return worst === undefined ? row : { ...row, worst };
}
