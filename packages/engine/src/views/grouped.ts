// A view with its nodes grouped: its namespace nodes by a namespace label (team, tenant,
// owner…), in the cluster by namespace or in one namespace's view with the namespaces around it;
// and in a namespace's view, its own workloads by a pod label (app.kubernetes.io/part-of, tier…),
// which the namespace's view does itself (groupGraph defines both, from scratch).
// A group drawn closed is one node that sums its members' pods and open pods, carries their worst
// finding, and stands in for them at both ends of every edge; a group drawn open shows its
// members, each marked with the group it belongs to. Kept up to date from the inner view's own
// patches, so an event costs what it changes there plus the groups it touches.

import { decodeNodeId, type GroupingList, groupNodeId, type WorkloadGroupingList } from "@trustmap/shared";
import { PortSet } from "../netpol/ports";
import type { Protocol } from "../objects/model";
import { wirePorts } from "../report/report";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import { addTo, mapAt, removeFrom } from "../state/multimap";
import { type Grouping, type Groupings, groupNode, workloadPlace } from "./group-node";
import { groupValue, namespaceNodeId } from "./scoped";
import {
  applyPatch,
  isEmptyPatch,
  type ViewEdge,
  type ViewGraph,
  type ViewNode,
  type ViewPatch,
  type ViewSnapshot,
} from "./view";
import { NamespaceView, OverviewView, type Places, type View } from "./views";

export type { Grouping, Groupings };

/** The group a node belongs to and its value; undefined for a node no grouping takes. */
interface Place {
  readonly id: string;
  readonly value: string | null;
  readonly open: boolean;
}

/**
 * Where groupings put a node: a namespace node by its namespace's label (read through
 * `namespaceValue`, as it may change), a workload of the grouped namespace by its pods' label (part
 * of its identity, so fixed).
 */
function placeOf(
  node: ViewNode,
  groupings: Groupings,
  namespaceValue: (namespace: string, by: string) => string | null,
): Place | undefined {
  const { namespaces, workloads } = groupings;
  if (node.kind === "namespace" && namespaces !== undefined && node.namespace !== undefined) {
    const value = namespaceValue(node.namespace, namespaces.by);
    return { id: groupNodeId(namespaces.by, value), value, open: namespaces.open.includes(value) };
  }
  if (node.kind === "identity" && workloads !== undefined && node.namespace === workloads.namespace)
    return workloadPlace(workloads, node.labels);
  return undefined;
}

/**
 * Whether a label splits `total` nodes into groups worth drawing: carried by two or more, with
 * fewer values than carriers (else every group holds one), and into two groups at least (counting
 * the nodes without it).
 */
function worthGrouping(carrying: number, values: number, total: number): boolean {
  return carrying >= 2 && values < carrying && values + (carrying < total ? 1 : 0) >= 2;
}

/**
 * The labels worth grouping a set of nodes by (see worthGrouping), from each node's labels: those
 * carried by the most nodes first, then those with fewer groups, then by key.
 */
function labelsWorthGrouping(
  labelSets: Iterable<Readonly<Record<string, string>>>,
  skip: (key: string) => boolean,
): { total: number; keys: { key: string; carrying: number; values: number }[] } {
  const values = new Map<string, Map<string, number>>();
  let total = 0;
  for (const labels of labelSets) {
    total++;
    for (const [key, value] of Object.entries(labels)) {
      if (skip(key)) continue;
      const counts = values.get(key) ?? new Map<string, number>();
      values.set(key, counts);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  const keys = [...values].flatMap(([key, counts]) => {
    let carrying = 0;
    for (const count of counts.values()) carrying += count;
    return worthGrouping(carrying, counts.size, total) ? [{ key, carrying, values: counts.size }] : [];
  });
  keys.sort((a, b) => b.carrying - a.carrying || a.values - b.values || (a.key < b.key ? -1 : 1));
  return { total, keys };
}

/** Set by the API server on every namespace: one value per namespace, never a group. */
const NAME_LABEL = "kubernetes.io/metadata.name";

/** The namespace labels worth grouping namespaces by. */
export function groupingKeys(state: ClusterState): GroupingList {
  const { total, keys } = labelsWorthGrouping(
    state.namespaceNames().map((name) => state.namespaceNamed(name)?.labels ?? {}),
    (key) => key === NAME_LABEL,
  );
  return {
    namespaces: total,
    keys: keys.map(({ key, carrying, values }) => ({ key, namespaces: carrying, values })),
  };
}

/**
 * Pod labels that say which revision, release or pod a pod is, never what it belongs to: grouping
 * by them gives a group per version, per rollout or per pod.
 */
const REVISION_LABELS = new Set([
  "app.kubernetes.io/version",
  "helm.sh/chart",
  "pod-template-hash",
  "controller-revision-hash",
  "pod-template-generation",
  "statefulset.kubernetes.io/pod-name",
  "apps.kubernetes.io/pod-index",
  "batch.kubernetes.io/controller-uid",
  "controller-uid",
  "batch.kubernetes.io/job-name",
  "job-name",
]);

/** The pod labels worth grouping a namespace's workloads by, revisions' and pods' left out. */
export function workloadGroupingKeys(state: ClusterState, namespace: string): WorkloadGroupingList {
  const { total, keys } = labelsWorthGrouping(
    [...state.identitiesIn(namespace)].map((identity) => identity.labels),
    (key) => REVISION_LABELS.has(key),
  );
  return {
    workloads: total,
    keys: keys.map(({ key, carrying, values }) => ({ key, workloads: carrying, values })),
  };
}

function portSetOf(edge: ViewEdge): PortSet {
  if (edge.ports === "all") return PortSet.ALL;
  let set = PortSet.NONE;
  for (const entry of edge.ports) {
    const protocol = entry.protocol as Protocol;
    set = set.union(
      entry.port === undefined
        ? PortSet.of(protocol)
        : PortSet.of(protocol, entry.port, entry.endPort ?? entry.port),
    );
  }
  return set;
}

/**
 * The grouped graph from a view's graph (nodes the groupings take grouped, the rest as they
 * are), computed from scratch: the definition GroupedView keeps up to date, and what tests compare
 * it with. `namespaceValue` reads a namespace's label.
 */
export function groupGraph(
  graph: Pick<ViewSnapshot, "nodes" | "edges">,
  namespaceValue: (namespace: string, by: string) => string | null,
  groupings: Groupings,
): ViewGraph {
  const target = new Map<string, string>();
  const members = new Map<string, ViewNode[]>();
  const nodes = new Map<string, ViewNode>();
  for (const node of graph.nodes) {
    const place = placeOf(node, groupings, namespaceValue);
    if (place === undefined) {
      target.set(node.id, node.id);
      nodes.set(node.id, node);
      continue;
    }
    const ofGroup = members.get(place.id) ?? [];
    ofGroup.push(node);
    members.set(place.id, ofGroup);
    if (place.open) {
      target.set(node.id, node.id);
      nodes.set(node.id, { ...node, group: place.id });
    } else target.set(node.id, place.id);
  }
  for (const [group, nodesOfGroup] of members) nodes.set(group, groupNode(group, groupings, nodesOfGroup));
  const sums = new Map<string, ViewEdge[]>();
  for (const edge of graph.edges) {
    const source = target.get(edge.source) ?? edge.source;
    const destination = target.get(edge.target) ?? edge.target;
    const id = `${source}->${destination}`;
    const parts = sums.get(id) ?? [];
    parts.push(edge);
    sums.set(id, parts);
  }
  const edges = new Map<string, ViewEdge>();
  for (const [id, parts] of sums) {
    const [source, destination] = id.split("->") as [string, string];
    edges.set(id, sumEdges(id, source, destination, parts));
  }
  return { nodes, edges };
}

function sumEdges(id: string, source: string, target: string, parts: Iterable<ViewEdge>): ViewEdge {
  let ports = PortSet.NONE;
  let pairs = 0;
  let tiers = false;
  for (const part of parts) {
    ports = ports.union(portSetOf(part));
    pairs += part.pairs;
    tiers ||= part.tiers === true;
  }
  return { id, source, target, ports: wirePorts(ports), pairs, ...(tiers ? { tiers: true as const } : {}) };
}

/**
 * A namespace's view grouped as asked: its own workloads by the namespace's view itself (a closed
 * group's terms summed by class there, never pair by pair: a group of thousands of workloads
 * admitted to each other costs one term, not millions of edges first drawn and then summed), the
 * namespaces around it by a GroupedView over that.
 */
export function groupedNamespaceView(state: ClusterState, namespace: string, groupings: Groupings): View {
  const inner = new NamespaceView(state, namespace, groupings.workloads);
  return groupings.namespaces === undefined
    ? inner
    : new GroupedView(state, { namespaces: groupings.namespaces }, inner);
}

/** A view with its nodes grouped, kept up to date by the deltas through the inner view's patches. */
export class GroupedView implements View {
  revision = 0;
  private readonly inner: Pick<View, "snapshot" | "update" | "places">;
  /** The inner view as its patches build it. */
  private readonly held = { nodes: new Map<string, ViewNode>(), edges: new Map<string, ViewEdge>() };
  /** Each grouped inner node's place when last read. */
  private readonly placeOfNode = new Map<string, Place>();
  /** Output node id → the inner nodes it stands for; output edge id → the inner edges. */
  private readonly nodeMembers = new Map<string, Set<string>>();
  private readonly edgeMembers = new Map<string, Set<string>>();
  /** Inner node id → its inner edges (either end), to move them when the node changes group. */
  private readonly edgesAt = new Map<string, Set<string>>();
  private readonly out = { nodes: new Map<string, ViewNode>(), edges: new Map<string, ViewEdge>() };
  private readonly namespaceValue = (namespace: string, by: string) => groupValue(this.state, namespace, by);

  /**
   * `inner` is the view it groups: the cluster by namespace of its own by default; a namespace's
   * view; or the cluster by namespace shared with other views (then updated once per delta by its
   * owner, and `update` here reads the same patch).
   */
  constructor(
    private readonly state: ClusterState,
    private readonly groupings: Pick<Groupings, "namespaces">,
    inner: Pick<View, "snapshot" | "update" | "places"> = new OverviewView(state),
  ) {
    this.inner = inner;
    const snapshot = this.inner.snapshot();
    const dirtyNodes = new Set<string>();
    const dirtyEdges = new Set<string>();
    for (const node of snapshot.nodes) this.putNode(node, dirtyNodes);
    for (const edge of snapshot.edges) this.putEdge(edge, dirtyEdges);
    this.refresh(dirtyNodes, dirtyEdges);
  }

  /** The inner view's places, a namespace's node taken to its group's when the group is closed. */
  get places(): Places | undefined {
    const inner = this.inner.places;
    if (inner === undefined) return undefined;
    const grouped = (id: string, namespace: string): string => {
      const node: ViewNode = {
        id,
        kind: "namespace",
        label: namespace,
        namespace,
        pods: 0,
        openIngressPods: 0,
        openEgressPods: 0,
      };
      const place = placeOf(node, this.groupings, this.namespaceValue);
      return place === undefined || place.open ? id : place.id;
    };
    return {
      identity: (identity) => {
        const id = inner.identity(identity);
        return inner.drawsApart(identity.namespace) ? id : grouped(id, identity.namespace);
      },
      namespace: (namespace) => grouped(inner.namespace(namespace), namespace),
      drawsApart: (namespace) => inner.drawsApart(namespace),
      draws: (namespaces) => inner.draws(namespaces),
    };
  }

  snapshot(): ViewSnapshot {
    return {
      revision: this.revision,
      nodes: [...this.out.nodes.values()],
      edges: [...this.out.edges.values()],
    };
  }

  update(delta: Delta): ViewPatch | undefined {
    const patch = this.inner.update(delta);
    const dirtyNodes = new Set<string>();
    const dirtyEdges = new Set<string>();
    // A namespace whose label changed moves to another group, with its edges.
    const by = this.groupings.namespaces?.by;
    for (const namespace of by === undefined ? [] : delta.namespaces) {
      const node = this.held.nodes.get(namespaceNodeId(namespace));
      if (
        node === undefined ||
        this.placeOfNode.get(node.id)?.value === groupValue(this.state, namespace, by as string)
      )
        continue;
      const edges = [...(this.edgesAt.get(node.id) ?? [])].map((id) => this.held.edges.get(id));
      for (const edge of edges) if (edge !== undefined) this.removeEdge(edge.id, dirtyEdges);
      this.removeNode(node.id, dirtyNodes);
      this.putNode(node, dirtyNodes);
      for (const edge of edges) if (edge !== undefined) this.putEdge(edge, dirtyEdges);
    }
    if (patch !== undefined) {
      for (const id of patch.removeEdges) this.removeEdge(id, dirtyEdges);
      for (const id of patch.removeNodes) this.removeNode(id, dirtyNodes);
      for (const node of patch.putNodes) {
        this.removeNode(node.id, dirtyNodes);
        this.putNode(node, dirtyNodes);
      }
      for (const edge of patch.putEdges) {
        this.removeEdge(edge.id, dirtyEdges);
        this.putEdge(edge, dirtyEdges);
      }
    }
    const out = this.refresh(dirtyNodes, dirtyEdges);
    if (isEmptyPatch(out)) return undefined;
    this.revision++;
    return out;
  }

  /** The output node an inner node is drawn as: its closed group's, or its own. */
  private targetOf(id: string): string {
    const place = this.placeOfNode.get(id);
    return place === undefined || place.open ? id : place.id;
  }

  private putNode(node: ViewNode, dirty: Set<string>): void {
    const place = placeOf(node, this.groupings, this.namespaceValue);
    if (place !== undefined) this.placeOfNode.set(node.id, place);
    this.held.nodes.set(node.id, node);
    const target = this.targetOf(node.id);
    addTo(this.nodeMembers, target, node.id);
    dirty.add(target);
    if (place !== undefined && place.id !== target) {
      addTo(this.nodeMembers, place.id, node.id);
      dirty.add(place.id);
    }
  }

  private removeNode(id: string, dirty: Set<string>): void {
    if (!this.held.nodes.has(id)) return;
    const target = this.targetOf(id);
    removeFrom(this.nodeMembers, target, id);
    dirty.add(target);
    const place = this.placeOfNode.get(id);
    if (place !== undefined && place.id !== target) {
      removeFrom(this.nodeMembers, place.id, id);
      dirty.add(place.id);
    }
    this.held.nodes.delete(id);
    this.placeOfNode.delete(id);
  }

  /** The output edge an inner edge is drawn on: itself between ungrouped nodes, else its groups' edge. */
  private edgeTarget(edge: ViewEdge): string {
    const source = this.targetOf(edge.source);
    const target = this.targetOf(edge.target);
    if (source === edge.source && target === edge.target) return edge.id;
    // One string per output edge, so the many inner edges of two groups look it up hashed once.
    const bySource = mapAt(this.groupEdgeIds, source);
    let id = bySource.get(target);
    if (id === undefined) {
      id = `${source}->${target}`;
      bySource.set(target, id);
    }
    return id;
  }

  /** The ids of output edges with a group at an end, by source then target (see `edgeTarget`). */
  private readonly groupEdgeIds = new Map<string, Map<string, string>>();
  private putEdge(edge: ViewEdge, dirty: Set<string>): void {
    this.held.edges.set(edge.id, edge);
    addTo(this.edgesAt, edge.source, edge.id);
    addTo(this.edgesAt, edge.target, edge.id);
    const id = this.edgeTarget(edge);
    addTo(this.edgeMembers, id, edge.id);
    dirty.add(id);
  }

  private removeEdge(id: string, dirty: Set<string>): void {
    const edge = this.held.edges.get(id);
    if (edge === undefined) return;
    const target = this.edgeTarget(edge);
    removeFrom(this.edgeMembers, target, id);
    dirty.add(target);
    removeFrom(this.edgesAt, edge.source, id);
    removeFrom(this.edgesAt, edge.target, id);
    this.held.edges.delete(id);
  }

  /** Recomputes the dirty output nodes and edges from their members; the patch of what changed. */
  private refresh(dirtyNodes: ReadonlySet<string>, dirtyEdges: ReadonlySet<string>): ViewPatch {
    const patch = {
      base: this.revision,
      revision: this.revision + 1,
      putNodes: [] as ViewNode[],
      removeNodes: [] as string[],
      putEdges: [] as ViewEdge[],
      removeEdges: [] as string[],
    };
    for (const id of dirtyNodes) {
      const next = this.nodeOut(id);
      const before = this.out.nodes.get(id);
      if (next === undefined) {
        if (before !== undefined) patch.removeNodes.push(id);
      } else if (before === undefined || JSON.stringify(before) !== JSON.stringify(next))
        patch.putNodes.push(next);
    }
    for (const id of dirtyEdges) {
      const members: ViewEdge[] = [];
      for (const member of this.edgeMembers.get(id) ?? []) {
        const edge = this.held.edges.get(member);
        if (edge !== undefined) members.push(edge);
      }
      const before = this.out.edges.get(id);
      const [source, target] = id.split("->") as [string, string];
      if (members.length === 0) {
        if (before !== undefined) patch.removeEdges.push(id);
        this.groupEdgeIds.get(source)?.delete(target);
        continue;
      }
      const next = sumEdges(id, source, target, members);
      if (before === undefined || JSON.stringify(before) !== JSON.stringify(next)) patch.putEdges.push(next);
    }
    applyPatch(this.out, patch);
    return patch;
  }

  private nodeOut(id: string): ViewNode | undefined {
    const members = [...(this.nodeMembers.get(id) ?? [])].flatMap((m) => this.held.nodes.get(m) ?? []);
    if (members.length === 0) return undefined;
    const ref = decodeNodeId(id);
    // A group the inner view draws itself (a namespace's view grouping its own workloads) is its own.
    if ((ref?.kind === "group" || ref?.kind === "workloads") && !this.held.nodes.has(id))
      return groupNode(id, this.groupings, members);
    const [node] = members as [ViewNode];
    const place = this.placeOfNode.get(node.id);
    return place === undefined ? node : { ...node, group: place.id };
  }
}
