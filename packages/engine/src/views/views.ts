import type { PortSet } from "../netpol/ports";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { acceptsAny, explicitSources, explicitTargets, outsidePorts, podPairs, sendsToAny } from "./graph";
import { namespaceGraph, namespaceNode, namespaceNodeId, workloadGraph } from "./scoped";
import {
  ANY_POD,
  anyNode,
  diffGraphs,
  EdgeSums,
  isEmptyPatch,
  OUTSIDE,
  outsideNode,
  type ViewEdge,
  type ViewGraph,
  type ViewNode,
  type ViewPatch,
  type ViewSnapshot,
} from "./view";

/** A graph a person looks at, kept up to date by the engine's deltas. */
export interface View {
  readonly revision: number;
  snapshot(): ViewSnapshot;
  /** The patch this delta makes to the view, or undefined when it changes nothing here. */
  update(delta: Delta): ViewPatch | undefined;
}

abstract class GraphView implements View {
  protected graph: ViewGraph = { nodes: new Map(), edges: new Map() };
  revision = 0;

  snapshot(): ViewSnapshot {
    return {
      revision: this.revision,
      nodes: [...this.graph.nodes.values()],
      edges: [...this.graph.edges.values()],
    };
  }

  protected advance(next: ViewGraph): ViewPatch | undefined {
    const patch = diffGraphs(this.graph, next, this.revision, this.revision + 1);
    this.graph = next;
    if (isEmptyPatch(patch)) return undefined;
    this.revision++;
    return patch;
  }

  abstract update(delta: Delta): ViewPatch | undefined;
}

/** One namespace by identity. Small enough to recompute whole on each event. */
export class NamespaceView extends GraphView {
  constructor(
    private readonly state: ClusterState,
    readonly namespace: string,
  ) {
    super();
    this.graph = namespaceGraph(state, namespace);
  }

  update(): ViewPatch | undefined {
    return this.advance(namespaceGraph(this.state, this.namespace));
  }
}

/** One workload (identity) by pod. */
export class WorkloadView extends GraphView {
  constructor(
    private readonly state: ClusterState,
    readonly identityKey: string,
  ) {
    super();
    this.graph = workloadGraph(state, identityKey);
  }

  update(): ViewPatch | undefined {
    return this.advance(workloadGraph(this.state, this.identityKey));
  }
}

type Contribution = Map<string, { source: string; target: string; ports: PortSet; pairs: number }>;

/**
 * The cluster by namespace. Edges are sums over identities, so each identity's part is kept:
 * what flows into it (from explicit sources, "any pod" and "outside") and what it sends to "any
 * pod" and "outside". An event recomputes the parts of the identities it touched, and the
 * namespace edges those parts feed.
 */
export class OverviewView extends GraphView {
  private readonly inbound = new Map<string, Contribution>();
  private readonly outbound = new Map<string, Contribution>();
  private readonly contributors = new Map<string, Set<string>>();
  /** For each source identity, the destinations whose inbound part counted it, and back. */
  private readonly countedBy = new Map<string, Set<string>>();
  private readonly counted = new Map<string, Set<string>>();
  private readonly nodes = new Map<string, ViewNode>();
  private readonly edges = new Map<string, ViewEdge>();

  constructor(private readonly state: ClusterState) {
    super();
    const touched = new Set<string>();
    for (const identity of state.identities()) {
      this.podCounts.set(identity.key, identity.pods.size);
      this.refreshInbound(identity.key, touched);
      this.refreshOutbound(identity.key, touched);
    }
    const patch = this.emptyPatch();
    for (const id of touched) this.refreshEdge(id, patch);
    for (const namespace of this.namespaceNames()) this.refreshNode(namespace, patch);
  }

  override snapshot(): ViewSnapshot {
    const nodes = [...this.nodes.values()];
    if (this.openEnded.get(ANY_POD)) nodes.push(anyNode());
    if (this.openEnded.get(OUTSIDE)) nodes.push(outsideNode());
    return { revision: this.revision, nodes, edges: [...this.edges.values()] };
  }

  private emptyPatch() {
    return {
      putNodes: new Map<string, ViewNode>(),
      removeNodes: new Set<string>(),
      putEdges: new Map<string, ViewEdge>(),
      removeEdges: new Set<string>(),
    };
  }

  private *namespaceNames(): Generator<string> {
    yield* this.state.namespacesWithPods();
    yield* this.state.namespaceObjects();
  }

  /** Pods per identity when last counted, for adjusting pair counts by the difference. */
  private readonly podCounts = new Map<string, number>();

  private adjustPairs(source: LiveIdentity, refreshed: ReadonlySet<string>, touched: Set<string>): void {
    const before = this.podCounts.get(source.key) ?? 0;
    const change = source.pods.size - before;
    this.podCounts.set(source.key, source.pods.size);
    if (change === 0) return;
    for (const key of this.countedBy.get(source.key) ?? []) {
      if (key === source.key || refreshed.has(key)) continue;
      const destination = this.state.identity(key);
      const contribution = this.inbound.get(key);
      if (destination === undefined || contribution === undefined) continue;
      if (this.state.allowed(source, destination).isEmpty()) continue;
      const id = `${namespaceNodeId(source.namespace)}->${namespaceNodeId(destination.namespace)}`;
      const piece = contribution.get(id);
      if (piece === undefined) continue;
      contribution.set(id, { ...piece, pairs: piece.pairs + change * destination.pods.size });
      touched.add(id);
    }
  }

  update(delta: Delta): ViewPatch | undefined {
    const destinations = new Set<string>();
    const sources = new Set<string>();
    const namespaces = new Set<string>(delta.namespaces);
    // A pod joining or leaving an identity that nothing else touched changes only pair counts:
    // its destinations adjust one number each instead of recounting all their sources.
    const rulesChanged = new Set<LiveIdentity>([
      ...delta.identities.added,
      ...delta.identities.removed,
      ...delta.edges.touched,
      ...delta.edges.ingressDirty,
      ...delta.edges.egressDirty,
    ]);
    const resizedOnly = delta.identities.resized.filter((identity) => !rulesChanged.has(identity));
    const all = [...delta.identities.added, ...delta.identities.removed, ...delta.edges.touched];
    for (const identity of [...all, ...delta.edges.ingressDirty, ...resizedOnly])
      destinations.add(identity.key);
    for (const identity of [...all, ...delta.edges.egressDirty]) {
      sources.add(identity.key);
      for (const d of this.countedBy.get(identity.key) ?? []) destinations.add(d);
      const live = this.state.identity(identity.key);
      if (live !== undefined) for (const d of explicitTargets(live)) destinations.add(d.key);
    }
    for (const identity of resizedOnly) sources.add(identity.key);
    const touched = new Set<string>();
    for (const identity of resizedOnly) this.adjustPairs(identity, destinations, touched);
    for (const identity of delta.identities.removed) this.podCounts.delete(identity.key);
    for (const identity of delta.identities.added) this.podCounts.set(identity.key, identity.pods.size);
    for (const identity of [...all, ...resizedOnly, ...delta.edges.ingressDirty, ...delta.edges.egressDirty])
      namespaces.add(identity.namespace);
    for (const key of destinations) this.refreshInbound(key, touched);
    for (const key of sources) this.refreshOutbound(key, touched);
    const patch = this.emptyPatch();
    for (const id of touched) this.refreshEdge(id, patch);
    for (const namespace of namespaces) this.refreshNode(namespace, patch);
    if (patch.putNodes.size + patch.removeNodes.size + patch.putEdges.size + patch.removeEdges.size === 0)
      return undefined;
    this.revision++;
    return {
      revision: this.revision,
      base: this.revision - 1,
      putNodes: [...patch.putNodes.values()],
      removeNodes: [...patch.removeNodes],
      putEdges: [...patch.putEdges.values()],
      removeEdges: [...patch.removeEdges],
    };
  }

  /** How many edges touch "any pod" and "outside": their nodes exist while some edge does. */
  private readonly openEnded = new Map<string, number>([
    [ANY_POD, 0],
    [OUTSIDE, 0],
  ]);

  private countOpenEnds(edge: ViewEdge, by: number, patch: ReturnType<OverviewView["emptyPatch"]>): void {
    for (const end of [ANY_POD, OUTSIDE]) {
      if (edge.source !== end && edge.target !== end) continue;
      const before = this.openEnded.get(end)!;
      const after = before + by;
      this.openEnded.set(end, after);
      if (before === 0 && after > 0) {
        patch.removeNodes.delete(end);
        patch.putNodes.set(end, end === ANY_POD ? anyNode() : outsideNode());
      } else if (before > 0 && after === 0) {
        patch.putNodes.delete(end);
        patch.removeNodes.add(end);
      }
    }
  }

  private replace(
    store: Map<string, Contribution>,
    key: string,
    next: Contribution | undefined,
    touched: Set<string>,
  ) {
    const part = `${store === this.inbound ? "in" : "out"}:${key}`;
    for (const id of store.get(key)?.keys() ?? []) {
      this.contributors.get(id)?.delete(part);
      touched.add(id);
    }
    if (next === undefined || next.size === 0) store.delete(key);
    else store.set(key, next);
    for (const id of next?.keys() ?? []) {
      let set = this.contributors.get(id);
      if (set === undefined) {
        set = new Set();
        this.contributors.set(id, set);
      }
      set.add(part);
      touched.add(id);
    }
  }

  private refreshInbound(key: string, touched: Set<string>): void {
    const identity = this.state.identity(key);
    const contribution: Contribution = new Map();
    const add = (source: string, target: string, ports: PortSet, pairs: number) => {
      if (ports.isEmpty()) return;
      const id = `${source}->${target}`;
      const old = contribution.get(id);
      contribution.set(
        id,
        old === undefined
          ? { source, target, ports, pairs }
          : { source, target, ports: old.ports.union(ports), pairs: old.pairs + pairs },
      );
    };
    for (const source of this.counted.get(key) ?? []) this.countedBy.get(source)?.delete(key);
    this.counted.delete(key);
    if (identity !== undefined) {
      const counted = new Set<string>();
      this.counted.set(key, counted);
      const target = namespaceNodeId(identity.namespace);
      for (const source of explicitSources(identity)) {
        add(
          namespaceNodeId(source.namespace),
          target,
          this.state.allowed(source, identity),
          podPairs(source, identity),
        );
        let set = this.countedBy.get(source.key);
        if (set === undefined) {
          set = new Set();
          this.countedBy.set(source.key, set);
        }
        set.add(key);
        counted.add(source.key);
      }
      add(ANY_POD, target, acceptsAny(identity), identity.pods.size);
      add(OUTSIDE, target, outsidePorts(this.state, identity, "ingress"), identity.pods.size);
    }
    this.replace(this.inbound, key, contribution, touched);
  }

  private refreshOutbound(key: string, touched: Set<string>): void {
    const identity: LiveIdentity | undefined = this.state.identity(key);
    const contribution: Contribution = new Map();
    if (identity !== undefined) {
      const source = namespaceNodeId(identity.namespace);
      const toAny = sendsToAny(identity);
      const toOutside = outsidePorts(this.state, identity, "egress");
      if (!toAny.isEmpty())
        contribution.set(`${source}->${ANY_POD}`, {
          source,
          target: ANY_POD,
          ports: toAny,
          pairs: identity.pods.size,
        });
      if (!toOutside.isEmpty()) {
        contribution.set(`${source}->${OUTSIDE}`, {
          source,
          target: OUTSIDE,
          ports: toOutside,
          pairs: identity.pods.size,
        });
      }
    }
    this.replace(this.outbound, key, contribution, touched);
  }

  private refreshEdge(id: string, patch: ReturnType<OverviewView["emptyPatch"]>): void {
    const before = this.edges.get(id);
    const parts = this.contributors.get(id);
    const sums = new EdgeSums();
    for (const part of parts ?? []) {
      const store = part.startsWith("in:") ? this.inbound : this.outbound;
      const piece = store.get(part.slice(part.indexOf(":") + 1))?.get(id);
      if (piece !== undefined) sums.add(piece.source, piece.target, piece.ports, piece.pairs);
    }
    const edge = sums.edges().get(id);
    if (edge === undefined) {
      this.edges.delete(id);
      this.contributors.delete(id);
      if (before !== undefined) {
        patch.removeEdges.add(id);
        this.countOpenEnds(before, -1, patch);
      }
      return;
    }
    this.edges.set(id, edge);
    if (before === undefined) this.countOpenEnds(edge, 1, patch);
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(edge)) patch.putEdges.set(id, edge);
  }

  private refreshNode(namespace: string, patch: ReturnType<OverviewView["emptyPatch"]>): void {
    const id = namespaceNodeId(namespace);
    const before = this.nodes.get(id);
    const exists = this.state.namespaceHasPods(namespace) || this.state.hasNamespaceObject(namespace);
    if (!exists) {
      this.nodes.delete(id);
      if (before !== undefined) patch.removeNodes.add(id);
      return;
    }
    const node = namespaceNode(this.state, namespace);
    this.nodes.set(id, node);
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(node)) patch.putNodes.set(id, node);
  }
}
