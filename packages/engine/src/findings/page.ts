import type { EngineQueries, Finding, FindingsPage } from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";
import { emptySeverityCounts } from "../views/namespaces";
import type { FindingsReader } from "./reader";

// The findings list as the API pages it: filters, counts by severity, one page.

type FindingsQuestion = EngineQueries["findings"]["args"];

/** The findings that pass the pages' filters other than severity (whose counts the page shows). */
export function filterFindings(
  findings: readonly Finding[],
  query: Pick<FindingsQuestion, "pillar" | "id" | "search">,
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

/**
 * A page of the findings that pass the query's filters, with the counts by severity of those
 * passing every filter but severity; `clusterFindings` gives the whole cluster's (sorted), read
 * only when the query names no namespace.
 */
export function findingsPage(
  state: ClusterState,
  query: FindingsQuestion,
  clusterFindings: () => readonly Finding[],
  /** A reader of some namespaces only: the findings they see. */
  reader?: FindingsReader,
): FindingsPage {
  // A namespace's findings are read on their own: no wording of the whole cluster's after a change.
  const base =
    reader !== undefined
      ? reader.findings(query.namespace)
      : query.namespace === undefined
        ? clusterFindings()
        : state.findingsInNamespace(query.namespace);
  const matching: Finding[] = [];
  let accepted = 0;
  for (const finding of filterFindings(base, query)) {
    if (state.exceptionOf(finding) === undefined) matching.push(finding);
    else if (query.severity === undefined || finding.severity === query.severity) accepted++;
  }
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
    accepted,
  };
}
