import { PortSet } from "../netpol/ports";
import { wirePorts } from "../report/report";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { acceptsAny, explicitSources, explicitTargets, outsidePorts, sendsToAny } from "./graph";
import { namespaceGraph, namespaceNode, namespaceNodeId, workloadGraph } from "./scoped";
import {
  ANY_POD,
  anyNode,
  diffGraphs,
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

/**
 * One namespace by identity. Small enough to recompute whole on an event that concerns it; the
 * events of the rest of the cluster pass it by.
 */
export class NamespaceView extends GraphView {
  constructor(
    private readonly state: ClusterState,
    readonly namespace: string,
  ) {
    super();
    this.graph = namespaceGraph(state, namespace);
  }

  update(delta: Delta): ViewPatch | undefined {
    if (!this.concerns(delta)) return undefined;
    return this.advance(namespaceGraph(this.state, this.namespace));
  }

  /**
   * Whether a delta can change this view: it touches the namespace, a namespace drawn as a node
   * here (its pods, isolation or findings), an identity of either, or an identity whose rules or
   * peers changed and that now names or is named by an identity of the namespace.
   */
  private concerns(delta: Delta): boolean {
    const shown = (namespace: string) =>
      namespace === this.namespace || this.graph.nodes.has(namespaceNodeId(namespace));
    if (delta.namespaces.some(shown)) return true;
    const { added, removed, resized, renamed } = delta.identities;
    const { touched, ingressDirty, egressDirty } = delta.edges;
    for (const list of [added, removed, resized, renamed, touched, ingressDirty, egressDirty])
      if (list.some((identity) => shown(identity.namespace))) return true;
    const reachesHere = (identities: Iterable<LiveIdentity>) => {
      for (const identity of identities) if (identity.namespace === this.namespace) return true;
      return false;
    };
    for (const identity of new Set([...added, ...touched, ...egressDirty]))
      if (reachesHere(explicitTargets(identity))) return true;
    for (const identity of new Set([...added, ...touched, ...ingressDirty]))
      if (reachesHere(explicitSources(identity))) return true;
    return false;
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

/** What the overview last counted of an identity: its namespace's node and its pods. */
interface Counted {
  readonly namespace: string;
  readonly node: string;
  pods: number;
}

/** The ports of the terms an edge sums, each distinct port set counted once per term. */
interface EdgeSum {
  readonly source: string;
  readonly target: string;
  pairs: number;
  readonly ports: Map<string, { readonly ports: PortSet; count: number }>;
}

/** An identity's edges to and from "any pod" and "outside": accepts any, in from outside, sends to any, out to outside. */
type OwnTerms = readonly [PortSet, PortSet, PortSet, PortSet];

/**
 * The cluster by namespace. An edge between namespaces sums terms: one per pair of identities
 * an explicit rule connects (with the ports allowed between them), and one per identity to or
 * from "any pod" and "outside". Each term is kept, with the port sets of each edge counted, so
 * an event adds and takes away the terms of the identities it touched: a new identity costs its
 * own sources and destinations, not a recount of every destination it reaches.
 */
export class OverviewView extends GraphView {
  /** Nonempty explicit terms by destination, then source (identity keys), with their ports. */
  private readonly sourcesOf = new Map<string, Map<string, PortSet>>();
  /** The same terms by source: the destinations each identity reaches. */
  private readonly targetsOf = new Map<string, Set<string>>();
  private readonly own = new Map<string, OwnTerms>();
  private readonly counted = new Map<string, Counted>();
  private readonly sums = new Map<string, EdgeSum>();
  private readonly nodes = new Map<string, ViewNode>();
  private readonly edges = new Map<string, ViewEdge>();

  constructor(private readonly state: ClusterState) {
    super();
    const touched = new Set<string>();
    for (const identity of state.identities()) this.count(identity);
    for (const identity of state.identities()) {
      this.addOwn(identity, touched);
      for (const source of explicitSources(identity)) this.addExplicit(source, identity, touched);
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

  /**
   * Takes away the terms the delta may have changed (counted with the pod counts they were added
   * with), counts the pods again, then adds the terms back as they are now. Identities whose
   * rules or peers changed have their terms recomputed; identities that only gained or lost
   * pods keep their ports and change their pair counts.
   */
  update(delta: Delta): ViewPatch | undefined {
    const keys = (identities: readonly LiveIdentity[]) => identities.map((identity) => identity.key);
    const changedEnds = [
      ...keys(delta.identities.added),
      ...keys(delta.identities.removed),
      ...keys(delta.edges.touched),
    ];
    // Destinations whose sources are recounted (their ingress or the peers they are in changed),
    // and sources whose destinations are.
    const destinations = new Set([...changedEnds, ...keys(delta.edges.ingressDirty)]);
    const sources = new Set([...changedEnds, ...keys(delta.edges.egressDirty)]);
    const resized = new Set(keys(delta.identities.resized));
    const recounted = new Set([...destinations, ...sources, ...resized]);
    const touched = new Set<string>();
    const kept: [string, string, PortSet][] = [];

    for (const d of destinations)
      for (const s of [...(this.sourcesOf.get(d)?.keys() ?? [])]) this.removeExplicit(s, d, touched);
    for (const s of sources)
      for (const d of [...(this.targetsOf.get(s) ?? [])]) this.removeExplicit(s, d, touched);
    for (const key of resized) {
      for (const [s, ports] of [...(this.sourcesOf.get(key) ?? [])]) {
        this.removeExplicit(s, key, touched);
        kept.push([s, key, ports]);
      }
      for (const d of [...(this.targetsOf.get(key) ?? [])]) {
        kept.push([key, d, this.sourcesOf.get(d)!.get(key)!]);
        this.removeExplicit(key, d, touched);
      }
    }
    for (const key of recounted) this.removeOwn(key, touched);

    const namespaces = new Set<string>(delta.namespaces);
    for (const key of recounted) {
      const identity = this.state.identity(key);
      const before = this.counted.get(key);
      if (before !== undefined) namespaces.add(before.namespace);
      if (identity === undefined) this.counted.delete(key);
      else {
        this.count(identity);
        namespaces.add(identity.namespace);
      }
    }

    for (const [s, d, ports] of kept) {
      const source = this.state.identity(s);
      const destination = this.state.identity(d);
      if (source !== undefined && destination !== undefined)
        this.addTerm(source, destination, ports, touched);
    }
    for (const key of destinations) {
      const destination = this.state.identity(key);
      if (destination === undefined) continue;
      for (const source of explicitSources(destination)) this.addExplicit(source, destination, touched);
    }
    for (const key of sources) {
      const source = this.state.identity(key);
      if (source === undefined) continue;
      for (const destination of explicitTargets(source)) {
        if (this.sourcesOf.get(destination.key)?.has(key) || destinations.has(destination.key)) continue;
        this.addExplicit(source, destination, touched);
      }
    }
    for (const key of recounted) {
      const identity = this.state.identity(key);
      if (identity !== undefined) this.addOwn(identity, touched);
    }

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

  private count(identity: LiveIdentity): void {
    const counted = this.counted.get(identity.key);
    if (counted !== undefined) counted.pods = identity.pods.size;
    else
      this.counted.set(identity.key, {
        namespace: identity.namespace,
        node: namespaceNodeId(identity.namespace),
        pods: identity.pods.size,
      });
  }

  /** Pairs of distinct pods between two identities, as last counted. */
  private pairs(source: Counted, destination: Counted): number {
    return source === destination ? source.pods * (source.pods - 1) : source.pods * destination.pods;
  }

  private addExplicit(source: LiveIdentity, destination: LiveIdentity, touched: Set<string>): void {
    if (this.sourcesOf.get(destination.key)?.has(source.key)) return;
    const ports = this.state.allowed(source, destination);
    if (!ports.isEmpty()) this.addTerm(source, destination, ports, touched);
  }

  private addTerm(
    source: LiveIdentity,
    destination: LiveIdentity,
    ports: PortSet,
    touched: Set<string>,
  ): void {
    const from = this.counted.get(source.key)!;
    const to = this.counted.get(destination.key)!;
    const shared = this.addToSum(from.node, to.node, ports, this.pairs(from, to), touched);
    let sources = this.sourcesOf.get(destination.key);
    if (sources === undefined) {
      sources = new Map();
      this.sourcesOf.set(destination.key, sources);
    }
    sources.set(source.key, shared);
    let targets = this.targetsOf.get(source.key);
    if (targets === undefined) {
      targets = new Set();
      this.targetsOf.set(source.key, targets);
    }
    targets.add(destination.key);
  }

  private removeExplicit(source: string, destination: string, touched: Set<string>): void {
    const sources = this.sourcesOf.get(destination)!;
    const ports = sources.get(source)!;
    sources.delete(source);
    if (sources.size === 0) this.sourcesOf.delete(destination);
    const targets = this.targetsOf.get(source)!;
    targets.delete(destination);
    if (targets.size === 0) this.targetsOf.delete(source);
    const from = this.counted.get(source)!;
    const to = this.counted.get(destination)!;
    this.removeFromSum(`${from.node}->${to.node}`, ports, this.pairs(from, to), touched);
  }

  private addOwn(identity: LiveIdentity, touched: Set<string>): void {
    const { node, pods } = this.counted.get(identity.key)!;
    const terms: OwnTerms = [
      this.addToSum(ANY_POD, node, acceptsAny(identity), pods, touched),
      this.addToSum(OUTSIDE, node, outsidePorts(this.state, identity, "ingress"), pods, touched),
      this.addToSum(node, ANY_POD, sendsToAny(identity), pods, touched),
      this.addToSum(node, OUTSIDE, outsidePorts(this.state, identity, "egress"), pods, touched),
    ];
    this.own.set(identity.key, terms);
  }

  private removeOwn(key: string, touched: Set<string>): void {
    const terms = this.own.get(key);
    if (terms === undefined) return;
    this.own.delete(key);
    const { node, pods } = this.counted.get(key)!;
    this.removeFromSum(`${ANY_POD}->${node}`, terms[0], pods, touched);
    this.removeFromSum(`${OUTSIDE}->${node}`, terms[1], pods, touched);
    this.removeFromSum(`${node}->${ANY_POD}`, terms[2], pods, touched);
    this.removeFromSum(`${node}->${OUTSIDE}`, terms[3], pods, touched);
  }

  /** Adds a term to its edge; returns the edge's copy of the ports, which the term keeps. */
  private addToSum(
    source: string,
    target: string,
    ports: PortSet,
    pairs: number,
    touched: Set<string>,
  ): PortSet {
    if (ports.isEmpty()) return ports;
    const id = `${source}->${target}`;
    let sum = this.sums.get(id);
    if (sum === undefined) {
      sum = { source, target, pairs: 0, ports: new Map() };
      this.sums.set(id, sum);
    }
    sum.pairs += pairs;
    const key = ports.key();
    let entry = sum.ports.get(key);
    if (entry === undefined) {
      entry = { ports, count: 0 };
      sum.ports.set(key, entry);
    }
    entry.count++;
    touched.add(id);
    return entry.ports;
  }

  private removeFromSum(id: string, ports: PortSet, pairs: number, touched: Set<string>): void {
    if (ports.isEmpty()) return;
    const sum = this.sums.get(id)!;
    sum.pairs -= pairs;
    const key = ports.key();
    const entry = sum.ports.get(key)!;
    if (--entry.count === 0) sum.ports.delete(key);
    if (sum.ports.size === 0) this.sums.delete(id);
    touched.add(id);
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

  private refreshEdge(id: string, patch: ReturnType<OverviewView["emptyPatch"]>): void {
    const before = this.edges.get(id);
    const sum = this.sums.get(id);
    if (sum === undefined) {
      this.edges.delete(id);
      if (before !== undefined) {
        patch.removeEdges.add(id);
        this.countOpenEnds(before, -1, patch);
      }
      return;
    }
    let ports = PortSet.NONE;
    for (const entry of sum.ports.values()) ports = ports.union(entry.ports);
    const edge: ViewEdge = {
      id,
      source: sum.source,
      target: sum.target,
      ports: wirePorts(ports),
      pairs: sum.pairs,
    };
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
