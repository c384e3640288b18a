import {
  type CompareEntry,
  decodeNodeId,
  escapeField,
  GONE_PREFIX,
  type GraphOverlay,
  OVERLAY_ENTRIES,
  type OverlayEdge,
  type OverlayNode,
  type OverlayStatus,
  type PostureFact,
  type ReachFact,
} from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";
import { ANY_POD, OUTSIDE } from "../views/view";
import type { Places, View } from "../views/views";
import { ANY_END, namespaceOfEnd, OUTSIDE_END, reachKey } from "./ledger";
import { WorkloadsByName } from "./workloads";

// The graph compared with a moment: the connections between workloads that differ (the change
// log's comparison) placed on the nodes of a view as it is drawn now. An edge of the view is
// opened when it was not there then, changed when it was and some connection on it differs, and
// closed when it was there then and is not now (the view no longer has it: the overlay draws it,
// ending at nodes the view no longer has where need be).

export interface OverlayInput {
  readonly state: ClusterState;
  /** The view as it is drawn now, and where it draws workloads (no places: a view of pods). */
  readonly view: Pick<View, "places" | "snapshot">;
  /** The posture's facts now (the ledger's); only connections are read. */
  readonly current: Iterable<PostureFact>;
  /** The connections that differ between the moment and now, as the change log compares them. */
  readonly differences: readonly CompareEntry[];
}

interface Bucket {
  readonly source: string;
  readonly target: string;
  readonly entries: CompareEntry[];
  /** Whether a connection on it held at the moment: one that changed or went, or one unchanged since. */
  heldThen: boolean;
  /** Whether a connection on it holds now by the facts (the view may draw it between other identities of its workloads). */
  holdsNow: boolean;
}

type Overlay = Pick<GraphOverlay, "drawn" | "placed" | "counts" | "edges" | "nodes">;

export function overlayOf(input: OverlayInput): Overlay {
  const { state } = input;
  const places = input.view.places;
  if (places === undefined)
    return { drawn: false, placed: 0, counts: { opened: 0, closed: 0, changed: 0 }, edges: [], nodes: [] };
  const workloads = new WorkloadsByName(state);
  const ends = new Map<string, readonly string[]>();
  const gone = new Map<string, OverlayNode>();
  const endsOf = (end: string): readonly string[] => {
    let placed = ends.get(end);
    if (placed === undefined) {
      placed = placeEnd(end, places, workloads, gone);
      ends.set(end, placed);
    }
    return placed;
  };

  const buckets = new Map<string, Bucket>();
  const differing = new Set<string>();
  for (const entry of input.differences) {
    const fact = (entry.after ?? entry.before) as ReachFact | undefined;
    if (fact?.area !== "reach" || !places.draws(fact.namespaces)) continue;
    differing.add(entry.key);
    for (const source of endsOf(fact.from))
      for (const target of endsOf(fact.to)) {
        const id = `${source}->${target}`;
        let bucket = buckets.get(id);
        if (bucket === undefined) {
          bucket = { source, target, entries: [], heldThen: false, holdsNow: false };
          buckets.set(id, bucket);
        }
        bucket.entries.push(entry);
        if (entry.before !== undefined) bucket.heldThen = true;
        if (entry.after !== undefined) bucket.holdsNow = true;
      }
  }
  // The connections unchanged since the moment held then and hold now.
  for (const fact of input.current) {
    if (fact.area !== "reach" || buckets.size === 0 || !places.draws(fact.namespaces)) continue;
    if (differing.has(reachKey(fact.from, fact.to))) continue;
    for (const source of endsOf(fact.from))
      for (const target of endsOf(fact.to)) {
        const bucket = buckets.get(`${source}->${target}`);
        if (bucket === undefined) continue;
        bucket.heldThen = true;
        bucket.holdsNow = true;
      }
  }

  const snapshot = input.view.snapshot();
  const drawnEdges = new Set(snapshot.edges.map((edge) => edge.id));
  const drawnNodes = new Set(snapshot.nodes.map((node) => node.id));
  const edges: OverlayEdge[] = [];
  const placed = new Set<string>();
  const nodes = new Map<string, OverlayNode>();
  const counts = { opened: 0, closed: 0, changed: 0 };
  for (const [id, bucket] of buckets) {
    const status = statusOf(drawnEdges.has(id), bucket);
    if (status === undefined) continue;
    counts[status]++;
    for (const entry of bucket.entries) placed.add(entry.key);
    for (const end of [bucket.source, bucket.target])
      if (!drawnNodes.has(end) && !nodes.has(end)) nodes.set(end, gone.get(end) ?? nodeOfId(end));
    edges.push(overlayEdge(id, bucket, status));
  }
  edges.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { drawn: true, placed: placed.size, counts, edges, nodes: [...nodes.values()] };
}

/**
 * Opened: drawn now, no connection on it then. Changed: drawn now, some then. Closed: not drawn
 * now, some connection on it then, none now. An edge not drawn whose connections hold now is left
 * out: the view draws them between other identities of the same workloads.
 */
function statusOf(drawn: boolean, bucket: Bucket): OverlayStatus | undefined {
  if (drawn) return bucket.heldThen ? "changed" : "opened";
  return bucket.heldThen && !bucket.holdsNow ? "closed" : undefined;
}

const KIND_ORDER = { appeared: 0, changed: 1, went: 2 } as const;

function overlayEdge(id: string, bucket: Bucket, status: OverlayStatus): OverlayEdge {
  let opened = 0;
  let closed = 0;
  let changed = 0;
  for (const entry of bucket.entries) {
    if (entry.kind === "appeared") opened++;
    else if (entry.kind === "went") closed++;
    else changed++;
  }
  const entries = [...bucket.entries]
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, OVERLAY_ENTRIES);
  return { id, source: bucket.source, target: bucket.target, status, opened, closed, changed, entries };
}

/**
 * The nodes a connection's end is drawn on: "any pod", outside, the node standing for its
 * namespace, or those of the workload's identities now (a workload with none left: a node of its
 * own, as it was).
 */
function placeEnd(
  end: string,
  places: Places,
  workloads: WorkloadsByName,
  gone: Map<string, OverlayNode>,
): readonly string[] {
  if (end === ANY_END) return [ANY_POD];
  if (end === OUTSIDE_END) return [OUTSIDE];
  const namespace = namespaceOfEnd(end) ?? "";
  if (!places.drawsApart(namespace)) return [places.namespace(namespace)];
  const identities = workloads.of(namespace, end);
  if (identities.length > 0) return [...new Set(identities.map((identity) => places.identity(identity)))];
  // Escaped as node ids are (a workload's name may hold spaces: "shop/a + shop/b").
  const id = `${GONE_PREFIX}${escapeField(end)}`;
  gone.set(id, { id, kind: "identity", label: end, namespace });
  return [id];
}

/** A node the view does not draw now, from its id. */
function nodeOfId(id: string): OverlayNode {
  const ref = decodeNodeId(id);
  switch (ref?.kind) {
    case "namespace":
      return { id, kind: "namespace", label: ref.namespace, namespace: ref.namespace };
    case "group":
      return { id, kind: "group", label: ref.value === null ? `no ${ref.key}` : `${ref.key}=${ref.value}` };
    case "workloads":
      return {
        id,
        kind: "group",
        label: ref.value === null ? `no ${ref.key}` : `${ref.key}=${ref.value}`,
        namespace: ref.namespace,
      };
    case "any":
      return { id, kind: "any", label: "any pod" };
    case "outside":
      return { id, kind: "outside", label: "outside the cluster" };
    default:
      return { id, kind: "identity", label: id };
  }
}
