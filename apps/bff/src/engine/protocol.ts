import type { AcceptedException, WatchEvent } from "@trustmap/engine";
import type {
  CanIQuery,
  EvidenceMeta,
  GapsQuery,
  ViewPatch,
  ViewRef,
  ViewSnapshot,
  WhoCanQuery,
} from "@trustmap/shared";

// Messages between the BFF's main thread (HTTP, streams, sources) and the engine worker (the
// cluster state, the views, the analysis). The main thread never runs the engine, so a large
// step of it never stalls a request or a stream.

/** The questions the worker answers, with their arguments. */
export interface QueryArgs {
  counts: Record<string, never>;
  namespaces: Record<string, never>;
  node: { id: string };
  explain: { from: string; to: string };
  matrix: {
    subjectKind?: "User" | "Group" | "ServiceAccount" | undefined;
    namespace?: string | undefined;
    resource?: string | undefined;
    verb?: string | undefined;
    risky?: boolean | undefined;
    search?: string | undefined;
    offset: number;
    limit: number;
  };
  findings: {
    severity?: "critical" | "high" | "medium" | "low" | "info" | undefined;
    pillar?: string | undefined;
    namespace?: string | undefined;
    id?: string | undefined;
    search?: string | undefined;
    offset: number;
    limit: number;
  };
  /** The evidence report of the cluster or a namespace, findings filtered as the gaps page does. */
  evidence: Omit<QueryArgs["findings"], "offset" | "limit"> & {
    meta: Omit<EvidenceMeta, "revision">;
    /** Accepted exceptions judged at `now` (ms): their findings are listed apart. */
    accepted?: { exceptions: readonly AcceptedException[]; now: number };
  };
  /** Who can do something (kubectl who-can), ranked; the route's parsed query. */
  whoCan: WhoCanQuery;
  /** What may a subject do (kubectl auth can-i --list); undefined when no such subject. */
  canI: CanIQuery;
  /** The whole cluster's objects (tests and exports). */
  cluster: Record<string, never>;

  /** Whether a view's namespace or workload exists now. */
  viewPresence: { ref: ViewRef };
  /** Who can reach a node, or what it can reach. */
  reach: {
    node: string;
    direction: "in" | "out";
    blocked: boolean;
    offset: number;
    limit: number;
  };
  /** Namespaces, workloads and pods by name or label. */
  search: { q: string; limit: number };
  /** The gaps page: findings grouped and counted, fix-first, accepted exceptions (judged at `now`, ms). */
  gaps: GapsQuery & { exceptions: readonly AcceptedException[]; now: number };
}

export type QueryName = keyof QueryArgs;

export type ToWorker =
  | { readonly type: "events"; readonly events: readonly WatchEvent[] }
  | { readonly type: "watch"; readonly key: string; readonly ref: ViewRef }
  | { readonly type: "unwatch"; readonly key: string }
  | { readonly type: "query"; readonly id: number; readonly name: QueryName; readonly args: unknown };

export type FromWorker =
  | {
      readonly type: "step";
      readonly revision: number;
      readonly events: number;
      readonly ms: number;
      readonly patches: readonly ViewPatch[];
    }
  | { readonly type: "snapshot"; readonly key: string; readonly snapshot: ViewSnapshot }
  | { readonly type: "idle"; readonly revision: number; readonly received: number }
  | { readonly type: "answer"; readonly id: number; readonly value?: unknown; readonly error?: string };
