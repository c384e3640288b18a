import type { AcceptedException, Cluster, DraftEdit, Kind } from "@trustmap/engine";
import type {
  ChangeCause,
  CompareEntry,
  EngineQueries,
  EvidenceReport,
  Explanation,
  GapsAnswer,
  GapsQuery,
  GraphOverlay,
  PostureChange,
  PostureFact,
  ReachFact,
  ViewEdge,
  ViewNode,
  ViewPatch,
  ViewRef,
  ViewSnapshot,
} from "@trustmap/shared";

// Messages between the BFF's main thread (HTTP, streams, sources) and the engine worker (the
// cluster state, the views, the analysis). The main thread never runs the engine, so a large
// step of it never stalls a request or a stream.

/**
 * What a user who may not read the whole cluster may list: the namespaces of the network picture
 * and those of RBAC (the engine's Readable, as arrays).
 */
export interface ReadableWire {
  readonly graph: readonly string[];
  readonly rbac: readonly string[];
  /** Where they may list what publishes (Services, Ingresses, routes); absent: as `graph`. */
  readonly exposure?: readonly string[];
}

/** The accepted exceptions in force, judged at `now` (ms): the BFF reads them from its file. */
export interface Judged {
  readonly exceptions: readonly AcceptedException[];
  readonly now: number;
}

/**
 * The questions the worker answers: the API's, with the exceptions the BFF holds added to those
 * that judge findings, and the whole cluster's objects (tests and exports).
 */
export interface WorkerQueries extends Omit<EngineQueries, "counts"> {
  evidence: {
    /** With accepted exceptions, their findings are listed apart; with `readable`, what a reader of those namespaces may see. */
    args: EngineQueries["evidence"]["args"] & { accepted?: Judged; readable?: ReadableWire };
    result: EvidenceReport;
  };
  /** With `readable`, the findings a reader of those namespaces may see, ranked on what they may see. */
  gaps: { args: GapsQuery & Judged & { readable?: ReadableWire }; result: GapsAnswer };
  /** With `readable`, the findings and rights a reader of those namespaces sees. */
  node: {
    args: EngineQueries["node"]["args"] & { readable?: ReadableWire };
    result: EngineQueries["node"]["result"];
  };
  /** With `readable`, the peers in those namespaces (and "any pod", outside). */
  reach: {
    args: EngineQueries["reach"]["args"] & { readable?: readonly string[] };
    result: EngineQueries["reach"]["result"];
  };
  /** With `readable`, the paths of those namespaces (empty for a reader who may not list what publishes). */
  exposure: {
    args: EngineQueries["exposure"]["args"] & { readable?: readonly string[] };
    result: EngineQueries["exposure"]["result"];
  };
  /** With `readable`, of the grants a reader of those namespaces may see. */
  whoCan: {
    args: EngineQueries["whoCan"]["args"] & { readable?: ReadableWire };
    result: EngineQueries["whoCan"]["result"];
  };
  /** With `readable`, what a reader of those namespaces may see of the subject (undefined if nothing). */
  canI: {
    args: EngineQueries["canI"]["args"] & { readable?: ReadableWire };
    result: EngineQueries["canI"]["result"];
  };
  cluster: { args: Record<string, never>; result: Cluster };
  /** The connections that differ since a moment (the change log's), placed on a view as drawn now. */
  overlay: {
    args: { ref: ViewRef; differences: readonly CompareEntry[] };
    result: Pick<GraphOverlay, "drawn" | "placed" | "counts" | "edges" | "nodes">;
  };
  /** What a draft changes, draft versus the live state now (the draft applied and taken back at once). */
  draft: {
    args: { edits: readonly DraftEdit[] };
    result: {
      revision: number;
      changes: PostureChange[];
      causes: ChangeCause[];
      /** Deletions of objects the cluster does not hold now, as "Kind key". */
      absent: string[];
    };
  };
  /** A view as the draft would make it, with the overlay of what differs from the live state. */
  draftGraph: {
    args: { edits: readonly DraftEdit[]; ref: ViewRef };
    result: {
      revision: number;
      nodes: ViewNode[];
      edges: ViewEdge[];
      overlay: Pick<GraphOverlay, "drawn" | "placed" | "counts" | "edges" | "nodes">;
    };
  };
  /** The matrix's page as the draft would make it, and the rights that differ from the live ones. */
  draftMatrix: {
    args: { edits: readonly DraftEdit[]; query: EngineQueries["matrix"]["args"] };
    result: { page: EngineQueries["matrix"]["result"]; changes: PostureChange[] };
  };
  /** Why one node may reach another with the draft applied. */
  draftExplain: {
    args: { edits: readonly DraftEdit[]; from: string; to: string };
    result: Explanation | undefined;
  };
  /** A live object written as a manifest to edit in a draft (none for a pod, or an object not held). */
  liveManifest: {
    args: { kind: Kind; key: string };
    result: { held: boolean; manifest?: Record<string, unknown> };
  };
  /** The connections between workloads allowed now with an end in a namespace (the generator's choices). */
  connectionsOf: { args: { namespace: string }; result: ReachFact[] };
  /** Least-privilege NetworkPolicies for a namespace that keep the connections asked for. */
  propose: {
    args: { namespace: string; keep: readonly { from: string; to: string; ports: string }[] };
    result: { policies: Record<string, unknown>[]; replaces: string[]; problems: string[] };
  };
  /** With `readable`, the grants a reader of those namespaces may see (RoleBindings there to Roles). */
  matrix: {
    args: EngineQueries["matrix"]["args"] & { readable?: ReadableWire };
    result: EngineQueries["matrix"]["result"];
  };
  /** With `readable`, what a reader of those namespaces may see. */
  counts: { args: { readable?: ReadableWire }; result: EngineQueries["counts"]["result"] };
  findings: {
    args: EngineQueries["findings"]["args"] & { readable?: ReadableWire };
    result: EngineQueries["findings"]["result"];
  };
  /** With `readable`, only hits in those namespaces (a user who may read no more). */
  search: {
    args: EngineQueries["search"]["args"] & { readable?: readonly string[] };
    result: EngineQueries["search"]["result"];
  };
}

export type QueryName = keyof WorkerQueries;
export type QueryArgs<N extends QueryName> = WorkerQueries[N]["args"];
export type QueryResult<N extends QueryName> = WorkerQueries[N]["result"];

/** A question to the worker: its name and that query's arguments. */
export type QueryMessage<N extends QueryName = QueryName> = {
  [K in N]: { readonly type: "query"; readonly id: number; readonly name: K; readonly args: QueryArgs<K> };
}[N];

/** What one step of the engine changed of the posture's facts, and why. */
export interface PostureStep {
  readonly revision: number;
  readonly causes: readonly ChangeCause[];
  /** How many objects changed in all (causes names at most some of them). */
  readonly causeCount: number;
  readonly changes: readonly PostureChange[];
}

export type ToWorker =
  /** Events as the text of a JSON array of WatchEvents (a source's EventBatch). */
  | { readonly type: "events"; readonly json: string }
  | { readonly type: "watch"; readonly key: string; readonly ref: ViewRef }
  | { readonly type: "unwatch"; readonly key: string }
  /** The source has listed these kinds once: the events sent so far hold all their objects. */
  | { readonly type: "listed"; readonly kinds: readonly Kind[] }
  /** The source has listed every kind once: the events sent so far are the whole cluster. */
  | { readonly type: "loaded" }
  /** The accepted exceptions in force from now on (the views' marks and every count follow them). */
  | ({ readonly type: "accept" } & Judged)
  /** Keep the posture's facts from the first lists on, and report what each step changes of them. */
  | { readonly type: "record" }
  | QueryMessage;

export type FromWorker =
  | {
      readonly type: "step";
      readonly revision: number;
      readonly events: number;
      readonly ms: number;
      readonly patches: readonly ViewPatch[];
      /**
       * What may change who reads what: the RBAC subjects whose rights changed, and whether
       * namespaces came or went (absent when neither).
       */
      readonly access?: { readonly subjects: readonly string[]; readonly namespaces: boolean };
    }
  /** The posture's facts a step changed, and what caused it (while the log is recorded), after its patches. */
  | { readonly type: "posture-step"; readonly step: PostureStep }
  /** The posture's facts once the first lists are in (the log compares them with the facts it stored). */
  | { readonly type: "posture"; readonly revision: number; readonly facts: readonly [string, PostureFact][] }
  | {
      /**
       * One part of a view's snapshot: a large view comes in several, each a message of its own,
       * so the main thread reads it a part at a time and answers HTTP in between.
       */
      readonly type: "snapshot";
      readonly key: string;
      readonly snapshot: ViewSnapshot;
      readonly first: boolean;
      readonly last: boolean;
    }
  | { readonly type: "idle"; readonly revision: number; readonly received: number }
  | { readonly type: "answer"; readonly id: number; readonly value?: unknown; readonly error?: string };
