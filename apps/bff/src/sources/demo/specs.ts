// The workloads of the demo company: every team app in every environment it runs in, and the
// platform components a real cluster carries (CNI agent, DNS, ingress, monitoring, logging…),
// with the security contexts their upstream charts really ship.

import { type AppSpec, type Env, type PortSpec, TEAMS, type TeamSpec, teamNamespace } from "./catalog";
import type { JsonMap, Labels } from "./manifest";
import type { FixedContainer, WorkloadSpec } from "./workloads";

/** Meets the restricted Pod Security Standard. */
const RESTRICTED_POD: JsonMap = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  fsGroup: 10001,
  seccompProfile: { type: "RuntimeDefault" },
};

const RESTRICTED_CONTAINER: JsonMap = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

const ISTIO_PROXY: FixedContainer = {
  name: "istio-proxy",
  image: "docker.io/istio/proxyv2:1.22.1",
  ports: [{ name: "http-envoy-prom", port: 15090 }],
  securityContext: { ...RESTRICTED_CONTAINER, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 },
};

/** Elasticsearch's bootstrap check needs vm.max_map_count raised on the node: a privileged init container. */
const SYSCTL_INIT: FixedContainer = {
  name: "sysctl",
  image: "docker.io/library/busybox:1.36",
  ports: [],
  securityContext: { privileged: true, runAsUser: 0 },
};

export function meshed(team: TeamSpec, env: Env): boolean {
  return team.meshInProd === true && env === "prod";
}

function appSecurity(app: AppSpec): { pod?: JsonMap; container?: JsonMap } {
  switch (app.hardening ?? "restricted") {
    case "restricted":
      return { pod: RESTRICTED_POD, container: RESTRICTED_CONTAINER };
    case "root":
      return { pod: { seccompProfile: { type: "RuntimeDefault" } }, container: { runAsUser: 0 } };
    case "unset":
      return {};
  }
}

export function appLabels(team: string, app: AppSpec): Labels {
  return {
    app: app.app,
    tier: app.tier,
    team,
    "app.kubernetes.io/name": app.app,
    "app.kubernetes.io/part-of": team,
  };
}

function appWorkload(team: TeamSpec, app: AppSpec, env: Env): WorkloadSpec {
  const security = appSecurity(app);
  return {
    namespace: teamNamespace(team.team, env),
    name: app.app,
    controller: app.controller ?? "Deployment",
    labels: appLabels(team.team, app),
    versionLabel: true,
    serviceAccount: app.app,
    // Teams that thought about it turn the token off for apps that never call the API.
    ...(app.hardening === "unset" || app.usesApi === true ? {} : { automountToken: false }),
    main: {
      name: app.app,
      repository: app.image,
      pinned: app.pinned === true,
      ports: app.ports,
      ...(security.container === undefined ? {} : { securityContext: security.container }),
    },
    sidecars: meshed(team, env) ? [ISTIO_PROXY] : [],
    initContainers: app.privilegedInit === true ? [SYSCTL_INIT] : [],
    ...(security.pod === undefined ? {} : { podSecurityContext: security.pod }),
    hostNetwork: false,
    hostPID: false,
    hostPaths: [],
    version: app.version,
    replicas: app.replicas[env],
  };
}

export function teamWorkloads(): WorkloadSpec[] {
  return TEAMS.flatMap((team) =>
    team.envs.flatMap((env) =>
      team.apps.filter((app) => app.replicas[env] > 0).map((app) => appWorkload(team, app, env)),
    ),
  );
}

interface ComponentOptions {
  readonly namespace: string;
  readonly name: string;
  readonly controller: WorkloadSpec["controller"];
  readonly labels: Labels;
  readonly image: string;
  readonly version: string;
  readonly ports: readonly PortSpec[];
  readonly replicas?: number;
  readonly pinned?: boolean;
  readonly serviceAccount?: string;
  readonly container?: JsonMap;
  readonly pod?: JsonMap;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostPaths?: readonly string[];
  readonly automountToken?: boolean;
}

function component(options: ComponentOptions): WorkloadSpec {
  return {
    namespace: options.namespace,
    name: options.name,
    controller: options.controller,
    labels: options.labels,
    versionLabel: false,
    serviceAccount: options.serviceAccount ?? options.name,
    ...(options.automountToken === undefined ? {} : { automountToken: options.automountToken }),
    main: {
      name: options.name,
      repository: options.image,
      pinned: options.pinned === true,
      ports: options.ports,
      ...(options.container === undefined ? {} : { securityContext: options.container }),
    },
    sidecars: [],
    initContainers: [],
    ...(options.pod === undefined ? {} : { podSecurityContext: options.pod }),
    hostNetwork: options.hostNetwork === true,
    hostPID: options.hostPID === true,
    hostPaths: options.hostPaths ?? [],
    version: options.version,
    replicas: options.replicas ?? 1,
  };
}

const NON_ROOT = (user: number): JsonMap => ({ runAsNonRoot: true, runAsUser: user, runAsGroup: user });

function kubeSystem(): WorkloadSpec[] {
  const namespace = "kube-system";
  return [
    // The CNI agent programs the node's network: privileged, host network, host paths.
    component({
      namespace,
      name: "cilium",
      controller: "DaemonSet",
      labels: { "k8s-app": "cilium" },
      image: "quay.io/cilium/cilium",
      version: "v1.15.6",
      pinned: true,
      ports: [
        { name: "health", port: 4240 },
        { name: "metrics", port: 9962 },
      ],
      container: { privileged: true },
      hostNetwork: true,
      hostPaths: ["/sys/fs/bpf", "/var/run/cilium", "/lib/modules", "/run/xtables.lock"],
    }),
    component({
      namespace,
      name: "kube-proxy",
      controller: "DaemonSet",
      labels: { "k8s-app": "kube-proxy" },
      image: "registry.k8s.io/kube-proxy",
      version: "v1.29.4",
      ports: [{ name: "metrics", port: 10249 }],
      container: { privileged: true },
      hostNetwork: true,
      hostPaths: ["/lib/modules", "/run/xtables.lock"],
    }),
    component({
      namespace,
      name: "coredns",
      controller: "Deployment",
      labels: { "k8s-app": "kube-dns" },
      image: "registry.k8s.io/coredns/coredns",
      version: "v1.11.1",
      replicas: 2,
      ports: [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53 },
        { name: "metrics", port: 9153 },
      ],
      container: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
      },
    }),
    component({
      namespace,
      name: "metrics-server",
      controller: "Deployment",
      labels: { "k8s-app": "metrics-server" },
      image: "registry.k8s.io/metrics-server/metrics-server",
      version: "v0.7.1",
      ports: [{ name: "https", port: 10250 }],
      container: { ...RESTRICTED_CONTAINER, ...NON_ROOT(1000) },
    }),
    component({
      namespace,
      name: "cilium-operator",
      controller: "Deployment",
      labels: { "io.cilium/app": "operator", name: "cilium-operator" },
      image: "quay.io/cilium/operator-generic",
      version: "v1.15.6",
      pinned: true,
      replicas: 2,
      ports: [{ name: "metrics", port: 9963 }],
      hostNetwork: true,
    }),
  ];
}

function observability(): WorkloadSpec[] {
  const namespace = "monitoring";
  const name = (value: string): Labels => ({
    "app.kubernetes.io/name": value,
    "app.kubernetes.io/part-of": "kube-prometheus",
  });
  return [
    component({
      namespace,
      name: "prometheus-k8s",
      controller: "StatefulSet",
      labels: name("prometheus"),
      serviceAccount: "prometheus",
      image: "quay.io/prometheus/prometheus",
      version: "v2.52.0",
      replicas: 2,
      ports: [{ name: "web", port: 9090 }],
      pod: NON_ROOT(1000),
      container: RESTRICTED_CONTAINER,
    }),
    component({
      namespace,
      name: "alertmanager-main",
      controller: "StatefulSet",
      labels: name("alertmanager"),
      serviceAccount: "alertmanager",
      image: "quay.io/prometheus/alertmanager",
      version: "v0.27.0",
      replicas: 3,
      ports: [
        { name: "web", port: 9093 },
        { name: "mesh-tcp", port: 9094 },
      ],
      pod: NON_ROOT(1000),
      container: RESTRICTED_CONTAINER,
      automountToken: false,
    }),
    component({
      namespace,
      name: "grafana",
      controller: "Deployment",
      labels: name("grafana"),
      image: "docker.io/grafana/grafana",
      version: "10.4.2",
      ports: [{ name: "http", port: 3000 }],
      pod: NON_ROOT(472),
      container: RESTRICTED_CONTAINER,
      automountToken: false,
    }),
    component({
      namespace,
      name: "kube-state-metrics",
      controller: "Deployment",
      labels: name("kube-state-metrics"),
      image: "registry.k8s.io/kube-state-metrics/kube-state-metrics",
      version: "v2.12.0",
      ports: [
        { name: "metrics", port: 8080 },
        { name: "telemetry", port: 8081 },
      ],
      pod: NON_ROOT(65534),
      container: RESTRICTED_CONTAINER,
    }),
    // Reads the node's /proc and /sys: host PID, host network and host paths by design.
    component({
      namespace,
      name: "node-exporter",
      controller: "DaemonSet",
      labels: name("node-exporter"),
      image: "quay.io/prometheus/node-exporter",
      version: "v1.8.1",
      ports: [{ name: "metrics", port: 9100 }],
      pod: NON_ROOT(65534),
      container: RESTRICTED_CONTAINER,
      hostNetwork: true,
      hostPID: true,
      hostPaths: ["/proc", "/sys", "/"],
      automountToken: false,
    }),
    // The log shipper reads every container's logs from the node, as root.
    component({
      namespace: "logging",
      name: "fluent-bit",
      controller: "DaemonSet",
      labels: { "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit" },
      image: "cr.fluentbit.io/fluent/fluent-bit",
      version: "3.0.7",
      ports: [{ name: "http", port: 2020 }],
      container: { runAsUser: 0, readOnlyRootFilesystem: true },
      hostPaths: ["/var/log", "/var/lib/docker/containers", "/etc/machine-id"],
    }),
  ];
}

function edge(): WorkloadSpec[] {
  const certManager = (name: string, port: PortSpec): WorkloadSpec =>
    component({
      namespace: "cert-manager",
      name,
      controller: "Deployment",
      labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "cert-manager" },
      image: `quay.io/jetstack/${name === "cert-manager" ? "cert-manager-controller" : name}`,
      version: "v1.14.5",
      ports: [port],
      pod: { ...NON_ROOT(1000), seccompProfile: { type: "RuntimeDefault" } },
      container: RESTRICTED_CONTAINER,
    });
  return [
    component({
      namespace: "ingress-nginx",
      name: "ingress-nginx-controller",
      controller: "Deployment",
      labels: {
        "app.kubernetes.io/name": "ingress-nginx",
        "app.kubernetes.io/instance": "ingress-nginx",
        "app.kubernetes.io/component": "controller",
      },
      serviceAccount: "ingress-nginx",
      image: "registry.k8s.io/ingress-nginx/controller",
      version: "v1.10.1",
      pinned: true,
      replicas: 3,
      ports: [
        { name: "http", port: 80 },
        { name: "https", port: 443 },
        { name: "metrics", port: 10254 },
        { name: "webhook", port: 8443 },
      ],
      // As the upstream chart ships it: nginx needs to bind 80 and 443 and re-exec itself.
      container: {
        allowPrivilegeEscalation: true,
        capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
        runAsNonRoot: true,
        runAsUser: 101,
      },
    }),
    certManager("cert-manager", { name: "metrics", port: 9402 }),
    certManager("cert-manager-cainjector", { name: "metrics", port: 9402 }),
    certManager("cert-manager-webhook", { name: "https", port: 10250 }),
    component({
      namespace: "istio-system",
      name: "istiod",
      controller: "Deployment",
      labels: { app: "istiod", istio: "pilot" },
      image: "docker.io/istio/pilot",
      version: "1.22.1",
      replicas: 2,
      ports: [
        { name: "grpc-xds", port: 15010 },
        { name: "https-dsn", port: 15012 },
        { name: "https-webhook", port: 15017 },
        { name: "http-monitoring", port: 15014 },
      ],
      pod: NON_ROOT(1337),
      container: RESTRICTED_CONTAINER,
    }),
  ];
}

function delivery(): WorkloadSpec[] {
  const argo = (name: string, controller: WorkloadSpec["controller"], ports: readonly PortSpec[]) =>
    component({
      namespace: "argocd",
      name,
      controller,
      labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "argocd" },
      image: "quay.io/argoproj/argocd",
      version: "v2.11.3",
      replicas: controller === "StatefulSet" ? 1 : 2,
      ports,
      pod: { ...NON_ROOT(999), seccompProfile: { type: "RuntimeDefault" } },
      container: RESTRICTED_CONTAINER,
    });
  return [
    argo("argocd-server", "Deployment", [
      { name: "http", port: 8080 },
      { name: "metrics", port: 8083 },
    ]),
    argo("argocd-repo-server", "Deployment", [
      { name: "server", port: 8081 },
      { name: "metrics", port: 8084 },
    ]),
    argo("argocd-application-controller", "StatefulSet", [{ name: "metrics", port: 8082 }]),
    // Self-hosted CI runners build and push images: root, and a token they always mount.
    component({
      namespace: "platform-ci",
      name: "ci-runner",
      controller: "Deployment",
      labels: { app: "ci-runner", team: "platform" },
      serviceAccount: "ci-deployer",
      image: "ghcr.io/actions/actions-runner",
      version: "2.316.1",
      replicas: 4,
      ports: [{ name: "metrics", port: 9102 }],
      automountToken: true,
    }),
  ];
}

export function platformWorkloads(): WorkloadSpec[] {
  return [...kubeSystem(), ...observability(), ...edge(), ...delivery()];
}
