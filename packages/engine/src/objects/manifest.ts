import type { KindObjects } from "../state/cluster-state";
import type {
  ClusterNetworkPolicy,
  ClusterPeer,
  ClusterPolicyRule,
  ClusterPort,
  LabelSelector,
  Labels,
  Namespace,
  NetworkPolicy,
  NetworkPolicyRule,
  Peer,
  PolicyRule,
  Role,
  RoleBinding,
  ServiceAccount,
} from "./model";

// An object the engine holds, written back as a manifest: what a user edits in a draft. It holds
// the fields Trustmap reads (for a policy, the whole spec; for a role, its rules), so reading it
// again gives the same object. A pod is not written: the engine keeps a trimmed pod, not its
// manifest, and a workload's pods are edited through the workload's manifest.

type Json = Record<string, unknown>;

const RBAC = "rbac.authorization.k8s.io/v1";

function selector(s: LabelSelector): Json {
  return {
    ...(Object.keys(s.matchLabels).length > 0 ? { matchLabels: { ...s.matchLabels } } : {}),
    ...(s.matchExpressions.length > 0
      ? {
          matchExpressions: s.matchExpressions.map((r) => ({
            key: r.key,
            operator: r.operator,
            ...(r.operator === "In" || r.operator === "NotIn" ? { values: [...r.values] } : {}),
          })),
        }
      : {}),
  };
}

function peer(p: Peer): Json {
  if (p.type === "ipBlock")
    return { ipBlock: { cidr: p.cidr, ...(p.except.length > 0 ? { except: [...p.except] } : {}) } };
  return {
    ...(p.podSelector === undefined ? {} : { podSelector: selector(p.podSelector) }),
    ...(p.namespaceSelector === undefined ? {} : { namespaceSelector: selector(p.namespaceSelector) }),
  };
}

function rule(r: NetworkPolicyRule, peers: "from" | "to"): Json {
  return {
    ...(r.peers.length > 0 ? { [peers]: r.peers.map(peer) } : {}),
    ...(r.ports.length > 0
      ? {
          ports: r.ports.map((p) => ({
            protocol: p.protocol,
            ...(p.port === undefined ? {} : { port: p.port }),
            ...(p.endPort === undefined ? {} : { endPort: p.endPort }),
          })),
        }
      : {}),
  };
}

function metadata(name: string, namespace: string | undefined, labels?: Labels, annotations?: Labels): Json {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(labels !== undefined && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    ...(annotations !== undefined && Object.keys(annotations).length > 0
      ? { annotations: { ...annotations } }
      : {}),
  };
}

function networkPolicy(p: NetworkPolicy): Json {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: metadata(p.name, p.namespace),
    spec: {
      podSelector: selector(p.podSelector),
      policyTypes: [...(p.affectsIngress ? ["Ingress"] : []), ...(p.affectsEgress ? ["Egress"] : [])],
      // Rules of a direction the policy does not affect are kept, as the object holds them.
      ...(p.affectsIngress || p.ingress.length > 0 ? { ingress: p.ingress.map((r) => rule(r, "from")) } : {}),
      ...(p.affectsEgress || p.egress.length > 0 ? { egress: p.egress.map((r) => rule(r, "to")) } : {}),
    },
  };
}

function policyRule(r: PolicyRule): Json {
  const list = (name: string, values: readonly string[]) =>
    values.length > 0 ? { [name]: [...values] } : {};
  return {
    ...list("apiGroups", r.apiGroups),
    ...list("resources", r.resources),
    ...list("resourceNames", r.resourceNames),
    ...list("nonResourceURLs", r.nonResourceURLs),
    verbs: [...r.verbs],
  };
}

function role(r: Role): Json {
  return {
    apiVersion: RBAC,
    kind: r.kind,
    metadata: metadata(r.name, r.namespace, r.labels),
    ...(r.aggregationSelectors === undefined
      ? {}
      : { aggregationRule: { clusterRoleSelectors: r.aggregationSelectors.map(selector) } }),
    rules: r.rules.map(policyRule),
  };
}

function binding(b: RoleBinding): Json {
  return {
    apiVersion: RBAC,
    kind: b.kind,
    metadata: metadata(b.name, b.namespace),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: b.roleRef.kind, name: b.roleRef.name },
    subjects: b.subjects.map((s) => ({
      kind: s.kind,
      name: s.name,
      ...(s.kind === "ServiceAccount"
        ? { namespace: s.namespace }
        : { apiGroup: "rbac.authorization.k8s.io" }),
    })),
  };
}

function namespace(n: Namespace): Json {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: metadata(n.name, undefined, n.labels, n.annotations),
  };
}

function serviceAccount(a: ServiceAccount): Json {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: metadata(a.name, a.namespace),
    ...(a.automountServiceAccountToken === undefined
      ? {}
      : { automountServiceAccountToken: a.automountServiceAccountToken }),
  };
}

function clusterPeer(p: ClusterPeer): Json {
  switch (p.type) {
    case "namespaces":
      return { namespaces: selector(p.namespaceSelector) };
    case "pods":
      return {
        pods: { namespaceSelector: selector(p.namespaceSelector), podSelector: selector(p.podSelector) },
      };
    case "networks":
      return { networks: [...p.cidrs] };
    case "nodes":
      return { nodes: selector(p.nodeSelector) };
    default:
      return { domainNames: [...p.names] };
  }
}

/** A port as v1alpha1 (`ports`) or v1alpha2 (`protocols`) writes it. */
function clusterPort(p: ClusterPort, v1alpha2: boolean): Json {
  if (p.type === "named") return v1alpha2 ? { destinationNamedPort: p.name } : { namedPort: p.name };
  if (v1alpha2) {
    const destinationPort = p.from === p.to ? { number: p.from } : { range: { start: p.from, end: p.to } };
    return { [p.protocol.toLowerCase()]: { destinationPort } };
  }
  return p.from === p.to
    ? { portNumber: { protocol: p.protocol, port: p.from } }
    : { portRange: { protocol: p.protocol, start: p.from, end: p.to } };
}

function clusterRule(r: ClusterPolicyRule, peers: "from" | "to", kind: ClusterNetworkPolicy["kind"]): Json {
  const v1alpha2 = kind === "ClusterNetworkPolicy";
  const action =
    r.action === "allow" ? (v1alpha2 ? "Accept" : "Allow") : r.action === "deny" ? "Deny" : "Pass";
  return {
    ...(r.name === "" ? {} : { name: r.name }),
    action,
    [peers]: r.peers.map(clusterPeer),
    ...(r.ports === undefined
      ? {}
      : { [v1alpha2 ? "protocols" : "ports"]: r.ports.map((port) => clusterPort(port, v1alpha2)) }),
  };
}

function clusterPolicy(p: ClusterNetworkPolicy): Json {
  const subject =
    p.subject.podSelector === undefined
      ? { namespaces: selector(p.subject.namespaceSelector) }
      : {
          pods: {
            namespaceSelector: selector(p.subject.namespaceSelector),
            podSelector: selector(p.subject.podSelector),
          },
        };
  return {
    apiVersion: `policy.networking.k8s.io/${p.kind === "ClusterNetworkPolicy" ? "v1alpha2" : "v1alpha1"}`,
    kind: p.kind,
    metadata: metadata(p.name, undefined),
    spec: {
      ...(p.kind === "ClusterNetworkPolicy" ? { tier: p.tier === "admin" ? "Admin" : "Baseline" } : {}),
      ...(p.kind === "BaselineAdminNetworkPolicy" ? {} : { priority: p.priority }),
      subject,
      ...(p.ingress.length > 0 ? { ingress: p.ingress.map((r) => clusterRule(r, "from", p.kind)) } : {}),
      ...(p.egress.length > 0 ? { egress: p.egress.map((r) => clusterRule(r, "to", p.kind)) } : {}),
    },
  };
}

/** The manifest of an object the engine holds; undefined for a pod (edit its workload's manifest). */
export function manifestOf<K extends keyof KindObjects>(kind: K, object: KindObjects[K]): Json | undefined {
  switch (kind) {
    case "NetworkPolicy":
      return networkPolicy(object as NetworkPolicy);
    case "Namespace":
      return namespace(object as Namespace);
    case "ServiceAccount":
      return serviceAccount(object as ServiceAccount);
    case "Role":
    case "ClusterRole":
      return role(object as Role);
    case "RoleBinding":
    case "ClusterRoleBinding":
      return binding(object as RoleBinding);
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      return clusterPolicy(object as ClusterNetworkPolicy);
    default:
      return undefined;
  }
}
