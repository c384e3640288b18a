// A view with its namespace nodes grouped by a label (team, tenant, owner…): the cluster by
// namespace, or one namespace's view with the namespaces around it. A group drawn closed is one
// node that sums its namespaces' pods and open pods, carries their worst finding, and stands in
// for them at both ends of every edge; a group drawn open shows its namespaces, each marked with
// the group it belongs to. Kept up to date from the inner view's own patches, so an event costs
// what it changes there plus the groups it touches.

import { decodeNodeId, type GroupingList, groupNodeId, type Severity } from "@trustmap/shared";
import { worse } from "../findings/catalog";
import { PortSet } from "../netpol/ports";
import type { Protocol } from "../objects/model";
import { wirePorts } from "../report/report";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import { addTo, removeFrom } from "../state/multimap";
import { groupLabel, groupValue, namespaceNodeId } from "./scoped";
import {
  applyPatch,
  isEmptyPatch,
  type ViewEdge,
  type ViewGraph,
  type ViewNode,
  type ViewPatch,
  type ViewSnapshot,
} from "./view";
import { OverviewView, type View } from "./views";

export interface Grouping {
  /** The namespace label whose value groups namespaces. */
  readonly by: string;
  /** Groups shown opened, by value; null: the namespaces without the label. */
  readonly open: readonly (string | null)[];
}

/** Set by the API server on every namespace: one value per namespace, never a group. */
const NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The namespace labels worth grouping by: carried by two namespaces or more, with fewer values
 * than namespaces carrying it (else every group would hold one namespace). Those that cover the
 * most namespaces come first, then those with fewer groups, then by key.
 */
export function groupingKeys(state: ClusterState): GroupingList {
  const values = new Map<string, Map<string, number>>();
  let namespaces = 0;
  for (const name of state.namespaceNames()) {
    namespaces++;
    for (const [key, value] of Object.entries(state.namespaceNamed(name)?.labels ?? {})) {
      if (key === NAME_LABEL) continue;
      const counts = values.get(key) ?? new Map<string, number>();
      values.set(key, counts);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  const keys = [...values].flatMap(([key, counts]) => {
    let carrying = 0;
    for (const count of counts.values()) carrying += count;
    return carrying >= 2 && counts.size < carrying
      ? [{ key, namespaces: carrying, values: counts.size }]
      : [];
  });
  keys.sort((a, b) => b.namespaces - a.namespaces || a.values - b.values || (a.key < b.key ? -1 : 1));
  return { namespaces, keys };
}

function namespaceOf(node: ViewNode): string | undefined {
  return node.kind === "namespace" ? node.namespace : undefined;
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
 * The grouped graph from a view's graph (its namespace nodes grouped, the rest as they are),
 * computed from scratch: the definition GroupedView keeps up to date, and what tests compare it
 * with.
 */
export function groupGraph(
  graph: Pick<ViewSnapshot, "nodes" | "edges">,
  groupOf: (namespace: string) => string | null,
  grouping: Grouping,
): ViewGraph {
  const open = new Set(grouping.open);
  const target = new Map<string, string>();
  const members = new Map<string, ViewNode[]>();
  const nodes = new Map<string, ViewNode>();
  for (const node of graph.nodes) {
    const namespace = namespaceOf(node);
    if (namespace === undefined) {
      target.set(node.id, node.id);
      nodes.set(node.id, node);
      continue;
    }
    const value = groupOf(namespace);
    const group = groupNodeId(grouping.by, value);
    const ofGroup = members.get(group) ?? [];
    ofGroup.push(node);
    members.set(group, ofGroup);
    if (open.has(value)) {
      target.set(node.id, node.id);
      nodes.set(node.id, { ...node, group });
    } else target.set(node.id, group);
  }
  for (const [group, nodesOfGroup] of members) {
    const ref = decodeNodeId(group);
    if (ref?.kind !== "group") continue;
    nodes.set(group, groupNode(grouping.by, ref.value, open.has(ref.value), nodesOfGroup));
  }
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

function groupNode(by: string, value: string | null, open: boolean, members: Iterable<ViewNode>): ViewNode {
  let pods = 0;
  let openIngressPods = 0;
  let openEgressPods = 0;
  let namespaces = 0;
  let worst: Severity | undefined;
  for (const node of members) {
    namespaces++;
    pods += node.pods;
    openIngressPods += node.openIngressPods;
    openEgressPods += node.openEgressPods;
    worst = worse(worst, node.worst);
  }
  return {
    ...(worst === undefined ? {} : { worst }),
    id: groupNodeId(by, value),
    kind: "group",
    label: groupLabel(by, value),
    pods,
    openIngressPods,
    openEgressPods,
    namespaces,
    ...(open ? { open: true } : {}),
  };
}

function sumEdges(id: string, source: string, target: string, parts: Iterable<ViewEdge>): ViewEdge {
  let ports = PortSet.NONE;
  let pairs = 0;
  for (const part of parts) {
    ports = ports.union(portSetOf(part));
    pairs += part.pairs;
  }
  return { id, source, target, ports: wirePorts(ports), pairs };
}

/** A view with its namespaces grouped, kept up to date by the deltas through the inner view's patches. */
export class GroupedView implements View {
  revision = 0;
  private readonly inner: Pick<View, "snapshot" | "update">;
  private readonly open: ReadonlySet<string | null>;
  /** The inner view as its patches build it. */
  private readonly held = { nodes: new Map<string, ViewNode>(), edges: new Map<string, ViewEdge>() };
  /** Each namespace's group value when last read. */
  private readonly valueOf = new Map<string, string | null>();
  /** Output node id → the inner nodes it stands for; output edge id → the inner edges. */
  private readonly nodeMembers = new Map<string, Set<string>>();
  private readonly edgeMembers = new Map<string, Set<string>>();
  /** Inner node id → its inner edges (either end), to move them when the node changes group. */
  private readonly edgesAt = new Map<string, Set<string>>();
  private readonly out = { nodes: new Map<string, ViewNode>(), edges: new Map<string, ViewEdge>() };

  /**
   * `inner` is the view it groups: the cluster by namespace of its own by default; a namespace's
   * view; or the cluster by namespace shared with other views (then updated once per delta by its
   * owner, and `update` here reads the same patch).
   */
  constructor(
    private readonly state: ClusterState,
    private readonly grouping: Grouping,
    inner: Pick<View, "snapshot" | "update"> = new OverviewView(state),
  ) {
    this.open = new Set(grouping.open);
    this.inner = inner;
    const snapshot = this.inner.snapshot();
    const dirtyNodes = new Set<string>();
    const dirtyEdges = new Set<string>();
    for (const node of snapshot.nodes) this.putNode(node, dirtyNodes);
    for (const edge of snapshot.edges) this.putEdge(edge, dirtyEdges);
    this.refresh(dirtyNodes, dirtyEdges);
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
    for (const namespace of delta.namespaces) {
      const node = this.held.nodes.get(namespaceNodeId(namespace));
      if (
        node === undefined ||
        this.valueOf.get(namespace) === groupValue(this.state, namespace, this.grouping.by)
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

  /** The output node an inner node is drawn as. */
  private targetOf(node: ViewNode): string {
    const namespace = namespaceOf(node);
    if (namespace === undefined) return node.id;
    const value = this.valueOf.get(namespace) ?? null;
    return this.open.has(value) ? node.id : groupNodeId(this.grouping.by, value);
  }

  private groupOf(node: ViewNode): string | undefined {
    const namespace = namespaceOf(node);
    return namespace === undefined
      ? undefined
      : groupNodeId(this.grouping.by, this.valueOf.get(namespace) ?? null);
  }

  private putNode(node: ViewNode, dirty: Set<string>): void {
    const namespace = namespaceOf(node);
    if (namespace !== undefined)
      this.valueOf.set(namespace, groupValue(this.state, namespace, this.grouping.by));
    this.held.nodes.set(node.id, node);
    const target = this.targetOf(node);
    addTo(this.nodeMembers, target, node.id);
    dirty.add(target);
    const group = this.groupOf(node);
    if (group !== undefined && group !== target) {
      addTo(this.nodeMembers, group, node.id);
      dirty.add(group);
    }
  }

  private removeNode(id: string, dirty: Set<string>): void {
    const node = this.held.nodes.get(id);
    if (node === undefined) return;
    const target = this.targetOf(node);
    removeFrom(this.nodeMembers, target, id);
    dirty.add(target);
    const group = this.groupOf(node);
    if (group !== undefined && group !== target) {
      removeFrom(this.nodeMembers, group, id);
      dirty.add(group);
    }
    this.held.nodes.delete(id);
    const namespace = namespaceOf(node);
    if (namespace !== undefined) this.valueOf.delete(namespace);
  }

  private edgeTarget(edge: ViewEdge): string {
    const source = this.held.nodes.get(edge.source);
    const target = this.held.nodes.get(edge.target);
    const from = source === undefined ? edge.source : this.targetOf(source);
    const to = target === undefined ? edge.target : this.targetOf(target);
    return `${from}->${to}`;
  }

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
      const members = [...(this.edgeMembers.get(id) ?? [])].flatMap((m) => this.held.edges.get(m) ?? []);
      const before = this.out.edges.get(id);
      if (members.length === 0) {
        if (before !== undefined) patch.removeEdges.push(id);
        continue;
      }
      const [source, target] = id.split("->") as [string, string];
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
    if (ref?.kind === "group")
      return groupNode(this.grouping.by, ref.value, this.open.has(ref.value), members);
    const [node] = members as [ViewNode];
    const group = this.groupOf(node);
    return group === undefined ? node : { ...node, group };
  }
}
