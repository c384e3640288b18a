import type { EngineQueries, EvidenceReport, Finding, ViewEdge, ViewNode } from "@trustmap/shared";
import type { AcceptedException } from "../findings/exceptions";
import { acceptedFindings, judgeFindings } from "../findings/gaps";
import { indexFindings } from "../findings/groups";
import { filterFindings } from "../findings/page";
import type { FindingsReader } from "../findings/reader";
import { wireRow } from "../rbac/answers";
import { compareRows, filterRow, matrixRow } from "../rbac/matrix";
import type { ClusterState } from "../state/cluster-state";
import { defaultDenyOf } from "../views/namespaces";
import { evidenceReport } from "./evidence";

// The evidence report of a scope (the cluster or one namespace) at the state's revision: the
// findings filtered as the gaps page does, accepted exceptions apart, the risky subjects, the
// policies and the drawn graph.

/** The report's question: the scope and filters, its cover, and the accepted exceptions in force at `now` (ms). */
export type EvidenceQuestion = EngineQueries["evidence"]["args"] & {
  accepted?: { readonly exceptions: readonly AcceptedException[]; readonly now: number };
};

/**
 * The evidence report of a scope; `graph` is the scope's view, `clusterFindings` the whole
 * cluster's findings (sorted), read only for the whole cluster's report.
 */
export function scopeEvidence(
  state: ClusterState,
  query: EvidenceQuestion,
  graph: { view: string; nodes: readonly ViewNode[]; edges: readonly ViewEdge[] },
  clusterFindings: () => readonly Finding[],
  /**
   * A reader of some namespaces only: the findings they see, the rights they may see
   * (readableRights), their namespaces' objects; `graph` is narrowed to them by the caller.
   */
  reader?: FindingsReader,
): EvidenceReport {
  const { namespace, meta, accepted: asked, ...filters } = query;
  const acceptedBy = asked ?? state.acceptedBy;
  const readable = reader?.readable;
  // A namespace's report reads only what concerns it: its findings, and the subjects that have
  // findings (all with a risky right do), not the whole cluster's findings and matrix.
  const base =
    reader !== undefined
      ? reader.findings(namespace)
      : namespace === undefined
        ? clusterFindings()
        : state.findingsInNamespace(namespace);
  // Both lists are sorted most severe first; filtering keeps that order.
  let findings = filterFindings(base, filters).filter(
    (f) => filters.severity === undefined || f.severity === filters.severity,
  );
  // With accepted exceptions, the engine judges the same findings: open ones stay, accepted ones go apart.
  const accepted =
    acceptedBy === undefined || acceptedBy.exceptions.length === 0
      ? undefined
      : judgeFindings(
          indexFindings((reader ?? state).located(namespace)),
          filters,
          acceptedBy.exceptions,
          acceptedBy.now,
        );
  if (accepted !== undefined) findings = accepted.open.map((located) => located.finding);
  const rows =
    reader === undefined
      ? state.subjectsWithFindings().map((rights) => matrixRow(rights, state.rulesOf))
      : reader.matrixRows();
  const rbac = rows
    .flatMap(
      (row) => filterRow(row, { riskyOnly: true, ...(namespace === undefined ? {} : { namespace }) }) ?? [],
    )
    .sort(compareRows)
    .map(wireRow);
  const names =
    namespace !== undefined
      ? [namespace]
      : readable === undefined
        ? state.namespaceNames()
        : state.namespaceNames().filter((name) => readable.graph.has(name) || readable.rbac.has(name));
  let pods = 0;
  // A reader's pods and policies: where the network picture is theirs.
  const pictured = readable === undefined ? names : names.filter((name) => readable.graph.has(name));
  for (const name of pictured) for (const identity of state.identitiesIn(name)) pods += identity.pods.size;
  const policies =
    namespace === undefined && readable === undefined
      ? [...state.policyStates()]
      : pictured.flatMap((name) => [...state.policyStatesIn(name)]);
  const namespacesDrawn = new Set(
    graph.nodes.flatMap((node) => (node.namespace === undefined ? [] : [node.namespace])),
  );
  const noDefaultDeny = [...namespacesDrawn].filter((name) => {
    const deny = defaultDenyOf([...state.policiesIn(name)]);
    return !deny.defaultDenyIngress || !deny.defaultDenyEgress;
  });
  return evidenceReport({
    meta: { ...meta, revision: state.revision },
    namespaces:
      namespace === undefined ? names.length : Number(state.namespaceNamed(namespace) !== undefined),
    pods,
    findings,
    ...(accepted === undefined
      ? {}
      : {
          accepted: acceptedFindings(accepted.accepted),
        }),
    graph: { ...graph, noDefaultDeny: noDefaultDeny.sort() },
    rbac,
    policies,
  });
}
