import {
  type ClusterState,
  compareRows,
  defaultDenyOf,
  emptySeverityCounts,
  evidenceReport,
  filterRow,
  indexFindings,
  judgeFindings,
  type MatrixRow,
  matrixPage,
  matrixRow,
  matrixRows,
  namespaceSummaries,
  namespacesOfFinding,
  whoCanAnswer,
  wireRow,
} from "@trustmap/engine";
import type {
  EvidenceReport,
  Finding,
  FindingsPage,
  MatrixPage,
  NamespaceSummary,
  ViewEdge,
  ViewNode,
  WhoCanAnswer,
} from "@trustmap/shared";
import type { QueryArgs } from "../engine/protocol";

// The answers that read whole-cluster lists (the findings, the RBAC matrix): the engine answers,
// and the lists are kept here, computed once per engine revision and only when asked for.

/** A value computed once per revision of the live cluster. */
class PerRevision<T> {
  private revision = -1;
  private value: T | undefined;

  constructor(private readonly compute: () => T) {}

  get(revision: number): T {
    if (this.value === undefined || revision !== this.revision) {
      this.value = this.compute();
      this.revision = revision;
    }
    return this.value;
  }
}

/** The findings that pass the pages' filters other than severity (whose counts the page shows). */
function filterFindings(
  findings: readonly Finding[],
  query: Pick<QueryArgs<"findings">, "pillar" | "id" | "search">,
): Finding[] {
  const search = query.search?.toLowerCase();
  return findings.filter(
    (f) =>
      (query.pillar === undefined || f.pillar === query.pillar) &&
      (query.id === undefined || f.id === query.id) &&
      (search === undefined ||
        f.message.toLowerCase().includes(search) ||
        f.objects.some((o) => o.toLowerCase().includes(search))),
  );
}

export class Queries {
  private readonly findings: PerRevision<{ all: Finding[]; byNamespace: Map<string, Finding[]> }>;
  private readonly matrix: PerRevision<MatrixRow[]>;
  /** The matrix rows by subject reference (who-can reads each subject's worst right from them). */
  private readonly matrixByRef = new PerRevision(
    () => new Map(this.matrix.get(this.state.revision).map((row) => [row.ref, row])),
  );

  constructor(private readonly state: ClusterState) {
    this.findings = new PerRevision(() => {
      const all = state.findings();
      const byNamespace = new Map<string, Finding[]>();
      for (const finding of all) {
        for (const ns of namespacesOfFinding(finding)) {
          let list = byNamespace.get(ns);
          if (list === undefined) {
            list = [];
            byNamespace.set(ns, list);
          }
          list.push(finding);
        }
      }
      return { all, byNamespace };
    });
    this.matrix = new PerRevision(() => matrixRows(state));
  }

  namespaces(): NamespaceSummary[] {
    const { byNamespace } = this.findings.get(this.state.revision);
    return namespaceSummaries(this.state, (name) => byNamespace.get(name) ?? []);
  }

  matrixPage(query: QueryArgs<"matrix">): MatrixPage {
    return matrixPage(this.matrix.get(this.state.revision), query);
  }

  whoCan(query: QueryArgs<"whoCan">): WhoCanAnswer {
    const rows = this.matrixByRef.get(this.state.revision);
    return whoCanAnswer(this.state, query, (ref) => rows.get(ref));
  }

  findingsPage(query: QueryArgs<"findings">): FindingsPage {
    // A namespace's findings are read on their own: no wording of the whole cluster's after a change.
    const base =
      query.namespace === undefined
        ? this.findings.get(this.state.revision).all
        : this.state.findingsInNamespace(query.namespace);
    const matching = filterFindings(base, query);
    const counts = emptySeverityCounts();
    for (const f of matching) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const selected =
      query.severity === undefined ? matching : matching.filter((f) => f.severity === query.severity);
    return {
      total: selected.length,
      offset: query.offset,
      limit: query.limit,
      counts,
      findings: selected.slice(query.offset, query.offset + query.limit),
    };
  }

  /** The evidence report of a scope at this revision; `graph` is the scope's view, made by the caller. */
  evidence(
    query: QueryArgs<"evidence">,
    graph: { view: string; nodes: readonly ViewNode[]; edges: readonly ViewEdge[] },
  ): EvidenceReport {
    const { namespace, meta, accepted: acceptedBy, ...filters } = query;
    // A namespace's report reads only what concerns it: its findings, and the subjects that have
    // findings (all with a risky right do), not the whole cluster's findings and matrix.
    const base =
      namespace === undefined
        ? this.findings.get(this.state.revision).all
        : this.state.findingsInNamespace(namespace);
    // Both lists are sorted most severe first; filtering keeps that order.
    let findings = filterFindings(base, filters).filter(
      (f) => filters.severity === undefined || f.severity === filters.severity,
    );
    // With accepted exceptions, the engine judges the same findings: open ones stay, accepted ones go apart.
    const accepted =
      acceptedBy === undefined || acceptedBy.exceptions.length === 0
        ? undefined
        : judgeFindings(
            indexFindings(this.state.located(namespace)),
            filters,
            acceptedBy.exceptions,
            acceptedBy.now,
          );
    if (accepted !== undefined) findings = accepted.open.map((located) => located.finding);
    const rbac = this.state
      .subjectsWithFindings()
      .map((rights) => matrixRow(rights, this.state.rulesOf))
      .flatMap(
        (row) => filterRow(row, { riskyOnly: true, ...(namespace === undefined ? {} : { namespace }) }) ?? [],
      )
      .sort(compareRows)
      .map(wireRow);
    const names = namespace === undefined ? this.state.namespaceNames() : [namespace];
    let pods = 0;
    for (const name of names)
      for (const identity of this.state.identitiesIn(name)) pods += identity.pods.size;
    const policies =
      namespace === undefined ? [...this.state.policyStates()] : [...this.state.policyStatesIn(namespace)];
    const namespacesDrawn = new Set(
      graph.nodes.flatMap((node) => (node.namespace === undefined ? [] : [node.namespace])),
    );
    const noDefaultDeny = [...namespacesDrawn].filter((name) => {
      const deny = defaultDenyOf([...this.state.policiesIn(name)]);
      return !deny.defaultDenyIngress || !deny.defaultDenyEgress;
    });
    return evidenceReport({
      meta: { ...meta, revision: this.state.revision },
      namespaces:
        namespace === undefined ? names.length : Number(this.state.namespaceNamed(namespace) !== undefined),
      pods,
      findings,
      ...(accepted === undefined
        ? {}
        : {
            accepted: accepted.accepted.map(({ located, exception }) => ({
              finding: located.finding,
              exception: {
                index: exception.index,
                check: exception.check,
                reason: exception.reason,
                owner: exception.owner,
                expires: exception.expires,
              },
            })),
          }),
      graph: { ...graph, noDefaultDeny: noDefaultDeny.sort() },
      rbac,
      policies,
    });
  }
}
