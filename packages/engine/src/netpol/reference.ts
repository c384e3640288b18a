import type {
  Cluster,
  ClusterNetworkPolicy,
  ClusterPeer,
  ClusterPolicyRule,
  Namespace,
  NetworkPolicy,
  NetworkPolicyRule,
  Peer,
  Pod,
  PolicyPort,
} from "../objects/model";
import { compareClusterPolicies, podKey } from "../objects/model";
import { selectorMatches } from "../selectors/labelSelector";
import { addressPieces } from "../state/netpol-index";
import { type Cidr, cidrContains, parseCidr } from "./cidr";
import { PortSet } from "./ports";
import {
  type Connectivity,
  type Direction,
  type ExternalAccess,
  mergeExternal,
  type PodConnection,
  WORLD_CIDRS,
} from "./result";

// The reference evaluator: the networking.k8s.io/v1 NetworkPolicy reference read literally,
// one pair of pods at a time. It is slow on purpose and shares nothing with the fast engine
// but the label selector and the port set; property tests hold the fast engine to it.

export function referenceConnectivity(cluster: Cluster): Connectivity {
  const namespaces = new Map(cluster.namespaces.map((ns) => [ns.name, ns]));
  const connections: PodConnection[] = [];
  for (const from of cluster.pods) {
    for (const to of cluster.pods) {
      if (from === to) continue;
      const ports = referenceAllowed(cluster, namespaces, from, to);
      if (!ports.isEmpty()) connections.push({ from: podKey(from), to: podKey(to), ports });
    }
  }
  const external: ExternalAccess[] = [];
  for (const pod of cluster.pods) {
    external.push(
      ...referenceExternal(cluster, pod, "ingress"),
      ...referenceExternal(cluster, pod, "egress"),
    );
  }
  return { connections, external: mergeExternal(external) };
}

/** The ports on which `from` may open a connection to `to`: its egress AND the destination's ingress must allow it. */
export function referenceAllowed(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  from: Pod,
  to: Pod,
): PortSet {
  const egress = sideAllowed(cluster, namespaces, from, "egress", to, to);
  if (egress.isEmpty()) return egress;
  return egress.intersect(sideAllowed(cluster, namespaces, to, "ingress", from, to));
}

/**
 * What `subject`'s side allows for traffic with `peer` (a pod, or an address outside the cluster),
 * tier by tier as the policy API orders them:
 * 1. the admin tier: AdminNetworkPolicies and Admin ClusterNetworkPolicies whose subject holds the
 *    pod, lowest priority first, each one's rules in the order written; the first rule that
 *    matches a port decides it: Allow, Deny, or Pass (on to the next tier);
 * 2. NetworkPolicy: when some NetworkPolicy of the pod's namespace selects it for this direction,
 *    it decides every port left: allowed when a rule of those policies allows it, else denied;
 * 3. the baseline tier (BaselineAdminNetworkPolicy, Baseline ClusterNetworkPolicies), as the admin
 *    tier; a port no tier decided is allowed.
 */
function sideAllowed(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  subject: Pod,
  direction: Direction,
  peer: ReferencePeer,
  destination: Pod | undefined,
): PortSet {
  return referenceDecide(cluster, namespaces, subject, direction, peer, destination).ports;
}

/** The other end, read literally: a pod, a block of addresses outside the cluster, or "any pod" (one no selector of its own names). */
export type ReferencePeer = Pod | Cidr | "any";

/** A side's answer with its reasons: the NetworkPolicy rules that allowed some port, and every tier's decisions, as text. */
export interface ReferenceDecision {
  readonly ports: PortSet;
  /** "namespace/name direction index" of the NetworkPolicy rules that allowed a port the tiers left to them. */
  readonly rules: readonly string[];
  /** "tier policy rule action ports" in the order decided ("default allow ports" for what no tier decided). */
  readonly decisions: readonly string[];
}

export function referenceDecide(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  subject: Pod,
  direction: Direction,
  peer: ReferencePeer,
  destination: Pod | undefined,
): ReferenceDecision {
  const tiered = (cluster.clusterPolicies ?? [])
    .filter((policy) => subjectHolds(policy, subject, namespaces))
    .sort(compareClusterPolicies);
  const rules: string[] = [];
  const decisions: string[] = [];
  let undecided = PortSet.ALL;
  let allowed = PortSet.NONE;
  for (const tier of ["admin", "baseline"] as const) {
    if (tier === "baseline" && isolatingPolicies(cluster, subject, direction).length > 0) {
      const np = networkPolicyAllowed(
        cluster,
        namespaces,
        subject,
        direction,
        peer,
        destination,
        undecided,
        rules,
      );
      for (const rule of rules) decisions.push(`networkpolicy ${rule} allow`);
      const rest = undecided.minus(np);
      if (!rest.isEmpty()) decisions.push(`networkpolicy isolated ${rest.key()}`);
      return { ports: allowed.union(np), rules, decisions };
    }
    let passed = PortSet.NONE;
    for (const policy of tiered.filter((p) => p.tier === tier)) {
      const list = direction === "ingress" ? policy.ingress : policy.egress;
      list.forEach((rule, index) => {
        if (!rule.peers.some((candidate) => clusterPeerMatches(candidate, peer, namespaces))) return;
        const ports = clusterRulePorts(rule, destination).intersect(undecided);
        if (ports.isEmpty()) return;
        undecided = undecided.minus(ports);
        if (rule.action === "allow") allowed = allowed.union(ports);
        if (rule.action === "pass") passed = passed.union(ports);
        decisions.push(`${tier} ${policy.kind}/${policy.name} ${index} ${rule.action} ${ports.key()}`);
      });
    }
    undecided = undecided.union(passed);
  }
  if (!undecided.isEmpty()) decisions.push(`default allow ${undecided.key()}`);
  return { ports: allowed.union(undecided), rules, decisions };
}

/**
 * The NetworkPolicy tier, for the ports `within` the tiers above left to it: the union of the ports
 * of the isolating policies' rules that match the peer (their names pushed on `rules`).
 */
function networkPolicyAllowed(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  subject: Pod,
  direction: Direction,
  peer: ReferencePeer,
  destination: Pod | undefined,
  within: PortSet,
  rules: string[],
): PortSet {
  let allowed = PortSet.NONE;
  for (const policy of isolatingPolicies(cluster, subject, direction)) {
    (direction === "ingress" ? policy.ingress : policy.egress).forEach((rule, index) => {
      const matches =
        peer === "any"
          ? rule.peers.length === 0
          : isAddress(peer)
            ? ruleMatchesAddress(rule, peer)
            : ruleMatchesPod(rule, policy, peer, namespaces);
      if (!matches) return;
      const ports = rulePorts(rule.ports, destination).intersect(within);
      if (ports.isEmpty()) return;
      allowed = allowed.union(ports);
      rules.push(`${policy.namespace}/${policy.name} ${direction} ${index}`);
    });
  }
  return allowed;
}

function isAddress(peer: ReferencePeer): peer is Cidr {
  return peer !== "any" && (peer as Cidr).prefix !== undefined;
}

/** A NetworkPolicy rule and a block of addresses: no peers matches all; an ipBlock holds the block unless an except does. */
function ruleMatchesAddress(rule: NetworkPolicyRule, block: Cidr): boolean {
  if (rule.peers.length === 0) return true;
  return rule.peers.some(
    (peer) =>
      peer.type === "ipBlock" &&
      cidrContains(parseCidrOrThrow(peer.cidr), block) &&
      !peer.except.some((except) => cidrContains(parseCidrOrThrow(except), block)),
  );
}

function isEmptySelector(selector: { matchLabels: object; matchExpressions: readonly unknown[] }): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

function parseCidrOrThrow(text: string): Cidr {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`not a CIDR: ${text}`);
  return parsed;
}

function namespaceLabelsOf(namespaces: ReadonlyMap<string, Namespace>, name: string) {
  return namespaces.get(name)?.labels ?? { "kubernetes.io/metadata.name": name };
}

/** The subject: pods of the namespaces `namespaceSelector` selects, and (written as `pods`) that `podSelector` selects. */
function subjectHolds(
  policy: ClusterNetworkPolicy,
  pod: Pod,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  const { namespaceSelector, podSelector } = policy.subject;
  if (!selectorMatches(namespaceSelector, namespaceLabelsOf(namespaces, pod.namespace))) return false;
  return podSelector === undefined || selectorMatches(podSelector, pod.labels);
}

/**
 * A cluster-wide policy's peer and the other end. `namespaces` and `pods` select pods only;
 * `networks` holds an address block inside one of its CIDRs, and every pod when a CIDR is a whole
 * address family (the API: traffic between pods is checked against networks too; Trustmap holds no
 * pod addresses, so only a whole family is known to hold them); `nodes` and `domainNames` name
 * addresses Trustmap does not hold and match nothing it can place.
 */
function clusterPeerMatches(
  peer: ClusterPeer,
  other: ReferencePeer,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  if (other === "any") {
    // Any pod: a peer whose selectors are all empty, or a network of a whole address family.
    if (peer.type === "namespaces") return isEmptySelector(peer.namespaceSelector);
    if (peer.type === "pods")
      return isEmptySelector(peer.namespaceSelector) && isEmptySelector(peer.podSelector);
    return peer.type === "networks" && peer.cidrs.some((text) => parseCidrOrThrow(text).prefix === 0);
  }
  if (isAddress(other)) {
    return peer.type === "networks" && peer.cidrs.some((text) => cidrContains(parseCidrOrThrow(text), other));
  }
  switch (peer.type) {
    case "namespaces":
      return selectorMatches(peer.namespaceSelector, namespaceLabelsOf(namespaces, other.namespace));
    case "pods":
      return (
        selectorMatches(peer.namespaceSelector, namespaceLabelsOf(namespaces, other.namespace)) &&
        selectorMatches(peer.podSelector, other.labels)
      );
    case "networks":
      return peer.cidrs.some((text) => parseCidrOrThrow(text).prefix === 0);
    default:
      return false;
  }
}

/** A cluster-wide rule's ports: unset is every port; a named port is the destination's container ports of that name, whatever their protocol. */
function clusterRulePorts(rule: ClusterPolicyRule, destination: Pod | undefined): PortSet {
  if (rule.ports === undefined) return PortSet.ALL;
  let ports = PortSet.NONE;
  for (const port of rule.ports) {
    if (port.type === "number") {
      ports = ports.union(PortSet.of(port.protocol, port.from, port.to));
      continue;
    }
    for (const containerPort of destination?.ports ?? []) {
      if (containerPort.name === port.name)
        ports = ports.union(
          PortSet.of(containerPort.protocol, containerPort.containerPort, containerPort.containerPort),
        );
    }
  }
  return ports;
}

function isolatingPolicies(cluster: Cluster, pod: Pod, direction: Direction): NetworkPolicy[] {
  return cluster.networkPolicies.filter(
    (policy) =>
      policy.namespace === pod.namespace &&
      (direction === "ingress" ? policy.affectsIngress : policy.affectsEgress) &&
      selectorMatches(policy.podSelector, pod.labels),
  );
}

/** An empty from/to list matches every peer; otherwise the peers are ORed. */
function ruleMatchesPod(
  rule: NetworkPolicyRule,
  policy: NetworkPolicy,
  pod: Pod,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  if (rule.peers.length === 0) return true;
  return rule.peers.some((peer) => peerMatchesPod(peer, policy, pod, namespaces));
}

function peerMatchesPod(
  peer: Peer,
  policy: NetworkPolicy,
  pod: Pod,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  // ipBlock describes addresses outside the cluster; it never selects pods.
  if (peer.type === "ipBlock") return false;
  if (peer.namespaceSelector === undefined) {
    // podSelector alone: pods of the policy's own namespace.
    if (pod.namespace !== policy.namespace) return false;
  } else {
    const namespace = namespaces.get(pod.namespace);
    const labels = namespace?.labels ?? { "kubernetes.io/metadata.name": pod.namespace };
    if (!selectorMatches(peer.namespaceSelector, labels)) return false;
  }
  // namespaceSelector alone: every pod of the selected namespaces; both: AND.
  return peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels);
}

/**
 * The ports a rule's port list allows on `destination`. An empty list allows every port;
 * a named port resolves against the destination pod's container ports with the same protocol,
 * and matches nothing where there is no destination pod (traffic leaving the cluster).
 */
export function rulePorts(ports: readonly PolicyPort[], destination: Pod | undefined): PortSet {
  if (ports.length === 0) return PortSet.ALL;
  let allowed = PortSet.NONE;
  for (const port of ports) {
    if (port.port === undefined) {
      allowed = allowed.union(PortSet.of(port.protocol));
    } else if (typeof port.port === "number") {
      allowed = allowed.union(PortSet.of(port.protocol, port.port, port.endPort ?? port.port));
    } else if (destination !== undefined) {
      for (const containerPort of destination.ports) {
        if (containerPort.name === port.port && containerPort.protocol === port.protocol) {
          allowed = allowed.union(
            PortSet.of(port.protocol, containerPort.containerPort, containerPort.containerPort),
          );
        }
      }
    }
  }
  return allowed;
}

/** Whether a cluster-wide policy with rules in this direction holds the pod in its subject. */
function tiersApply(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  pod: Pod,
  direction: Direction,
): boolean {
  return (cluster.clusterPolicies ?? []).some(
    (policy) =>
      (direction === "ingress" ? policy.ingress : policy.egress).length > 0 &&
      subjectHolds(policy, pod, namespaces),
  );
}

/** Every block of addresses a side's rules name (ipBlocks with their excepts, networks), and the whole space. */
function sideBlocks(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  pod: Pod,
  direction: Direction,
): string[] {
  const blocks: string[] = [...WORLD_CIDRS];
  for (const policy of isolatingPolicies(cluster, pod, direction))
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress)
      for (const p of rule.peers) if (p.type === "ipBlock") blocks.push(p.cidr, ...p.except);
  for (const policy of cluster.clusterPolicies ?? [])
    if (subjectHolds(policy, pod, namespaces))
      for (const rule of direction === "ingress" ? policy.ingress : policy.egress)
        for (const p of rule.peers) if (p.type === "networks") blocks.push(...p.cidrs);
  return blocks;
}

function referenceExternal(cluster: Cluster, pod: Pod, direction: Direction): ExternalAccess[] {
  const key = podKey(pod);
  const policies = isolatingPolicies(cluster, pod, direction);
  const namespaces = new Map(cluster.namespaces.map((ns) => [ns.name, ns]));
  if (direction === "egress" && tiersApply(cluster, namespaces, pod, direction)) {
    // Cut the address space at every block the side's rules name, and decide each piece.
    return addressPieces(sideBlocks(cluster, namespaces, pod, direction)).map((piece) => ({
      pod: key,
      direction,
      cidr: piece.text,
      except: piece.except,
      ports: sideAllowed(cluster, namespaces, pod, direction, piece.cidr, undefined),
    }));
  }
  if (policies.length === 0) {
    return WORLD_CIDRS.map((cidr) => ({ pod: key, direction, cidr, except: [], ports: PortSet.ALL }));
  }
  const out: ExternalAccess[] = [];
  // Ingress ports name the pod's own ports; egress ports name ports outside the cluster.
  const destination = direction === "ingress" ? pod : undefined;
  for (const policy of policies) {
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress) {
      const ports = rulePorts(rule.ports, destination);
      if (rule.peers.length === 0) {
        for (const cidr of WORLD_CIDRS) out.push({ pod: key, direction, cidr, except: [], ports });
      }
      for (const peer of rule.peers) {
        if (peer.type === "ipBlock")
          out.push({ pod: key, direction, cidr: peer.cidr, except: peer.except, ports });
      }
    }
  }
  return out;
}

/** What one side decides for a pair, read literally: the policies isolating it, the rules that allow, and the tiers' decisions. */
export interface ReferenceSide {
  readonly isolated: boolean;
  /** "namespace/name", sorted. */
  readonly policies: readonly string[];
  /** "namespace/name direction index" of every NetworkPolicy rule that allows the peer some port the tiers left to it, sorted. */
  readonly rules: readonly string[];
  readonly ports: PortSet;
  /** The tiers' decisions in order, where a cluster-wide policy's subject holds the pod (empty otherwise). */
  readonly decisions: readonly string[];
}

/**
 * One side, for a pod, for "any pod", or for "outside" (every address outside the cluster: with
 * cluster-wide policies, the address space cut at the blocks the side's rules name, each piece
 * decided; without, the rules that name no peer or some ipBlock).
 */
export function referenceSide(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  subject: Pod,
  direction: Direction,
  peer: Pod | "any" | "outside",
  destination: Pod | undefined,
): ReferenceSide {
  const policies = isolatingPolicies(cluster, subject, direction);
  const names = policies.map((p) => `${p.namespace}/${p.name}`).sort();
  const isolated = policies.length > 0;
  const tiered = tiersApply(cluster, namespaces, subject, direction);
  if (peer !== "outside") {
    const decided = referenceDecide(cluster, namespaces, subject, direction, peer, destination);
    return {
      isolated,
      policies: names,
      rules: [...new Set(decided.rules)].sort(),
      ports: decided.ports,
      decisions: tiered ? [...decided.decisions] : [],
    };
  }
  if (!tiered) {
    if (!isolated) return { isolated, policies: [], rules: [], ports: PortSet.ALL, decisions: [] };
    const rules: string[] = [];
    let ports = PortSet.NONE;
    for (const policy of policies) {
      (direction === "ingress" ? policy.ingress : policy.egress).forEach((rule, index) => {
        if (rule.peers.length > 0 && !rule.peers.some((p) => p.type === "ipBlock")) return;
        const allowed = rulePorts(rule.ports, destination);
        if (allowed.isEmpty()) return;
        ports = ports.union(allowed);
        rules.push(`${policy.namespace}/${policy.name} ${direction} ${index}`);
      });
    }
    return { isolated, policies: names, rules: rules.sort(), ports, decisions: [] };
  }
  const blocks = sideBlocks(cluster, namespaces, subject, direction);
  let ports = PortSet.NONE;
  const rules = new Set<string>();
  const decisions: string[] = [];
  for (const piece of addressPieces(blocks)) {
    const decided = referenceDecide(cluster, namespaces, subject, direction, piece.cidr, destination);
    ports = ports.union(decided.ports);
    for (const rule of decided.rules) rules.add(rule);
    const where = piece.except.length === 0 ? piece.text : `${piece.text} except ${piece.except.join(", ")}`;
    for (const decision of decided.decisions) decisions.push(`${where}: ${decision}`);
  }
  return { isolated, policies: names, rules: [...rules].sort(), ports, decisions };
}
