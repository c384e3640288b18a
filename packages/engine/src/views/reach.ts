import type { Reach, ReachDirection, ReachPeer } from "@trustmap/shared";
import type { Direction } from "../netpol/result";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { explainIdentities, explainOpen, identitiesOfNode } from "./explain";
import { identityLabel, identityNodeId } from "./scoped";
import { ANY_POD, OUTSIDE } from "./view";

// Reachability as a question: who can reach a node (inbound) and what it can reach (outbound),
// workload by workload. Every identity of the cluster is a candidate peer, so the answer holds
// peers no rule names (a destination that accepts anything is reached by every pod whose own
// egress allows it); each listed pair is explained by the same evaluation as an edge of a view,
// which names the policy and rule of each side.

export interface ReachQuestion {
  readonly node: string;
  readonly direction: ReachDirection;
  readonly blocked: boolean;
  readonly offset: number;
  readonly limit: number;
  /** A reader of these namespaces only: peers elsewhere are left out. */
  readonly readable?: ReadonlySet<string>;
}

type End = ReachPeer["peer"];

/** One candidate pair: a peer (an identity, "any pod" or outside) and an identity of the node. */
interface Candidate {
  readonly self: LiveIdentity;
  readonly peer: LiveIdentity | typeof ANY_POD | typeof OUTSIDE;
  readonly allowed: boolean;
}

function identityEnd(identity: LiveIdentity): End {
  return {
    node: identityNodeId(identity),
    kind: "identity",
    label: identityLabel(identity),
    namespace: identity.namespace,
    pods: identity.pods.size,
  };
}

function otherEnd(other: typeof ANY_POD | typeof OUTSIDE): End {
  return other === ANY_POD
    ? { node: ANY_POD, kind: "any", label: "any pod", pods: 0 }
    : { node: OUTSIDE, kind: "outside", label: "outside the cluster", pods: 0 };
}

/** Identities first (by namespace, name, id), then "any pod", then outside; the node's side breaks ties. */
function orderOf(peer: Candidate["peer"], self: LiveIdentity): string {
  const selfPart = `${identityLabel(self)}\u0000${identityNodeId(self)}`;
  if (peer === ANY_POD) return `1\u0000${selfPart}`;
  if (peer === OUTSIDE) return `2\u0000${selfPart}`;
  return `0\u0000${peer.namespace}\u0000${identityLabel(peer)}\u0000${identityNodeId(peer)}\u0000${selfPart}`;
}

/** The pair's source and destination: the peer is the source of inbound traffic. */
function ends(self: LiveIdentity, peer: LiveIdentity, direction: ReachDirection) {
  return direction === "in" ? { from: peer, to: self } : { from: self, to: peer };
}

function candidates(
  state: ClusterState,
  selves: readonly LiveIdentity[],
  direction: ReachDirection,
  readable: ReadonlySet<string> | undefined,
) {
  const out: Candidate[] = [];
  const side: Direction = direction === "in" ? "ingress" : "egress";
  for (const self of selves) {
    for (const peer of state.identities()) {
      if (readable !== undefined && !readable.has(peer.namespace)) continue;
      // A pair needs two distinct pods: an identity of one pod cannot reach itself.
      if (peer === self && self.pods.size < 2) continue;
      const { from, to } = ends(self, peer, direction);
      out.push({ self, peer, allowed: !state.allowed(from, to).isEmpty() });
    }
    for (const other of [ANY_POD, OUTSIDE] as const) {
      const open = explainOpen(identityNodeId(self), self, other, side);
      out.push({ self, peer: other, allowed: open.side.ports !== null });
    }
  }
  return out;
}

function describe(state: ClusterState, candidate: Candidate, direction: ReachDirection): ReachPeer {
  const { self, peer } = candidate;
  if (peer === ANY_POD || peer === OUTSIDE) {
    const side: Direction = direction === "in" ? "ingress" : "egress";
    const open = explainOpen(identityNodeId(self), self, peer, side);
    return {
      peer: otherEnd(peer),
      self: identityEnd(self),
      ports: open.side.ports,
      egress: side === "egress" ? open.side : null,
      ingress: side === "ingress" ? open.side : null,
      summary: open.summary,
    };
  }
  const { from, to } = ends(self, peer, direction);
  const pair = explainIdentities(state, identityNodeId(from), from, identityNodeId(to), to);
  return {
    peer: identityEnd(peer),
    self: identityEnd(self),
    ports: pair.ports,
    egress: pair.egress,
    ingress: pair.ingress,
    summary: pair.summary,
  };
}

function sorted(list: readonly Candidate[]): Candidate[] {
  const keyed = list.map((c) => ({ c, order: orderOf(c.peer, c.self) }));
  keyed.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return keyed.map((k) => k.c);
}

/**
 * Who can reach `node` (in) or what it can reach (out); undefined when no such node exists now.
 * For a reader of some namespaces only, the peers of those namespaces (and "any pod", outside).
 */
export function reachOf(state: ClusterState, question: ReachQuestion): Reach | undefined {
  const selves = identitiesOfNode(state, question.node);
  if (selves.length === 0) return undefined;
  const all = candidates(state, selves, question.direction, question.readable);
  const allowed = sorted(all.filter((c) => c.allowed));
  const blocked = all.filter((c) => !c.allowed);
  // Blocked peers are put in order only when asked for: they are most of a large cluster.
  const list = question.blocked ? [...allowed, ...sorted(blocked)] : allowed;
  return {
    node: question.node,
    direction: question.direction,
    blocked: question.blocked,
    allowedTotal: allowed.length,
    blockedTotal: blocked.length,
    total: list.length,
    offset: question.offset,
    limit: question.limit,
    peers: list
      .slice(question.offset, question.offset + question.limit)
      .map((c) => describe(state, c, question.direction)),
  };
}
