import { PortSet } from "../netpol/ports";
import type { ClusterState } from "../state/cluster-state";
import { ANY_PEER, ClusterRuleState, decideSide, type LiveIdentity, RuleState } from "../state/netpol-index";

// The identity graph the views draw, held compactly: explicit edges exist only where a rule
// names its peer (S is matched by a peer of an ingress rule of D, or D by a peer of an egress
// rule of S) and the pair is allowed; a pod that accepts (or sends to) any pod gets one edge
// from (or to) the "any pod" node instead of one edge per pod; traffic with addresses outside
// the cluster goes to or from the "outside" node.

/**
 * Identities that name D as a peer: ingress rules of D's NetworkPolicies and cluster-wide policies,
 * and egress rules (of either) that match D. A cluster-wide Deny rule's peers are not among them:
 * the graph sums what is allowed, and a pair only a Deny names gains nothing of its own (it is
 * drawn through "any pod", marked as decided with the tiers; its explanation is exact). Enumerating
 * them would cost a pair per denied identity, for nothing the sum can show.
 */
export function explicitSources(d: LiveIdentity): Set<LiveIdentity> {
  const out = new Set<LiveIdentity>();
  for (const policy of d.ingressPolicies) {
    for (const rule of policy.ingress)
      for (const peer of rule.peers) for (const s of peer.matched) out.add(s);
  }
  for (const policy of d.ingressTiers) {
    for (const rule of policy.ingress)
      if (rule.action !== "deny") for (const peer of rule.peers) for (const s of peer.matched) out.add(s);
  }
  for (const peer of d.matchedBy) {
    for (const rule of peer.users.keys()) {
      if (rule instanceof RuleState) {
        if (rule.direction !== "egress") continue;
        for (const s of rule.policy.selected) if (s.egressPolicies.has(rule.policy)) out.add(s);
      } else if (rule instanceof ClusterRuleState && rule.direction === "egress" && rule.action !== "deny") {
        for (const s of rule.policy.subject.matched) out.add(s);
      }
    }
  }
  return out;
}

/** Identities that S names as a peer, or that name S as a peer of their ingress. */
export function explicitTargets(s: LiveIdentity): Set<LiveIdentity> {
  const out = new Set<LiveIdentity>();
  for (const policy of s.egressPolicies) {
    for (const rule of policy.egress) for (const peer of rule.peers) for (const d of peer.matched) out.add(d);
  }
  for (const policy of s.egressTiers) {
    for (const rule of policy.egress)
      if (rule.action !== "deny") for (const peer of rule.peers) for (const d of peer.matched) out.add(d);
  }
  for (const peer of s.matchedBy) {
    for (const rule of peer.users.keys()) {
      if (rule instanceof RuleState) {
        if (rule.direction !== "ingress") continue;
        for (const d of rule.policy.selected) if (d.ingressPolicies.has(rule.policy)) out.add(d);
      } else if (rule instanceof ClusterRuleState && rule.direction === "ingress" && rule.action !== "deny") {
        for (const d of rule.policy.subject.matched) out.add(d);
      }
    }
  }
  return out;
}

/** How many ordered pairs of distinct pods an identity edge stands for. */
export function podPairs(s: LiveIdentity, d: LiveIdentity): number {
  return s === d ? s.pods.size * (s.pods.size - 1) : s.pods.size * d.pods.size;
}

/**
 * The ports on which D accepts any pod no rule names by a selector of its own, when that pod's own
 * egress allows it (every port when nothing restricts D). A pod a rule does name has an edge of its own.
 */
export function acceptsAny(d: LiveIdentity): PortSet {
  if (d.ingressTiers.length > 0) return decideSide(d, "ingress", ANY_PEER, d);
  if (d.ingressPolicies.size === 0) return PortSet.ALL;
  let ports = PortSet.NONE;
  for (const policy of d.ingressPolicies) {
    for (const rule of policy.ingress) if (rule.matchesAll) ports = ports.union(rule.portsOn(d));
  }
  return ports;
}

/** The ports on which S may send to any pod whose ingress allows it; named ports depend on the destination and are left out. */
export function sendsToAny(s: LiveIdentity): PortSet {
  if (s.egressTiers.length > 0) return decideSide(s, "egress", ANY_PEER, undefined);
  if (s.egressPolicies.size === 0) return PortSet.ALL;
  let ports = PortSet.NONE;
  for (const policy of s.egressPolicies) {
    for (const rule of policy.egress) if (rule.matchesAll) ports = ports.union(rule.fixedPorts);
  }
  return ports;
}

/** The ports of all traffic between an identity and addresses outside the cluster, in one direction. */
export function outsidePorts(
  state: ClusterState,
  identity: LiveIdentity,
  direction: "ingress" | "egress",
): PortSet {
  let ports = PortSet.NONE;
  for (const access of state.netpol.external(identity, direction)) ports = ports.union(access.ports);
  return ports;
}

/**
 * Whether an admin or baseline policy's rule names this pair of identities: a rule of S's egress
 * tiers whose peers match D, or of D's ingress tiers whose peers match S. The graph marks such
 * edges: a cluster-wide policy takes part in deciding them.
 */
export function tiersName(s: LiveIdentity, d: LiveIdentity): boolean {
  for (const policy of s.egressTiers) for (const rule of policy.egress) if (rule.matches(d)) return true;
  for (const policy of d.ingressTiers) for (const rule of policy.ingress) if (rule.matches(s)) return true;
  return false;
}

/**
 * The same for an identity's traffic with "any pod" (a rule for every pod, or a Deny rule: the pods
 * it names are drawn through "any pod" too) or with outside the cluster (an egress rule naming
 * networks; ingress rules of the tiers never name addresses).
 */
export function tiersNameOwn(
  identity: LiveIdentity,
  other: "any" | "outside",
  direction: "ingress" | "egress",
): boolean {
  const policies = direction === "ingress" ? identity.ingressTiers : identity.egressTiers;
  for (const policy of policies)
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress)
      if (other === "any" ? rule.matchesAllPods || rule.action === "deny" : rule.networks.length > 0)
        return true;
  return false;
}
