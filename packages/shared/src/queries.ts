import type { z } from "zod";
import type {
  CanIAnswer,
  CanIQuery,
  ClusterInfo,
  ExplainQuery,
  Explanation,
  FindingsExportQuery,
  FindingsPage,
  FindingsQuery,
  GroupingList,
  MatrixPage,
  MatrixQuery,
  NamespaceSummary,
  NodeDetails,
  Reach,
  ReachQuery,
  SearchAnswer,
  SearchQuery,
  ViewPresence,
  WhoCanAnswer,
  WhoCanQuery,
  WorkloadGroupingList,
} from "./api";
import type { EvidenceMeta, EvidenceReport } from "./evidence";
import type { ExposureAnswer, ExposureQuery } from "./exposure";
import type { GapsAnswer, GapsQuery } from "./gaps";
import type { ViewRef } from "./view";

// The questions the engine answers for the API, by name: each one's arguments (the route's
// parsed query) and its answer. The BFF's worker channel is typed by this table, so a route
// reads an answer with the type the API serves.

/** Each query's arguments and answer; undefined in an answer means "no such node or subject". */
export interface EngineQueries {
  /** How many objects of each sort the cluster holds. */
  counts: { args: Record<string, never>; result: ClusterInfo["counts"] };
  namespaces: { args: Record<string, never>; result: NamespaceSummary[] };
  /** The namespace labels the cluster's view can group by. */
  groupings: { args: Record<string, never>; result: GroupingList };
  /** How many workloads a namespace holds, and the pod labels its view can group them by. */
  workloadGroupings: { args: { namespace: string }; result: WorkloadGroupingList | undefined };
  /** Details of a graph node (namespace, workload or pod). */
  node: { args: { id: string }; result: NodeDetails | undefined };
  /** Why one node may or may not reach another. */
  explain: { args: z.infer<typeof ExplainQuery>; result: Explanation | undefined };
  matrix: { args: z.infer<typeof MatrixQuery>; result: MatrixPage };
  findings: { args: z.infer<typeof FindingsQuery>; result: FindingsPage };
  /** The evidence report of the cluster or a namespace, findings filtered as the gaps page does. */
  evidence: {
    args: z.infer<typeof FindingsExportQuery> & { meta: Omit<EvidenceMeta, "revision"> };
    result: EvidenceReport;
  };
  /** Who can do something (kubectl who-can), ranked. */
  whoCan: { args: WhoCanQuery; result: WhoCanAnswer };
  /** What may a subject do (kubectl auth can-i --list). */
  canI: { args: CanIQuery; result: CanIAnswer | undefined };
  /** Whether a view's namespace or workload exists now. */
  viewPresence: { args: { ref: ViewRef }; result: Omit<ViewPresence, "view"> };
  /** Who can reach a node, or what it can reach. */
  reach: { args: ReachQuery; result: Reach | undefined };
  /** Namespaces, workloads and pods by name or label. */
  search: { args: z.infer<typeof SearchQuery>; result: SearchAnswer };
  /** The gaps page: findings grouped and counted, fix-first, accepted exceptions apart. */
  gaps: { args: GapsQuery; result: GapsAnswer };
  /** What Services, Ingresses and routes publish outside the cluster, path by path. */
  exposure: { args: ExposureQuery; result: ExposureAnswer };
}

export type EngineQueryName = keyof EngineQueries;
