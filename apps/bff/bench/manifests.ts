// The engine's objects written back as the API objects they were read from, for loading a
// synthetic cluster into a real kube-apiserver. Pods carry the owner reference their controller
// would give them (a Deployment's pods, their ReplicaSet's): the bench runs no controller manager,
// whose garbage collector would delete pods whose owner does not exist.
import { createHash } from "node:crypto";
import type {
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyRule,
  Peer,
  Pod,
  Role,
  RoleBinding,
  ServiceAccount,
} from "@trustmap/engine";

type Json = Record<string, unknown>;

const RBAC = "rbac.authorization.k8s.io";

function selector(s: LabelSelector): Json {
  return {
    ...(Object.keys(s.matchLabels).length > 0 ? { matchLabels: s.matchLabels } : {}),
    ...(s.matchExpressions.length > 0
      ? {
          matchExpressions: s.matchExpressions.map((e) => ({
            key: e.key,
            operator: e.operator,
            ...(e.values.length > 0 ? { values: e.values } : {}),
          })),
        }
      : {}),
  };
}

function peer(p: Peer): Json {
  if (p.type === "ipBlock")
    return { ipBlock: { cidr: p.cidr, ...(p.except.length > 0 ? { except: p.except } : {}) } };
  return {
    ...(p.podSelector === undefined ? {} : { podSelector: selector(p.podSelector) }),
    ...(p.namespaceSelector === undefined ? {} : { namespaceSelector: selector(p.namespaceSelector) }),
  };
}

function rule(r: NetworkPolicyRule, peersField: "from" | "to"): Json {
  return {
    ...(r.peers.length > 0 ? { [peersField]: r.peers.map(peer) } : {}),
    ...(r.ports.length > 0 ? { ports: r.ports.map((port) => ({ ...port })) } : {}),
  };
}

export function namespaceManifest(n: Namespace): Json {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: n.labels } };
}

/** The API groups of the controllers that own pods. */
const OWNER_API: Readonly<Record<string, string>> = {
  ReplicaSet: "apps/v1",
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
};

/**
 * The reference a pod's controller gives it: a Deployment's pods are owned by its ReplicaSet,
 * named `<deployment>-<pod-template-hash>`. The uid is made up (no owner object exists).
 */
function ownerReference(p: Pod): Json {
  const hash = p.labels["pod-template-hash"];
  const [kind, name] =
    p.owner.kind === "Deployment" && hash !== undefined
      ? ["ReplicaSet", `${p.owner.name}-${hash}`]
      : [p.owner.kind, p.owner.name];
  const uid = createHash("sha256").update(`${p.namespace}/${kind}/${name}`).digest("hex");
  return {
    apiVersion: OWNER_API[kind] ?? "apps/v1",
    kind,
    name,
    uid: `${uid.slice(0, 8)}-${uid.slice(8, 12)}-${uid.slice(12, 16)}-${uid.slice(16, 20)}-${uid.slice(20, 32)}`,
    controller: true,
  };
}

export function podManifest(p: Pod): Json {
  const [first, ...rest] = p.security.containers;
  const containers = (
    first === undefined ? [{ name: "main", image: "registry.example/app:1" }] : [first, ...rest]
  ).map((c, index) => ({
    name: c.name,
    image: c.image,
    ...(index === 0 && p.ports.length > 0 ? { ports: p.ports.map((port) => ({ ...port })) } : {}),
  }));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      ...(p.owner.kind === "Pod" ? {} : { ownerReferences: [ownerReference(p)] }),
    },
    spec: {
      serviceAccountName: p.serviceAccountName,
      ...(p.automountServiceAccountToken === undefined
        ? {}
        : { automountServiceAccountToken: p.automountServiceAccountToken }),
      containers,
    },
  };
}

export function policyManifest(n: NetworkPolicy): Json {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: n.name, namespace: n.namespace },
    spec: {
      podSelector: selector(n.podSelector),
      policyTypes: [...(n.affectsIngress ? ["Ingress"] : []), ...(n.affectsEgress ? ["Egress"] : [])],
      ...(n.affectsIngress ? { ingress: n.ingress.map((r) => rule(r, "from")) } : {}),
      ...(n.affectsEgress ? { egress: n.egress.map((r) => rule(r, "to")) } : {}),
    },
  };
}

export function serviceAccountManifest(s: ServiceAccount): Json {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: s.name, namespace: s.namespace },
    ...(s.automountServiceAccountToken === undefined
      ? {}
      : { automountServiceAccountToken: s.automountServiceAccountToken }),
  };
}

export function roleManifest(r: Role): Json {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: r.kind,
    metadata: {
      name: r.name,
      ...(r.namespace === undefined ? {} : { namespace: r.namespace }),
      labels: r.labels,
    },
    rules: r.rules.map((x) => ({
      verbs: x.verbs,
      ...(x.nonResourceURLs.length > 0 ? { nonResourceURLs: x.nonResourceURLs } : {}),
      ...(x.nonResourceURLs.length === 0 ? { apiGroups: x.apiGroups, resources: x.resources } : {}),
      ...(x.resourceNames.length > 0 ? { resourceNames: x.resourceNames } : {}),
    })),
    ...(r.aggregationSelectors === undefined
      ? {}
      : { aggregationRule: { clusterRoleSelectors: r.aggregationSelectors.map(selector) } }),
  };
}

export function bindingManifest(b: RoleBinding): Json {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: b.kind,
    metadata: { name: b.name, ...(b.namespace === undefined ? {} : { namespace: b.namespace }) },
    roleRef: { apiGroup: RBAC, kind: b.roleRef.kind, name: b.roleRef.name },
    subjects: b.subjects.map((s) =>
      s.kind === "ServiceAccount"
        ? { kind: s.kind, name: s.name, namespace: s.namespace }
        : { kind: s.kind, name: s.name, apiGroup: RBAC },
    ),
  };
}

/** Where each kind is created. */
export function collectionPath(object: Json): string {
  const kind = object.kind as string;
  const namespace = (object.metadata as { namespace?: string }).namespace;
  const ns = namespace === undefined ? "" : `/namespaces/${namespace}`;
  switch (kind) {
    case "Namespace":
      return "/api/v1/namespaces";
    case "Pod":
      return `/api/v1${ns}/pods`;
    case "ServiceAccount":
      return `/api/v1${ns}/serviceaccounts`;
    case "NetworkPolicy":
      return `/apis/networking.k8s.io/v1${ns}/networkpolicies`;
    case "Role":
      return `/apis/${RBAC}/v1${ns}/roles`;
    case "ClusterRole":
      return `/apis/${RBAC}/v1/clusterroles`;
    case "RoleBinding":
      return `/apis/${RBAC}/v1${ns}/rolebindings`;
    case "ClusterRoleBinding":
      return `/apis/${RBAC}/v1/clusterrolebindings`;
    default:
      throw new Error(`no collection for ${kind}`);
  }
}
