import { groupIdentities, type Identity } from "../identity/identity";
import type { Cluster, Labels, Pod } from "../objects/model";
import { podKey } from "../objects/model";
import { type CompiledPolicy, type CompiledRule, compilePolicy, portsOn } from "./compile";
import { PortSet } from "./ports";
import {
  type Connectivity,
  type ExternalAccess,
  mergeExternal,
  type PodConnection,
  WORLD_CIDRS,
} from "./result";

/**
 * Connectivity computed per identity rather than per pod: every policy is compiled once against
 * the identities, each identity learns which rules isolate it, and each pair of identities is
 * evaluated once, however many pods share them.
 */
export class ConnectivityIndex {
  readonly identities: readonly Identity[];
  readonly identityOf: ReadonlyMap<Pod, Identity>;
  readonly policies: readonly CompiledPolicy[];
  private readonly ingressRules: CompiledRule[][];
  private readonly egressRules: CompiledRule[][];
  private readonly ingressIsolated: boolean[];
  private readonly egressIsolated: boolean[];
  private readonly pairCache = new Map<number, PortSet>();

  constructor(cluster: Cluster) {
    const { identities, identityOf } = groupIdentities(cluster.pods);
    this.identities = identities;
    this.identityOf = identityOf;
    const byNamespace = new Map<string, Identity[]>();
    for (const identity of identities) {
      const list = byNamespace.get(identity.namespace) ?? [];
      list.push(identity);
      byNamespace.set(identity.namespace, list);
    }
    const namespaceLabels = new Map(cluster.namespaces.map((ns) => [ns.name, ns.labels]));
    const labelsOf = (ns: string): Labels => namespaceLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns };
    this.policies = cluster.networkPolicies.map((policy) => compilePolicy(policy, byNamespace, labelsOf));
    this.ingressRules = identities.map(() => []);
    this.egressRules = identities.map(() => []);
    this.ingressIsolated = identities.map(() => false);
    this.egressIsolated = identities.map(() => false);
    for (const compiled of this.policies) {
      for (const identity of compiled.selected) {
        if (compiled.policy.affectsIngress) {
          this.ingressIsolated[identity.index] = true;
          this.ingressRules[identity.index]!.push(...compiled.ingress);
        }
        if (compiled.policy.affectsEgress) {
          this.egressIsolated[identity.index] = true;
          this.egressRules[identity.index]!.push(...compiled.egress);
        }
      }
    }
  }

  /** The ports on which a pod of `from` may connect to a (different) pod of `to`. */
  allowed(from: Identity, to: Identity): PortSet {
    const key = from.index * this.identities.length + to.index;
    const cached = this.pairCache.get(key);
    if (cached !== undefined) return cached;
    const ports = this.egressAllowed(from, to).intersect(this.ingressAllowed(to, from));
    this.pairCache.set(key, ports);
    return ports;
  }

  private egressAllowed(from: Identity, to: Identity): PortSet {
    if (!this.egressIsolated[from.index]) return PortSet.ALL;
    let ports = PortSet.NONE;
    for (const rule of this.egressRules[from.index]!) {
      if (rule.matchesAll || rule.peerIdentities.has(to.index)) ports = ports.union(portsOn(rule, to));
    }
    return ports;
  }

  private ingressAllowed(to: Identity, from: Identity): PortSet {
    if (!this.ingressIsolated[to.index]) return PortSet.ALL;
    let ports = PortSet.NONE;
    for (const rule of this.ingressRules[to.index]!) {
      if (rule.matchesAll || rule.peerIdentities.has(from.index)) ports = ports.union(portsOn(rule, to));
    }
    return ports;
  }

  isIsolated(identity: Identity, direction: "ingress" | "egress"): boolean {
    return (direction === "ingress" ? this.ingressIsolated : this.egressIsolated)[identity.index] ?? false;
  }

  /** What pods of `identity` may exchange with addresses outside the cluster, before naming the pods. */
  external(identity: Identity, direction: "ingress" | "egress"): Omit<ExternalAccess, "pod">[] {
    if (!this.isIsolated(identity, direction)) {
      return WORLD_CIDRS.map((cidr) => ({ direction, cidr, except: [], ports: PortSet.ALL }));
    }
    const rules = direction === "ingress" ? this.ingressRules : this.egressRules;
    const destination = direction === "ingress" ? identity : undefined;
    const out: Omit<ExternalAccess, "pod">[] = [];
    for (const rule of rules[identity.index]!) {
      const ports = portsOn(rule, destination);
      if (rule.matchesAll) for (const cidr of WORLD_CIDRS) out.push({ direction, cidr, except: [], ports });
      for (const block of rule.ipBlocks)
        out.push({ direction, cidr: block.cidr, except: block.except, ports });
    }
    return out;
  }
}

export function computeConnectivity(cluster: Cluster): Connectivity {
  return connectivityOf(cluster, new ConnectivityIndex(cluster));
}

/** Expands an index's per-identity answers to every pod. */
export function connectivityOf(cluster: Cluster, index: ConnectivityIndex): Connectivity {
  return { connections: [...connectionsOf(cluster, index)], external: externalOf(index) };
}

/**
 * Every ordered pair of distinct pods that may connect, in pod order, produced one at a time:
 * an open cluster of n pods has n² of them, more than fit in one array or one string.
 */
export function* connectionsOf(cluster: Cluster, index: ConnectivityIndex): Generator<PodConnection> {
  const pods = cluster.pods.map((pod) => ({ key: podKey(pod), identity: index.identityOf.get(pod)! }));
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      const ports = index.allowed(from.identity, to.identity);
      if (!ports.isEmpty()) yield { from: from.key, to: to.key, ports };
    }
  }
}

export function externalOf(index: ConnectivityIndex): ExternalAccess[] {
  const external: ExternalAccess[] = [];
  for (const identity of index.identities) {
    const accesses = [...index.external(identity, "ingress"), ...index.external(identity, "egress")];
    for (const pod of identity.pods) {
      const key = podKey(pod);
      for (const access of accesses) external.push({ ...access, pod: key });
    }
  }
  return mergeExternal(external);
}
