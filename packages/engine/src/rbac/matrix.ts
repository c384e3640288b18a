import type { Severity } from "@trustmap/shared";
import { RISKY_RIGHTS } from "../findings/rbac";
import type { PolicyRule, Role } from "../objects/model";
import { apiGroupMatches, resourceMatches, verbMatches } from "./authorize";
import { bindingRef, type Grant, type SubjectRights } from "./effective";
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
  readonly grants: readonly CellGrant[];
}

export interface MatrixRow {
  readonly subject: Subject;
  readonly ref: string;
  readonly cells: readonly MatrixCell[];
  /** The worst severity among the row's risky cells, if any. */
  readonly worst?: Severity;
  readonly riskyCells: number;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const RISK_SEVERITY = new Map(RISKY_RIGHTS.map((right) => [right.id, right.severity]));

function groupName(group: string): string {
  return group === "" ? "core" : group;
}

/** The risky rights a rule gives over one group/resource, with the rule's verbs. */
function risksOf(rule: PolicyRule, group: string, resource: string): string[] {
  const probe: PolicyRule = { ...rule, apiGroups: [group], resources: [resource] };
  const risks: string[] = [];
  for (const right of RISKY_RIGHTS) {
    const reached = right.actions.some(
      (a) =>
        verbMatches(probe, a.verb) &&
        apiGroupMatches(probe, a.group) &&
        resourceMatches(probe, a.resource, a.subresource),
    );
    if (reached) risks.push(right.id);
  }
  // Wildcards are risky in themselves: they grant what does not exist yet.
  if (rule.verbs.includes("*") || group === "*" || resource === "*") risks.push("rbac-wildcard");
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
      grants: cell.grants,
    }))
    .sort((a, b) =>
      a.scope === b.scope ? compareText(a.resource, b.resource) : compareText(a.scope, b.scope),
    );
  return rowOf(rights.subject, subjectRef(rights.subject), out);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Risky subjects first (worst severity, then how many risky cells), then by reference. */
export function compareRows(a: MatrixRow, b: MatrixRow): number {
  const rank = (row: MatrixRow) => (row.worst === undefined ? 99 : SEVERITY_RANK[row.worst]);
  return rank(a) - rank(b) || b.riskyCells - a.riskyCells || compareText(a.ref, b.ref);
}

export interface MatrixQuery {
  readonly subjectKind?: Subject["kind"];
  /** Cells that hold in this namespace: its own and the cluster-wide ones ("*"). */
  readonly namespace?: string;
  /** A resource, matched against the cell's "<group>/<resource>" or its resource part (e.g. "secrets"). */
  readonly resource?: string;
  readonly riskyOnly?: boolean;
  /** Part of the subject's reference, case-insensitive. */
  readonly search?: string;
}

/** The row restricted to the cells the query asks for, or undefined when none is left. */
export function filterRow(row: MatrixRow, query: MatrixQuery): MatrixRow | undefined {
  if (query.subjectKind !== undefined && row.subject.kind !== query.subjectKind) return undefined;
  if (query.search !== undefined && !row.ref.toLowerCase().includes(query.search.toLowerCase()))
    return undefined;
  // Without a filter on cells, a subject with no rights is listed too: "no rights" is an answer.
  if (query.namespace === undefined && query.resource === undefined && !query.riskyOnly) return row;
  const cells = row.cells.filter((cell) => {
    if (query.namespace !== undefined && cell.scope !== "*" && cell.scope !== query.namespace) return false;
    if (query.resource !== undefined) {
      const part = cell.resource.slice(cell.resource.indexOf("/") + 1);
      if (
        cell.resource !== query.resource &&
        part !== query.resource &&
        part.split("/")[0] !== query.resource
      )
        return false;
    }
    if (query.riskyOnly && cell.risks.length === 0) return false;
    return true;
  });
  if (cells.length === 0) return undefined;
  return cells.length === row.cells.length ? row : rowOf(row.subject, row.ref, cells);
}

/** A row of cells, with its worst severity and count of risky cells. */
function rowOf(subject: Subject, ref: string, cells: readonly MatrixCell[]): MatrixRow {
  let worst: Severity | undefined;
  let riskyCells = 0;
  for (const cell of cells) {
    if (cell.risks.length === 0) continue;
    riskyCells++;
    for (const risk of cell.risks) {
      const severity = RISK_SEVERITY.get(risk) ?? "medium";
      if (worst === undefined || SEVERITY_RANK[severity] < SEVERITY_RANK[worst]) worst = severity;
    }
  }
  const row = { subject, ref, cells, riskyCells };
  return worst === undefined ? row : { ...row, worst };
}
