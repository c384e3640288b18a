import {
  decodeNodeId,
  labelValue,
  type OpenExplanation,
  type PairExplanation,
  type Ports,
  workloadKey,
} from "@trustmap/shared";
import { PortSet } from "../netpol/ports";
import type { Direction } from "../netpol/result";
import { podKey } from "../objects/model";
import { wirePorts } from "../report/report";
import type { ClusterState } from "../state/cluster-state";
import {
  ANY_PEER,
  type DecisionReason,
  decideSide,
  LiveIdentity,
  OUTSIDE_PEER,
  type PolicyState,
  type RuleState,
  sidePieces,
} from "../state/netpol-index";
import { groupValue } from "./scoped";
import { ANY_POD, type OUTSIDE } from "./view";

// Why an edge of a view exists, or why two pods cannot talk: which policies select each end,
// which of their rules allow the pair and on which ports. A connection needs the source's
// egress and the destination's ingress to allow it; each side is explained on its own.

type SideExplanation = PairExplanation["egress"];
type RuleReason = SideExplanation["allowedBy"][number];
type EndDescription = PairExplanation["from"];

function portsOrNull(ports: PortSet): Ports | null {
  return ports.isEmpty() ? null : wirePorts(ports);
}

function policyName(policy: PolicyState): string {
  return `${policy.policy.namespace}/${policy.policy.name}`;
}

/** A rule's peers in words, as the explanation and the report's policy appendix print them. */
export function describeRulePeers(rule: RuleState): string {
  if (rule.matchesAll) return "any peer (no from/to)";
  const parts: string[] = [];
  for (const peer of rule.peers) {
    const pods = peer.podSelector === undefined ? "all pods" : `pods ${selectorText(peer.podSelector)}`;
    const where =
      peer.namespaceSelector === undefined
        ? `in ${peer.namespace}`
        : `in namespaces ${selectorText(peer.namespaceSelector)}`;
    parts.push(`${pods} ${where}`);
  }
  for (const block of rule.ipBlocks) {
    parts.push(block.except.length === 0 ? block.cidr : `${block.cidr} except ${block.except.join(", ")}`);
  }
  return parts.join("; ");
}

/** A label selector in words, as explanations and the report's policy appendix print it; "(any)" when empty. */
export function selectorText(selector: {
  matchLabels: Readonly<Record<string, string>>;
  matchExpressions: readonly { key: string; operator: string; values: readonly string[] }[];
}): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions) parts.push(`${e.key} ${e.operator} (${e.values.join(",")})`);
  return parts.length === 0 ? "(any)" : parts.join(",");
}

/**
 * One side of a pair: `self` is the end whose policies decide, `peer` the other end (a pod's
 * identity, any pod, or outside the cluster). The side is evaluated once, by `decideSide`, which
 * records each decision: the NetworkPolicy rules that allow are listed as `allowedBy`, and where a
 * cluster-wide policy applies every decision, tier by tier, is `decidedBy`. Outside the cluster,
 * with cluster-wide policies, each block of addresses the rules tell apart is decided on its own.
 */
function explainSide(
  self: LiveIdentity,
  peer: LiveIdentity | typeof ANY_PEER | typeof OUTSIDE_PEER,
  direction: Direction,
): SideExplanation {
  const policies = direction === "ingress" ? self.ingressPolicies : self.egressPolicies;
  const tiered = (direction === "ingress" ? self.ingressTiers : self.egressTiers).length > 0;
  // Named ports resolve on the destination: on ingress that is `self`, on egress the peer.
  const destination = direction === "ingress" ? self : peer instanceof LiveIdentity ? peer : undefined;
  const decided: { reason: DecisionReason; addresses?: string }[] = [];
  let ports = PortSet.NONE;
  if (peer === OUTSIDE_PEER && tiered) {
    for (const piece of sidePieces(self, direction)) {
      const reasons: DecisionReason[] = [];
      ports = ports.union(decideSide(self, direction, { cidr: piece.cidr }, destination, reasons));
      const addresses =
        piece.except.length === 0 ? piece.text : `${piece.text} except ${piece.except.join(", ")}`;
      for (const reason of reasons) decided.push({ reason, addresses });
    }
  } else {
    const reasons: DecisionReason[] = [];
    ports = decideSide(self, direction, peer, destination, reasons);
    for (const reason of reasons) decided.push({ reason });
  }
  const byRule = new Map<string, RuleReason>();
  for (const { reason } of decided) {
    if (reason.tier !== "networkpolicy" || reason.action !== "allow") continue;
    const key = `${reason.policy} ${reason.rule}`;
    const earlier = byRule.get(key);
    if (earlier !== undefined) {
      byRule.set(key, { ...earlier, ports: wirePorts(portSetOf(earlier.ports).union(reason.ports)) });
      continue;
    }
    const policy = [...policies].find((p) => policyName(p) === reason.policy)!;
    const rule = (direction === "ingress" ? policy.ingress : policy.egress)[reason.rule!]!;
    byRule.set(key, {
      policy: reason.policy!,
      direction,
      rule: reason.rule!,
      ports: wirePorts(reason.ports),
      peer: describeRulePeers(rule),
    });
  }
  const side: SideExplanation = {
    isolated: policies.size > 0,
    policies: [...policies].map(policyName).sort(),
    allowedBy: [...byRule.values()],
    ports: policies.size === 0 && !tiered ? "all" : portsOrNull(ports),
  };
  if (!tiered) return side;
  return {
    ...side,
    decidedBy: decided.map(({ reason, addresses }) => ({
      tier: reason.tier,
      ...(reason.policy === undefined ? {} : { policy: reason.policy }),
      ...(reason.tier === "networkpolicy" && reason.rule !== undefined ? { direction } : {}),
      ...(reason.rule === undefined ? {} : { rule: reason.rule }),
      ...(reason.ruleName === undefined ? {} : { ruleName: reason.ruleName }),
      action: reason.action,
      ports: wirePorts(reason.ports),
      ...(addresses === undefined ? {} : { addresses }),
    })),
  };
}

/** Wire ports back as a set. */
function portSetOf(ports: Ports): PortSet {
  if (ports === "all") return PortSet.ALL;
  let set = PortSet.NONE;
  for (const p of ports) set = set.union(PortSet.of(p.protocol, p.port ?? 1, p.endPort ?? p.port ?? 65535));
  return set;
}

/** A tier's decision in words: "AdminNetworkPolicy/deny-all rule 1 (deny-everything) denies every port". */
function decisionText(reason: NonNullable<SideExplanation["decidedBy"]>[number]): string {
  const ports = describePorts(reason.ports);
  const where = reason.addresses === undefined ? "" : ` to ${reason.addresses}`;
  if (reason.tier === "default") return `no tier decides ${ports}${where}: allowed by default`;
  if (reason.action === "isolated")
    return `no NetworkPolicy rule allows ${ports}${where}: denied (the pod is isolated)`;
  const rule = `${reason.policy} rule ${(reason.rule ?? 0) + 1}${reason.ruleName === undefined ? "" : ` (${reason.ruleName})`}`;
  const verb =
    reason.action === "allow" ? "allows" : reason.action === "deny" ? "denies" : "passes on to the next tier";
  const tier =
    reason.tier === "networkpolicy"
      ? "NetworkPolicy"
      : reason.tier === "admin"
        ? "admin tier"
        : "baseline tier";
  return `${tier}: ${rule} ${verb} ${ports}${where}`;
}

function end(node: string, identity: LiveIdentity): EndDescription {
  const ref = decodeNodeId(node);
  const name = ref?.kind === "pod" ? ref.name : identity.name;
  return { node, name, namespace: identity.namespace, labels: identity.labels, pods: identity.pods.size };
}

function sideSentence(side: SideExplanation, direction: Direction, who: string): string {
  const verb = direction === "egress" ? "send" : "accept";
  if (side.decidedBy !== undefined) {
    const said = side.decidedBy.map(decisionText).join("; ");
    return `${direction === "egress" ? "Egress" : "Ingress"} of ${who}, tier by tier: ${said}.`;
  }
  if (!side.isolated) return `No ${direction} policy selects ${who}: it may ${verb} anything.`;
  if (side.allowedBy.length === 0) {
    return `${who} is isolated for ${direction} by ${side.policies.join(", ")}, and no rule of ${
      side.policies.length > 1 ? "them" : "it"
    } matches the other end: ${direction} is denied.`;
  }
  const rules = side.allowedBy.map((r) => `${r.policy} ${r.direction} rule ${r.rule + 1}`).join(", ");
  return `${direction === "egress" ? "Egress" : "Ingress"} of ${who} is allowed by ${rules}.`;
}

/** Why pods of `from` may (or may not) connect to pods of `to`. */
export function explainIdentities(
  state: ClusterState,
  fromNode: string,
  from: LiveIdentity,
  toNode: string,
  to: LiveIdentity,
): PairExplanation {
  const egress = explainSide(from, to, "egress");
  const ingress = explainSide(to, from, "ingress");
  const ports = portsOrNull(state.allowed(from, to));
  const summary = [
    sideSentence(egress, "egress", `the source (${from.namespace})`),
    sideSentence(ingress, "ingress", `the destination (${to.namespace})`),
    ports === null
      ? "The connection is denied: both sides must allow it, on a common port."
      : `The connection is allowed on ${describePorts(ports)}.`,
  ];
  return { from: end(fromNode, from), to: end(toNode, to), egress, ingress, ports, summary };
}

export function describePorts(ports: Ports): string {
  if (ports === "all") return "every port";
  return ports
    .map((p) =>
      p.port === undefined
        ? `all ${p.protocol}`
        : `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ""}`,
    )
    .join(", ");
}

/** An edge between an identity and "any pod" or "outside the cluster": one side only decides. */
export function explainOpen(
  nodeId: string,
  identity: LiveIdentity,
  other: typeof ANY_POD | typeof OUTSIDE,
  direction: Direction,
): OpenExplanation {
  const side = explainSide(identity, other === ANY_POD ? ANY_PEER : OUTSIDE_PEER, direction);
  const what = other === ANY_POD ? "any pod" : "addresses outside the cluster";
  const summary = [
    sideSentence(side, direction, `this workload (${identity.namespace})`),
    side.ports === null
      ? `Nothing ${direction === "ingress" ? "from" : "to"} ${what} is allowed.`
      : `${direction === "ingress" ? "From" : "To"} ${what}: ${describePorts(side.ports)}${
          other === ANY_POD ? " (the other pod's own policies must allow it too)" : ""
        }.`,
  ];
  if (other === ANY_POD) {
    // The pods a Deny rule names by a selector of their own are among "any pod" on the graph, but
    // that rule decides for them first: said here, each with the ports it denies them.
    const tiers = direction === "ingress" ? identity.ingressTiers : identity.egressTiers;
    const destination = direction === "ingress" ? identity : undefined;
    for (const policy of tiers)
      (direction === "ingress" ? policy.ingress : policy.egress).forEach((rule) => {
        if (rule.action !== "deny" || rule.matchesAllPods) return;
        const ports = rule.portsOn(destination);
        if (ports.isEmpty()) return;
        summary.push(
          `Except the pods it names: ${policy.tier} tier, ${policy.key} rule ${rule.index + 1}${
            rule.rule.name === "" ? "" : ` (${rule.rule.name})`
          } denies them ${describePorts(wirePorts(ports))} (ask for the pair to read its whole answer).`,
        );
      });
  }
  return { node: end(nodeId, identity), other, direction, side, summary };
}

/**
 * The identities a view node stands for: an identity, a pod's identity, every identity of a
 * namespace or of a group of namespaces, or a namespace's workloads that share a pod label's value.
 */
export function identitiesOfNode(state: ClusterState, nodeId: string): LiveIdentity[] {
  const ref = decodeNodeId(nodeId);
  if (ref === undefined) return [];
  if (ref.kind === "workload") {
    const identity = state.identity(workloadKey(ref.workload));
    return identity === undefined ? [] : [identity];
  }
  if (ref.kind === "pod") {
    const identity = state.identityOfPod(podKey(ref));
    return identity === undefined ? [] : [identity];
  }
  if (ref.kind === "namespace") return [...state.identitiesIn(ref.namespace)];
  if (ref.kind === "group")
    return state
      .namespaceNames()
      .filter((namespace) => groupValue(state, namespace, ref.key) === ref.value)
      .flatMap((namespace) => [...state.identitiesIn(namespace)]);
  if (ref.kind === "workloads")
    return [...state.identitiesIn(ref.namespace)].filter(
      (identity) => labelValue(identity.labels, ref.key) === ref.value,
    );
  return [];
}
