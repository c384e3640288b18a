import { identityKey, namedPortKey } from "../identity/identity";
import { IdentityNames } from "../identity/names";
import { type Cidr, cidrContains, parseCidr } from "../netpol/cidr";
import { PortSet } from "../netpol/ports";
import type { Direction, ExternalAccess } from "../netpol/result";
import { WORLD_CIDRS } from "../netpol/result";
import type {
  ClusterNetworkPolicy,
  ClusterPolicyRule,
  ClusterRuleAction,
  LabelSelector,
  Labels,
  NetworkPolicy,
  NetworkPolicyRule,
  Pod,
  PolicyTier,
  Protocol,
} from "../objects/model";
import { compareClusterPolicies, PROTOCOLS } from "../objects/model";
import { selectorIsEmpty, selectorMatches } from "../selectors/labelSelector";
import type { Changes } from "./changes";
import { addTo, removeFrom } from "./multimap";

const NO_PEERS: readonly PeerState[] = [];
const NO_SELECTORS: RuleState["selectorPeers"] = [];
const NO_BLOCKS: RuleState["ipBlocks"] = [];
const NO_NAMED_PORTS: RuleState["namedPorts"] = [];
const NO_NAMED_PORT_SETS: ReadonlyMap<string, PortSet> = new Map();
const NO_POLICY_STATES: ReadonlySet<PolicyState> = new Set();
const NO_PEER_STATES: ReadonlySet<PeerState> = new Set();
const NO_TIERS: readonly ClusterPolicyState[] = [];

/** Adds to a set that may still be the shared empty one; returns the set to keep. */
function added<T>(set: ReadonlySet<T>, value: T, empty: ReadonlySet<T>): ReadonlySet<T> {
  if (set === empty) return new Set([value]);
  (set as Set<T>).add(value);
  return set;
}

/** Pods NetworkPolicy cannot tell apart (namespace, labels, named ports), kept up to date as pods come and go. */
export class LiveIdentity {
  readonly pods = new Map<string, Pod>();
  /**
   * Policies that select this identity and list Ingress (resp. Egress). Like `matchedBy`, a shared
   * empty set until the first member: most identities are selected by few policies or none.
   */
  ingressPolicies: ReadonlySet<PolicyState> = NO_POLICY_STATES;
  egressPolicies: ReadonlySet<PolicyState> = NO_POLICY_STATES;
  /** Every selector peer (shared by all rules that spell it the same way) that matches this identity. */
  matchedBy: ReadonlySet<PeerState> = NO_PEER_STATES;
  /**
   * Cluster-wide policies whose subject holds this identity and that have ingress (resp. egress)
   * rules, in the order they are evaluated (admin tier by priority, then baseline).
   */
  ingressTiers: readonly ClusterPolicyState[] = NO_TIERS;
  egressTiers: readonly ClusterPolicyState[] = NO_TIERS;
  /** Each label's key, and the label as "key=value" (the form the indexes file it under), in the same order. */
  readonly labelKeys: readonly string[];
  readonly labelStrings: readonly string[];
  /** The name people know it by (`payments-prod/postgres`), kept by the index's IdentityNames. */
  name = "";

  constructor(
    /** Unique for the life of the engine, never reused. */
    readonly index: number,
    readonly key: string,
    readonly namespace: string,
    readonly labels: Labels,
    readonly namedPorts: ReadonlyMap<string, PortSet>,
  ) {
    this.labelKeys = Object.keys(labels);
    this.labelStrings = this.labelKeys.map((key) => `${key}=${labels[key]}`);
  }

  isIsolated(direction: Direction): boolean {
    return (direction === "ingress" ? this.ingressPolicies : this.egressPolicies).size > 0;
  }
}

/** Numbers each policy and peer state for the life of the engine: what views compare identities' rules by. */
let nextSerial = 0;

export class PolicyState {
  /** Unique for the life of the engine: a policy edited is a new state, with a new serial. */
  readonly serial = nextSerial++;
  readonly selected = new Set<LiveIdentity>();
  readonly ingress: RuleState[];
  readonly egress: RuleState[];

  constructor(
    readonly key: string,
    readonly policy: NetworkPolicy,
  ) {
    this.ingress = policy.ingress.map((rule) => new RuleState(this, "ingress", rule));
    this.egress = policy.egress.map((rule) => new RuleState(this, "egress", rule));
  }

  rules(): RuleState[] {
    return [...this.ingress, ...this.egress];
  }
}

export class RuleState {
  readonly matchesAll: boolean;
  /** The rule's selector peers as written; `peers` holds the shared matchers once the index registers the policy. */
  readonly selectorPeers: readonly {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
  }[];
  peers: readonly PeerState[] = NO_PEERS;
  readonly ipBlocks: readonly { readonly cidr: string; readonly except: readonly string[] }[];
  readonly fixedPorts: PortSet;
  readonly namedPorts: readonly { readonly name: string; readonly protocol: Protocol }[];

  constructor(
    readonly policy: PolicyState,
    readonly direction: Direction,
    rule: NetworkPolicyRule,
  ) {
    this.matchesAll = rule.peers.length === 0;
    let blocks = 0;
    for (const peer of rule.peers) if (peer.type === "ipBlock") blocks++;
    // Without ipBlocks the rule's own list is the list of selector peers.
    this.selectorPeers =
      blocks === rule.peers.length
        ? NO_SELECTORS
        : blocks === 0
          ? (rule.peers as RuleState["selectorPeers"])
          : rule.peers.filter((peer) => peer.type !== "ipBlock");
    this.ipBlocks =
      blocks === 0
        ? NO_BLOCKS
        : rule.peers.flatMap((peer) =>
            peer.type === "ipBlock" ? [{ cidr: peer.cidr, except: peer.except }] : [],
          );
    let fixed = rule.ports.length === 0 ? PortSet.ALL : PortSet.NONE;
    const named: { readonly name: string; readonly protocol: Protocol }[] = [];
    for (const port of rule.ports) {
      if (typeof port.port === "string") named.push({ name: port.port, protocol: port.protocol });
      else if (port.port === undefined) fixed = fixed.union(PortSet.of(port.protocol));
      else fixed = fixed.union(PortSet.of(port.protocol, port.port, port.endPort ?? port.port));
    }
    this.namedPorts = named.length === 0 ? NO_NAMED_PORTS : named.slice();
    this.fixedPorts = fixed;
  }

  matches(identity: LiveIdentity): boolean {
    if (this.matchesAll) return true;
    for (const peer of this.peers) if (peer.matched.has(identity)) return true;
    return false;
  }

  private parsedBlocks: readonly { readonly cidr: Cidr; readonly except: readonly Cidr[] }[] | undefined;

  /** Whether the rule matches a pod, any pod (only a rule without peers does), or a block of addresses outside the cluster. */
  matchesPeer(peer: SidePeer): boolean {
    if (peer === ANY_PEER) return this.matchesAll;
    if (peer === OUTSIDE_PEER) return this.matchesAll || this.ipBlocks.length > 0;
    if (peer instanceof LiveIdentity) return this.matches(peer);
    if (this.matchesAll) return true;
    this.parsedBlocks ??= this.ipBlocks.map((block) => ({
      cidr: parseCidr(block.cidr)!,
      except: block.except.map((text) => parseCidr(text)!),
    }));
    for (const block of this.parsedBlocks) {
      if (!cidrContains(block.cidr, peer.cidr)) continue;
      if (block.except.some((except) => cidrContains(except, peer.cidr))) continue;
      return true;
    }
    return false;
  }

  /** The rule's ports on a destination; named ports resolve on it, and match nothing outside the cluster. */
  portsOn(destination: LiveIdentity | undefined): PortSet {
    if (destination === undefined || this.namedPorts.length === 0) return this.fixedPorts;
    let ports = this.fixedPorts;
    for (const named of this.namedPorts) {
      const resolved = destination.namedPorts.get(namedPortKey(named.name, named.protocol));
      if (resolved !== undefined) ports = ports.union(resolved);
    }
    return ports;
  }
}

/** What uses a shared peer: a NetworkPolicy rule, a cluster-wide policy's rule, or its subject. */
export type PeerUser = RuleState | ClusterRuleState | ClusterPolicyState;

/** An address block a side is asked about: every address in `cidr` that no narrower block of the question holds. */
export interface AddressAtom {
  readonly cidr: Cidr;
}

/** A pod no rule names by a selector of its own: what "any pod" stands for. */
export const ANY_PEER = "any" as const;

/**
 * Every address outside the cluster at once, for a side no cluster-wide policy applies to: the
 * NetworkPolicy rules that name no peer or some ipBlock.
 */
export const OUTSIDE_PEER = "outside" as const;

/** The other end a side is asked about: a pod's identity, any pod, or addresses outside the cluster. */
export type SidePeer = LiveIdentity | typeof ANY_PEER | typeof OUTSIDE_PEER | AddressAtom;

/** Why a side allows or denies some ports: the tier, policy and rule that decided them. */
export interface DecisionReason {
  readonly tier: PolicyTier | "networkpolicy" | "default";
  /** "Kind/name" for cluster-wide policies, "namespace/name" for NetworkPolicies; absent for the default. */
  readonly policy?: string;
  /** The rule's index in its direction's list. */
  readonly rule?: number;
  /** The rule's own name, where a cluster-wide policy's rule has one. */
  readonly ruleName?: string;
  /** "isolated": ports no rule of the NetworkPolicies isolating the pod allows. */
  readonly action: ClusterRuleAction | "isolated";
  readonly ports: PortSet;
}

/** A cluster-wide policy compiled against the identities: its subject and its rules' peers are shared peers. */
export class ClusterPolicyState {
  readonly serial = nextSerial++;
  readonly ingress: ClusterRuleState[];
  readonly egress: ClusterRuleState[];
  /** Set when the index registers the policy. */
  subject!: PeerState;

  constructor(
    readonly key: string,
    readonly policy: ClusterNetworkPolicy,
  ) {
    this.ingress = policy.ingress.map((rule, index) => new ClusterRuleState(this, "ingress", index, rule));
    this.egress = policy.egress.map((rule, index) => new ClusterRuleState(this, "egress", index, rule));
  }

  get tier(): PolicyTier {
    return this.policy.tier;
  }

  rules(): ClusterRuleState[] {
    return [...this.ingress, ...this.egress];
  }
}

export class ClusterRuleState {
  /** Some peer matches every pod: `namespaces: {}`, `pods` with both selectors empty, or a network of a whole address family. */
  readonly matchesAllPods: boolean;
  /** The namespaces and pods peers that select some pods only; `peers` holds their shared matchers once registered. */
  readonly selectorPeers: readonly {
    readonly namespaceSelector: LabelSelector;
    readonly podSelector?: LabelSelector;
  }[];
  peers: readonly PeerState[] = NO_PEERS;
  readonly networks: readonly Cidr[];
  readonly fixedPorts: PortSet;
  readonly namedPorts: readonly string[];
  readonly action: ClusterRuleAction;

  constructor(
    readonly policy: ClusterPolicyState,
    readonly direction: Direction,
    readonly index: number,
    readonly rule: ClusterPolicyRule,
  ) {
    this.action = rule.action;
    let all = false;
    const selectors: { namespaceSelector: LabelSelector; podSelector?: LabelSelector }[] = [];
    const networks: Cidr[] = [];
    for (const peer of rule.peers) {
      if (peer.type === "namespaces") {
        if (selectorIsEmpty(peer.namespaceSelector)) all = true;
        else selectors.push({ namespaceSelector: peer.namespaceSelector });
      } else if (peer.type === "pods") {
        if (selectorIsEmpty(peer.namespaceSelector) && selectorIsEmpty(peer.podSelector)) all = true;
        else selectors.push({ namespaceSelector: peer.namespaceSelector, podSelector: peer.podSelector });
      } else if (peer.type === "networks") {
        for (const text of peer.cidrs) {
          const cidr = parseCidr(text)!;
          networks.push(cidr);
          if (cidr.prefix === 0) all = true;
        }
      }
    }
    this.matchesAllPods = all;
    this.selectorPeers = all ? [] : selectors;
    this.networks = networks;
    let fixed = rule.ports === undefined ? PortSet.ALL : PortSet.NONE;
    const named: string[] = [];
    for (const port of rule.ports ?? []) {
      if (port.type === "named") named.push(port.name);
      else fixed = fixed.union(PortSet.of(port.protocol, port.from, port.to));
    }
    this.fixedPorts = fixed;
    this.namedPorts = named;
  }

  get ref(): string {
    return this.policy.key;
  }

  matches(peer: SidePeer): boolean {
    if (peer === ANY_PEER) return this.matchesAllPods;
    if (peer === OUTSIDE_PEER) return this.networks.length > 0;
    if (peer instanceof LiveIdentity) {
      if (this.matchesAllPods) return true;
      for (const shared of this.peers) if (shared.matched.has(peer)) return true;
      return false;
    }
    for (const network of this.networks) if (cidrContains(network, peer.cidr)) return true;
    return false;
  }

  /** The rule's ports on a destination; a named port resolves on it with whatever protocol it is declared with. */
  portsOn(destination: LiveIdentity | undefined): PortSet {
    if (destination === undefined || this.namedPorts.length === 0) return this.fixedPorts;
    let ports = this.fixedPorts;
    for (const name of this.namedPorts) {
      for (const protocol of PROTOCOLS) {
        const resolved = destination.namedPorts.get(namedPortKey(name, protocol));
        if (resolved !== undefined) ports = ports.union(resolved);
      }
    }
    return ports;
  }
}

/**
 * A peer selector and the identities it matches, shared by every rule that spells it the same
 * way (the same podSelector, and the same namespaceSelector or policy namespace): a hundred
 * default-deny policies allowing DNS hold one set of matches, not a hundred.
 */
export class PeerState {
  /** Unique for the life of the engine. */
  readonly serial = nextSerial++;
  readonly matched = new Set<LiveIdentity>();
  /** The rules using this peer (and the cluster policies whose subject it is), with how many times each lists it. */
  readonly users = new Map<PeerUser, number>();
  /** Cluster-wide policies whose subject this peer is: its members are selected by them. */
  subjectOf: Set<ClusterPolicyState> | undefined;
  /** For peers with a namespaceSelector: the group of peers sharing it. */
  group: NamespaceSelectorGroup | undefined;

  constructor(
    readonly key: string,
    readonly namespace: string,
    readonly podSelector: LabelSelector | undefined,
    readonly namespaceSelector: LabelSelector | undefined,
  ) {}

  matchesPodLabels(labels: Labels): boolean {
    return this.podSelector === undefined || selectorMatches(this.podSelector, labels);
  }
}

/** The first label a selector requires, for indexing ("key=value"), or undefined when it requires none. */
function indexLabel(selector: LabelSelector | undefined): string | undefined {
  if (selector === undefined) return undefined;
  for (const key of Object.keys(selector.matchLabels)) return `${key}=${selector.matchLabels[key]}`;
  return undefined;
}

/** Peers filed under the first label their podSelector requires, so a new identity only meets peers it could match. */
class PeerIndex {
  readonly byLabel = new Map<string, Set<PeerState>>();
  readonly unlabelled = new Set<PeerState>();
  size = 0;

  add(peer: PeerState): void {
    const label = indexLabel(peer.podSelector);
    if (label === undefined) this.unlabelled.add(peer);
    else addTo(this.byLabel, label, peer);
    this.size++;
  }

  delete(peer: PeerState): void {
    const label = indexLabel(peer.podSelector);
    if (label === undefined) this.unlabelled.delete(peer);
    else removeFrom(this.byLabel, label, peer);
    this.size--;
  }

  *candidates(identity: LiveIdentity): Generator<PeerState> {
    yield* this.unlabelled;
    for (const label of identity.labelStrings) yield* this.byLabel.get(label) ?? [];
  }
}

/** Peers that share one namespaceSelector: it is evaluated once per namespace for all of them. */
class NamespaceSelectorGroup {
  readonly namespaces = new Set<string>();
  readonly peers = new PeerIndex();

  constructor(
    readonly key: string,
    readonly selector: LabelSelector,
  ) {}
}

/**
 * The NetworkPolicy side of the live engine: identities, policies compiled against them, and
 * indexes from namespaces to the peers that can match there, so that an event costs what it
 * touches rather than what the cluster holds.
 */
export class NetpolIndex {
  readonly identities = new Map<string, LiveIdentity>();
  /** The identity of each pod, by "namespace/name". */
  private readonly podIdentity = new Map<string, LiveIdentity>();
  readonly identitiesByNamespace = new Map<string, Set<LiveIdentity>>();
  readonly policies = new Map<string, PolicyState>();
  readonly policiesByNamespace = new Map<string, Set<PolicyState>>();
  /** Cluster-wide policies (admin and baseline tiers), by "Kind/name". */
  readonly clusterPolicies = new Map<string, ClusterPolicyState>();
  /** Every selector peer in use, by how it is written. */
  private readonly peers = new Map<string, PeerState>();
  /** Labels of declared namespaces. */
  private readonly declaredLabels = new Map<string, Labels>();
  /** Peers without namespaceSelector, by the policy's namespace. */
  private readonly localPeers = new Map<string, PeerIndex>();
  /** Peers with a namespaceSelector, grouped by selector, and the groups matching each namespace. */
  private readonly selectorGroups = new Map<string, NamespaceSelectorGroup>();
  private readonly groupsByNamespace = new Map<string, Set<NamespaceSelectorGroup>>();
  /** Known namespaces filed under each of their labels ("key=value"). */
  private readonly namespacesByLabel = new Map<string, Set<string>>();
  /** Identities of every namespace filed under each of their labels ("key=value"). */
  private readonly identitiesWithLabel = new Map<string, Set<LiveIdentity>>();
  /** Identities of each namespace filed under each of their labels ("key=value"). */
  private readonly identitiesByLabel = new Map<string, Map<string, Set<LiveIdentity>>>();
  /**
   * The label keys those two indexes cover: the keys some peer's podSelector is filed under. A key
   * no selector names (pod-template-hash, say) costs no index entry; a key is indexed the first
   * time a selector needs it.
   */
  private readonly indexedKeys = new Set<string>();
  private nextIndex = 0;
  private readonly names = new IdentityNames<LiveIdentity>();

  namespaceLabels(namespace: string): Labels {
    return this.declaredLabels.get(namespace) ?? { "kubernetes.io/metadata.name": namespace };
  }

  /** Namespaces that can matter to a namespaceSelector: declared ones and those with pods. */
  private isKnownNamespace(namespace: string): boolean {
    return this.declaredLabels.has(namespace) || this.identitiesByNamespace.has(namespace);
  }

  // Pods

  /** Files a pod (`podKey` is its "namespace/name") under its identity, creating the identity on first use. */
  addPod(pod: Pod, podKey: string, changes: Changes): LiveIdentity {
    const key = identityKey(pod);
    let identity = this.identities.get(key);
    if (identity === undefined) {
      identity = this.createIdentity(key, pod, changes);
    } else {
      changes.identitiesResized.add(identity);
    }
    identity.pods.set(podKey, pod);
    this.podIdentity.set(podKey, identity);
    this.names.podAdded(identity, pod);
    return identity;
  }

  removePod(podKey: string, changes: Changes): LiveIdentity | undefined {
    const identity = this.podIdentity.get(podKey);
    if (identity === undefined) return undefined;
    this.podIdentity.delete(podKey);
    const pod = identity.pods.get(podKey);
    identity.pods.delete(podKey);
    if (pod !== undefined) this.names.podRemoved(identity, pod);
    if (identity.pods.size === 0) this.deleteIdentity(identity, changes);
    else changes.identitiesResized.add(identity);
    return identity;
  }

  /**
   * The workload an identity's pods belong to, as people name it (`shop/web`, `shop/a + shop/b`):
   * the owners of its pods, without the labels that tell its identities apart, so the identities
   * of one Deployment's revisions are one workload.
   */
  workloadOf(identity: LiveIdentity): string {
    return this.names.ownersNameOf(identity);
  }

  /** Names again the identities whose pods' owners changed since the last call (at each settle). */
  settleNames(changes: Changes): void {
    this.names.flush(changes.identitiesRenamed);
  }

  /** The identity of the pod held under "namespace/name". */
  identityOfKey(podKey: string): LiveIdentity | undefined {
    return this.podIdentity.get(podKey);
  }

  identityOf(pod: Pod): LiveIdentity | undefined {
    return this.podIdentity.get(`${pod.namespace}/${pod.name}`);
  }

  private createIdentity(key: string, pod: Pod, changes: Changes): LiveIdentity {
    const identity = new LiveIdentity(this.nextIndex++, key, pod.namespace, pod.labels, namedPortsOf(pod));
    const newNamespace = !this.isKnownNamespace(pod.namespace);
    this.identities.set(key, identity);
    addTo(this.identitiesByNamespace, pod.namespace, identity);
    this.fileByLabels(identity, true);
    if (newNamespace) {
      this.fileNamespace(pod.namespace, true);
      this.matchNamespaceSelectors(pod.namespace, changes);
    }
    changes.identitiesAdded.add(identity);
    for (const policy of this.policiesByNamespace.get(pod.namespace) ?? []) {
      if (selectorMatches(policy.policy.podSelector, identity.labels)) this.select(policy, identity, changes);
    }
    const local = this.localPeers.get(pod.namespace);
    if (local !== undefined) this.matchCandidates(local, identity, changes);
    for (const group of this.groupsByNamespace.get(pod.namespace) ?? [])
      this.matchCandidates(group.peers, identity, changes);
    return identity;
  }

  private deleteIdentity(identity: LiveIdentity, changes: Changes): void {
    this.identities.delete(identity.key);
    removeFrom(this.identitiesByNamespace, identity.namespace, identity);
    this.fileByLabels(identity, false);
    for (const policy of [...identity.ingressPolicies, ...identity.egressPolicies])
      this.unselect(policy, identity, changes);
    for (const peer of [...identity.matchedBy]) this.removeMatch(peer, identity, changes);
    changes.identitiesRemoved.add(identity);
    if (!this.isKnownNamespace(identity.namespace)) this.forgetNamespace(identity.namespace);
  }

  /** Adds an identity to every peer of an index that matches it. */
  private matchCandidates(index: PeerIndex, identity: LiveIdentity, changes: Changes): void {
    for (const peer of index.unlabelled)
      if (peer.matchesPodLabels(identity.labels)) this.addMatch(peer, identity, changes);
    for (const label of identity.labelStrings) {
      const peers = index.byLabel.get(label);
      if (peers === undefined) continue;
      for (const peer of peers)
        if (peer.matchesPodLabels(identity.labels)) this.addMatch(peer, identity, changes);
    }
  }

  // Selection and peer membership

  private select(policy: PolicyState, identity: LiveIdentity, changes: Changes): void {
    if (policy.selected.size === 0) changes.selectionFlipped.add(policy.key);
    policy.selected.add(identity);
    const wasIngress = identity.isIsolated("ingress");
    const wasEgress = identity.isIsolated("egress");
    if (policy.policy.affectsIngress) {
      identity.ingressPolicies = added(identity.ingressPolicies, policy, NO_POLICY_STATES);
      changes.ingressDirty.add(identity);
    }
    if (policy.policy.affectsEgress) {
      identity.egressPolicies = added(identity.egressPolicies, policy, NO_POLICY_STATES);
      changes.egressDirty.add(identity);
    }
    if (wasIngress !== identity.isIsolated("ingress") || wasEgress !== identity.isIsolated("egress")) {
      changes.isolationFlipped.add(identity);
    }
  }

  private unselect(policy: PolicyState, identity: LiveIdentity, changes: Changes): void {
    policy.selected.delete(identity);
    if (policy.selected.size === 0) changes.selectionFlipped.add(policy.key);
    const wasIngress = identity.isIsolated("ingress");
    const wasEgress = identity.isIsolated("egress");
    if ((identity.ingressPolicies as Set<PolicyState>).delete(policy)) changes.ingressDirty.add(identity);
    if ((identity.egressPolicies as Set<PolicyState>).delete(policy)) changes.egressDirty.add(identity);
    if (wasIngress !== identity.isIsolated("ingress") || wasEgress !== identity.isIsolated("egress")) {
      changes.isolationFlipped.add(identity);
    }
  }

  private addMatch(peer: PeerState, identity: LiveIdentity, changes: Changes): void {
    if (peer.matched.has(identity)) return;
    peer.matched.add(identity);
    identity.matchedBy = added(identity.matchedBy, peer, NO_PEER_STATES);
    changes.touched.add(identity);
    if (peer.subjectOf !== undefined)
      for (const policy of peer.subjectOf) this.selectTiered(policy, identity, true, changes);
  }

  private removeMatch(peer: PeerState, identity: LiveIdentity, changes: Changes): void {
    if (!peer.matched.delete(identity)) return;
    (identity.matchedBy as Set<PeerState>).delete(peer);
    changes.touched.add(identity);
    if (peer.subjectOf !== undefined)
      for (const policy of peer.subjectOf) this.selectTiered(policy, identity, false, changes);
  }

  /** Adds a cluster-wide policy to (or takes it from) an identity's tiers, kept in evaluation order. */
  private selectTiered(
    policy: ClusterPolicyState,
    identity: LiveIdentity,
    add: boolean,
    changes: Changes,
  ): void {
    const restricted = [tiersRestrict(identity, "ingress"), tiersRestrict(identity, "egress")];
    const update = (list: readonly ClusterPolicyState[]): readonly ClusterPolicyState[] => {
      const rest = list.filter((other) => other !== policy);
      if (!add) return rest.length === 0 ? NO_TIERS : rest;
      rest.push(policy);
      return rest.sort((a, b) => compareClusterPolicies(a.policy, b.policy));
    };
    if (policy.ingress.length > 0) {
      identity.ingressTiers = update(identity.ingressTiers);
      changes.ingressDirty.add(identity);
    }
    if (policy.egress.length > 0) {
      identity.egressTiers = update(identity.egressTiers);
      changes.egressDirty.add(identity);
    }
    // Whether a pod is left open to every pod and address (a finding) depends on its tiers too.
    if (
      restricted[0] !== tiersRestrict(identity, "ingress") ||
      restricted[1] !== tiersRestrict(identity, "egress")
    )
      changes.isolationFlipped.add(identity);
  }

  // Cluster-wide policies

  setClusterPolicy(key: string, policy: ClusterNetworkPolicy | undefined, changes: Changes): void {
    const previous = this.clusterPolicies.get(key);
    if (previous !== undefined) this.removeClusterPolicy(previous, changes);
    if (policy !== undefined) this.addClusterPolicy(new ClusterPolicyState(key, policy), changes);
  }

  private addClusterPolicy(state: ClusterPolicyState, changes: Changes): void {
    this.clusterPolicies.set(state.key, state);
    const { namespaceSelector, podSelector } = state.policy.subject;
    const written =
      podSelector === undefined || selectorIsEmpty(podSelector)
        ? { namespaceSelector }
        : { namespaceSelector, podSelector };
    const subject = this.acquirePeer("", written, state, changes);
    state.subject = subject;
    subject.subjectOf ??= new Set();
    subject.subjectOf.add(state);
    for (const identity of subject.matched) this.selectTiered(state, identity, true, changes);
    for (const rule of state.rules()) {
      if (rule.selectorPeers.length > 0)
        rule.peers = rule.selectorPeers.map((peer) => this.acquirePeer("", peer, rule, changes));
    }
  }

  private removeClusterPolicy(state: ClusterPolicyState, changes: Changes): void {
    const subject = state.subject;
    subject.subjectOf?.delete(state);
    if (subject.subjectOf?.size === 0) subject.subjectOf = undefined;
    for (const identity of subject.matched) this.selectTiered(state, identity, false, changes);
    this.releasePeer(subject, state, changes);
    for (const rule of state.rules()) {
      for (const peer of rule.peers) this.releasePeer(peer, rule, changes);
      rule.peers = NO_PEERS;
    }
    this.clusterPolicies.delete(state.key);
  }

  // Policies

  setPolicy(key: string, policy: NetworkPolicy | undefined, changes: Changes): void {
    const previous = this.policies.get(key);
    if (previous !== undefined) this.removePolicy(previous, changes);
    if (policy !== undefined) this.addPolicy(new PolicyState(key, policy), changes);
    changes.policiesTouched.add(key);
    changes.namespacesTouched.add(policy?.namespace ?? previous?.policy.namespace ?? "");
  }

  private addPolicy(state: PolicyState, changes: Changes): void {
    const namespace = state.policy.namespace;
    this.policies.set(state.key, state);
    addTo(this.policiesByNamespace, namespace, state);
    for (const identity of this.identitiesByNamespace.get(namespace) ?? []) {
      if (selectorMatches(state.policy.podSelector, identity.labels)) this.select(state, identity, changes);
    }
    for (const rule of state.rules()) {
      if (rule.selectorPeers.length > 0)
        rule.peers = rule.selectorPeers.map((written) => this.acquirePeer(namespace, written, rule, changes));
    }
  }

  /** The shared peer for a selector as written in a rule of a policy of `namespace`, registered on first use. */
  private acquirePeer(
    namespace: string,
    written: { readonly podSelector?: LabelSelector; readonly namespaceSelector?: LabelSelector },
    rule: PeerUser,
    changes: Changes,
  ): PeerState {
    const pods = written.podSelector === undefined ? "-" : JSON.stringify(written.podSelector);
    const key =
      written.namespaceSelector === undefined
        ? `local\u0000${namespace}\u0000${pods}`
        : `namespaces\u0000${JSON.stringify(written.namespaceSelector)}\u0000${pods}`;
    let peer = this.peers.get(key);
    if (peer === undefined) {
      peer = new PeerState(key, namespace, written.podSelector, written.namespaceSelector);
      this.peers.set(key, peer);
      this.registerPeer(peer, changes);
    }
    peer.users.set(rule, (peer.users.get(rule) ?? 0) + 1);
    return peer;
  }

  private releasePeer(peer: PeerState, rule: PeerUser, changes: Changes): void {
    const uses = (peer.users.get(rule) ?? 1) - 1;
    if (uses > 0) {
      peer.users.set(rule, uses);
      return;
    }
    peer.users.delete(rule);
    if (peer.users.size > 0) return;
    this.peers.delete(peer.key);
    for (const identity of [...peer.matched]) this.removeMatch(peer, identity, changes);
    if (peer.namespaceSelector === undefined) {
      const local = this.localPeers.get(peer.namespace)!;
      local.delete(peer);
      if (local.size === 0) this.localPeers.delete(peer.namespace);
      return;
    }
    const group = peer.group!;
    group.peers.delete(peer);
    if (group.peers.size > 0) return;
    this.selectorGroups.delete(group.key);
    for (const ns of group.namespaces) removeFrom(this.groupsByNamespace, ns, group);
  }

  private registerPeer(peer: PeerState, changes: Changes): void {
    this.indexKeyOf(peer.podSelector);
    if (peer.namespaceSelector === undefined) {
      let local = this.localPeers.get(peer.namespace);
      if (local === undefined) {
        local = new PeerIndex();
        this.localPeers.set(peer.namespace, local);
      }
      local.add(peer);
      this.matchWithin(peer, peer.namespace, changes);
      return;
    }
    const group = this.groupOf(peer.namespaceSelector);
    peer.group = group;
    group.peers.add(peer);
    this.matchAcross(peer, group, changes);
  }

  private groupOf(selector: LabelSelector): NamespaceSelectorGroup {
    const key = JSON.stringify(selector);
    let group = this.selectorGroups.get(key);
    if (group !== undefined) return group;
    group = new NamespaceSelectorGroup(key, selector);
    this.selectorGroups.set(key, group);
    const label = indexLabel(selector);
    const candidates =
      label === undefined ? this.knownNamespaces() : (this.namespacesByLabel.get(label) ?? []);
    for (const ns of candidates) {
      if (!selectorMatches(selector, this.namespaceLabels(ns))) continue;
      group.namespaces.add(ns);
      addTo(this.groupsByNamespace, ns, group);
    }
    return group;
  }

  private removePolicy(state: PolicyState, changes: Changes): void {
    const namespace = state.policy.namespace;
    for (const identity of [...state.selected]) this.unselect(state, identity, changes);
    for (const rule of state.rules()) {
      for (const peer of rule.peers) this.releasePeer(peer, rule, changes);
      rule.peers = NO_PEERS;
    }
    this.policies.delete(state.key);
    removeFrom(this.policiesByNamespace, namespace, state);
    changes.selectionFlipped.add(state.key);
  }

  private matchWithin(peer: PeerState, namespace: string, changes: Changes): void {
    const label = indexLabel(peer.podSelector);
    const candidates =
      label === undefined
        ? this.identitiesByNamespace.get(namespace)
        : this.identitiesByLabel.get(namespace)?.get(label);
    for (const identity of candidates ?? []) {
      if (peer.matchesPodLabels(identity.labels)) this.addMatch(peer, identity, changes);
    }
  }

  /**
   * Matches a peer against the identities of every namespace its group selects, from whichever
   * side is smaller: a selector of all namespaces meets only the identities carrying its pod label.
   */
  private matchAcross(peer: PeerState, group: NamespaceSelectorGroup, changes: Changes): void {
    const label = indexLabel(peer.podSelector);
    const labelled =
      label === undefined ? undefined : (this.identitiesWithLabel.get(label) ?? new Set<LiveIdentity>());
    if (labelled !== undefined && labelled.size < group.namespaces.size) {
      for (const identity of labelled) {
        if (group.namespaces.has(identity.namespace) && peer.matchesPodLabels(identity.labels)) {
          this.addMatch(peer, identity, changes);
        }
      }
      return;
    }
    if (this.identitiesByNamespace.size < group.namespaces.size) {
      for (const ns of this.identitiesByNamespace.keys())
        if (group.namespaces.has(ns)) this.matchWithin(peer, ns, changes);
      return;
    }
    for (const ns of group.namespaces) this.matchWithin(peer, ns, changes);
  }

  private fileByLabels(identity: LiveIdentity, add: boolean): void {
    let byLabel = this.identitiesByLabel.get(identity.namespace);
    for (let i = 0; i < identity.labelKeys.length; i++) {
      if (!this.indexedKeys.has(identity.labelKeys[i]!)) continue;
      const label = identity.labelStrings[i]!;
      if (add) {
        if (byLabel === undefined) {
          byLabel = new Map();
          this.identitiesByLabel.set(identity.namespace, byLabel);
        }
        addTo(this.identitiesWithLabel, label, identity);
        addTo(byLabel, label, identity);
      } else {
        removeFrom(this.identitiesWithLabel, label, identity);
        if (byLabel !== undefined) removeFrom(byLabel, label, identity);
      }
    }
    if (byLabel !== undefined && byLabel.size === 0) this.identitiesByLabel.delete(identity.namespace);
  }

  /** Makes sure identities are indexed under the label key a selector is filed under. */
  private indexKeyOf(selector: LabelSelector | undefined): void {
    if (selector === undefined) return;
    for (const key of Object.keys(selector.matchLabels)) {
      if (this.indexedKeys.has(key)) return;
      this.indexedKeys.add(key);
      for (const identity of this.identities.values()) {
        const value = identity.labels[key];
        if (value === undefined) continue;
        const label = `${key}=${value}`;
        addTo(this.identitiesWithLabel, label, identity);
        let byLabel = this.identitiesByLabel.get(identity.namespace);
        if (byLabel === undefined) {
          byLabel = new Map();
          this.identitiesByLabel.set(identity.namespace, byLabel);
        }
        addTo(byLabel, label, identity);
      }
      return;
    }
  }

  private *knownNamespaces(): Generator<string> {
    yield* this.declaredLabels.keys();
    for (const ns of this.identitiesByNamespace.keys()) if (!this.declaredLabels.has(ns)) yield ns;
  }

  // Namespaces

  setNamespace(name: string, labels: Labels | undefined, changes: Changes): void {
    this.fileNamespace(name, false);
    if (labels === undefined) this.declaredLabels.delete(name);
    else this.declaredLabels.set(name, labels);
    if (this.isKnownNamespace(name)) this.fileNamespace(name, true);
    changes.namespacesTouched.add(name);
    if (this.isKnownNamespace(name)) this.matchNamespaceSelectors(name, changes);
    else this.forgetNamespace(name);
  }

  /** Re-evaluates every namespaceSelector against a namespace whose labels may have changed. */
  private matchNamespaceSelectors(namespace: string, changes: Changes): void {
    const labels = this.namespaceLabels(namespace);
    for (const group of this.selectorGroups.values()) {
      const now = selectorMatches(group.selector, labels);
      if (now === group.namespaces.has(namespace)) continue;
      if (now) {
        group.namespaces.add(namespace);
        addTo(this.groupsByNamespace, namespace, group);
        for (const identity of this.identitiesByNamespace.get(namespace) ?? []) {
          for (const peer of group.peers.candidates(identity)) {
            if (peer.matchesPodLabels(identity.labels)) this.addMatch(peer, identity, changes);
          }
        }
      } else {
        group.namespaces.delete(namespace);
        removeFrom(this.groupsByNamespace, namespace, group);
        for (const identity of this.identitiesByNamespace.get(namespace) ?? []) {
          for (const peer of [...identity.matchedBy]) {
            if (peer.group === group) this.removeMatch(peer, identity, changes);
          }
        }
      }
    }
  }

  private fileNamespace(namespace: string, add: boolean): void {
    const labels = this.namespaceLabels(namespace);
    for (const key of Object.keys(labels)) {
      const label = `${key}=${labels[key]}`;
      if (add) addTo(this.namespacesByLabel, label, namespace);
      else removeFrom(this.namespacesByLabel, label, namespace);
    }
  }

  private forgetNamespace(namespace: string): void {
    this.fileNamespace(namespace, false);
    for (const group of this.groupsByNamespace.get(namespace) ?? []) group.namespaces.delete(namespace);
    this.groupsByNamespace.delete(namespace);
  }

  // Questions

  /** The ports on which a pod of `from` may connect to a different pod of `to`. */
  allowed(from: LiveIdentity, to: LiveIdentity): PortSet {
    const egress = this.egressAllowed(from, to);
    if (egress.isEmpty()) return egress;
    return egress.intersect(this.ingressAllowed(to, from));
  }

  egressAllowed(from: LiveIdentity, to: LiveIdentity): PortSet {
    return decideSide(from, "egress", to, to);
  }

  ingressAllowed(to: LiveIdentity, from: LiveIdentity): PortSet {
    return decideSide(to, "ingress", from, to);
  }

  /** What pods of `identity` may exchange with addresses outside the cluster. */
  external(identity: LiveIdentity, direction: Direction): Omit<ExternalAccess, "pod">[] {
    // Cluster-wide policies' ingress peers are pods only: traffic from outside passes their tiers.
    if (direction === "egress" && identity.egressTiers.length > 0) return externalByBlocks(identity);
    const policies = direction === "ingress" ? identity.ingressPolicies : identity.egressPolicies;
    if (policies.size === 0)
      return WORLD_CIDRS.map((cidr) => ({ direction, cidr, except: [], ports: PortSet.ALL }));
    const destination = direction === "ingress" ? identity : undefined;
    const out: Omit<ExternalAccess, "pod">[] = [];
    for (const policy of policies) {
      for (const rule of direction === "ingress" ? policy.ingress : policy.egress) {
        const ports = rule.portsOn(destination);
        if (rule.matchesAll) for (const cidr of WORLD_CIDRS) out.push({ direction, cidr, except: [], ports });
        for (const block of rule.ipBlocks)
          out.push({ direction, cidr: block.cidr, except: block.except, ports });
      }
    }
    return out;
  }
}

/**
 * What one side decides for traffic with a peer, tier by tier, as the policy API orders them:
 * the admin tier's rules (by priority, each policy's rules in order) allow, deny or pass each
 * port; what none decided, and what was passed, goes to NetworkPolicy, which decides all of it
 * when a NetworkPolicy isolates `self` in this direction; otherwise the baseline tier's rules
 * decide, and what is left is allowed. `destination` is where named ports resolve (undefined:
 * outside the cluster). With `reasons`, each decision is recorded with its tier, policy and rule.
 * The port answer, the views and the explanations all ask this one function.
 */
export function decideSide(
  self: LiveIdentity,
  direction: Direction,
  peer: SidePeer,
  destination: LiveIdentity | undefined,
  reasons?: DecisionReason[],
): PortSet {
  const tiers = direction === "ingress" ? self.ingressTiers : self.egressTiers;
  if (tiers.length === 0 && reasons === undefined)
    return networkPolicySide(self, direction, peer, destination);
  let pending = PortSet.ALL;
  let allowed = PortSet.NONE;
  let index = 0;
  for (const tier of ["admin", "baseline"] as const) {
    if (tier === "baseline") {
      if (pending.isEmpty()) return allowed;
      const policies = direction === "ingress" ? self.ingressPolicies : self.egressPolicies;
      if (policies.size > 0) {
        const allowedHere = networkPolicySide(self, direction, peer, destination, reasons, pending);
        if (reasons !== undefined) {
          const rest = pending.minus(allowedHere);
          if (!rest.isEmpty()) reasons.push({ tier: "networkpolicy", action: "isolated", ports: rest });
        }
        return allowed.union(allowedHere);
      }
    }
    let passed = PortSet.NONE;
    for (; index < tiers.length && tiers[index]!.tier === tier; index++) {
      const policy = tiers[index]!;
      for (const rule of direction === "ingress" ? policy.ingress : policy.egress) {
        if (pending.isEmpty()) break;
        if (!rule.matches(peer)) continue;
        const ports = rule.portsOn(destination).intersect(pending);
        if (ports.isEmpty()) continue;
        pending = pending.minus(ports);
        if (rule.action === "allow") allowed = allowed.union(ports);
        else if (rule.action === "pass") passed = passed.union(ports);
        reasons?.push({
          tier,
          policy: policy.key,
          rule: rule.index,
          ...(rule.rule.name === "" ? {} : { ruleName: rule.rule.name }),
          action: rule.action,
          ports,
        });
      }
    }
    pending = pending.union(passed);
  }
  if (!pending.isEmpty()) reasons?.push({ tier: "default", action: "allow", ports: pending });
  return allowed.union(pending);
}

/**
 * Whether the admin and baseline tiers restrict a side at all: some port of traffic with any pod
 * (one no selector of its own names) or, on egress, with some block of addresses outside the
 * cluster is denied. Where they do not, an identity no NetworkPolicy isolates is open to everything.
 */
export function tiersRestrict(identity: LiveIdentity, direction: Direction): boolean {
  const tiers = direction === "ingress" ? identity.ingressTiers : identity.egressTiers;
  if (tiers.length === 0) return false;
  if (!decideSide(identity, direction, ANY_PEER, direction === "ingress" ? identity : undefined).isAll())
    return true;
  if (direction === "ingress") return false;
  return sidePieces(identity, direction).some(
    (piece) => !decideSide(identity, direction, { cidr: piece.cidr }, undefined).isAll(),
  );
}

/**
 * The NetworkPolicy tier alone: every port when no NetworkPolicy isolates `self` in this direction,
 * else the union of the ports of the rules that match the peer; within `within` when given.
 */
function networkPolicySide(
  self: LiveIdentity,
  direction: Direction,
  peer: SidePeer,
  destination: LiveIdentity | undefined,
  reasons?: DecisionReason[],
  within: PortSet = PortSet.ALL,
): PortSet {
  const policies = direction === "ingress" ? self.ingressPolicies : self.egressPolicies;
  if (policies.size === 0) return within;
  let ports = PortSet.NONE;
  for (const policy of policies) {
    const rules = direction === "ingress" ? policy.ingress : policy.egress;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!rule.matchesPeer(peer)) continue;
      const rulePorts =
        within === PortSet.ALL ? rule.portsOn(destination) : rule.portsOn(destination).intersect(within);
      if (rulePorts.isEmpty()) continue;
      ports = ports.union(rulePorts);
      reasons?.push({
        tier: "networkpolicy",
        policy: `${policy.policy.namespace}/${policy.policy.name}`,
        rule: i,
        action: "allow",
        ports: rulePorts,
      });
    }
  }
  return ports;
}

/**
 * Egress to outside the cluster where cluster-wide policies apply: the address space cut at every
 * block any rule of the side names (NetworkPolicy ipBlocks and their excepts, policies' networks),
 * each piece (a block without the narrower blocks inside it) decided on its own.
 */
function externalByBlocks(identity: LiveIdentity): Omit<ExternalAccess, "pod">[] {
  return sidePieces(identity, "egress").map(({ cidr, text, except }) => ({
    direction: "egress" as const,
    cidr: text,
    except,
    ports: decideSide(identity, "egress", { cidr }, undefined),
  }));
}

/** The pieces of the address space a side's rules tell apart: cut at their ipBlocks, excepts and networks. */
export function sidePieces(identity: LiveIdentity, direction: Direction): ReturnType<typeof addressPieces> {
  const texts: string[] = [...WORLD_CIDRS];
  for (const policy of direction === "ingress" ? identity.ingressPolicies : identity.egressPolicies)
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress)
      for (const block of rule.ipBlocks) texts.push(block.cidr, ...block.except);
  for (const policy of direction === "ingress" ? identity.ingressTiers : identity.egressTiers)
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress)
      for (const peer of rule.rule.peers) if (peer.type === "networks") texts.push(...peer.cidrs);
  return addressPieces(texts);
}

/**
 * The pieces the address space falls into when cut at these blocks: one per distinct block, holding
 * its addresses but those of the narrower blocks inside it (named as its except list, outermost only).
 */
export function addressPieces(texts: readonly string[]): { cidr: Cidr; text: string; except: string[] }[] {
  const blocks = new Map<string, { cidr: Cidr; text: string }>();
  for (const text of texts) {
    const parsed = parseCidr(text);
    if (parsed === undefined) continue;
    const width = parsed.version === 4 ? 32n : 128n;
    const host = width - BigInt(parsed.prefix);
    const network = (parsed.address >> host) << host;
    const key = `${parsed.version}/${network}/${parsed.prefix}`;
    if (!blocks.has(key)) blocks.set(key, { cidr: { ...parsed, address: network }, text });
  }
  const all = [...blocks.values()];
  return all.map(({ cidr, text }) => {
    const inside = all.filter((other) => other.cidr !== cidr && cidrContains(cidr, other.cidr));
    const outermost = inside.filter(
      (candidate) => !inside.some((other) => other !== candidate && cidrContains(other.cidr, candidate.cidr)),
    );
    return { cidr, text, except: outermost.map((other) => other.text).sort() };
  });
}

function namedPortsOf(pod: Pod): ReadonlyMap<string, PortSet> {
  if (!pod.ports.some((port) => port.name !== undefined)) return NO_NAMED_PORT_SETS;
  const out = new Map<string, PortSet>();
  for (const port of pod.ports) {
    if (port.name === undefined) continue;
    const key = namedPortKey(port.name, port.protocol);
    const ports = PortSet.of(port.protocol, port.containerPort, port.containerPort);
    out.set(key, (out.get(key) ?? PortSet.NONE).union(ports));
  }
  return out;
}
