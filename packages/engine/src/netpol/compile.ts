import type { Identity } from "../identity/identity";
import { namedPortKey } from "../identity/identity";
import type { Labels, NetworkPolicy, NetworkPolicyRule, PolicyPort, Protocol } from "../objects/model";
import { selectorMatches } from "../selectors/labelSelector";
import { PortSet } from "./ports";

/** A rule compiled against the identities of a cluster: which identities its peers match, and its ports. */
export interface CompiledRule {
  /** The rule lists no peers: it matches every pod and every address outside the cluster. */
  readonly matchesAll: boolean;
  /** Indexes of the identities some selector peer matches. */
  readonly peerIdentities: ReadonlySet<number>;
  readonly ipBlocks: readonly { readonly cidr: string; readonly except: readonly string[] }[];
  /** The ports that do not depend on the destination (numbers, ranges, whole protocols). */
  readonly fixedPorts: PortSet;
  readonly namedPorts: readonly { readonly name: string; readonly protocol: Protocol }[];
}

export interface CompiledPolicy {
  readonly policy: NetworkPolicy;
  readonly selected: readonly Identity[];
  readonly ingress: readonly CompiledRule[];
  readonly egress: readonly CompiledRule[];
}

export function compilePolicy(
  policy: NetworkPolicy,
  identitiesByNamespace: ReadonlyMap<string, readonly Identity[]>,
  namespaceLabels: (namespace: string) => Labels,
): CompiledPolicy {
  const own = identitiesByNamespace.get(policy.namespace) ?? [];
  const selected = own.filter((identity) => selectorMatches(policy.podSelector, identity.labels));
  const compileRule = (rule: NetworkPolicyRule): CompiledRule => {
    const peerIdentities = new Set<number>();
    const ipBlocks: { cidr: string; except: readonly string[] }[] = [];
    for (const peer of rule.peers) {
      if (peer.type === "ipBlock") {
        ipBlocks.push({ cidr: peer.cidr, except: peer.except });
        continue;
      }
      const namespaces =
        peer.namespaceSelector === undefined
          ? [policy.namespace]
          : [...identitiesByNamespace.keys()].filter((ns) =>
              selectorMatches(peer.namespaceSelector!, namespaceLabels(ns)),
            );
      for (const ns of namespaces) {
        for (const identity of identitiesByNamespace.get(ns) ?? []) {
          if (peer.podSelector === undefined || selectorMatches(peer.podSelector, identity.labels)) {
            peerIdentities.add(identity.index);
          }
        }
      }
    }
    return { matchesAll: rule.peers.length === 0, peerIdentities, ipBlocks, ...compilePorts(rule.ports) };
  };
  return {
    policy,
    selected,
    ingress: policy.ingress.map(compileRule),
    egress: policy.egress.map(compileRule),
  };
}

function compilePorts(ports: readonly PolicyPort[]): Pick<CompiledRule, "fixedPorts" | "namedPorts"> {
  if (ports.length === 0) return { fixedPorts: PortSet.ALL, namedPorts: [] };
  let fixedPorts = PortSet.NONE;
  const namedPorts: { name: string; protocol: Protocol }[] = [];
  for (const port of ports) {
    if (typeof port.port === "string") {
      namedPorts.push({ name: port.port, protocol: port.protocol });
    } else if (port.port === undefined) {
      fixedPorts = fixedPorts.union(PortSet.of(port.protocol));
    } else {
      fixedPorts = fixedPorts.union(PortSet.of(port.protocol, port.port, port.endPort ?? port.port));
    }
  }
  return { fixedPorts, namedPorts };
}

/** The rule's ports on a destination identity; named ports match nothing outside the cluster. */
export function portsOn(rule: CompiledRule, destination: Identity | undefined): PortSet {
  if (destination === undefined || rule.namedPorts.length === 0) return rule.fixedPorts;
  let ports = rule.fixedPorts;
  for (const named of rule.namedPorts) {
    const resolved = destination.namedPorts.get(namedPortKey(named.name, named.protocol));
    if (resolved !== undefined) ports = ports.union(resolved);
  }
  return ports;
}
