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
import type { LiveIdentity, PolicyState, RuleState } from "../state/netpol-index";
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

/** One side of a pair: `self` is the end whose policies decide, `peer` the other end (undefined: outside the cluster). */
function explainSide(
  self: LiveIdentity,
  peer: LiveIdentity | undefined,
  direction: Direction,
  peerMatches: (rule: RuleState) => boolean,
): SideExplanation {
  const policies = direction === "ingress" ? self.ingressPolicies : self.egressPolicies;
  if (policies.size === 0) return { isolated: false, policies: [], allowedBy: [], ports: "all" };
  const allowedBy: RuleReason[] = [];
  let ports = PortSet.NONE;
  // Named ports resolve on the destination: on ingress that is `self`, on egress the peer.
  const destination = direction === "ingress" ? self : peer;
  for (const policy of policies) {
    const rules = direction === "ingress" ? policy.ingress : policy.egress;
    rules.forEach((rule, index) => {
      if (!peerMatches(rule)) return;
      const rulePorts = rule.portsOn(destination);
      if (rulePorts.isEmpty()) return;
      ports = ports.union(rulePorts);
      allowedBy.push({
        policy: policyName(policy),
        direction,
        rule: index,
        ports: wirePorts(rulePorts),
        peer: describeRulePeers(rule),
      });
    });
  }
  return {
    isolated: true,
    policies: [...policies].map(policyName).sort(),
    allowedBy,
    ports: portsOrNull(ports),
  };
}

function end(node: string, identity: LiveIdentity): EndDescription {
  const ref = decodeNodeId(node);
  const name = ref?.kind === "pod" ? ref.name : identity.name;
  return { node, name, namespace: identity.namespace, labels: identity.labels, pods: identity.pods.size };
}

function sideSentence(side: SideExplanation, direction: Direction, who: string): string {
  const verb = direction === "egress" ? "send" : "accept";
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
  const egress = explainSide(from, to, "egress", (rule) => rule.matches(to));
  const ingress = explainSide(to, from, "ingress", (rule) => rule.matches(from));
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
  const side =
    other === ANY_POD
      ? explainSide(identity, undefined, direction, (rule) => rule.matchesAll)
      : explainSide(identity, undefined, direction, (rule) => rule.matchesAll || rule.ipBlocks.length > 0);
  const what = other === ANY_POD ? "any pod" : "addresses outside the cluster";
  const summary = [
    sideSentence(side, direction, `this workload (${identity.namespace})`),
    side.ports === null
      ? `Nothing ${direction === "ingress" ? "from" : "to"} ${what} is allowed.`
      : `${direction === "ingress" ? "From" : "To"} ${what}: ${describePorts(side.ports)}${
          other === ANY_POD ? " (the other pod's own policies must allow it too)" : ""
        }.`,
  ];
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
