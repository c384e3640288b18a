import { workloadNodeId } from "@trustmap/shared";
import { PortSet } from "../netpol/ports";
import { wirePorts } from "../report/report";
import type { Delta } from "../state/changes";
import type { ClusterState } from "../state/cluster-state";
import { addTo, mapAt, removeFrom } from "../state/multimap";
import type { LiveIdentity } from "../state/netpol-index";
import {
  acceptsAny,
  explicitSources,
  explicitTargets,
  outsidePorts,
  sendsToAny,
  tiersName,
  tiersNameOwn,
} from "./graph";
import { type Grouping, type Groupings, groupNode, workloadPlace } from "./group-node";
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
  /** Where it draws workloads (none for a view of pods). */
  readonly places?: Places | undefined;
}

/** Where a view draws the pods of workloads: what an overlay of connections between workloads is placed by. */
export interface Places {
  /** The node the view draws this identity's pods on. */
  identity(identity: LiveIdentity): string;
  /** The node that stands for every workload of this namespace; undefined when the view draws its workloads apart. */
  namespace(namespace: string): string;
  /** Whether the view draws this namespace's workloads apart (on nodes of their own). */
  drawsApart(namespace: string): boolean;
  /** Whether the view draws a connection between workloads of these namespaces (with "any pod" or outside: of this one). */
  draws(namespaces: readonly string[]): boolean;
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

/**
 * Identities a summed view cannot tell apart: drawn on the same node, isolated by the same
 * policies in each direction, matched by the same peers, with the same named ports. What NetworkPolicy
 * allows from and to an identity depends on nothing else, so every member of a class has the same
 * terms, and the class's terms stand for all of theirs: ports as one member's, pairs as if its pods
 * were one identity's. A namespace whose policies admit all of its own workloads is one class
 * there, not a term per pair of its thousands of workloads.
 */
interface Class {
  readonly key: string;
  /** The node its terms are drawn on. */
  readonly node: string;
  /** Its identities' keys. */
  readonly members: Set<string>;
  /** Its pods, as last counted: the terms are counted with this. */
  pods: number;
  /** Whether the view forgets it when it has no terms (see `forgettable`). */
  readonly forgettable: boolean;
}

/** The ports of the terms an edge sums, each distinct port set counted once per term. */
interface EdgeSum {
  /** The edge's id, "<source>-><target>". */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  pairs: number;
  readonly ports: Map<string, { readonly ports: PortSet; count: number }>;
  /** How many of its terms an admin or baseline policy's rule names. */
  tiers: number;
  /** The edge as last drawn. */
  edge: ViewEdge | undefined;
}

/** A class's edges to and from "any pod" and "outside": accepts any, in from outside, sends to any, out to outside. */
/** An identity class's terms with "any pod" and "outside" (in, in, out, out), and which of them a cluster-wide policy's rule names. */
type OwnTerms = readonly [PortSet, PortSet, PortSet, PortSet, readonly boolean[]];

interface Patch {
  readonly putNodes: Map<string, ViewNode>;
  readonly removeNodes: Set<string>;
  readonly putEdges: Map<string, ViewEdge>;
  readonly removeEdges: Set<string>;
}

function serials(
  items: ReadonlySet<{ readonly serial: number }> | readonly { readonly serial: number }[],
): string {
  const size = "size" in items ? items.size : items.length;
  if (size === 0) return "";
  if (size === 1) return String(items.values().next().value!.serial);
  return [...items]
    .map((item) => item.serial)
    .sort((a, b) => a - b)
    .join(",");
}

function namedPortsText(identity: LiveIdentity): string {
  if (identity.namedPorts.size === 0) return "";
  return [...identity.namedPorts]
    .map(([name, ports]) => `${name}=${ports.key()}`)
    .sort()
    .join(",");
}

/**
 * A view whose edges sum terms: one per pair of classes of identities an explicit rule connects
 * (with the ports allowed between them), and one per class to or from "any pod" and "outside".
 * Each class is drawn on one node (its namespace in the overview, its identity in its namespace's
 * view). Each term is kept, with the port sets of each edge counted, so an event takes away and
 * adds back the terms of the classes it touched: a new identity costs its class's sources and
 * destinations, not a recount of every destination it reaches.
 */
abstract class SummedView implements View {
  revision = 0;
  /** Classes by key, and the class of each identity the view has met. */
  private readonly classes = new Map<string, Class>();
  private readonly classOf = new Map<string, Class>();
  /** Drawn explicit terms by destination class, then source class, with their ports. */
  private readonly sourcesOf = new Map<string, Map<string, PortSet>>();
  /** The same terms by source: the destination classes each class reaches. */
  private readonly targetsOf = new Map<string, Set<string>>();
  private readonly own = new Map<string, OwnTerms>();
  /** The explicit terms ("source class\u0000destination class") an admin or baseline policy's rule names. */
  private readonly tieredTerms = new Set<string>();
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

  /**
   * The key of the class an identity belongs in as it is now: by default its node and what its
   * terms depend on. A view that draws each identity on a node of its own keys each alone.
   */
  protected classKey(identity: LiveIdentity, node: string): string {
    return `${node}\u0000${serials(identity.ingressPolicies)}\u0000${serials(identity.egressPolicies)}\u0000${serials(identity.ingressTiers)}\u0000${serials(identity.egressTiers)}\u0000${serials(identity.matchedBy)}\u0000${namedPortsText(identity)}`;
  }

  /**
   * Whether an identity's class is forgotten when it has no terms left. A view that meets only some
   * of the cluster's identities forgets those it keys alone; classes of several identities are
   * kept with all their members, as an identity joining a class that has terms would change the
   * pods those terms were counted with.
   */
  protected forgettable(_identity: LiveIdentity): boolean {
    return false;
  }

  /** The class an identity belongs in as it is now, made when it is the first. */
  private classFor(identity: LiveIdentity): Class {
    const node = this.nodeOf(identity);
    const key = this.classKey(identity, node);
    let found = this.classes.get(key);
    if (found === undefined) {
      found = { key, node, members: new Set(), pods: 0, forgettable: this.forgettable(identity) };
      this.classes.set(key, found);
    }
    return found;
  }

  /** The class the view holds an identity in; an identity met for the first time joins its class. */
  private classOfIdentity(identity: LiveIdentity, met: Set<Class>): Class {
    const known = this.classOf.get(identity.key);
    if (known !== undefined) return known;
    const found = this.classFor(identity);
    found.members.add(identity.key);
    found.pods += identity.pods.size;
    this.classOf.set(identity.key, found);
    met.add(found);
    return found;
  }

  /** Forgets the forgettable classes of these that are left without terms. */
  private forgetIdle(classes: Iterable<Class>): void {
    for (const found of classes) {
      if (!found.forgettable) continue;
      if (this.own.has(found.key) || this.sourcesOf.has(found.key) || this.targetsOf.has(found.key)) continue;
      if (this.classes.get(found.key) !== found) continue;
      this.classes.delete(found.key);
      for (const key of found.members) this.classOf.delete(key);
    }
  }

  /** One identity of a class, whose rules and peers are every member's. */
  private representative(found: Class): LiveIdentity | undefined {
    for (const key of found.members) {
      const identity = this.state.identity(key);
      if (identity !== undefined) return identity;
    }
    return undefined;
  }

  /** Draws the terms of these identities' classes (as sources and destinations) and the nodes. */
  protected build(identities: Iterable<LiveIdentity>): void {
    const touched = new Set<EdgeSum>();
    const recounted = new Set<string>();
    const met = new Set<Class>();
    for (const identity of identities) {
      recounted.add(identity.key);
      this.classOfIdentity(identity, met);
    }
    for (const found of [...met]) {
      const identity = this.representative(found);
      if (identity === undefined) continue;
      this.addTerms(found, identity, true, true, touched, met);
      if (this.drawsOwn(identity)) this.addOwn(found, identity, touched);
    }
    this.forgetIdle(met);
    const patch = emptyPatch();
    for (const sum of touched) this.refreshEdge(sum, patch);
    this.refreshNodes(undefined, recounted, patch);
  }

  /** Adds a class's explicit terms as a destination and (or) as a source; `identity` is one of its members. */
  private addTerms(
    found: Class,
    identity: LiveIdentity,
    asDestination: boolean,
    asSource: boolean,
    touched: Set<EdgeSum>,
    met: Set<Class>,
  ): void {
    if (asDestination) {
      for (const source of explicitSources(identity)) {
        if (!this.draws(source, identity)) continue;
        this.addExplicit(this.classOfIdentity(source, met), source, found, identity, touched);
      }
    }
    if (asSource) {
      for (const destination of explicitTargets(identity)) {
        if (!this.draws(identity, destination)) continue;
        this.addExplicit(found, identity, this.classOfIdentity(destination, met), destination, touched);
      }
    }
  }

  /**
   * Takes away the terms the delta may have changed (counted with the pod counts they were added
   * with), moves the identities whose rules or peers changed to their classes, counts the pods
   * again, then adds the terms back as they are now. Classes whose members or whose rules or
   * peers changed have their terms recomputed; classes whose members only gained or lost pods
   * keep their ports and change their pair counts.
   */
  update(delta: Delta): ViewPatch | undefined {
    if (!this.concerns(delta)) return undefined;
    const { added, removed, resized: resizedIdentities } = delta.identities;
    const { touched: touchedIdentities, ingressDirty, egressDirty } = delta.edges;
    const recountedIdentities = new Set<string>();
    for (const list of [added, removed, touchedIdentities, ingressDirty, egressDirty, resizedIdentities])
      for (const identity of list) recountedIdentities.add(identity.key);

    // The classes each identity of the delta was in and is in now; identities that changed class
    // move, and both classes are recomputed whole.
    const before = new Map<string, Class | undefined>();
    const after = new Map<string, Class | undefined>();
    const changedEnds = new Set<Class>();
    for (const key of recountedIdentities) {
      const was = this.classOf.get(key);
      const identity = this.state.identity(key);
      const now = identity === undefined ? undefined : this.classFor(identity);
      before.set(key, was);
      after.set(key, now);
      if (was === now) continue;
      if (was !== undefined) {
        was.members.delete(key);
        this.classOf.delete(key);
        changedEnds.add(was);
      }
      if (now !== undefined) {
        now.members.add(key);
        this.classOf.set(key, now);
        changedEnds.add(now);
      }
    }
    const classesOf = (identities: readonly LiveIdentity[], into: Set<Class>) => {
      for (const identity of identities) {
        const was = before.get(identity.key);
        const now = after.get(identity.key);
        if (was !== undefined) into.add(was);
        if (now !== undefined) into.add(now);
      }
    };
    for (const list of [added, removed, touchedIdentities]) classesOf(list, changedEnds);
    // Destinations whose sources are recounted (their ingress or the peers they are in changed),
    // and sources whose destinations are.
    const destinations = new Set(changedEnds);
    classesOf(ingressDirty, destinations);
    const sources = new Set(changedEnds);
    classesOf(egressDirty, sources);
    const resized = new Set<Class>();
    classesOf(resizedIdentities, resized);
    const recounted = new Set([...destinations, ...sources, ...resized]);
    const touched = new Set<EdgeSum>();
    const kept: [Class, Class, PortSet, boolean][] = [];
    /** Classes that lost a term or were met: forgotten at the end if the view forgets idle ones and they have none left. */
    const loose = new Set<Class>(recounted);

    for (const d of destinations)
      for (const s of [...(this.sourcesOf.get(d.key)?.keys() ?? [])])
        this.removeExplicit(s, d.key, touched, loose);
    for (const s of sources)
      for (const d of [...(this.targetsOf.get(s.key) ?? [])]) this.removeExplicit(s.key, d, touched, loose);
    for (const found of resized) {
      for (const [s, ports] of [...(this.sourcesOf.get(found.key) ?? [])]) {
        const tiers = this.tieredTerms.has(`${s}\u0000${found.key}`);
        this.removeExplicit(s, found.key, touched, loose);
        kept.push([this.classes.get(s)!, found, ports, tiers]);
      }
      for (const d of [...(this.targetsOf.get(found.key) ?? [])]) {
        const tiers = this.tieredTerms.has(`${found.key}\u0000${d}`);
        kept.push([found, this.classes.get(d)!, this.sourcesOf.get(d)!.get(found.key)!, tiers]);
        this.removeExplicit(found.key, d, touched, loose);
      }
    }
    for (const found of recounted) this.removeOwn(found, touched);

    for (const found of recounted) {
      if (found.members.size === 0) {
        this.classes.delete(found.key);
        continue;
      }
      let pods = 0;
      for (const key of found.members) pods += this.state.identity(key)?.pods.size ?? 0;
      found.pods = pods;
    }

    for (const [s, d, ports, tiers] of kept) {
      if (s.members.size > 0 && d.members.size > 0) this.addTerm(s, d, ports, touched, tiers);
    }
    for (const found of recounted) {
      const identity = found.members.size === 0 ? undefined : this.representative(found);
      if (identity === undefined) continue;
      this.addTerms(found, identity, destinations.has(found), sources.has(found), touched, loose);
      if (this.drawsOwn(identity)) this.addOwn(found, identity, touched);
    }
    this.forgetIdle(loose);

    const patch = emptyPatch();
    for (const sum of touched) this.refreshEdge(sum, patch);
    this.refreshNodes(delta, recountedIdentities, patch);
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

  /** Pairs of distinct pods between two classes, as last counted: a class's pods pair as one identity's. */
  private pairs(source: Class, destination: Class): number {
    return source === destination ? source.pods * (source.pods - 1) : source.pods * destination.pods;
  }

  private addExplicit(
    from: Class,
    source: LiveIdentity,
    to: Class,
    destination: LiveIdentity,
    touched: Set<EdgeSum>,
  ): void {
    if (this.sourcesOf.get(to.key)?.has(from.key)) return;
    const ports = this.state.allowed(source, destination);
    if (!ports.isEmpty()) this.addTerm(from, to, ports, touched, tiersName(source, destination));
  }

  private addTerm(from: Class, to: Class, ports: PortSet, touched: Set<EdgeSum>, tiers: boolean): void {
    if (tiers) this.tieredTerms.add(`${from.key}\u0000${to.key}`);
    const shared = this.addToSum(from.node, to.node, ports, this.pairs(from, to), touched, tiers);
    let sources = this.sourcesOf.get(to.key);
    if (sources === undefined) {
      sources = new Map();
      this.sourcesOf.set(to.key, sources);
    }
    sources.set(from.key, shared);
    let targets = this.targetsOf.get(from.key);
    if (targets === undefined) {
      targets = new Set();
      this.targetsOf.set(from.key, targets);
    }
    targets.add(to.key);
  }

  private removeExplicit(
    source: string,
    destination: string,
    touched: Set<EdgeSum>,
    loose: Set<Class>,
  ): void {
    const sources = this.sourcesOf.get(destination)!;
    const ports = sources.get(source)!;
    sources.delete(source);
    if (sources.size === 0) this.sourcesOf.delete(destination);
    const targets = this.targetsOf.get(source)!;
    targets.delete(destination);
    if (targets.size === 0) this.targetsOf.delete(source);
    const from = this.classes.get(source)!;
    const to = this.classes.get(destination)!;
    const tiers = this.tieredTerms.delete(`${source}\u0000${destination}`);
    this.removeFromSum(from.node, to.node, ports, this.pairs(from, to), touched, tiers);
    loose.add(from);
    loose.add(to);
  }

  private addOwn(found: Class, identity: LiveIdentity, touched: Set<EdgeSum>): void {
    const { node, pods } = found;
    const tiers = [
      tiersNameOwn(identity, "any", "ingress"),
      tiersNameOwn(identity, "outside", "ingress"),
      tiersNameOwn(identity, "any", "egress"),
      tiersNameOwn(identity, "outside", "egress"),
    ];
    const terms: OwnTerms = [
      this.addToSum(ANY_POD, node, acceptsAny(identity), pods, touched, tiers[0]),
      this.addToSum(OUTSIDE, node, outsidePorts(this.state, identity, "ingress"), pods, touched, tiers[1]),
      this.addToSum(node, ANY_POD, sendsToAny(identity), pods, touched, tiers[2]),
      this.addToSum(node, OUTSIDE, outsidePorts(this.state, identity, "egress"), pods, touched, tiers[3]),
      tiers,
    ];
    this.own.set(found.key, terms);
  }

  private removeOwn(found: Class, touched: Set<EdgeSum>): void {
    const terms = this.own.get(found.key);
    if (terms === undefined) return;
    this.own.delete(found.key);
    const { node, pods } = found;
    const tiers = terms[4];
    this.removeFromSum(ANY_POD, node, terms[0], pods, touched, tiers[0]);
    this.removeFromSum(OUTSIDE, node, terms[1], pods, touched, tiers[1]);
    this.removeFromSum(node, ANY_POD, terms[2], pods, touched, tiers[2]);
    this.removeFromSum(node, OUTSIDE, terms[3], pods, touched, tiers[3]);
  }

  /** Adds a term to its edge; returns the edge's copy of the ports, which the term keeps. */
  private addToSum(
    source: string,
    target: string,
    ports: PortSet,
    pairs: number,
    touched: Set<EdgeSum>,
    tiers = false,
  ): PortSet {
    if (ports.isEmpty()) return ports;
    const bySource = mapAt(this.sums, source);
    let sum = bySource.get(target);
    if (sum === undefined) {
      sum = {
        id: `${source}->${target}`,
        source,
        target,
        pairs: 0,
        ports: new Map(),
        tiers: 0,
        edge: undefined,
      };
      bySource.set(target, sum);
    }
    sum.pairs += pairs;
    if (tiers) sum.tiers++;
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
    tiers = false,
  ): void {
    if (ports.isEmpty()) return;
    const sum = this.sums.get(source)!.get(target)!;
    sum.pairs -= pairs;
    if (tiers) sum.tiers--;
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
      ...(sum.tiers > 0 ? { tiers: true as const } : {}),
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
 * the events of the rest of the cluster pass it by. With a grouping of its workloads by a pod
 * label, the identities of a closed group are drawn on the group's node (their terms summed by
 * class there, never pair by pair), and those of an open group on their own nodes, marked with
 * their group; every group has its node, summed from its members'.
 */
export class NamespaceView extends SummedView {
  /** The namespaces around this one drawn as nodes, by node id. */
  private readonly namespaceOfNode = new Map<string, string>();
  /** With a grouping: each own identity's node as last drawn, and the identities of each group, by group node id. */
  private readonly memberNodes = new Map<string, ViewNode>();
  private readonly groupMembers = new Map<string, Set<string>>();
  private readonly groupOfMember = new Map<string, string>();
  private readonly groupings: Groupings | undefined;

  constructor(
    state: ClusterState,
    readonly namespace: string,
    workloads?: Grouping,
  ) {
    super(state);
    this.groupings = workloads === undefined ? undefined : { workloads: { ...workloads, namespace } };
    this.build(state.identitiesIn(namespace));
  }

  /** The group node an own identity belongs to, and whether it is open; undefined without a grouping. */
  private placeOf(identity: LiveIdentity): { id: string; open: boolean } | undefined {
    const workloads = this.groupings?.workloads;
    return workloads === undefined ? undefined : workloadPlace(workloads, identity.labels);
  }

  protected nodeOf(identity: LiveIdentity): string {
    const id = this.places.identity(identity);
    if (identity.namespace !== this.namespace) this.namespaceOfNode.set(id, identity.namespace);
    return id;
  }

  readonly places: Places = {
    identity: (identity) => {
      if (identity.namespace !== this.namespace) return namespaceNodeId(identity.namespace);
      const place = this.placeOf(identity);
      return place === undefined || place.open ? identityNodeId(identity) : place.id;
    },
    namespace: (namespace) => namespaceNodeId(namespace),
    drawsApart: (namespace) => namespace === this.namespace,
    draws: (namespaces) => namespaces.includes(this.namespace),
  };

  protected draws(source: LiveIdentity, destination: LiveIdentity): boolean {
    return source.namespace === this.namespace || destination.namespace === this.namespace;
  }

  /**
   * Each identity alone, but for the identities of a closed group of this namespace: classed by
   * what their terms depend on, so a group of thousands admitted to each other is one term.
   */
  protected override classKey(identity: LiveIdentity, node: string): string {
    if (identity.namespace === this.namespace && node !== identityNodeId(identity))
      return super.classKey(identity, node);
    return `${node}\u0000${identity.key}`;
  }

  /** The identities of other namespaces: the view meets only those its own identities reach. */
  protected override forgettable(identity: LiveIdentity): boolean {
    return identity.namespace !== this.namespace;
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
   * them when the namespace object itself changed), their groups, and the namespaces drawn around it.
   */
  protected refreshNodes(delta: Delta | undefined, recounted: ReadonlySet<string>, patch: Patch): void {
    const identities = new Set(recounted);
    for (const identity of delta?.identities.renamed ?? []) identities.add(identity.key);
    for (const key of delta?.marked ?? []) identities.add(key);
    const namespaces = new Set(delta?.namespaces ?? []);
    if (delta === undefined || delta.namespaceObjects.includes(this.namespace))
      for (const identity of this.state.identitiesIn(this.namespace)) identities.add(identity.key);
    const groups = new Set<string>();
    for (const key of identities) {
      const identity = this.state.identity(key);
      const id = workloadNodeId(key);
      if (identity !== undefined && identity.namespace !== this.namespace) {
        namespaces.add(identity.namespace);
        continue;
      }
      const node = identity === undefined ? undefined : identityNode(this.state, identity);
      const place = identity === undefined ? undefined : this.placeOf(identity);
      if (place === undefined) this.putNode(id, node, patch);
      else this.putNode(id, place.open ? { ...node!, group: place.id } : undefined, patch);
      if (this.groupings !== undefined) this.fileMember(key, node, place?.id, groups);
    }
    for (const group of groups) {
      const members = this.groupMembers.get(group);
      this.putNode(
        group,
        members === undefined
          ? undefined
          : groupNode(
              group,
              this.groupings!,
              [...members].map((key) => this.memberNodes.get(key)!),
            ),
        patch,
      );
    }
    for (const identity of delta?.identities.removed ?? []) namespaces.add(identity.namespace);
    for (const key of recounted) {
      const identity = this.state.identity(key);
      if (identity !== undefined) namespaces.add(identity.namespace);
    }
    for (const namespace of namespaces) {
      if (namespace === this.namespace) continue;
      const id = namespaceNodeId(namespace);
      if (this.isDrawnEnd(id)) this.putNode(id, namespaceNode(this.state, namespace), patch);
    }
  }

  /** Files an own identity's node under its group (none: it is gone); the groups it touched are added to `groups`. */
  private fileMember(
    key: string,
    node: ViewNode | undefined,
    group: string | undefined,
    groups: Set<string>,
  ): void {
    const before = this.groupOfMember.get(key);
    if (before !== undefined) {
      removeFrom(this.groupMembers, before, key);
      this.groupOfMember.delete(key);
      this.memberNodes.delete(key);
      groups.add(before);
    }
    if (group !== undefined && node !== undefined) {
      addTo(this.groupMembers, group, key);
      this.groupOfMember.set(key, group);
      this.memberNodes.set(key, node);
      groups.add(group);
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

  readonly places: Places = {
    identity: (identity) => namespaceNodeId(identity.namespace),
    namespace: (namespace) => namespaceNodeId(namespace),
    drawsApart: () => false,
    draws: () => true,
  };

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
