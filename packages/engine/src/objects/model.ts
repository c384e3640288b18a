import { EXPOSURE_KINDS, type ExposureKind, READ_KINDS as KINDS_READ } from "@trustmap/shared";
// The trimmed objects the engine reads: only the fields that connectivity, RBAC and findings use.

export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** metav1.LabelSelector: matchLabels AND matchExpressions; an empty selector matches everything. */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly LabelRequirement[];
}

export type Protocol = "TCP" | "UDP" | "SCTP";
export const PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];

/** The object a model entry came from, for evidence and messages ("Deployment/shop/web"). */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** False when the namespace was only implied by objects in it. */
  readonly declared: boolean;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface ContainerSecurity {
  readonly name: string;
  readonly image: string;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilitiesAdd: readonly string[];
}

export interface PodSecurity {
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly hostIPC: boolean;
  readonly hostPathVolumes: readonly string[];
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly containers: readonly ContainerSecurity[];
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** Ports of the pod's containers; named ports of NetworkPolicies resolve against these. */
  readonly ports: readonly ContainerPort[];
  readonly serviceAccountName: string;
  readonly automountServiceAccountToken?: boolean;
  readonly security: PodSecurity;
  /** The Pod object, or the workload whose template stands for it in offline input. */
  readonly source: ObjectRef;
  /**
   * The workload people know the pod by: its controller (a ReplicaSet made by a Deployment is
   * named after the Deployment), the workload itself in offline input, or the pod when nothing
   * owns it.
   */
  readonly owner: ObjectRef & { readonly namespace: string };
}

export interface PolicyPort {
  readonly protocol: Protocol;
  /** Absent: every port of the protocol. A string is a named port of the destination pod. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface SelectorPeer {
  readonly type: "selector";
  /** Absent: every pod (of the namespaces chosen by namespaceSelector, or of the policy's namespace). */
  readonly podSelector?: LabelSelector;
  /** Absent: the policy's own namespace only. */
  readonly namespaceSelector?: LabelSelector;
}

export interface IPBlockPeer {
  readonly type: "ipBlock";
  readonly cidr: string;
  readonly except: readonly string[];
}

export type Peer = SelectorPeer | IPBlockPeer;

export interface NetworkPolicyRule {
  /** Empty: every peer, inside and outside the cluster. */
  readonly peers: readonly Peer[];
  /** Empty: every port of every protocol. */
  readonly ports: readonly PolicyPort[];
}

export interface NetworkPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly podSelector: LabelSelector;
  /** policyTypes after the API server's defaulting. */
  readonly affectsIngress: boolean;
  readonly affectsEgress: boolean;
  readonly ingress: readonly NetworkPolicyRule[];
  readonly egress: readonly NetworkPolicyRule[];
}

/** The tier a cluster-wide policy belongs to: evaluated before NetworkPolicy (admin) or after it (baseline). */
export type PolicyTier = "admin" | "baseline";

/** The kinds of cluster-wide network policy Trustmap reads (policy.networking.k8s.io). */
export type ClusterPolicyKind = "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy" | "ClusterNetworkPolicy";
export const CLUSTER_POLICY_KINDS: readonly ClusterPolicyKind[] = [
  "AdminNetworkPolicy",
  "BaselineAdminNetworkPolicy",
  "ClusterNetworkPolicy",
];

/** A rule's action; ClusterNetworkPolicy's Accept is read as "allow". A baseline rule never passes in v1alpha1. */
export type ClusterRuleAction = "allow" | "deny" | "pass";

/**
 * A peer of a cluster-wide policy's rule. `namespaces` is every pod of the namespaces selected;
 * `pods` the pods selected in them. `networks` are address blocks (egress only); `nodes` and
 * `domainNames` (egress only) name addresses Trustmap does not hold, so they match no pod and no
 * address it can place.
 */
export type ClusterPeer =
  | { readonly type: "namespaces"; readonly namespaceSelector: LabelSelector }
  | { readonly type: "pods"; readonly namespaceSelector: LabelSelector; readonly podSelector: LabelSelector }
  | { readonly type: "networks"; readonly cidrs: readonly string[] }
  | { readonly type: "nodes"; readonly nodeSelector: LabelSelector }
  | { readonly type: "domainNames"; readonly names: readonly string[] };

/** A port of a cluster-wide policy's rule: numbers of one protocol, or a container port's name (any protocol it is declared with). */
export type ClusterPort =
  | { readonly type: "number"; readonly protocol: Protocol; readonly from: number; readonly to: number }
  | { readonly type: "named"; readonly name: string };

export interface ClusterPolicyRule {
  /** The rule's own name ("" when it has none). */
  readonly name: string;
  readonly action: ClusterRuleAction;
  /** ORed; never empty (the API requires at least one). */
  readonly peers: readonly ClusterPeer[];
  /** Undefined: every port of every protocol (the field is not set). */
  readonly ports?: readonly ClusterPort[];
}

/**
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) or ClusterNetworkPolicy (v1alpha2),
 * cluster-scoped. The subject is the pods of the namespaces `namespaceSelector` selects, narrowed by
 * `podSelector` when the subject is written as `pods`.
 */
export interface ClusterNetworkPolicy {
  readonly kind: ClusterPolicyKind;
  readonly name: string;
  readonly tier: PolicyTier;
  /** 0 to 1000, lower first; a BaselineAdminNetworkPolicy (a singleton) has 0. */
  readonly priority: number;
  readonly subject: { readonly namespaceSelector: LabelSelector; readonly podSelector?: LabelSelector };
  readonly ingress: readonly ClusterPolicyRule[];
  readonly egress: readonly ClusterPolicyRule[];
}

/** "Kind/name" of a cluster-wide policy: its key in the engine and in messages. */
export function clusterPolicyRef(policy: { kind: string; name: string }): string {
  return `${policy.kind}/${policy.name}`;
}

/**
 * The order cluster-wide policies are evaluated in: by tier, then priority. Two policies of one
 * tier and priority have no order the API defines; Trustmap takes them by kind, then name, and
 * reports the tie as a finding.
 */
export function compareClusterPolicies(a: ClusterNetworkPolicy, b: ClusterNetworkPolicy): number {
  if (a.tier !== b.tier) return a.tier === "admin" ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ka = clusterPolicyRef(a);
  const kb = clusterPolicyRef(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export interface ServiceAccount {
  readonly namespace: string;
  readonly name: string;
  readonly automountServiceAccountToken?: boolean;
}

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface Role {
  readonly kind: "Role" | "ClusterRole";
  /** Absent for ClusterRoles. */
  readonly namespace?: string;
  readonly name: string;
  readonly labels: Labels;
  readonly rules: readonly PolicyRule[];
  /** ClusterRoles only: the selectors whose matching ClusterRoles' rules this role aggregates. */
  readonly aggregationSelectors?: readonly LabelSelector[];
}

export type SubjectKind = "User" | "Group" | "ServiceAccount";

export interface BindingSubject {
  readonly kind: SubjectKind;
  readonly name: string;
  /** ServiceAccount subjects only. */
  readonly namespace?: string;
}

export interface RoleBinding {
  readonly kind: "RoleBinding" | "ClusterRoleBinding";
  /** Absent for ClusterRoleBindings. */
  readonly namespace?: string;
  readonly name: string;
  readonly roleRef: { readonly kind: "Role" | "ClusterRole"; readonly name: string };
  readonly subjects: readonly BindingSubject[];
}

export interface Cluster {
  readonly namespaces: readonly Namespace[];
  readonly pods: readonly Pod[];
  readonly networkPolicies: readonly NetworkPolicy[];
  readonly serviceAccounts: readonly ServiceAccount[];
  readonly roles: readonly Role[];
  readonly bindings: readonly RoleBinding[];
  /** Admin and baseline tiers; absent where the input has none. */
  readonly clusterPolicies?: readonly ClusterNetworkPolicy[];
  /** Services, Ingresses, Gateways and routes; absent where the input has none. */
  readonly exposures?: readonly ExposingObject[];
}

// What publishes workloads outside the cluster.

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";

export interface ServicePort {
  readonly name?: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** The pods' port: a number, or the name of a container port (resolved pod by pod). */
  readonly targetPort: number | string;
  /** The port opened on every node (NodePort and LoadBalancer Services). */
  readonly nodePort?: number;
}

export interface Service {
  readonly kind: "Service";
  readonly namespace: string;
  readonly name: string;
  readonly type: ServiceType;
  /** The labels of the pods it sends to; absent (or empty) when its endpoints are managed elsewhere. */
  readonly selector?: Labels;
  readonly ports: readonly ServicePort[];
  readonly externalIPs: readonly string[];
  /** The addresses a load balancer admits (LoadBalancer Services; empty admits every address). */
  readonly loadBalancerSourceRanges: readonly string[];
}

/** A Service an Ingress or route sends to, in its own namespace or (routes) another. */
export interface BackendRef {
  readonly namespace: string;
  readonly name: string;
  /** The Service's port, by number or (Ingress) by name; absent: every port of the Service. */
  readonly port?: number | string;
}

/** One way in of an Ingress or route: the host and path it answers, and the Service it sends to. */
export interface ExposedRoute {
  /** Absent: every host. */
  readonly host?: string;
  /** Absent: every path (and every route of a TCP, TLS or UDP listener). */
  readonly path?: string;
  readonly backends: readonly BackendRef[];
}

export interface Ingress {
  readonly kind: "Ingress";
  readonly namespace: string;
  readonly name: string;
  /** spec.ingressClassName, or the kubernetes.io/ingress.class annotation. */
  readonly className?: string;
  readonly routes: readonly ExposedRoute[];
  /** The hosts it serves over TLS. */
  readonly tlsHosts: readonly string[];
}

export interface GatewayListener {
  readonly name: string;
  readonly port: number;
  /** HTTP, HTTPS, TLS, TCP, UDP (or an implementation's own). */
  readonly protocol: string;
  readonly hostname?: string;
  /** Which namespaces' routes may attach: the Gateway's own, all, or those a selector matches. */
  readonly routesFrom: "Same" | "All" | LabelSelector;
}

export interface Gateway {
  readonly kind: "Gateway";
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly listeners: readonly GatewayListener[];
}

export type RouteKind = "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute";

/** A Gateway a route attaches to, and the listener (by name or port) when it names one. */
export interface ParentRef {
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface Route {
  readonly kind: RouteKind;
  readonly namespace: string;
  readonly name: string;
  readonly parents: readonly ParentRef[];
  readonly hostnames: readonly string[];
  readonly routes: readonly ExposedRoute[];
}

export type ExposingObject = Service | Ingress | Gateway | Route;

export const EXPOSING_KINDS: readonly ExposureKind[] = EXPOSURE_KINDS;

/** "Kind/namespace/name". */
export function exposingRef(object: ExposingObject): string {
  return `${object.kind}/${object.namespace}/${object.name}`;
}

const refStrings = new WeakMap<ObjectRef, string>();

/** "Kind/namespace/name" or "Kind/name" (remembered per object: every finding of a pod cites it). */
export function refString(ref: ObjectRef): string {
  let text = refStrings.get(ref);
  if (text === undefined) {
    text =
      ref.namespace === undefined ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
    refStrings.set(ref, text);
  }
  return text;
}

export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

/** The kinds Trustmap reads, beside the workload kinds that stand for pods in offline input (the wire contract's list). */
export const READ_KINDS = KINDS_READ;
