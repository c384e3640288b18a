// A synthetic cluster that looks like real ones, and a stream of churn on it, deterministic
// under a seed. Teams own namespaces; deployments run replicas; most namespaces have a
// default-deny; allow rules select apps by label and other namespaces by team label; some
// egress goes to address blocks; roles and bindings per namespace and a few cluster-wide.

import { seededRandom } from "@trustmap/shared";
import type {
  ClusterNetworkPolicy,
  ExposingObject,
  Namespace,
  NetworkPolicy,
  Pod,
  PolicyRule,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
} from "../src/objects/model";
import { initialEvents, type WatchEvent } from "../src/state/cluster-state";

export interface Scale {
  readonly name: string;
  readonly pods: number;
  readonly namespaces: number;
  readonly policies: number;
  readonly bindings: number;
  /**
   * The workloads of one namespace far larger than the rest (a monolith's namespace), a pod each,
   * taken out of the pods the other namespaces share; none when absent.
   */
  readonly largeNamespace?: number;
}

export const SCALES: Readonly<Record<string, Scale>> = {
  S: { name: "S", pods: 1_000, namespaces: 50, policies: 250, bindings: 1_000 },
  M: { name: "M", pods: 10_000, namespaces: 500, policies: 2_500, bindings: 5_000 },
  L: { name: "L", pods: 50_000, namespaces: 2_500, policies: 15_000, bindings: 20_000 },
  XL: { name: "XL", pods: 150_000, namespaces: 10_000, policies: 40_000, bindings: 50_000 },
};

/**
 * A scale by name: one of SCALES, or one of them with a monolith's namespace of N workloads
 * (`L+5000`), whose pods are taken out of the others'. Undefined for any other name.
 */
export function scaleNamed(name: string): Scale | undefined {
  const match = /^([A-Z]+)(?:\+(\d+))?$/.exec(name);
  const base = match === null ? undefined : SCALES[match[1]!];
  if (match === null || base === undefined) return undefined;
  if (match[2] === undefined) return base;
  const large = Number(match[2]);
  return large > 0 && large < base.pods ? { ...base, name, largeNamespace: large } : undefined;
}

export interface SyntheticCluster {
  namespaces: Namespace[];
  pods: Pod[];
  policies: NetworkPolicy[];
  /** Admin and baseline tiers (none unless asked for). */
  clusterPolicies: ClusterNetworkPolicy[];
  /** Services and Ingresses that publish deployments (none unless asked for). */
  exposures: ExposingObject[];
  serviceAccounts: ServiceAccount[];
  roles: Role[];
  bindings: RoleBinding[];
}

const TIERS = ["web", "api", "worker", "db", "cache", "queue"];

interface Deployment {
  namespace: string;
  app: string;
  team: string;
  hash: string;
  replicas: number;
  serial: number;
}

function podOf(d: Deployment, index: number): Pod {
  return {
    namespace: d.namespace,
    name: `${d.app}-${d.hash}-${index}`,
    labels: { app: d.app, team: d.team, tier: d.app.replace(/\d+$/, ""), "pod-template-hash": d.hash },
    ports: [
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ],
    serviceAccountName: d.app,
    security: {
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      hostPathVolumes: [],
      runAsNonRoot: index % 2 === 0,
      containers: [{ name: d.app, image: `registry.example/${d.app}:1.${d.serial}`, capabilitiesAdd: [] }],
    },
    source: { kind: "Pod", namespace: d.namespace, name: `${d.app}-${d.hash}-${index}` },
    owner: { kind: "Deployment", namespace: d.namespace, name: d.app },
  };
}

const sel = (matchLabels: Record<string, string>) => ({ matchLabels, matchExpressions: [] });
const ALL = sel({});

function defaultDeny(namespace: string, withInternet: boolean): NetworkPolicy {
  return {
    namespace,
    name: "default-deny",
    podSelector: ALL,
    affectsIngress: true,
    affectsEgress: true,
    ingress: [],
    egress: [
      {
        peers: [{ type: "selector", namespaceSelector: ALL, podSelector: sel({ "k8s-app": "kube-dns" }) }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      { peers: [{ type: "selector", podSelector: ALL }], ports: [] },
      ...(withInternet
        ? [
            {
              peers: [{ type: "ipBlock" as const, cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }],
              ports: [{ protocol: "TCP" as const, port: 443 }],
            },
          ]
        : []),
    ],
  };
}

function allowPolicy(
  d: Deployment,
  name: string,
  from: string,
  otherTeam: string,
  variant: number,
  /** Whether metrics are open to every pod of the team's namespaces (its own included). */
  teamMetrics = true,
): NetworkPolicy {
  return {
    namespace: d.namespace,
    name,
    podSelector: sel({ app: d.app }),
    affectsIngress: true,
    affectsEgress: false,
    ingress: [
      {
        peers: [{ type: "selector", podSelector: sel({ app: from }) }],
        ports: [{ protocol: "TCP", port: "http" }],
      },
      ...(teamMetrics
        ? [
            {
              peers: [{ type: "selector" as const, namespaceSelector: sel({ team: d.team }) }],
              ports: [{ protocol: "TCP" as const, port: variant % 2 === 0 ? 9090 : "metrics" }],
            },
          ]
        : []),
      {
        peers: [
          {
            type: "selector",
            namespaceSelector: sel({ team: otherTeam }),
            podSelector: sel({ tier: "web" }),
          },
        ],
        ports: [{ protocol: "TCP", port: 8000 + (variant % 50), endPort: 8100 }],
      },
    ],
    egress: [],
  };
}

export class SyntheticWorld {
  readonly cluster: SyntheticCluster;
  private readonly next: () => number;
  private readonly deployments: Deployment[] = [];
  private readonly teams: number;
  private serial = 0;
  private namespaceSerial: number;

  constructor(
    readonly scale: Scale,
    seed = 1,
    /** How many admin and baseline policies the cluster holds (ANP, BANP and ClusterNetworkPolicy). */
    clusterPolicies = 0,
    /** How many deployments are published (by turns a LoadBalancer, a NodePort, an Ingress to a ClusterIP Service). */
    exposures = 0,
  ) {
    this.next = seededRandom(seed);
    this.teams = Math.max(2, Math.round(scale.namespaces / 5));
    this.namespaceSerial = scale.namespaces;
    this.cluster = {
      namespaces: [],
      pods: [],
      policies: [],
      clusterPolicies: [],
      exposures: [],
      serviceAccounts: [],
      roles: [],
      bindings: [],
    };
    this.build();
    for (let i = 0; i < clusterPolicies; i++) this.cluster.clusterPolicies.push(this.clusterPolicy(i));
    if (exposures > 0) this.publish(exposures);
  }

  /**
   * Publishes deployments as clusters do: the first ones (spread over the namespaces) each get a
   * Service on port 80 to their http port, by turns a LoadBalancer, a NodePort, or a ClusterIP
   * Service behind an Ingress; and an ingress controller runs in its own namespace, itself behind a
   * LoadBalancer.
   */
  private publish(count: number): void {
    const controller: Deployment = {
      namespace: "ingress-nginx",
      app: "ingress-nginx",
      team: "platform",
      hash: this.hash(),
      replicas: 3,
      serial: 0,
    };
    this.cluster.namespaces.push({
      name: "ingress-nginx",
      labels: { "kubernetes.io/metadata.name": "ingress-nginx" },
      annotations: {},
      declared: true,
    });
    for (let i = 0; i < controller.replicas; i++) {
      const pod = podOf(controller, i);
      this.cluster.pods.push({
        ...pod,
        labels: { ...pod.labels, "app.kubernetes.io/name": "ingress-nginx" },
      });
    }
    const service = (d: Deployment, type: Service["type"], name: string): Service => ({
      kind: "Service",
      namespace: d.namespace,
      name,
      type,
      selector: { app: d.app },
      ports: [
        {
          name: "http",
          protocol: "TCP",
          port: 80,
          targetPort: "http",
          ...(type === "ClusterIP" ? {} : { nodePort: 30000 + (this.serial++ % 2000) }),
        },
      ],
      externalIPs: [],
      loadBalancerSourceRanges: [],
    });
    this.cluster.exposures.push(service(controller, "LoadBalancer", "ingress-nginx-controller"));
    const step = Math.max(1, Math.floor(this.deployments.length / count));
    for (let i = 0; i < count && i * step < this.deployments.length; i++) {
      const d = this.deployments[i * step]!;
      const name = `${d.app}-public`;
      if (i % 3 < 2) {
        this.cluster.exposures.push(service(d, i % 3 === 0 ? "LoadBalancer" : "NodePort", name));
        continue;
      }
      this.cluster.exposures.push(service(d, "ClusterIP", name));
      this.cluster.exposures.push({
        kind: "Ingress",
        namespace: d.namespace,
        name,
        className: "nginx",
        routes: [
          {
            host: `${d.app}.${d.namespace}.example.com`,
            path: "/",
            backends: [{ namespace: d.namespace, name, port: 80 }],
          },
        ],
        tlsHosts: [],
      });
    }
  }

  /**
   * A cluster-wide policy as platform teams write them, by turns: a team's admin policy (its
   * namespaces accept their own team on 8080 and 9090 and pass kube-system, and deny dev
   * namespaces; their egress to the internet denied but to a corporate block on 443), a
   * ClusterNetworkPolicy guarding one tier of the prod namespaces from dev, a baseline one
   * denying a team's namespaces to the rest; and, first, the cluster's one
   * BaselineAdminNetworkPolicy, a default deny of ingress from other namespaces.
   */
  private clusterPolicy(i: number): ClusterNetworkPolicy {
    const team = `team${i % this.teams}`;
    const byName = (name: string) => sel({ "kubernetes.io/metadata.name": name });
    const port = (from: number, to = from) => ({
      type: "number" as const,
      protocol: "TCP" as const,
      from,
      to,
    });
    if (i === 0)
      return {
        kind: "BaselineAdminNetworkPolicy",
        name: "default",
        tier: "baseline",
        priority: 0,
        subject: { namespaceSelector: sel({}) },
        ingress: [
          {
            name: "deny-other-namespaces",
            action: "deny",
            peers: [
              {
                type: "namespaces",
                namespaceSelector: {
                  matchLabels: {},
                  matchExpressions: [{ key: "team", operator: "DoesNotExist", values: [] }],
                },
              },
            ],
          },
        ],
        egress: [],
      };
    if (i % 3 === 1)
      return {
        kind: "AdminNetworkPolicy",
        name: `${team}-guard-${i}`,
        tier: "admin",
        priority: i % 1000,
        subject: { namespaceSelector: sel({ team }) },
        ingress: [
          {
            name: "own-team",
            action: "allow",
            peers: [{ type: "namespaces", namespaceSelector: sel({ team }) }],
            ports: [port(8080), port(9090)],
          },
          {
            name: "system",
            action: "pass",
            peers: [{ type: "namespaces", namespaceSelector: byName("kube-system") }],
          },
          {
            name: "no-dev",
            action: "deny",
            peers: [{ type: "namespaces", namespaceSelector: sel({ env: "dev" }) }],
          },
        ],
        egress: [
          {
            name: "corporate",
            action: "allow",
            peers: [{ type: "networks", cidrs: ["10.0.0.0/8"] }],
            ports: [port(443)],
          },
          {
            name: "no-internet",
            action: "deny",
            peers: [{ type: "networks", cidrs: ["192.0.2.0/24", "198.51.100.0/24"] }],
          },
        ],
      };
    if (i % 3 === 2)
      return {
        kind: "ClusterNetworkPolicy",
        name: `prod-${TIERS[i % TIERS.length]}-${i}`,
        tier: "admin",
        priority: (i * 7) % 1000,
        subject: {
          namespaceSelector: sel({ env: "prod" }),
          podSelector: sel({ tier: TIERS[i % TIERS.length]! }),
        },
        ingress: [
          {
            name: "from-dev",
            action: "deny",
            peers: [{ type: "pods", namespaceSelector: sel({ env: "dev" }), podSelector: sel({}) }],
            ports: [port(1, 1024)],
          },
        ],
        egress: [],
      };
    return {
      kind: "ClusterNetworkPolicy",
      name: `${team}-baseline-${i}`,
      tier: "baseline",
      priority: i % 1000,
      subject: { namespaceSelector: sel({ team }) },
      ingress: [
        {
          name: "others",
          action: "deny",
          peers: [
            {
              type: "namespaces",
              namespaceSelector: {
                matchLabels: {},
                matchExpressions: [{ key: "team", operator: "NotIn", values: [team] }],
              },
            },
          ],
        },
      ],
      egress: [],
    };
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  private hash(): string {
    return Math.floor(this.next() * 2 ** 31).toString(36);
  }

  private build(): void {
    const { scale, cluster } = this;
    // The large namespace, when there is one, is the first (a policy per ten workloads); the
    // others share the rest of the pods and policies.
    const large = scale.largeNamespace ?? 0;
    const largePolicies = Math.round(large / 10);
    const others = scale.namespaces - (large > 0 ? 1 : 0);
    const podsPerNs = (scale.pods - large) / others;
    const policiesPerNs = (scale.policies - largePolicies) / others;
    const bindingsPerNs = (scale.bindings - 10) / scale.namespaces;
    cluster.namespaces.push({
      name: "kube-system",
      labels: { "kubernetes.io/metadata.name": "kube-system" },
      annotations: {},
      declared: true,
    });
    for (let i = 0; i < 2; i++) {
      cluster.pods.push({
        ...podOf(
          { namespace: "kube-system", app: "coredns", team: "platform", hash: "dns", replicas: 2, serial: 0 },
          i,
        ),
        labels: { "k8s-app": "kube-dns", "pod-template-hash": "dns" },
      });
    }
    let podBudget = 0;
    let policyBudget = 0;
    let bindingBudget = 0;
    for (let n = 0; n < scale.namespaces; n++) {
      podBudget += podsPerNs;
      policyBudget += policiesPerNs;
      bindingBudget += bindingsPerNs;
      const namespace = `team${n % this.teams}-ns${n}`;
      const team = `team${n % this.teams}`;
      if (n === 0 && large > 0) {
        this.addNamespace(`${team}-large`, team, large, largePolicies, Math.floor(bindingBudget), 1);
        podBudget -= podsPerNs;
        policyBudget -= policiesPerNs;
        bindingBudget -= Math.floor(bindingBudget);
        continue;
      }
      this.addNamespace(
        namespace,
        team,
        Math.floor(podBudget),
        Math.floor(policyBudget),
        Math.floor(bindingBudget),
      );
      podBudget -= Math.floor(podBudget);
      policyBudget -= Math.floor(policyBudget);
      bindingBudget -= Math.floor(bindingBudget);
    }
    const clusterRules: PolicyRule[] = [
      {
        verbs: ["get", "list", "watch"],
        apiGroups: ["", "apps"],
        resources: ["pods", "deployments", "services"],
        resourceNames: [],
        nonResourceURLs: [],
      },
    ];
    cluster.roles.push({ kind: "ClusterRole", name: "view", labels: {}, rules: clusterRules });
    cluster.roles.push({
      kind: "ClusterRole",
      name: "secrets-reader",
      labels: { "aggregate-to-ops": "true" },
      rules: [
        { verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: [], nonResourceURLs: [] },
      ],
    });
    cluster.roles.push({
      kind: "ClusterRole",
      name: "ops",
      labels: {},
      rules: [],
      aggregationSelectors: [sel({ "aggregate-to-ops": "true" })],
    });
    for (let i = 0; i < 10; i++) {
      cluster.bindings.push({
        kind: "ClusterRoleBinding",
        name: `cluster-wide-${i}`,
        roleRef: { kind: "ClusterRole", name: i === 0 ? "ops" : "view" },
        subjects: [
          i === 1 ? { kind: "Group", name: "system:authenticated" } : { kind: "Group", name: `team${i}` },
        ],
      });
    }
  }

  private addNamespace(
    namespace: string,
    team: string,
    pods: number,
    policies: number,
    bindings: number,
    /**
     * Pods per deployment (1 to 5 at random when absent). A namespace of one pod per deployment is a
     * monolith's: its policies name the apps that may call, and leave its metrics to those, so that
     * its thousands of workloads are not all allowed to reach each other.
     */
    replicasEach?: number,
  ): void {
    const { cluster } = this;
    cluster.namespaces.push({
      name: namespace,
      labels: { "kubernetes.io/metadata.name": namespace, team, env: this.pick(["prod", "staging", "dev"]) },
      annotations: {},
      declared: true,
    });
    const here: Deployment[] = [];
    let left = pods;
    for (let d = 0; left > 0; d++) {
      const replicas = Math.min(left, replicasEach ?? 1 + Math.floor(this.next() * 5));
      const deployment: Deployment = {
        namespace,
        app: `${TIERS[d % TIERS.length]}${Math.floor(d / TIERS.length)}`,
        team,
        hash: this.hash(),
        replicas,
        serial: this.serial++,
      };
      left -= replicas;
      here.push(deployment);
      this.deployments.push(deployment);
      for (let r = 0; r < replicas; r++) cluster.pods.push(podOf(deployment, r));
      cluster.serviceAccounts.push({ namespace, name: deployment.app });
    }
    const withDefaultDeny = policies > 0 && this.next() < 0.85;
    if (withDefaultDeny) cluster.policies.push(defaultDeny(namespace, this.next() < 0.3));
    for (let p = withDefaultDeny ? 1 : 0; p < policies; p++) {
      const target = here[p % Math.max(1, here.length)];
      if (target === undefined) break;
      const from = here[(p + 1) % here.length]!.app;
      cluster.policies.push(
        allowPolicy(
          target,
          `allow-${target.app}-${p}`,
          from,
          `team${Math.floor(this.next() * this.teams)}`,
          p,
          replicasEach === undefined,
        ),
      );
    }
    cluster.roles.push({
      kind: "Role",
      namespace,
      name: "deployer",
      labels: {},
      rules: [
        {
          verbs: ["get", "list", "update", "patch"],
          apiGroups: ["apps"],
          resources: ["deployments"],
          resourceNames: [],
          nonResourceURLs: [],
        },
      ],
    });
    for (let b = 0; b < bindings; b++) {
      const account = here[b % Math.max(1, here.length)]?.app ?? "default";
      cluster.bindings.push({
        kind: "RoleBinding",
        namespace,
        name: `binding-${b}`,
        roleRef: b % 3 === 2 ? { kind: "ClusterRole", name: "view" } : { kind: "Role", name: "deployer" },
        subjects: [
          { kind: "ServiceAccount", namespace, name: account },
          ...(b % 4 === 0 ? [{ kind: "Group" as const, name: team }] : []),
          ...(b % 5 === 0 ? [{ kind: "User" as const, name: `user${b}@${team}` }] : []),
        ],
      });
    }
  }

  /** The initial lists, as the relist events of a fresh watch. */
  initialEvents(): WatchEvent[] {
    const { cluster } = this;
    return initialEvents({
      namespaces: cluster.namespaces,
      pods: cluster.pods,
      networkPolicies: cluster.policies,
      clusterPolicies: cluster.clusterPolicies,
      exposures: cluster.exposures,
      serviceAccounts: cluster.serviceAccounts,
      roles: cluster.roles,
      bindings: cluster.bindings,
    });
  }

  /** A rollout of a deployment picked at random: its first new pod makes a new identity. */
  rollout(): WatchEvent[] {
    return this.rolloutOf(this.pick(this.deployments));
  }

  /** New pods with a new pod-template-hash, each followed by one old pod going. */
  private rolloutOf(d: Deployment): WatchEvent[] {
    const old = Array.from({ length: d.replicas }, (_, i) => podOf(d, i));
    d.hash = this.hash();
    const fresh = Array.from({ length: d.replicas }, (_, i) => podOf(d, i));
    const events: WatchEvent[] = [];
    fresh.forEach((pod, i) => {
      events.push({ type: "ADDED", kind: "Pod", object: pod });
      events.push({ type: "DELETED", kind: "Pod", object: old[i]! });
    });
    return events;
  }

  /**
   * The next burst of churn, as watch events: a rollout (new pods with a new pod-template-hash,
   * then the old ones go), a scale up or down, a policy edit, a binding edit, or a namespace
   * created or deleted with what it holds.
   */
  churn(): {
    kind: "pod" | "policy" | "rbac" | "namespace" | "clusterPolicy" | "exposure";
    events: WatchEvent[];
  } {
    const services = this.cluster.exposures.filter((o): o is Service => o.kind === "Service");
    if (services.length > 0 && this.next() < 0.02) {
      // A published Service edited: its target moved between the http and the metrics port.
      const index = Math.floor(this.next() * services.length);
      const service = services[index]!;
      const port = service.ports[0]!;
      const edited: Service = {
        ...service,
        ports: [{ ...port, targetPort: port.targetPort === "http" ? 9090 : "http" }],
      };
      this.cluster.exposures[this.cluster.exposures.indexOf(service)] = edited;
      return { kind: "exposure", events: [{ type: "MODIFIED", kind: "Service", object: edited }] };
    }
    if (this.cluster.clusterPolicies.length > 0 && this.next() < 0.03) {
      // A cluster-wide policy edited: its priority moved (reordering its tier), or put back as it was.
      const index = Math.floor(this.next() * this.cluster.clusterPolicies.length);
      const policy = this.cluster.clusterPolicies[index]!;
      const edited = {
        ...policy,
        priority: policy.kind === "BaselineAdminNetworkPolicy" ? 0 : Math.floor(this.next() * 1000),
      };
      this.cluster.clusterPolicies[index] = edited;
      return { kind: "clusterPolicy", events: [{ type: "MODIFIED", kind: edited.kind, object: edited }] };
    }
    const roll = this.next();
    const d = this.pick(this.deployments);
    if (roll < 0.35) return { kind: "pod", events: this.rolloutOf(d) };
    if (roll < 0.6) {
      if (this.next() < 0.5 || d.replicas <= 1) {
        d.replicas++;
        return { kind: "pod", events: [{ type: "ADDED", kind: "Pod", object: podOf(d, d.replicas - 1) }] };
      }
      d.replicas--;
      return { kind: "pod", events: [{ type: "DELETED", kind: "Pod", object: podOf(d, d.replicas) }] };
    }
    if (roll < 0.8) {
      const policy = allowPolicy(
        d,
        `allow-${d.app}-edit`,
        `${this.pick(TIERS)}0`,
        `team${Math.floor(this.next() * this.teams)}`,
        Math.floor(this.next() * 100),
      );
      return {
        kind: "policy",
        events: [{ type: this.next() < 0.8 ? "ADDED" : "DELETED", kind: "NetworkPolicy", object: policy }],
      };
    }
    if (roll < 0.97) {
      const binding: RoleBinding = {
        kind: "RoleBinding",
        namespace: d.namespace,
        name: "churn-binding",
        roleRef:
          this.next() < 0.5 ? { kind: "Role", name: "deployer" } : { kind: "ClusterRole", name: "view" },
        subjects: [
          { kind: "ServiceAccount", namespace: d.namespace, name: d.app },
          { kind: "User", name: `user${this.serial++}` },
        ],
      };
      return {
        kind: "rbac",
        events: [{ type: this.next() < 0.8 ? "ADDED" : "DELETED", kind: "RoleBinding", object: binding }],
      };
    }
    const name = `churn-ns${this.namespaceSerial++}`;
    const team = `team${Math.floor(this.next() * this.teams)}`;
    const namespace: Namespace = {
      name,
      labels: { "kubernetes.io/metadata.name": name, team },
      annotations: {},
      declared: true,
    };
    const deployment: Deployment = {
      namespace: name,
      app: "web0",
      team,
      hash: this.hash(),
      replicas: 2,
      serial: this.serial++,
    };
    const pods = [podOf(deployment, 0), podOf(deployment, 1)];
    const policy = defaultDeny(name, false);
    return {
      kind: "namespace",
      events: [
        { type: "ADDED", kind: "Namespace", object: namespace },
        { type: "ADDED", kind: "NetworkPolicy", object: policy },
        ...pods.map((object): WatchEvent => ({ type: "ADDED", kind: "Pod", object })),
        ...pods.map((object): WatchEvent => ({ type: "DELETED", kind: "Pod", object })),
        { type: "DELETED", kind: "NetworkPolicy", object: policy },
        { type: "DELETED", kind: "Namespace", object: namespace },
      ],
    };
  }
}
