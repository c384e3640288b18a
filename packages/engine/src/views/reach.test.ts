import type { Ports, Reach, ReachPeer } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identityKey } from "../identity/identity";
import { PortSet } from "../netpol/ports";
import { type ReferenceSide, referenceSide } from "../netpol/reference";
import type { Cluster, Namespace, Pod } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { wirePorts } from "../report/report";
import { ClusterState } from "../state/cluster-state";
import { networkCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { identitiesOfNode } from "./explain";
import { reachOf } from "./reach";
import { identityNodeId, namespaceNodeId } from "./scoped";

// The reach answer held to a literal reading: every ordered pair of distinct pods, one of them
// a pod of the node, evaluated by the reference evaluator and grouped by the pods' identities.

interface ReferenceEntry {
  ports: PortSet;
  egress: ReferenceSide | null;
  ingress: ReferenceSide | null;
}

function sideText(side: ReferenceSide | null) {
  if (side === null) return null;
  return { isolated: side.isolated, policies: side.policies, rules: side.rules, decisions: side.decisions };
}

function engineSideText(side: ReachPeer["egress"]) {
  if (side === null) return null;
  return {
    isolated: side.isolated,
    policies: [...side.policies].sort(),
    rules: side.allowedBy.map((r) => `${r.policy} ${r.direction} ${r.rule}`).sort(),
    decisions: (side.decidedBy ?? []).map(decisionText),
  };
}

/** Wire ports as a port set's key. */
function portsKey(ports: Ports): string {
  if (ports === "all") return PortSet.ALL.key();
  let set = PortSet.NONE;
  for (const p of ports) set = set.union(PortSet.of(p.protocol, p.port ?? 1, p.endPort ?? p.port ?? 65535));
  return set.key();
}

/** A tier's decision as the reference writes it. */
function decisionText(
  d: NonNullable<ReachPeer["egress"]>["decidedBy"] extends (infer T)[] | undefined ? T : never,
): string {
  const where = d.addresses === undefined ? "" : `${d.addresses}: `;
  const ports = portsKey(d.ports);
  if (d.tier === "default") return `${where}default allow ${ports}`;
  if (d.action === "isolated") return `${where}networkpolicy isolated ${ports}`;
  if (d.tier === "networkpolicy") return `${where}networkpolicy ${d.policy} ${d.direction} ${d.rule} allow`;
  return `${where}${d.tier} ${d.policy} ${d.rule} ${d.action} ${ports}`;
}

/** Keyed "peer → self": peer is an identity key, "any" or "outside"; self an identity key of the node. */
function referenceReach(cluster: Cluster, nodePods: readonly Pod[], direction: "in" | "out") {
  const namespaces = new Map<string, Namespace>(cluster.namespaces.map((ns) => [ns.name, ns]));
  const out = new Map<string, ReferenceEntry>();
  const add = (key: string, entry: ReferenceEntry) => {
    const earlier = out.get(key);
    out.set(key, earlier === undefined ? entry : { ...earlier, ports: earlier.ports.union(entry.ports) });
  };
  for (const self of nodePods) {
    for (const peer of cluster.pods) {
      if (peer === self) continue;
      const [from, to] = direction === "in" ? [peer, self] : [self, peer];
      const egress = referenceSide(cluster, namespaces, from, "egress", to, to);
      const ingress = referenceSide(cluster, namespaces, to, "ingress", from, to);
      add(`${identityKey(peer)} → ${identityKey(self)}`, {
        ports: egress.ports.intersect(ingress.ports),
        egress,
        ingress,
      });
    }
    const side = direction === "in" ? "ingress" : "egress";
    // Traffic with any pod (one no selector of its own names), and with addresses outside the cluster.
    const any = referenceSide(cluster, namespaces, self, side, "any", side === "ingress" ? self : undefined);
    const outside = referenceSide(
      cluster,
      namespaces,
      self,
      side,
      "outside",
      side === "ingress" ? self : undefined,
    );
    for (const [other, decided] of [
      ["any", any],
      ["outside", outside],
    ] as const) {
      add(`${other} → ${identityKey(self)}`, {
        ports: decided.ports,
        egress: side === "egress" ? decided : null,
        ingress: side === "ingress" ? decided : null,
      });
    }
  }
  return out;
}

function comparableReference(reference: Map<string, ReferenceEntry>) {
  return [...reference.entries()]
    .map(([key, e]) => ({
      key,
      ports: e.ports.isEmpty() ? null : JSON.stringify(wirePorts(e.ports)),
      egress: sideText(e.egress),
      ingress: sideText(e.ingress),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function comparableAnswer(state: ClusterState, answer: Reach) {
  const keyOf = (end: ReachPeer["peer"]) =>
    end.kind === "identity" ? identitiesOfNode(state, end.node)[0]!.key : end.kind;
  return answer.peers
    .map((p) => ({
      key: `${keyOf(p.peer)} → ${keyOf(p.self)}`,
      ports: p.ports === null ? null : JSON.stringify(p.ports),
      egress: engineSideText(p.egress),
      ingress: engineSideText(p.ingress),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

describe("reachability of a node", () => {
  it("equals the reference evaluator pair by pair, with each side's policies and rules, and pages with true totals", () => {
    let allowedSeen = 0;
    let blockedSeen = 0;
    let hiddenSeen = 0;
    fc.assert(
      fc.property(
        networkCluster,
        fc.nat(),
        fc.constantFrom("in" as const, "out" as const),
        fc.boolean(),
        fc.nat({ max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.subarray(["ns0", "ns1", "ns2", "ns3"]),
        (objects, pick, direction, byNamespace, offset, limit, others) => {
          const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
          if (cluster.pods.length === 0) return;
          const state = ClusterState.from(cluster);
          const chosen = cluster.pods[pick % cluster.pods.length]!;
          const node = byNamespace
            ? namespaceNodeId(chosen.namespace)
            : identityNodeId(state.netpol.identityOf(chosen)!);
          const nodePods = cluster.pods.filter((pod) =>
            byNamespace ? pod.namespace === chosen.namespace : identityKey(pod) === identityKey(chosen),
          );
          const question = { node, direction, blocked: true, offset: 0, limit: 1_000_000 };
          const answer = reachOf(state, question)!;
          const reference = comparableReference(referenceReach(cluster, nodePods, direction));
          expect(comparableAnswer(state, answer)).toEqual(reference);
          const allowed = reference.filter((r) => r.ports !== null).length;
          expect(answer.allowedTotal).toBe(allowed);
          expect(answer.blockedTotal).toBe(reference.length - allowed);
          expect(answer.total).toBe(reference.length);
          // Allowed peers come first; without `blocked`, only they are listed.
          expect(answer.peers.slice(0, allowed).every((p) => p.ports !== null)).toBe(true);
          const allowedOnly = reachOf(state, { ...question, blocked: false })!;
          expect(allowedOnly.total).toBe(allowed);
          expect(allowedOnly.peers).toEqual(answer.peers.slice(0, allowed));
          // A page is the same slice of the whole list.
          const page = reachOf(state, { ...question, offset, limit })!;
          expect(page.total).toBe(answer.total);
          expect(page.peers).toEqual(answer.peers.slice(offset, offset + limit));
          // A reader of some namespaces (the node's among them) gets the peers of those, and "any
          // pod" and outside: the same entries, in the same order, with the totals of what is left.
          const readable = new Set([chosen.namespace, ...others]);
          const narrowed = reachOf(state, { ...question, readable })!;
          const kept = answer.peers.filter(
            (p) => p.peer.kind !== "identity" || readable.has(p.peer.namespace ?? ""),
          );
          expect(narrowed.peers).toEqual(kept);
          expect(narrowed.total).toBe(kept.length);
          expect(narrowed.allowedTotal).toBe(kept.filter((p) => p.ports !== null).length);
          allowedSeen += allowed;
          blockedSeen += reference.length - allowed;
          hiddenSeen += answer.peers.length - kept.length;
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    expect(allowedSeen).toBeGreaterThan(0);
    expect(blockedSeen).toBeGreaterThan(0);
    expect(hiddenSeen).toBeGreaterThan(0);
  });

  it("answers nothing for a node that does not exist", () => {
    const state = ClusterState.from(parseCluster([]).cluster);
    expect(
      reachOf(state, {
        node: namespaceNodeId("none"),
        direction: "in",
        blocked: false,
        offset: 0,
        limit: 10,
      }),
    ).toBeUndefined();
  });
});
