import { PortSet } from "../netpol/ports";
import { PROTOCOLS } from "../objects/model";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { ANY_END, namespaceOfEnd, OUTSIDE_END } from "./ledger";
import { WorkloadsByName } from "./workloads";

// Least-privilege NetworkPolicies for a namespace: the connections a user wants kept (chosen from
// today's, or added), and nothing else. The proposal replaces the namespace's policies: a
// default-deny in both directions, then per workload one policy for what it may receive and one
// for what it may send, each rule naming one peer and its ports. A workload that sends anything
// may also ask the cluster's DNS (kube-dns in kube-system, port 53).

/** A connection to keep: between workloads ("ns/name"), or with "*" (any pod) or "outside". */
export interface WantedConnection {
  readonly from: string;
  readonly to: string;
  readonly ports: PortSet;
}

type Json = Record<string, unknown>;

export interface Proposal {
  readonly namespace: string;
  /** The NetworkPolicies to apply, as manifests. */
  readonly policies: Json[];
  /** The namespace's policies they replace (to delete). */
  readonly replaces: string[];
  /** Why it cannot be proposed as asked (then `policies` is empty): each names the workloads. */
  readonly problems: string[];
}

const NAME_LABEL = "kubernetes.io/metadata.name";
const DNS_PEER = {
  namespaceSelector: { matchLabels: { [NAME_LABEL]: "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
const DNS_PORTS = [
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 53 },
];
const EVERY_ADDRESS = ["0.0.0.0/0", "::/0"];

/** The labels every identity of a workload carries, if they select no other workload's pods there. */
function selectorOf(identities: readonly LiveIdentity[], others: readonly LiveIdentity[]): Json | undefined {
  const [first, ...rest] = identities;
  if (first === undefined) return undefined;
  const common: Record<string, string> = {};
  for (const [key, value] of Object.entries(first.labels))
    if (rest.every((identity) => identity.labels[key] === value)) common[key] = value;
  const selects = (identity: LiveIdentity) =>
    Object.entries(common).every(([key, value]) => identity.labels[key] === value);
  if (others.some(selects)) return undefined;
  return { matchLabels: common };
}

/** A port set as a rule's ports: none for every port, else one entry per range. */
function portsOf(ports: PortSet): Json[] | undefined {
  if (ports.isAll()) return undefined;
  return PROTOCOLS.flatMap((protocol) =>
    ports
      .rangesOf(protocol)
      .map((range) =>
        range.from === range.to
          ? { protocol, port: range.from }
          : { protocol, port: range.from, endPort: range.to },
      ),
  );
}

/** A policy name from a workload's name: DNS-1123, at most 63 characters, unique in the proposal. */
function policyName(workload: string, suffix: string, taken: Set<string>): string {
  const base =
    workload
      .split(" + ")
      .map((part) => part.slice(part.indexOf("/") + 1))
      .join("-")
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "workload";
  let name = `${base}-${suffix}`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}-${suffix}`;
  taken.add(name);
  return name;
}

export function proposePolicies(
  state: ClusterState,
  namespace: string,
  wanted: readonly WantedConnection[],
): Proposal {
  const workloads = new WorkloadsByName(state);
  const problems: string[] = [];
  const selectors = new Map<string, Json>();
  /** The pod selector of a workload, and its namespace's selector when it is elsewhere. */
  const peerOf = (end: string): Json[] | undefined => {
    if (end === ANY_END) return [{ namespaceSelector: {} }];
    if (end === OUTSIDE_END) return undefined;
    const where = namespaceOfEnd(end) ?? "";
    let selector = selectors.get(end);
    if (selector === undefined) {
      const mine = workloads.of(where, end);
      const others = [...state.identitiesIn(where)].filter((identity) => !mine.includes(identity));
      selector = mine.length === 0 ? undefined : selectorOf(mine, others);
      if (selector === undefined) {
        problems.push(
          mine.length === 0
            ? `${end}: no such workload now`
            : `${end}: its pods carry no labels that tell them from the other workloads of ${where}`,
        );
        return [];
      }
      selectors.set(end, selector);
    }
    return where === namespace
      ? [{ podSelector: selector }]
      : [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: where } }, podSelector: selector }];
  };
  /**
   * Rules for outside addresses: each block the workload exchanges with today, on the ports wanted
   * of those it allows today (so no block is widened); every address when there is none.
   */
  const outsideRules = (workload: string, direction: "ingress" | "egress", ports: PortSet): Json[] => {
    const side = direction === "ingress" ? "from" : "to";
    const rules = new Map<string, Json>();
    for (const identity of workloads.of(namespace, workload))
      for (const access of state.netpol.external(identity, direction)) {
        const kept = access.ports.intersect(ports);
        if (kept.isEmpty()) continue;
        const block =
          access.except.length === 0
            ? { cidr: access.cidr }
            : { cidr: access.cidr, except: [...access.except] };
        const on = portsOf(kept);
        rules.set(`${JSON.stringify(block)} ${kept.key()}`, {
          [side]: [{ ipBlock: block }],
          ...(on === undefined ? {} : { ports: on }),
        });
      }
    if (rules.size === 0) {
      const on = portsOf(ports);
      rules.set("every address", {
        [side]: EVERY_ADDRESS.map((cidr) => ({ ipBlock: { cidr } })),
        ...(on === undefined ? {} : { ports: on }),
      });
    }
    return [...rules.values()];
  };

  /** The ports wanted between a workload and outside addresses, in one direction. */
  const outsideWanted = (workload: string, direction: "ingress" | "egress"): PortSet =>
    wanted
      .filter((c) =>
        direction === "ingress"
          ? c.to === workload && c.from === OUTSIDE_END
          : c.from === workload && c.to === OUTSIDE_END,
      )
      .reduce((ports, c) => ports.union(c.ports), PortSet.NONE);
  /**
   * Whether a peerless rule on these ports keeps outside exactly as wanted: every address is
   * wanted on them, as today (each identity exchanges them with every IPv4 and IPv6 address).
   */
  const anyAddress = (workload: string, direction: "ingress" | "egress", ports: PortSet): boolean => {
    if (outsideWanted(workload, direction).intersect(ports).key() !== ports.key()) return false;
    const identities = workloads.of(namespace, workload);
    return (
      identities.length > 0 &&
      identities.every((identity) =>
        EVERY_ADDRESS.every(
          (cidr) =>
            state.netpol
              .external(identity, direction)
              .filter((access) => access.cidr === cidr && access.except.length === 0)
              .reduce((all, access) => all.union(access.ports), PortSet.NONE)
              .intersect(ports)
              .key() === ports.key(),
        ),
      )
    );
  };

  const ingress = new Map<string, Json[]>();
  const egress = new Map<string, Json[]>();
  for (const connection of wanted) {
    if (connection.ports.isEmpty()) continue;
    const ports = portsOf(connection.ports);
    const inHere = (end: string) =>
      end !== ANY_END && end !== OUTSIDE_END && namespaceOfEnd(end) === namespace;
    // What the workload here may receive from the other end, and what it may send to it.
    const sides = [
      { own: connection.to, other: connection.from, direction: "ingress", rules: ingress, peer: "from" },
      { own: connection.from, other: connection.to, direction: "egress", rules: egress, peer: "to" },
    ] as const;
    for (const { own, other, direction, rules, peer } of sides) {
      if (!inHere(own)) continue;
      peerOf(own);
      if (other === OUTSIDE_END) {
        for (const rule of outsideRules(own, direction, connection.ports)) push(rules, own, rule);
        continue;
      }
      // "Any pod" kept with every address on the same ports, as today: a rule with no peer, which
      // is what the engine reads as "any pod" (naming every namespace would allow the same pods,
      // and read as connections to each).
      if (other === ANY_END && anyAddress(own, direction, connection.ports)) {
        push(rules, own, ports === undefined ? {} : { ports });
        continue;
      }
      const peers = peerOf(other);
      if (peers !== undefined && peers.length > 0)
        push(rules, own, { [peer]: peers, ...(ports === undefined ? {} : { ports }) });
    }
    if (!inHere(connection.to) && !inHere(connection.from))
      problems.push(`${connection.from} → ${connection.to}: neither end is a workload of ${namespace}`);
  }
  const replaces = [...state.cluster().networkPolicies]
    .filter((policy) => policy.namespace === namespace)
    .map((policy) => policy.name)
    .sort();
  if (problems.length > 0)
    return { namespace, policies: [], replaces, problems: [...new Set(problems)].sort() };

  const taken = new Set<string>(["default-deny"]);
  const policies: Json[] = [policy(namespace, "default-deny", {}, { policyTypes: ["Ingress", "Egress"] })];
  for (const workload of [...new Set([...ingress.keys(), ...egress.keys()])].sort()) {
    const podSelector = selectors.get(workload)!;
    const rulesIn = ingress.get(workload);
    const rulesOut = egress.get(workload);
    if (rulesIn !== undefined)
      policies.push(
        policy(namespace, policyName(workload, "ingress", taken), podSelector, {
          policyTypes: ["Ingress"],
          ingress: rulesIn,
        }),
      );
    if (rulesOut !== undefined)
      policies.push(
        policy(namespace, policyName(workload, "egress", taken), podSelector, {
          policyTypes: ["Egress"],
          // A workload that sends anything resolves names first.
          egress: [...rulesOut, { to: [DNS_PEER], ports: DNS_PORTS }],
        }),
      );
  }
  return { namespace, policies, replaces, problems: [] };
}

function push(map: Map<string, Json[]>, key: string, value: Json): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function policy(namespace: string, name: string, podSelector: Json, spec: Json): Json {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { namespace, name, labels: { "app.kubernetes.io/managed-by": "trustmap" } },
    spec: { podSelector, ...spec },
  };
}
