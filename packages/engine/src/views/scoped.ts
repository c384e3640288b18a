import {
  decodeNodeId,
  labelValue,
  podNodeId,
  namespaceNodeId as sharedNamespaceNodeId,
  workloadKey,
  workloadNodeId,
} from "@trustmap/shared";
import { worse } from "../findings/catalog";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import {
  acceptsAny,
  explicitSources,
  explicitTargets,
  outsidePorts,
  podPairs,
  sendsToAny,
  tiersName,
  tiersNameOwn,
} from "./graph";
import { ANY_POD, anyNode, EdgeSums, OUTSIDE, outsideNode, type ViewGraph, type ViewNode } from "./view";

// Views of one namespace (its identities, peers elsewhere collapsed to their namespaces) and
// of one workload (its pods), computed whole. A workload's view is small: each event recomputes
// it and the patch is the difference. A namespace's is kept by terms (NamespaceView);
// namespaceGraph is its definition, what the tests compare it with.

export function identityNodeId(identity: LiveIdentity): string {
  return workloadNodeId(identity.key);
}

export function namespaceNodeId(namespace: string): string {
  return sharedNamespaceNodeId(namespace);
}

/** The name people know an identity by (`payments-prod/postgres`, `shop/api version=v2`). */
export function identityLabel(identity: LiveIdentity): string {
  return identity.name;
}

/**
 * The name a node is shown by (headings, captions): the namespace, the identity's name, the pod's
 * name, "any pod" or "outside the cluster"; undefined when no such node exists.
 */
/** The group a namespace belongs to under label `by`: the label's value, or null without the label. */
export function groupValue(state: ClusterState, namespace: string, by: string): string | null {
  return labelValue(state.namespaceNamed(namespace)?.labels, by);
}

/** A group's name: `team=payments`, or `no team label`. */
export function groupLabel(by: string, value: string | null): string {
  return value === null ? `no ${by} label` : `${by}=${value}`;
}

export function nodeName(state: ClusterState, nodeId: string): string | undefined {
  const ref = decodeNodeId(nodeId);
  switch (ref?.kind) {
    case undefined:
      return undefined;
    case "namespace":
      return ref.namespace;
    case "workload":
      return state.identity(workloadKey(ref.workload))?.name;
    case "pod":
      return ref.name;
    case "any":
      return anyNode().label;
    case "outside":
      return outsideNode().label;
    case "group":
      return groupLabel(ref.key, ref.value);
    case "workloads":
      return `${groupLabel(ref.key, ref.value)} in ${ref.namespace}`;
  }
}

/** The worst severity among an identity's pods' findings. */
function worstOfIdentity(state: ClusterState, identity: LiveIdentity) {
  let worst: ViewNode["worst"];
  for (const key of identity.pods.keys()) worst = worse(worst, state.worstOfPod(key));
  return worst;
}

export function identityNode(state: ClusterState, identity: LiveIdentity): ViewNode {
  const pods = identity.pods.size;
  const worst = worstOfIdentity(state, identity);
  return {
    ...(worst === undefined ? {} : { worst }),
    id: identityNodeId(identity),
    kind: "identity",
    label: identityLabel(identity),
    namespace: identity.namespace,
    labels: identity.labels,
    pods,
    openIngressPods: identity.isIsolated("ingress") ? 0 : pods,
    openEgressPods: identity.isIsolated("egress") ? 0 : pods,
  };
}

export function namespaceNode(state: ClusterState, namespace: string): ViewNode {
  let pods = 0;
  let openIngressPods = 0;
  let openEgressPods = 0;
  for (const identity of state.identitiesIn(namespace)) {
    pods += identity.pods.size;
    if (!identity.isIsolated("ingress")) openIngressPods += identity.pods.size;
    if (!identity.isIsolated("egress")) openEgressPods += identity.pods.size;
  }
  const worst = state.worstOfNamespace(namespace);
  return {
    ...(worst === undefined ? {} : { worst }),
    id: namespaceNodeId(namespace),
    kind: "namespace",
    label: namespace,
    namespace,
    pods,
    openIngressPods,
    openEgressPods,
  };
}

function finish(state: ClusterState, nodes: Map<string, ViewNode>, sums: EdgeSums): ViewGraph {
  const edges = sums.edges();
  for (const edge of edges.values()) {
    for (const end of [edge.source, edge.target]) {
      if (nodes.has(end)) continue;
      if (end === ANY_POD) nodes.set(end, anyNode());
      else if (end === OUTSIDE) nodes.set(end, outsideNode());
      else {
        const ref = decodeNodeId(end);
        if (ref?.kind === "namespace") nodes.set(end, namespaceNode(state, ref.namespace));
      }
    }
  }
  return { nodes, edges };
}

/**
 * One namespace by identity: its identities, their peers elsewhere as namespaces, "any pod" and
 * "outside", summed from scratch (NamespaceView keeps the same graph up to date by terms).
 */
export function namespaceGraph(state: ClusterState, namespace: string): ViewGraph {
  const nodes = new Map<string, ViewNode>();
  const sums = new EdgeSums();
  const here = state.identitiesIn(namespace);
  const nodeOf = (identity: LiveIdentity) =>
    identity.namespace === namespace ? identityNodeId(identity) : namespaceNodeId(identity.namespace);
  for (const identity of here) {
    nodes.set(identityNodeId(identity), identityNode(state, identity));
    for (const source of explicitSources(identity)) {
      sums.add(
        nodeOf(source),
        identityNodeId(identity),
        state.allowed(source, identity),
        podPairs(source, identity),
        tiersName(source, identity),
      );
    }
    for (const target of explicitTargets(identity)) {
      if (target.namespace === namespace) continue;
      sums.add(
        identityNodeId(identity),
        nodeOf(target),
        state.allowed(identity, target),
        podPairs(identity, target),
        tiersName(identity, target),
      );
    }
    ownSums(sums, state, identity, identityNodeId(identity), identity.pods.size);
  }
  return finish(state, nodes, sums);
}

/** An identity's traffic with "any pod" and "outside", on its node, marked where a cluster-wide rule names it. */
export function ownSums(
  sums: EdgeSums,
  state: ClusterState,
  identity: LiveIdentity,
  node: string,
  pods: number,
): void {
  sums.add(ANY_POD, node, acceptsAny(identity), pods, tiersNameOwn(identity, "any", "ingress"));
  sums.add(node, ANY_POD, sendsToAny(identity), pods, tiersNameOwn(identity, "any", "egress"));
  sums.add(
    OUTSIDE,
    node,
    outsidePorts(state, identity, "ingress"),
    pods,
    tiersNameOwn(identity, "outside", "ingress"),
  );
  sums.add(
    node,
    OUTSIDE,
    outsidePorts(state, identity, "egress"),
    pods,
    tiersNameOwn(identity, "outside", "egress"),
  );
}

/** One workload (identity) by pod: its pods, with their peers as identities of the namespace or as namespaces. */
export function workloadGraph(state: ClusterState, identityKey: string): ViewGraph {
  const nodes = new Map<string, ViewNode>();
  const sums = new EdgeSums();
  const identity = state.identity(identityKey);
  if (identity === undefined) return { nodes, edges: new Map() };
  const nodeOf = (peer: LiveIdentity) => {
    if (peer.namespace !== identity.namespace) return namespaceNodeId(peer.namespace);
    const id = identityNodeId(peer);
    if (!nodes.has(id)) nodes.set(id, identityNode(state, peer));
    return id;
  };
  const podIds = [...identity.pods.values()].map((pod) => podNodeId(pod.namespace, pod.name));
  for (const [i, pod] of [...identity.pods.values()].entries()) {
    const worst = state.worstOfPod(`${pod.namespace}/${pod.name}`);
    nodes.set(podIds[i]!, {
      ...(worst === undefined ? {} : { worst }),
      id: podIds[i]!,
      kind: "pod",
      label: pod.name,
      namespace: pod.namespace,
      labels: pod.labels,
      pods: 1,
      openIngressPods: identity.isIsolated("ingress") ? 0 : 1,
      openEgressPods: identity.isIsolated("egress") ? 0 : 1,
    });
  }
  const self = state.allowed(identity, identity);
  for (const podId of podIds) {
    for (const source of explicitSources(identity)) {
      if (source === identity) continue;
      sums.add(
        nodeOf(source),
        podId,
        state.allowed(source, identity),
        source.pods.size,
        tiersName(source, identity),
      );
    }
    for (const target of explicitTargets(identity)) {
      if (target === identity) continue;
      sums.add(
        podId,
        nodeOf(target),
        state.allowed(identity, target),
        target.pods.size,
        tiersName(identity, target),
      );
    }
    if (explicitSources(identity).has(identity)) {
      const selfTiers = tiersName(identity, identity);
      for (const other of podIds) if (other !== podId) sums.add(podId, other, self, 1, selfTiers);
    }
    ownSums(sums, state, identity, podId, 1);
  }
  return finish(state, nodes, sums);
}
