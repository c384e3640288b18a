// fast-check generators of small random clusters, as manifests: namespaces, pods with named
// ports, NetworkPolicies using every peer and port form, roles, cluster roles (some aggregated)
// and bindings. Small pools of names and labels make selectors match often.
import fc from "fast-check";

type Json = Record<string, unknown>;

const NAMESPACES = ["ns0", "ns1", "ns2", "ns3"];
const LABEL_KEYS = ["app", "tier", "team"];
const LABEL_VALUES = ["a", "b", "c"];
const PORT_NAMES = ["http", "dns", "metrics"];

const labels = fc.dictionary(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES), {
  maxKeys: 3,
});

const requirement = fc.oneof(
  fc.record({
    key: fc.constantFrom(...LABEL_KEYS, "kubernetes.io/metadata.name"),
    operator: fc.constantFrom("In", "NotIn"),
    values: fc.uniqueArray(fc.constantFrom(...LABEL_VALUES, ...NAMESPACES), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ key: fc.constantFrom(...LABEL_KEYS), operator: fc.constantFrom("Exists", "DoesNotExist") }),
);

export const selector: fc.Arbitrary<Json> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: labels }),
  fc.record({ matchLabels: labels, matchExpressions: fc.array(requirement, { maxLength: 2 }) }),
);

const teamLabels = fc.record({ team: fc.constantFrom("a", "b") });

const namespaceSelector: fc.Arbitrary<Json> = fc.oneof(
  selector,
  fc.record({ matchLabels: teamLabels }),
  fc.record({ matchLabels: fc.record({ "kubernetes.io/metadata.name": fc.constantFrom(...NAMESPACES) }) }),
);

const containerPort = fc.record(
  {
    name: fc.constantFrom(...PORT_NAMES),
    containerPort: fc.constantFrom(53, 80, 443, 8080, 9090),
    protocol: fc.constantFrom("TCP", "UDP", "SCTP"),
  },
  { requiredKeys: ["containerPort"] },
);

export const podManifest = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    labels,
    ports: fc.uniqueArray(containerPort, {
      maxLength: 3,
      selector: (p) => p.name ?? `#${p.containerPort}${p.protocol}`,
    }),
  })
  .map(({ namespace, labels, ports }) => ({ namespace, labels, ports }));

const peer: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector }),
  fc.record({ podSelector: selector, namespaceSelector }),
  fc.record({
    ipBlock: fc.oneof(
      fc.constant({ cidr: "0.0.0.0/0" }),
      fc.constant({ cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] }),
      fc.constant({ cidr: "192.168.1.0/24" }),
      fc.constant({ cidr: "2001:db8::/32" }),
    ),
  }),
);

const policyPort: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ protocol: fc.constantFrom("TCP", "UDP", "SCTP") }, { requiredKeys: [] }),
  fc.record(
    { protocol: fc.constantFrom("TCP", "UDP", "SCTP"), port: fc.constantFrom(53, 80, 443, 8080, 9090) },
    { requiredKeys: ["port"] },
  ),
  fc
    .record({ port: fc.integer({ min: 1, max: 9000 }), span: fc.integer({ min: 0, max: 9000 }) })
    .map(({ port, span }) => ({ port, endPort: Math.min(65535, port + span) })),
  fc.record(
    { protocol: fc.constantFrom("TCP", "UDP", "SCTP"), port: fc.constantFrom(...PORT_NAMES, "absent") },
    { requiredKeys: ["port"] },
  ),
);

const rule = (key: "from" | "to"): fc.Arbitrary<Json> =>
  fc.record(
    { [key]: fc.array(peer, { maxLength: 3 }), ports: fc.array(policyPort, { maxLength: 3 }) },
    { requiredKeys: [] },
  );

const policyTypes = fc.oneof(
  fc.constant(undefined),
  fc.constant([]),
  fc.constant(["Ingress"]),
  fc.constant(["Egress"]),
  fc.constant(["Ingress", "Egress"]),
);

export const policyManifest = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  podSelector: selector,
  policyTypes,
  ingress: fc.option(fc.array(rule("from"), { maxLength: 3 }), { nil: undefined }),
  egress: fc.option(fc.array(rule("to"), { maxLength: 3 }), { nil: undefined }),
});

// Cluster-wide policies: AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and
// ClusterNetworkPolicy (v1alpha2), with every subject, peer, port and action form. Few priorities,
// so that ties and orders both occur.

const CLUSTER_KINDS = ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"] as const;
const NETWORKS = ["0.0.0.0/0", "::/0", "10.0.0.0/8", "10.1.0.0/16", "192.168.1.0/24", "2001:db8::/32"];

const clusterPeer = (direction: "ingress" | "egress"): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ namespaces: namespaceSelector }) },
    { weight: 3, arbitrary: fc.record({ pods: fc.record({ namespaceSelector, podSelector: selector }) }) },
    ...(direction === "egress"
      ? [
          {
            weight: 2,
            arbitrary: fc.record({
              networks: fc.uniqueArray(fc.constantFrom(...NETWORKS), { minLength: 1, maxLength: 2 }),
            }),
          },
          { weight: 1, arbitrary: fc.record({ nodes: selector }) },
          { weight: 1, arbitrary: fc.constant({ domainNames: ["example.com", "*.example.org"] }) },
        ]
      : []),
  );

/** A port in a neutral form: numbers of one protocol, or a name. */
const clusterPort = fc.oneof(
  fc.record({
    protocol: fc.constantFrom("TCP", "UDP", "SCTP"),
    from: fc.constantFrom(53, 80, 443, 8080, 9090),
  }),
  fc
    .record({
      protocol: fc.constantFrom("TCP", "UDP", "SCTP"),
      from: fc.integer({ min: 1, max: 9000 }),
      span: fc.integer({ min: 1, max: 9000 }),
    })
    .map(({ protocol, from, span }) => ({ protocol, from, to: Math.min(65535, from + span) })),
  fc.record({ name: fc.constantFrom(...PORT_NAMES, "absent") }),
);

const clusterRule = (direction: "ingress" | "egress") =>
  fc.record({
    name: fc.constantFrom("", "r"),
    action: fc.constantFrom("Allow", "Deny", "Pass"),
    peers: fc.array(clusterPeer(direction), { minLength: 1, maxLength: 3 }),
    ports: fc.option(fc.array(clusterPort, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  });

export const clusterPolicyManifestOf = (input: {
  kind: (typeof CLUSTER_KINDS)[number];
  name: string;
  tier: string;
  priority: number;
  subject: Json;
  ingress: { name: string; action: string; peers: Json[]; ports: Json[] | undefined }[];
  egress: { name: string; action: string; peers: Json[]; ports: Json[] | undefined }[];
}): Json => {
  const { kind } = input;
  const rule = (r: (typeof input.ingress)[number], key: "from" | "to"): Json => {
    // What the CRDs refuse is left out: Pass in the baseline of v1alpha1, domain names outside
    // Allow rules, named ports beside networks, nodes or domain names.
    const action =
      kind === "ClusterNetworkPolicy"
        ? r.action === "Allow"
          ? "Accept"
          : r.action
        : kind === "BaselineAdminNetworkPolicy" && r.action === "Pass"
          ? "Deny"
          : r.action;
    let peers =
      action === "Allow" || action === "Accept" ? r.peers : r.peers.filter((p) => !("domainNames" in p));
    if (peers.length === 0) peers = [{ namespaces: {} }];
    const addressed = peers.some((p) => "networks" in p || "nodes" in p || "domainNames" in p);
    const ports = (r.ports ?? []).filter((port) => !(addressed && "name" in port));
    const out: Json = { action, [key]: peers };
    if (r.name !== "") out.name = r.name;
    if (r.ports !== undefined && ports.length > 0) {
      out[kind === "ClusterNetworkPolicy" ? "protocols" : "ports"] = ports.map((port) => {
        if ("name" in port)
          return kind === "ClusterNetworkPolicy"
            ? { destinationNamedPort: port.name }
            : { namedPort: port.name };
        const to = (port.to as number | undefined) ?? (port.from as number);
        if (kind === "ClusterNetworkPolicy") {
          const destinationPort =
            to === port.from ? { number: port.from } : { range: { start: port.from, end: to } };
          return { [(port.protocol as string).toLowerCase()]: { destinationPort } };
        }
        return to === port.from
          ? { portNumber: { protocol: port.protocol, port: port.from } }
          : { portRange: { protocol: port.protocol, start: port.from, end: to } };
      });
    }
    return out;
  };
  const spec: Json = { subject: input.subject };
  if (kind !== "BaselineAdminNetworkPolicy") spec.priority = input.priority;
  if (kind === "ClusterNetworkPolicy") spec.tier = input.tier;
  if (input.ingress.length > 0) spec.ingress = input.ingress.map((r) => rule(r, "from"));
  if (input.egress.length > 0) spec.egress = input.egress.map((r) => rule(r, "to"));
  return {
    apiVersion:
      kind === "ClusterNetworkPolicy"
        ? "policy.networking.k8s.io/v1alpha2"
        : "policy.networking.k8s.io/v1alpha1",
    kind,
    metadata: { name: kind === "BaselineAdminNetworkPolicy" ? "default" : input.name },
    spec,
  };
};

export const clusterPolicyObject: fc.Arbitrary<Json> = fc
  .record({
    kind: fc.constantFrom(...CLUSTER_KINDS),
    name: fc.constantFrom("cp0", "cp1", "cp2"),
    tier: fc.constantFrom("Admin", "Baseline"),
    priority: fc.constantFrom(0, 5, 5, 10),
    subject: fc.oneof(
      fc.record({ namespaces: namespaceSelector }),
      fc.record({ pods: fc.record({ namespaceSelector, podSelector: selector }) }),
    ),
    ingress: fc.array(clusterRule("ingress"), { maxLength: 3 }),
    egress: fc.array(clusterRule("egress"), { maxLength: 3 }),
  })
  .map(clusterPolicyManifestOf);

/** A random cluster of namespaces, pods and policies, as manifests ready for parseCluster. */
export const networkCluster: fc.Arbitrary<Json[]> = fc
  .record({
    namespaces: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMESPACES), labels }), {
      maxLength: 4,
      selector: (n) => n.name,
    }),
    pods: fc.array(podManifest, { maxLength: 10 }),
    policies: fc.array(policyManifest, { maxLength: 5 }),
    clusterPolicies: fc.uniqueArray(clusterPolicyObject, {
      maxLength: 3,
      selector: (p) => `${p.kind}/${(p.metadata as Json).name}`,
    }),
  })
  .map(({ namespaces, pods, policies, clusterPolicies }) => [
    ...clusterPolicies,
    ...namespaces.map((n) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: n.name, labels: n.labels },
    })),
    ...pods.map((p, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { namespace: p.namespace, name: `pod${i}`, labels: p.labels },
      spec: { containers: [{ name: "main", image: "app:1", ports: p.ports }] },
    })),
    ...policies.map((p, i) => {
      const spec: Json = { podSelector: p.podSelector };
      if (p.policyTypes !== undefined) spec.policyTypes = p.policyTypes;
      if (p.ingress !== undefined) spec.ingress = p.ingress;
      if (p.egress !== undefined) spec.egress = p.egress;
      return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace: p.namespace, name: `np${i}` },
        spec,
      };
    }),
  ]);

// RBAC

const VERBS = ["get", "list", "create", "delete", "escalate", "*"];
const GROUPS = ["", "apps", "rbac.authorization.k8s.io", "*"];
const RESOURCES = [
  "pods",
  "pods/exec",
  "pods/*",
  "secrets",
  "deployments",
  "*/scale",
  "*",
  "serviceaccounts/token",
];

const policyRule: fc.Arbitrary<Json> = fc.oneof(
  fc.record(
    {
      verbs: fc.uniqueArray(fc.constantFrom(...VERBS), { minLength: 1, maxLength: 3 }),
      apiGroups: fc.uniqueArray(fc.constantFrom(...GROUPS), { minLength: 1, maxLength: 2 }),
      resources: fc.uniqueArray(fc.constantFrom(...RESOURCES), { minLength: 1, maxLength: 3 }),
      resourceNames: fc.uniqueArray(fc.constantFrom("x", "y"), { maxLength: 2 }),
    },
    { requiredKeys: ["verbs", "apiGroups", "resources"] },
  ),
  fc.record({
    verbs: fc.uniqueArray(fc.constantFrom("get", "post", "*"), { minLength: 1, maxLength: 2 }),
    nonResourceURLs: fc.uniqueArray(fc.constantFrom("/healthz", "/metrics", "/api/*", "/api/v1**", "*"), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
);

const ROLE_NAMES = ["r0", "r1", "r2", "r3"];
const SA_NAMES = ["default", "app", "ci"];

const subject: fc.Arbitrary<Json> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("ServiceAccount"),
      name: fc.constantFrom(...SA_NAMES),
      namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
    },
    { requiredKeys: ["kind", "name"] },
  ),
  fc.record({
    kind: fc.constant("User"),
    name: fc.constantFrom("alice", "system:serviceaccount:ns0:app", "system:anonymous"),
  }),
  fc.record({
    kind: fc.constant("Group"),
    name: fc.constantFrom(
      "devs",
      "system:serviceaccounts",
      "system:serviceaccounts:ns1",
      "system:authenticated",
    ),
  }),
);

export const rbacCluster: fc.Arbitrary<Json[]> = fc
  .record({
    serviceAccounts: fc.uniqueArray(
      fc.record({
        namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
        name: fc.constantFrom(...SA_NAMES),
      }),
      { maxLength: 5, selector: (s) => `${s.namespace}/${s.name}` },
    ),
    roles: fc.uniqueArray(
      fc.record({
        namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
        name: fc.constantFrom(...ROLE_NAMES),
        rules: fc.array(policyRule, { maxLength: 3 }),
      }),
      { maxLength: 4, selector: (r) => `${r.namespace}/${r.name}` },
    ),
    clusterRoles: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom(...ROLE_NAMES, "cluster-admin"),
        labels: fc.dictionary(fc.constantFrom("agg", "tier"), fc.constantFrom("a", "b"), { maxKeys: 2 }),
        rules: fc.array(policyRule, { maxLength: 3 }),
        aggregate: fc.option(
          fc.array(
            fc.record({
              matchLabels: fc.dictionary(fc.constantFrom("agg", "tier"), fc.constantFrom("a", "b"), {
                maxKeys: 1,
              }),
            }),
            { minLength: 1, maxLength: 2 },
          ),
          { nil: undefined },
        ),
      }),
      { maxLength: 5, selector: (r) => r.name },
    ),
    bindings: fc.array(
      fc.record({
        clusterWide: fc.boolean(),
        namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
        roleKind: fc.constantFrom("Role", "ClusterRole"),
        roleName: fc.constantFrom(...ROLE_NAMES, "cluster-admin", "missing"),
        subjects: fc.array(subject, { maxLength: 3 }),
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ serviceAccounts, roles, clusterRoles, bindings }) => [
    ...serviceAccounts.map((s) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: s })),
    ...roles.map((r) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { namespace: r.namespace, name: r.name },
      rules: r.rules.filter((rule) => !("nonResourceURLs" in rule)),
    })),
    ...clusterRoles.map((r) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: r.name, labels: r.labels },
      rules: r.rules,
      ...(r.aggregate === undefined ? {} : { aggregationRule: { clusterRoleSelectors: r.aggregate } }),
    })),
    ...bindings.map((b, i) => {
      const subjects = b.clusterWide
        ? b.subjects.map((s) =>
            s.kind === "ServiceAccount" && s.namespace === undefined ? { ...s, namespace: "ns2" } : s,
          )
        : b.subjects;
      return b.clusterWide
        ? {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: `crb${i}` },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.roleName },
            subjects,
          }
        : {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { namespace: b.namespace, name: `rb${i}` },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: b.roleKind, name: b.roleName },
            subjects,
          };
    }),
  ]);

// Single objects for random event sequences: names come from small pools, so that events hit
// objects that exist (ADDED on an existing name replaces it, DELETED of a missing one is a no-op).

const RBAC_API = "rbac.authorization.k8s.io/v1";

export const podObject: fc.Arbitrary<Json> = fc
  .record({
    pod: podManifest,
    name: fc.integer({ min: 0, max: 9 }),
    hash: fc.constantFrom("h1", "h2"),
    // A Deployment's ReplicaSet, a StatefulSet, or no owner: pods of one owner in several identities.
    owner: fc.constantFrom(undefined, "ReplicaSet web", "ReplicaSet db", "StatefulSet db"),
  })
  .map(({ pod, name, hash, owner }) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: pod.namespace,
      name: `pod${name}`,
      labels: { ...pod.labels, "pod-template-hash": hash },
      ...(owner === undefined ? {} : { ownerReferences: [ownerReference(owner, hash)] }),
    },
    spec: {
      serviceAccountName: SA_NAMES[name % SA_NAMES.length],
      containers: [{ name: "main", image: "app:1", ports: pod.ports }],
    },
  }));

function ownerReference(owner: string, hash: string): Json {
  const [kind, name] = owner.split(" ") as [string, string];
  return {
    apiVersion: "apps/v1",
    kind,
    name: kind === "ReplicaSet" ? `${name}-${hash}` : name,
    uid: `uid-${owner}`,
    controller: true,
  };
}

export const policyObject: fc.Arbitrary<Json> = fc
  .record({ policy: policyManifest, name: fc.integer({ min: 0, max: 4 }) })
  .map(({ policy: p, name }) => {
    const spec: Json = { podSelector: p.podSelector };
    if (p.policyTypes !== undefined) spec.policyTypes = p.policyTypes;
    if (p.ingress !== undefined) spec.ingress = p.ingress;
    if (p.egress !== undefined) spec.egress = p.egress;
    return {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { namespace: p.namespace, name: `np${name}` },
      spec,
    };
  });

export const namespaceObject: fc.Arbitrary<Json> = fc
  .record({ name: fc.constantFrom(...NAMESPACES), labels: fc.oneof(labels, teamLabels) })
  .map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: n.labels } }));

const serviceAccountObject: fc.Arbitrary<Json> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...SA_NAMES),
    automount: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map((s) => ({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { namespace: s.namespace, name: s.name },
    ...(s.automount === undefined ? {} : { automountServiceAccountToken: s.automount }),
  }));

const roleObject: fc.Arbitrary<Json> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
    name: fc.constantFrom(...ROLE_NAMES),
    rules: fc.array(policyRule, { maxLength: 3 }),
  })
  .map((r) => ({
    apiVersion: RBAC_API,
    kind: "Role",
    metadata: { namespace: r.namespace, name: r.name },
    rules: r.rules.filter((rule) => !("nonResourceURLs" in rule)),
  }));

const aggregationLabels = fc.dictionary(fc.constantFrom("agg", "tier"), fc.constantFrom("a", "b"), {
  maxKeys: 2,
});

const clusterRoleObject: fc.Arbitrary<Json> = fc
  .record({
    name: fc.constantFrom(...ROLE_NAMES, "cluster-admin"),
    labels: aggregationLabels,
    rules: fc.array(policyRule, { maxLength: 3 }),
    aggregate: fc.option(
      fc.array(
        fc.record({
          matchLabels: fc.dictionary(fc.constantFrom("agg", "tier"), fc.constantFrom("a", "b"), {
            maxKeys: 1,
          }),
        }),
        { minLength: 1, maxLength: 2 },
      ),
      { nil: undefined },
    ),
  })
  .map((r) => ({
    apiVersion: RBAC_API,
    kind: "ClusterRole",
    metadata: { name: r.name, labels: r.labels },
    rules: r.rules,
    ...(r.aggregate === undefined ? {} : { aggregationRule: { clusterRoleSelectors: r.aggregate } }),
  }));

const bindingObject: fc.Arbitrary<Json> = fc
  .record({
    clusterWide: fc.boolean(),
    namespace: fc.constantFrom(...NAMESPACES.slice(0, 3)),
    name: fc.integer({ min: 0, max: 4 }),
    roleKind: fc.constantFrom("Role", "ClusterRole"),
    roleName: fc.constantFrom(...ROLE_NAMES, "cluster-admin", "missing"),
    subjects: fc.array(subject, { maxLength: 3 }),
  })
  .map((b) => {
    const roleRef = (kind: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name: b.roleName });
    if (!b.clusterWide) {
      return {
        apiVersion: RBAC_API,
        kind: "RoleBinding",
        metadata: { namespace: b.namespace, name: `rb${b.name}` },
        roleRef: roleRef(b.roleKind),
        subjects: b.subjects,
      };
    }
    const subjects = b.subjects.map((s) =>
      s.kind === "ServiceAccount" && s.namespace === undefined ? { ...s, namespace: "ns2" } : s,
    );
    return {
      apiVersion: RBAC_API,
      kind: "ClusterRoleBinding",
      metadata: { name: `crb${b.name}` },
      roleRef: roleRef("ClusterRole"),
      subjects,
    };
  });

/** One object of any kind the live engine reads. */
export const anyObject: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: podObject },
  { weight: 3, arbitrary: policyObject },
  { weight: 2, arbitrary: clusterPolicyObject },
  { weight: 2, arbitrary: namespaceObject },
  { weight: 1, arbitrary: serviceAccountObject },
  { weight: 1, arbitrary: roleObject },
  { weight: 1, arbitrary: clusterRoleObject },
  { weight: 2, arbitrary: bindingObject },
);

/** A command of a random event sequence; the test turns it into a watch event on the current state. */
export type Command =
  | { readonly op: "ADDED" | "MODIFIED" | "DELETED"; readonly object: Json }
  | { readonly op: "RELIST"; readonly objects: Json[]; readonly keep: number }
  | { readonly op: "ROLLOUT"; readonly namespace: string; readonly app: string; readonly hash: string }
  | { readonly op: "SCALE"; readonly pick: number; readonly up: boolean };

export const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant("SCALE" as const), pick: fc.nat(), up: fc.boolean() }),
  },
  {
    weight: 8,
    arbitrary: fc.record({ op: fc.constantFrom("ADDED", "MODIFIED", "DELETED" as const), object: anyObject }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("RELIST" as const),
      objects: fc.array(anyObject, { maxLength: 6 }),
      keep: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("ROLLOUT" as const),
      namespace: fc.constantFrom(...NAMESPACES),
      app: fc.constantFrom(...LABEL_VALUES),
      hash: fc.constantFrom("h1", "h2", "h3"),
    }),
  },
);

// Exposure: Services, Ingresses, Gateways and routes over the names the other objects use.

const SERVICE_NAMES = ["web", "api", "db"];
const TARGET_PORTS: readonly (number | string)[] = [80, 443, 8080, ...PORT_NAMES];
const SOURCE_RANGES = ["203.0.113.0/24", "10.0.0.0/8"];

const servicePort = fc.record(
  {
    port: fc.constantFrom(80, 443),
    targetPort: fc.constantFrom(...TARGET_PORTS),
    protocol: fc.constantFrom("TCP", "UDP"),
  },
  { requiredKeys: ["port", "protocol"] },
);

export const serviceObject: fc.Arbitrary<Json> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom(...SERVICE_NAMES),
    type: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    // Mostly one label, so that selectors often find pods.
    selector: fc.oneof(
      { weight: 4, arbitrary: fc.record({ app: fc.constantFrom(...LABEL_VALUES) }) },
      { weight: 1, arbitrary: labels },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    ports: fc.uniqueArray(servicePort, {
      minLength: 1,
      maxLength: 2,
      selector: (p) => `${p.port}/${p.protocol}`,
    }),
    externalIPs: fc.subarray(["198.51.100.7", "2001:db8::7"]),
    ranges: fc.subarray(SOURCE_RANGES),
  })
  .map(({ namespace, name, type, selector, ports, externalIPs, ranges }) => {
    const spec: Json = {
      type,
      ports: ports.map((port, i) => ({
        ...port,
        name: `p${i}`,
        ...(type === "NodePort" || type === "LoadBalancer" ? { nodePort: 30000 + i } : {}),
      })),
    };
    if (type === "ExternalName") spec.externalName = "db.example.com";
    if (selector !== undefined) spec.selector = selector;
    if (type !== "ExternalName" && externalIPs.length > 0) spec.externalIPs = externalIPs;
    if (type === "LoadBalancer" && ranges.length > 0) spec.loadBalancerSourceRanges = ranges;
    return { apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec };
  });

const ingressBackend = fc.record({
  name: fc.constantFrom(...SERVICE_NAMES),
  port: fc.oneof(
    fc.record({ number: fc.constantFrom(80, 443) }),
    fc.record({ name: fc.constantFrom("p0", "p1") }),
  ),
});

export const ingressObject: fc.Arbitrary<Json> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.constantFrom("in0", "in1"),
    defaultBackend: fc.option(ingressBackend, { nil: undefined }),
    rules: fc.array(
      fc.record({ host: fc.constantFrom("a.example.com", "b.example.com"), backend: ingressBackend }),
      { minLength: 1, maxLength: 2 },
    ),
  })
  .map(({ namespace, name, defaultBackend, rules }) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { namespace, name },
    spec: {
      ...(defaultBackend === undefined ? {} : { defaultBackend: { service: defaultBackend } }),
      rules: rules.map((rule) => ({
        host: rule.host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: rule.backend } }] },
      })),
    },
  }));

export const gatewayObject: fc.Arbitrary<Json> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    from: fc.oneof(
      fc.constant<Json>({ from: "Same" }),
      fc.constant<Json>({ from: "All" }),
      fc.record({ from: fc.constant("Selector"), selector: fc.record({ matchLabels: teamLabels }) }),
    ),
    protocol: fc.constantFrom("HTTP", "TCP"),
  })
  .map(({ namespace, from, protocol }) => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { namespace, name: "gw" },
    spec: {
      gatewayClassName: "example",
      listeners: [{ name: "main", port: 80, protocol, allowedRoutes: { namespaces: from } }],
    },
  }));

export const routeObject: fc.Arbitrary<Json> = fc
  .record({
    kind: fc.constantFrom("HTTPRoute", "TCPRoute"),
    namespace: fc.constantFrom(...NAMESPACES),
    gatewayNamespace: fc.constantFrom(...NAMESPACES),
    backendNamespace: fc.option(fc.constantFrom(...NAMESPACES), { nil: undefined }),
    service: fc.constantFrom(...SERVICE_NAMES),
    port: fc.constantFrom(80, 443),
  })
  .map(({ kind, namespace, gatewayNamespace, backendNamespace, service, port }) => ({
    apiVersion: kind === "HTTPRoute" ? "gateway.networking.k8s.io/v1" : "gateway.networking.k8s.io/v1alpha2",
    kind,
    metadata: { namespace, name: "route" },
    spec: {
      parentRefs: [{ name: "gw", namespace: gatewayNamespace }],
      rules: [
        {
          backendRefs: [
            {
              name: service,
              port,
              ...(backendNamespace === undefined ? {} : { namespace: backendNamespace }),
            },
          ],
        },
      ],
    },
  }));

/** A pod of an ingress controller or of a Gateway's implementation. */
export const controllerPodObject: fc.Arbitrary<Json> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    gateway: fc.boolean(),
    team: fc.constantFrom("a", "b"),
    index: fc.nat(3),
  })
  .map(({ namespace, gateway, team, index }) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace,
      name: `controller${index}`,
      labels: gateway
        ? { "gateway.networking.k8s.io/gateway-name": "gw", team }
        : { "app.kubernetes.io/name": "ingress-nginx", team },
    },
    spec: { containers: [{ name: "main", image: "controller:1" }] },
  }));

/** One Service, Ingress, Gateway, route or controller pod. */
export const exposingObject: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: serviceObject },
  { weight: 3, arbitrary: ingressObject },
  { weight: 2, arbitrary: gatewayObject },
  { weight: 3, arbitrary: routeObject },
  { weight: 2, arbitrary: controllerPodObject },
);

/** A random network cluster with what publishes it. */
export const exposedCluster: fc.Arbitrary<Json[]> = fc
  .record({
    network: networkCluster,
    exposing: fc.uniqueArray(exposingObject, {
      maxLength: 8,
      selector: (o) => `${o.kind}/${(o.metadata as Json).namespace}/${(o.metadata as Json).name}`,
    }),
    backendPorts: fc.array(fc.uniqueArray(containerPort, { maxLength: 2, selector: (p) => p.name ?? "" }), {
      minLength: 8,
      maxLength: 8,
    }),
  })
  .map(({ network, exposing: generated, backendPorts }) => {
    const exposing = generated.map((object) => structuredClone(object));
    // Most Services find a pod of their own: one whose labels are the selector, with random ports.
    const backends = exposing.flatMap((object, i): Json[] => {
      const metadata = object.metadata as Json;
      const spec = object.spec as Json;
      // Most Ingresses and Gateways find their controller's pods.
      if ((object.kind === "Ingress" || object.kind === "Gateway") && i % 4 !== 3)
        return [
          {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
              namespace: object.kind === "Gateway" ? metadata.namespace : NAMESPACES[i % NAMESPACES.length],
              name: `controller-${object.kind.toLowerCase()}-${i}`,
              labels:
                object.kind === "Gateway"
                  ? { "gateway.networking.k8s.io/gateway-name": "gw", team: i % 2 === 0 ? "a" : "b" }
                  : { "app.kubernetes.io/name": "ingress-nginx", team: i % 2 === 0 ? "a" : "b" },
            },
            spec: { containers: [{ name: "main", image: "controller:1" }] },
          },
        ];
      if (object.kind !== "Service" || spec.selector === undefined || i % 3 === 2) return [];
      return [
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            namespace: metadata.namespace,
            name: `backend-${metadata.name}`,
            labels: spec.selector,
          },
          spec: { containers: [{ name: "main", image: "app:1", ports: backendPorts[i] }] },
        },
      ];
    });
    // Most Ingresses send their first rule to a Service of their own that selects a pod.
    const fronts = exposing.flatMap((object, i): Json[] => {
      if (object.kind !== "Ingress" || i % 4 === 3) return [];
      const metadata = object.metadata as Json;
      const rules = (object.spec as Json).rules as Json[];
      const first = rules[0] as { http: { paths: { backend: Json }[] } };
      first.http.paths[0]!.backend = { service: { name: `front${i}`, port: { number: 80 } } };
      const app = LABEL_VALUES[i % LABEL_VALUES.length]!;
      return [
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { namespace: metadata.namespace, name: `front${i}` },
          spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { namespace: metadata.namespace, name: `front${i}`, labels: { app } },
          spec: { containers: [{ name: "main", image: "app:1" }] },
        },
      ];
    });
    return [...network, ...exposing, ...backends, ...fronts];
  });
