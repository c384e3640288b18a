import { parseCidr } from "../netpol/cidr";
import type { Direction } from "../netpol/result";
import type { NetworkPolicy, NetworkPolicyRule } from "../objects/model";
import { refString } from "../objects/model";
import { selectorIsEmpty } from "../selectors/labelSelector";
import { type Check, type CheckHit, podCheck, quote, yamlString } from "./finding";

const SEGMENTATION_CONTROLS = ["CIS 5.3.2", "NSA-CISA Kubernetes Hardening Guide: Network separation"];

function rulesOf(policy: NetworkPolicy, direction: Direction): readonly NetworkPolicyRule[] {
  return direction === "ingress" ? policy.ingress : policy.egress;
}

function affects(policy: NetworkPolicy, direction: Direction): boolean {
  return direction === "ingress" ? policy.affectsIngress : policy.affectsEgress;
}

/**
 * A default-deny policy isolates every pod of its namespace, present and future: it selects all
 * pods (empty podSelector), lists the direction, and has no rule that lets everything back in.
 */
export function isDefaultDeny(policy: NetworkPolicy, direction: Direction): boolean {
  if (!selectorIsEmpty(policy.podSelector) || !affects(policy, direction)) return false;
  return !rulesOf(policy, direction).some((rule) => rule.peers.length === 0 && rule.ports.length === 0);
}

const defaultDenyCache = new Map<string, string>();

/** The default-deny policy for a namespace (cached: every open pod of the namespace gives it as its fix). */
export function defaultDenyYaml(namespace: string, direction: Direction): string {
  const key = `${direction}/${namespace}`;
  let yaml = defaultDenyCache.get(key);
  if (yaml === undefined) {
    if (defaultDenyCache.size > 100_000) defaultDenyCache.clear();
    yaml = renderDefaultDeny(namespace, direction);
    defaultDenyCache.set(key, yaml);
  }
  return yaml;
}

function renderDefaultDeny(namespace: string, direction: Direction): string {
  const type = direction === "ingress" ? "Ingress" : "Egress";
  return [
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata:",
    `  name: default-deny-${direction}`,
    `  namespace: ${yamlString(namespace)}`,
    "spec:",
    "  podSelector: {}",
    "  policyTypes:",
    `    - ${type}`,
    ...(direction === "egress"
      ? [
          "  egress:",
          "    # keep DNS working; remove if pods resolve no names",
          "    - to:",
          "        - namespaceSelector: {}",
          "          podSelector:",
          "            matchLabels:",
          "              k8s-app: kube-dns",
          "      ports:",
          "        - protocol: UDP",
          "          port: 53",
          "        - protocol: TCP",
          "          port: 53",
        ]
      : []),
  ].join("\n");
}

function namespaceDefaultDeny(direction: Direction, severity: "high" | "medium"): Check {
  return {
    id: `namespace-no-default-deny-${direction}`,
    pillar: "network-segmentation",
    severity,
    title: `Namespace without a default-deny ${direction} policy`,
    controls: SEGMENTATION_CONTROLS,
    scope: "namespace",
    run(ns, context) {
      for (const policy of context.policiesIn(ns.name)) if (isDefaultDeny(policy, direction)) return [];
      return [
        {
          objects: [`Namespace/${ns.name}`],
          message: `Namespace ${quote(ns.name)} has no default-deny ${direction} policy: pods that no other policy selects ${
            direction === "ingress" ? "accept connections from anywhere" : "may connect anywhere"
          }.`,
          remediation: defaultDenyYaml(ns.name, direction),
        },
      ];
    },
  };
}

function podNotIsolated(direction: Direction, severity: "medium" | "low"): Check {
  return podCheck(
    {
      id: `pod-not-isolated-${direction}`,
      pillar: "network-segmentation",
      severity,
      title: `Pod isolated by no ${direction} policy`,
      controls: SEGMENTATION_CONTROLS,
    },
    (pod, context) => !context.isIsolated(pod, direction),
    (pod) => ({
      objects: [refString(pod.source)],
      message: `${pod.source.kind} ${quote(`${pod.namespace}/${pod.source.name}`)} is selected by no ${direction} policy: ${
        direction === "ingress"
          ? "every pod and every address may connect to it on every port"
          : "it may connect to every pod and every address on every port"
      }.`,
      remediation: defaultDenyYaml(pod.namespace, direction),
    }),
  );
}

const policySelectsNoPod: Check = {
  id: "policy-selects-no-pod",
  pillar: "network-segmentation",
  severity: "low",
  title: "NetworkPolicy that selects no pod",
  controls: [],
  scope: "policy",
  run(policy, context) {
    if (context.selectsAnyPod(policy)) return [];
    return [
      {
        objects: [`NetworkPolicy/${policy.namespace}/${policy.name}`],
        message: `NetworkPolicy ${quote(`${policy.namespace}/${policy.name}`)} selects no pod: its podSelector matches nothing in namespace ${quote(policy.namespace)}, so it protects nothing (a typo in a label?).`,
        remediation:
          "Fix spec.podSelector to match the pods' labels (kubectl get pods --show-labels), or delete the policy.",
      },
    ];
  },
};

function describeRule(policy: NetworkPolicy, direction: Direction, index: number): string {
  return `NetworkPolicy ${quote(`${policy.namespace}/${policy.name}`)} spec.${direction}[${index}]`;
}

const ruleOpenToAllNamespaces: Check = {
  id: "policy-rule-open-to-all-namespaces",
  pillar: "network-segmentation",
  severity: "medium",
  title: "NetworkPolicy rule open to every namespace",
  controls: SEGMENTATION_CONTROLS,
  scope: "policy",
  run(policy) {
    const hits: CheckHit[] = [];
    for (const direction of ["ingress", "egress"] as const) {
      rulesOf(policy, direction).forEach((rule, index) => {
        const open = rule.peers.some(
          (peer) =>
            peer.type === "selector" &&
            peer.namespaceSelector !== undefined &&
            selectorIsEmpty(peer.namespaceSelector),
        );
        if (!open) return;
        hits.push({
          objects: [`NetworkPolicy/${policy.namespace}/${policy.name}`],
          message: `${describeRule(policy, direction, index)} uses an empty namespaceSelector: it ${
            direction === "ingress" ? "admits pods from" : "lets pods reach"
          } every namespace, including ones created later.`,
          remediation:
            "Select the namespaces by label instead, e.g.\nnamespaceSelector:\n  matchLabels:\n    kubernetes.io/metadata.name: <namespace>",
        });
      });
    }
    return hits;
  },
};

const ruleOpenToInternet: Check = {
  id: "policy-rule-open-to-any-address",
  pillar: "network-segmentation",
  severity: "medium",
  title: "NetworkPolicy rule open to every address (0.0.0.0/0, ::/0 or no peers)",
  controls: SEGMENTATION_CONTROLS,
  scope: "policy",
  run(policy) {
    const hits: CheckHit[] = [];
    for (const direction of ["ingress", "egress"] as const) {
      if (!affects(policy, direction)) continue;
      rulesOf(policy, direction).forEach((rule, index) => {
        const everywhere = rule.peers.filter(
          (peer) => peer.type === "ipBlock" && parseCidr(peer.cidr)?.prefix === 0,
        );
        if (rule.peers.length > 0 && everywhere.length === 0) return;
        const what =
          rule.peers.length === 0
            ? `lists no ${direction === "ingress" ? "from" : "to"} peers`
            : `allows ${everywhere.map((peer) => (peer.type === "ipBlock" ? peer.cidr : "")).join(" and ")}`;
        hits.push({
          objects: [`NetworkPolicy/${policy.namespace}/${policy.name}`],
          severity: direction === "ingress" ? "high" : "medium",
          message: `${describeRule(policy, direction, index)} ${what}: it ${
            direction === "ingress"
              ? "admits every pod and every address"
              : "lets the pods reach every pod and every address"
          }${rule.ports.length === 0 ? " on every port" : " on its ports"}.`,
          remediation: `Name the peers this ${direction} really needs (podSelector, namespaceSelector, or an ipBlock with the narrowest CIDR).`,
        });
      });
    }
    return hits;
  },
};

export const networkChecks: readonly Check[] = [
  namespaceDefaultDeny("ingress", "high"),
  namespaceDefaultDeny("egress", "medium"),
  podNotIsolated("ingress", "medium"),
  podNotIsolated("egress", "low"),
  policySelectsNoPod,
  ruleOpenToAllNamespaces,
  ruleOpenToInternet,
];
