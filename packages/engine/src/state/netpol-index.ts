import { identityKey, namedPortKey } from "../identity/identity";
import { IdentityNames } from "../identity/names";
import { PortSet } from "../netpol/ports";
import type { Direction, ExternalAccess } from "../netpol/result";
import { WORLD_CIDRS } from "../netpol/result";
import type {
  LabelSelector,
  Labels,
  NetworkPolicy,
  NetworkPolicyRule,
  Pod,
  Protocol,
} from "../objects/model";
import { selectorMatches } from "../selectors/labelSelector";
import type { Changes } from "./changes";
import { addTo, removeFrom } from "./multimap";

const NO_PEERS: readonly PeerState[] = [];
const NO_SELECTORS: RuleState["selectorPeers"] = [];
const NO_BLOCKS: RuleState["ipBlocks"] = [];
const NO_NAMED_PORTS: RuleState["namedPorts"] = [];
const NO_NAMED_PORT_SETS: ReadonlyMap<string, PortSet> = new Map();
const NO_POLICY_STATES: ReadonlySet<PolicyState> = new Set();
const NO_PEER_STATES: ReadonlySet<PeerState> = new Set();

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

/**
 * A peer selector and the identities it matches, shared by every rule that spells it the same
 * way (the same podSelector, and the same namespaceSelector or policy namespace): a hundred
 * default-deny policies allowing DNS hold one set of matches, not a hundred.
 */
export class PeerState {
  /** Unique for the life of the engine. */
  readonly serial = nextSerial++;
  readonly matched = new Set<LiveIdentity>();
  /** The rules using this peer, with how many times each lists it. */
  readonly users = new Map<RuleState, number>();
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
  }

  private removeMatch(peer: PeerState, identity: LiveIdentity, changes: Changes): void {
    if (!peer.matched.delete(identity)) return;
    (identity.matchedBy as Set<PeerState>).delete(peer);
    changes.touched.add(identity);
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
    rule: RuleState,
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

  private releasePeer(peer: PeerState, rule: RuleState, changes: Changes): void {
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
    if (from.egressPolicies.size === 0) return PortSet.ALL;
    let ports = PortSet.NONE;
    for (const policy of from.egressPolicies) {
      for (const rule of policy.egress) if (rule.matches(to)) ports = ports.union(rule.portsOn(to));
    }
    return ports;
  }

  ingressAllowed(to: LiveIdentity, from: LiveIdentity): PortSet {
    if (to.ingressPolicies.size === 0) return PortSet.ALL;
    let ports = PortSet.NONE;
    for (const policy of to.ingressPolicies) {
      for (const rule of policy.ingress) if (rule.matches(from)) ports = ports.union(rule.portsOn(to));
    }
    return ports;
  }

  /** What pods of `identity` may exchange with addresses outside the cluster. */
  external(identity: LiveIdentity, direction: Direction): Omit<ExternalAccess, "pod">[] {
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
