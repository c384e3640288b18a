import { workloadNodeId } from "@trustmap/shared";
import { PortSet } from "../netpol/ports";
import { wirePorts } from "../report/report";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import { mapAt } from "../state/multimap";
import type { LiveIdentity } from "../state/netpol-index";
import { acceptsAny, explicitSources, explicitTargets, outsidePorts, sendsToAny } from "./graph";
import { identityNode, identityNodeId, namespaceNode, namespaceNodeId, workloadGraph } from "./scoped";
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

/** What a summed view last counted of an identity: the node its terms are drawn on, and its pods. */
interface Counted {
  readonly node: string;
  pods: number;
}

/** The ports of the terms an edge sums, each distinct port set counted once per term. */
interface EdgeSum {
  /** The edge's id, "<source>-><target>". */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  pairs: number;
  readonly ports: Map<string, { readonly ports: PortSet; count: number }>;
  /** The edge as last drawn. */
  edge: ViewEdge | undefined;
}

/** An identity's edges to and from "any pod" and "outside": accepts any, in from outside, sends to any, out to outside. */
type OwnTerms = readonly [PortSet, PortSet, PortSet, PortSet];

interface Patch {
  readonly putNodes: Map<string, ViewNode>;
  readonly removeNodes: Set<string>;
  readonly putEdges: Map<string, ViewEdge>;
  readonly removeEdges: Set<string>;
}

/**
 * A view whose edges sum terms: one per pair of identities an explicit rule connects (with the
 * ports allowed between them), and one per identity to or from "any pod" and "outside". Each
 * identity is drawn on one node (its namespace in the overview, itself in its namespace's view).
 * Each term is kept, with the port sets of each edge counted, so an event takes away and adds
 * back the terms of the identities it touched: a new identity costs its own sources and
 * destinations, not a recount of every destination it reaches.
 */
abstract class SummedView implements View {
  revision = 0;
  /** Drawn explicit terms by destination, then source (identity keys), with their ports. */
  private readonly sourcesOf = new Map<string, Map<string, PortSet>>();
  /** The same terms by source: the destinations each identity reaches. */
  private readonly targetsOf = new Map<string, Set<string>>();
  private readonly own = new Map<string, OwnTerms>();
  /** Identities with drawn terms, as last counted. */
  private readonly counted = new Map<string, Counted>();
  /**
   * The sums by source node, then target node: looked up by ids the view already holds, rather than
   * by an edge id made anew for each term. A sum that loses its last term stays until its edge is
   * refreshed, so a term added back in the same update finds it.
   */
  private readonly sums = new Map<string, Map<string, EdgeSum>>();
  protected readonly nodes = new Map<string, ViewNode>();
  /** How many edges end at each node that is drawn only while an edge ends there. */
  private readonly ends = new Map<string, number>();

  constructor(protected readonly state: ClusterState) {}

  /** The node an identity's terms are drawn on. */
  protected abstract nodeOf(identity: LiveIdentity): string;
  /** Whether the view draws the explicit term from source to destination. */
  protected abstract draws(source: LiveIdentity, destination: LiveIdentity): boolean;
  /** Whether the view draws an identity's traffic with "any pod" and "outside". */
  protected abstract drawsOwn(identity: LiveIdentity): boolean;
  /** Whether a node is an edge end drawn only while edges end there (not one the view keeps itself). */
  protected abstract isEnd(id: string): boolean;
  /** Such an end's node, computed when it comes to be drawn; undefined when no such node exists. */
  protected abstract endNode(id: string): ViewNode | undefined;
  /**
   * Puts or removes the nodes the view keeps itself that the delta may have changed: those of
   * the namespaces it names and of the identities whose terms were recounted.
   */
  protected abstract refreshNodes(
    delta: Delta | undefined,
    recounted: ReadonlySet<string>,
    patch: Patch,
  ): void;
  /** Whether a delta can change this view at all (when not, the update is skipped). */
  protected concerns(_delta: Delta): boolean {
    return true;
  }

  snapshot(): ViewSnapshot {
    const edges: ViewEdge[] = [];
    for (const bySource of this.sums.values())
      for (const sum of bySource.values()) if (sum.edge !== undefined) edges.push(sum.edge);
    return { revision: this.revision, nodes: [...this.nodes.values()], edges };
  }

  /** Draws the terms of these identities (as sources and destinations) and the nodes. */
  protected build(identities: Iterable<LiveIdentity>): void {
    const touched = new Set<EdgeSum>();
    const recounted = new Set<string>();
    for (const identity of identities) {
      recounted.add(identity.key);
      if (this.drawsOwn(identity)) this.addOwn(identity, touched);
      for (const source of explicitSources(identity)) this.addExplicit(source, identity, touched);
      for (const target of explicitTargets(identity)) this.addExplicit(identity, target, touched);
    }
    const patch = emptyPatch();
    for (const sum of touched) this.refreshEdge(sum, patch);
    this.refreshNodes(undefined, recounted, patch);
  }

  /**
   * Takes away the terms the delta may have changed (counted with the pod counts they were added
   * with), counts the pods again, then adds the terms back as they are now. Identities whose
   * rules or peers changed have their terms recomputed; identities that only gained or lost
   * pods keep their ports and change their pair counts.
   */
  update(delta: Delta): ViewPatch | undefined {
    if (!this.concerns(delta)) return undefined;
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
    const touched = new Set<EdgeSum>();
    /** Identities that lost a term: forgotten at the end if they have none left. */
    const loose = new Set<string>();
    const kept: [string, string, PortSet][] = [];

    for (const d of destinations)
      for (const s of [...(this.sourcesOf.get(d)?.keys() ?? [])]) this.removeExplicit(s, d, touched, loose);
    for (const s of sources)
      for (const d of [...(this.targetsOf.get(s) ?? [])]) this.removeExplicit(s, d, touched, loose);
    for (const key of resized) {
      for (const [s, ports] of [...(this.sourcesOf.get(key) ?? [])]) {
        this.removeExplicit(s, key, touched, loose);
        kept.push([s, key, ports]);
      }
      for (const d of [...(this.targetsOf.get(key) ?? [])]) {
        kept.push([key, d, this.sourcesOf.get(d)!.get(key)!]);
        this.removeExplicit(key, d, touched, loose);
      }
    }
    for (const key of recounted) this.removeOwn(key, touched);

    for (const key of recounted) {
      const identity = this.state.identity(key);
      if (identity === undefined) this.counted.delete(key);
      else if (this.counted.has(key)) this.count(identity);
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
      if (identity !== undefined && this.drawsOwn(identity)) this.addOwn(identity, touched);
    }
    for (const key of [...loose, ...recounted]) {
      if (!this.own.has(key) && !this.sourcesOf.has(key) && !this.targetsOf.has(key))
        this.counted.delete(key);
    }

    const patch = emptyPatch();
    for (const sum of touched) this.refreshEdge(sum, patch);
    this.refreshNodes(delta, recounted, patch);
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

  /** Counts an identity's pods now; returns what was counted. */
  private count(identity: LiveIdentity): Counted {
    let counted = this.counted.get(identity.key);
    if (counted !== undefined) counted.pods = identity.pods.size;
    else {
      counted = { node: this.nodeOf(identity), pods: identity.pods.size };
      this.counted.set(identity.key, counted);
    }
    return counted;
  }

  /** Pairs of distinct pods between two identities, as last counted. */
  private pairs(source: Counted, destination: Counted): number {
    return source === destination ? source.pods * (source.pods - 1) : source.pods * destination.pods;
  }

  private addExplicit(source: LiveIdentity, destination: LiveIdentity, touched: Set<EdgeSum>): void {
    if (this.sourcesOf.get(destination.key)?.has(source.key) || !this.draws(source, destination)) return;
    const ports = this.state.allowed(source, destination);
    if (!ports.isEmpty()) this.addTerm(source, destination, ports, touched);
  }

  private addTerm(
    source: LiveIdentity,
    destination: LiveIdentity,
    ports: PortSet,
    touched: Set<EdgeSum>,
  ): void {
    const from = this.counted.get(source.key) ?? this.count(source);
    const to = this.counted.get(destination.key) ?? this.count(destination);
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

  private removeExplicit(
    source: string,
    destination: string,
    touched: Set<EdgeSum>,
    loose: Set<string>,
  ): void {
    const sources = this.sourcesOf.get(destination)!;
    const ports = sources.get(source)!;
    sources.delete(source);
    if (sources.size === 0) this.sourcesOf.delete(destination);
    const targets = this.targetsOf.get(source)!;
    targets.delete(destination);
    if (targets.size === 0) this.targetsOf.delete(source);
    const from = this.counted.get(source)!;
    const to = this.counted.get(destination)!;
    this.removeFromSum(from.node, to.node, ports, this.pairs(from, to), touched);
    loose.add(source);
    loose.add(destination);
  }

  private addOwn(identity: LiveIdentity, touched: Set<EdgeSum>): void {
    const { node, pods } = this.count(identity);
    const terms: OwnTerms = [
      this.addToSum(ANY_POD, node, acceptsAny(identity), pods, touched),
      this.addToSum(OUTSIDE, node, outsidePorts(this.state, identity, "ingress"), pods, touched),
      this.addToSum(node, ANY_POD, sendsToAny(identity), pods, touched),
      this.addToSum(node, OUTSIDE, outsidePorts(this.state, identity, "egress"), pods, touched),
    ];
    this.own.set(identity.key, terms);
  }

  private removeOwn(key: string, touched: Set<EdgeSum>): void {
    const terms = this.own.get(key);
    if (terms === undefined) return;
    this.own.delete(key);
    const { node, pods } = this.counted.get(key)!;
    this.removeFromSum(ANY_POD, node, terms[0], pods, touched);
    this.removeFromSum(OUTSIDE, node, terms[1], pods, touched);
    this.removeFromSum(node, ANY_POD, terms[2], pods, touched);
    this.removeFromSum(node, OUTSIDE, terms[3], pods, touched);
  }

  /** Adds a term to its edge; returns the edge's copy of the ports, which the term keeps. */
  private addToSum(
    source: string,
    target: string,
    ports: PortSet,
    pairs: number,
    touched: Set<EdgeSum>,
  ): PortSet {
    if (ports.isEmpty()) return ports;
    const bySource = mapAt(this.sums, source);
    let sum = bySource.get(target);
    if (sum === undefined) {
      sum = { id: `${source}->${target}`, source, target, pairs: 0, ports: new Map(), edge: undefined };
      bySource.set(target, sum);
    }
    sum.pairs += pairs;
    const key = ports.key();
    let entry = sum.ports.get(key);
    if (entry === undefined) {
      entry = { ports, count: 0 };
      sum.ports.set(key, entry);
    }
    entry.count++;
    touched.add(sum);
    return entry.ports;
  }

  private removeFromSum(
    source: string,
    target: string,
    ports: PortSet,
    pairs: number,
    touched: Set<EdgeSum>,
  ): void {
    if (ports.isEmpty()) return;
    const sum = this.sums.get(source)!.get(target)!;
    sum.pairs -= pairs;
    const key = ports.key();
    const entry = sum.ports.get(key)!;
    if (--entry.count === 0) sum.ports.delete(key);
    touched.add(sum);
  }

  /** Counts an edge in or out at its ends; an end's node is drawn while some edge ends there. */
  private countEnds(edge: ViewEdge, by: number, patch: Patch): void {
    for (const end of edge.source === edge.target ? [edge.source] : [edge.source, edge.target]) {
      if (!this.isEnd(end)) continue;
      const before = this.ends.get(end) ?? 0;
      const after = before + by;
      // The node is computed once, when it comes to be drawn: a namespace's sums all its pods.
      const node = before === 0 && after > 0 ? this.endNode(end) : undefined;
      if (before === 0 && after > 0 && node === undefined) continue;
      if (after === 0) this.ends.delete(end);
      else this.ends.set(end, after);
      if (node !== undefined) {
        this.nodes.set(end, node);
        patch.removeNodes.delete(end);
        patch.putNodes.set(end, node);
      } else if (before > 0 && after === 0) {
        this.nodes.delete(end);
        patch.putNodes.delete(end);
        patch.removeNodes.add(end);
      }
    }
  }

  /** Whether an edge ends at a node drawn only while edges end there. */
  protected isDrawnEnd(id: string): boolean {
    return this.ends.has(id);
  }

  private refreshEdge(sum: EdgeSum, patch: Patch): void {
    const id = sum.id;
    const before = sum.edge;
    if (sum.ports.size === 0) {
      const bySource = this.sums.get(sum.source);
      if (bySource?.get(sum.target) === sum) {
        bySource.delete(sum.target);
        if (bySource.size === 0) this.sums.delete(sum.source);
      }
      sum.edge = undefined;
      if (before !== undefined) {
        patch.removeEdges.add(id);
        this.countEnds(before, -1, patch);
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
    sum.edge = edge;
    if (before === undefined) this.countEnds(edge, 1, patch);
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(edge)) patch.putEdges.set(id, edge);
  }

  /** Puts a node the view keeps itself, or removes it (undefined), into the patch when it changed. */
  protected putNode(id: string, node: ViewNode | undefined, patch: Patch): void {
    const before = this.nodes.get(id);
    if (node === undefined) {
      if (before === undefined) return;
      this.nodes.delete(id);
      patch.putNodes.delete(id);
      patch.removeNodes.add(id);
      return;
    }
    this.nodes.set(id, node);
    if (before === undefined || JSON.stringify(before) !== JSON.stringify(node)) {
      patch.removeNodes.delete(id);
      patch.putNodes.set(id, node);
    }
  }
}

function emptyPatch(): Patch {
  return { putNodes: new Map(), removeNodes: new Set(), putEdges: new Map(), removeEdges: new Set() };
}

/**
 * One namespace by identity: its identities, their peers elsewhere collapsed to their
 * namespaces, "any pod" and "outside". The terms drawn are those with an end in the namespace;
 * the events of the rest of the cluster pass it by.
 */
export class NamespaceView extends SummedView {
  constructor(
    state: ClusterState,
    readonly namespace: string,
  ) {
    super(state);
    this.build(state.identitiesIn(namespace));
  }

  /** The namespaces around this one drawn as nodes, by node id. */
  private readonly namespaceOfNode = new Map<string, string>();

  protected nodeOf(identity: LiveIdentity): string {
    if (identity.namespace === this.namespace) return identityNodeId(identity);
    const id = namespaceNodeId(identity.namespace);
    this.namespaceOfNode.set(id, identity.namespace);
    return id;
  }

  protected draws(source: LiveIdentity, destination: LiveIdentity): boolean {
    return source.namespace === this.namespace || destination.namespace === this.namespace;
  }

  protected drawsOwn(identity: LiveIdentity): boolean {
    return identity.namespace === this.namespace;
  }

  protected isEnd(id: string): boolean {
    return id === ANY_POD || id === OUTSIDE || this.namespaceOfNode.has(id);
  }

  protected endNode(id: string): ViewNode | undefined {
    if (id === ANY_POD) return anyNode();
    if (id === OUTSIDE) return outsideNode();
    const namespace = this.namespaceOfNode.get(id);
    return namespace === undefined ? undefined : namespaceNode(this.state, namespace);
  }

  /**
   * The identities of the namespace the delta may have changed (recounted, renamed, marked; all of
   * them when the namespace object itself changed), and the namespaces drawn around it.
   */
  protected refreshNodes(delta: Delta | undefined, recounted: ReadonlySet<string>, patch: Patch): void {
    const identities = new Set(recounted);
    for (const identity of delta?.identities.renamed ?? []) identities.add(identity.key);
    for (const key of delta?.marked ?? []) identities.add(key);
    const namespaces = new Set(delta?.namespaces ?? []);
    if (delta === undefined || delta.namespaceObjects.includes(this.namespace))
      for (const identity of this.state.identitiesIn(this.namespace)) identities.add(identity.key);
    for (const key of identities) {
      const identity = this.state.identity(key);
      const id = workloadNodeId(key);
      if (identity === undefined) this.putNode(id, undefined, patch);
      else if (identity.namespace === this.namespace)
        this.putNode(id, identityNode(this.state, identity), patch);
      else namespaces.add(identity.namespace);
    }
    for (const identity of delta?.identities.removed ?? []) namespaces.add(identity.namespace);
    for (const key of recounted) {
      const identity = this.state.identity(key);
      if (identity !== undefined) namespaces.add(identity.namespace);
    }
    for (const namespace of namespaces) {
      const id = namespaceNodeId(namespace);
      if (this.isDrawnEnd(id)) this.putNode(id, namespaceNode(this.state, namespace), patch);
    }
  }

  /**
   * Whether a delta can change this view: it touches the namespace, a namespace drawn as a node
   * here (its pods, isolation or findings), an identity of either, or an identity whose rules or
   * peers changed and that now names or is named by an identity of the namespace.
   */
  protected override concerns(delta: Delta): boolean {
    const shown = (namespace: string) =>
      namespace === this.namespace || this.nodes.has(namespaceNodeId(namespace));
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

/** The cluster by namespace: every identity drawn on its namespace's node. */
export class OverviewView extends SummedView {
  constructor(state: ClusterState) {
    super(state);
    this.build(state.identities());
  }

  protected nodeOf(identity: LiveIdentity): string {
    return namespaceNodeId(identity.namespace);
  }

  protected draws(): boolean {
    return true;
  }

  protected drawsOwn(): boolean {
    return true;
  }

  protected isEnd(id: string): boolean {
    return id === ANY_POD || id === OUTSIDE;
  }

  protected endNode(id: string): ViewNode | undefined {
    if (id === ANY_POD) return anyNode();
    if (id === OUTSIDE) return outsideNode();
    return undefined;
  }

  /** Every namespace the delta names or that an identity recounted is or was in. */
  protected refreshNodes(delta: Delta | undefined, recounted: ReadonlySet<string>, patch: Patch): void {
    const namespaces = new Set<string>(delta?.namespaces ?? []);
    if (delta === undefined) {
      for (const namespace of this.state.namespacesWithPods()) namespaces.add(namespace);
      for (const namespace of this.state.namespaceObjects()) namespaces.add(namespace);
    }
    for (const identity of delta?.identities.removed ?? []) namespaces.add(identity.namespace);
    for (const key of recounted) {
      const identity = this.state.identity(key);
      if (identity !== undefined) namespaces.add(identity.namespace);
    }
    for (const namespace of namespaces) {
      const exists = this.state.namespaceHasPods(namespace) || this.state.hasNamespaceObject(namespace);
      this.putNode(
        namespaceNodeId(namespace),
        exists ? namespaceNode(this.state, namespace) : undefined,
        patch,
      );
    }
  }
}
