import type {
  Cluster,
  Namespace,
  NetworkPolicy,
  NetworkPolicyRule,
  Peer,
  Pod,
  PolicyPort,
} from "../objects/model";
import { podKey } from "../objects/model";
import { selectorMatches } from "../selectors/labelSelector";
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
 * What the policies isolating `subject` in `direction` allow for traffic with `peer`.
 * A pod is isolated for a direction when any policy in its namespace selects it and lists that
 * policy type; then only what some rule of those policies allows is allowed.
 */
function sideAllowed(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  subject: Pod,
  direction: Direction,
  peer: Pod,
  destination: Pod,
): PortSet {
  const policies = isolatingPolicies(cluster, subject, direction);
  if (policies.length === 0) return PortSet.ALL;
  let allowed = PortSet.NONE;
  for (const policy of policies) {
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress) {
      if (!ruleMatchesPod(rule, policy, peer, namespaces)) continue;
      allowed = allowed.union(rulePorts(rule.ports, destination));
    }
  }
  return allowed;
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

function referenceExternal(cluster: Cluster, pod: Pod, direction: Direction): ExternalAccess[] {
  const key = podKey(pod);
  const policies = isolatingPolicies(cluster, pod, direction);
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

/** What one side decides for a pair, read literally: the policies isolating it and the rules that allow. */
export interface ReferenceSide {
  readonly isolated: boolean;
  /** "namespace/name", sorted. */
  readonly policies: readonly string[];
  /** "namespace/name direction index" of every rule that matches the peer with some port. */
  readonly rules: readonly string[];
  readonly ports: PortSet;
}

export function referenceSide(
  cluster: Cluster,
  namespaces: ReadonlyMap<string, Namespace>,
  subject: Pod,
  direction: Direction,
  peer: Pod | undefined,
  destination: Pod | undefined,
  ruleMatches: (rule: NetworkPolicyRule, policy: NetworkPolicy) => boolean = (rule, policy) =>
    peer !== undefined && ruleMatchesPod(rule, policy, peer, namespaces),
): ReferenceSide {
  const policies = isolatingPolicies(cluster, subject, direction);
  if (policies.length === 0) return { isolated: false, policies: [], rules: [], ports: PortSet.ALL };
  const rules: string[] = [];
  let ports = PortSet.NONE;
  for (const policy of policies) {
    (direction === "ingress" ? policy.ingress : policy.egress).forEach((rule, index) => {
      if (!ruleMatches(rule, policy)) return;
      const allowed = rulePorts(rule.ports, destination);
      if (allowed.isEmpty()) return;
      ports = ports.union(allowed);
      rules.push(`${policy.namespace}/${policy.name} ${direction} ${index}`);
    });
  }
  const names = policies.map((p) => `${p.namespace}/${p.name}`).sort();
  return { isolated: true, policies: names, rules: rules.sort(), ports };
}
