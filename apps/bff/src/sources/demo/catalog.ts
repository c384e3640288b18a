// The demo company, Acme: product teams, the apps each runs in each environment, and who calls
// whom. Plain data: the NetworkPolicies, RBAC and pods are derived from it, so that allow rules
// match the traffic the apps really need and the graph looks like a company's.

export type Env = "prod" | "staging" | "dev";

export type Tier = "frontend" | "backend" | "worker" | "database" | "cache" | "queue";

/**
 * How carefully the team wrote the securityContext: `restricted` meets the restricted Pod
 * Security Standard; `root` runs as user 0 on purpose; `unset` has no securityContext at all.
 */
export type Hardening = "restricted" | "root" | "unset";

export interface PortSpec {
  readonly name: string;
  readonly port: number;
  readonly protocol?: "UDP";
}

/** A call to another app on one of its named ports; in another team's namespace of the same env when `team` is set. */
export interface Call {
  readonly app: string;
  readonly port: string;
  readonly team?: string;
}

/** Traffic to outside the cluster that the app's egress policy allows. */
export interface ExternalEgress {
  readonly cidr: string;
  readonly except: readonly string[];
  /** Absent: every port. */
  readonly port?: number;
}

export interface AppSpec {
  readonly app: string;
  readonly tier: Tier;
  readonly controller?: "Deployment" | "StatefulSet";
  /** Repository without tag. */
  readonly image: string;
  readonly version: string;
  readonly ports: readonly PortSpec[];
  readonly replicas: Readonly<Record<Env, number>>;
  readonly calls?: readonly Call[];
  readonly external?: readonly ExternalEgress[];
  /** Served to the internet through ingress-nginx. */
  readonly public?: boolean;
  readonly hardening?: Hardening;
  /** Image referenced by digest. */
  readonly pinned?: boolean;
  /** Talks to the Kubernetes API, so it keeps its service account token. */
  readonly usesApi?: boolean;
  /** A privileged init container (Elasticsearch's vm.max_map_count sysctl). */
  readonly privilegedInit?: boolean;
}

export interface TeamSpec {
  readonly team: string;
  readonly envs: readonly Env[];
  readonly apps: readonly AppSpec[];
  /** The team's prod namespace has Istio sidecar injection. */
  readonly meshInProd?: boolean;
}

export const REGISTRY = "registry.acme.example";

const HTTP: PortSpec = { name: "http", port: 8080 };
const GRPC: PortSpec = { name: "grpc", port: 9000 };
const METRICS: PortSpec = { name: "metrics", port: 9090 };
const REDIS: readonly PortSpec[] = [
  { name: "redis", port: 6379 },
  { name: "metrics", port: 9121 },
];
const POSTGRES: readonly PortSpec[] = [
  { name: "postgres", port: 5432 },
  { name: "metrics", port: 9187 },
];

const redis = (app: string, replicas: AppSpec["replicas"]): AppSpec => ({
  app,
  tier: "cache",
  controller: "StatefulSet",
  image: "docker.io/bitnami/redis",
  version: "7.2.4",
  ports: REDIS,
  replicas,
});

const postgres = (replicas: AppSpec["replicas"]): AppSpec => ({
  app: "postgres",
  tier: "database",
  controller: "StatefulSet",
  image: "docker.io/bitnami/postgresql",
  version: "16.3.0",
  ports: POSTGRES,
  replicas,
});

const ALL_ENVS: readonly Env[] = ["prod", "staging", "dev"];

export const TEAMS: readonly TeamSpec[] = [
  {
    team: "storefront",
    envs: ALL_ENVS,
    apps: [
      {
        app: "web",
        tier: "frontend",
        image: `${REGISTRY}/storefront/web`,
        version: "4.12.0",
        ports: [HTTP, METRICS],
        replicas: { prod: 12, staging: 3, dev: 1 },
        calls: [{ app: "api", port: "http" }],
        public: true,
      },
      {
        app: "api",
        tier: "backend",
        image: `${REGISTRY}/storefront/api`,
        version: "3.8.2",
        ports: [HTTP, GRPC, METRICS],
        replicas: { prod: 9, staging: 3, dev: 1 },
        calls: [
          { app: "cart", port: "grpc" },
          { app: "redis", port: "redis" },
          { team: "payments", app: "api", port: "http" },
          { team: "search", app: "query-api", port: "http" },
          { team: "identity", app: "auth-api", port: "grpc" },
          { team: "recommendations", app: "api", port: "http" },
        ],
      },
      {
        app: "cart",
        tier: "backend",
        image: `${REGISTRY}/storefront/cart`,
        version: "2.3.1",
        ports: [GRPC, METRICS],
        replicas: { prod: 6, staging: 2, dev: 1 },
        calls: [{ app: "redis", port: "redis" }],
      },
      redis("redis", { prod: 3, staging: 1, dev: 1 }),
    ],
  },
  {
    team: "payments",
    envs: ALL_ENVS,
    meshInProd: true,
    apps: [
      {
        app: "api",
        tier: "backend",
        image: `${REGISTRY}/payments/api`,
        version: "5.2.0",
        ports: [HTTP, METRICS],
        replicas: { prod: 8, staging: 2, dev: 1 },
        calls: [
          { app: "ledger", port: "grpc" },
          { app: "postgres", port: "postgres" },
          { team: "data", app: "kafka", port: "kafka" },
        ],
        // The card processor's API: anywhere on the internet, never the cluster's own network.
        external: [{ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"], port: 443 }],
        pinned: true,
      },
      {
        app: "ledger",
        tier: "backend",
        image: `${REGISTRY}/payments/ledger`,
        version: "1.19.3",
        ports: [GRPC, METRICS],
        replicas: { prod: 4, staging: 2, dev: 1 },
        calls: [{ app: "postgres", port: "postgres" }],
        pinned: true,
      },
      {
        app: "fraud-worker",
        tier: "worker",
        image: `${REGISTRY}/payments/fraud-worker`,
        version: "0.9.4",
        ports: [METRICS],
        replicas: { prod: 5, staging: 1, dev: 1 },
        calls: [
          { team: "data", app: "kafka", port: "kafka" },
          { app: "api", port: "http" },
        ],
        pinned: true,
      },
      postgres({ prod: 2, staging: 1, dev: 1 }),
    ],
  },
  {
    team: "search",
    envs: ["prod", "staging"],
    apps: [
      {
        app: "query-api",
        tier: "backend",
        image: `${REGISTRY}/search/query-api`,
        version: "2.0.7",
        ports: [HTTP, METRICS],
        replicas: { prod: 7, staging: 2, dev: 0 },
        calls: [{ app: "elasticsearch", port: "http" }],
      },
      {
        app: "indexer",
        tier: "worker",
        image: `${REGISTRY}/search/indexer`,
        version: "2.0.7",
        ports: [METRICS],
        replicas: { prod: 4, staging: 1, dev: 0 },
        calls: [
          { app: "elasticsearch", port: "http" },
          { team: "data", app: "kafka", port: "kafka" },
        ],
      },
      {
        app: "elasticsearch",
        tier: "database",
        controller: "StatefulSet",
        image: "docker.elastic.co/elasticsearch/elasticsearch",
        version: "8.13.4",
        ports: [
          { name: "http", port: 9200 },
          { name: "transport", port: 9300 },
          { name: "metrics", port: 9114 },
        ],
        replicas: { prod: 5, staging: 1, dev: 0 },
        calls: [{ app: "elasticsearch", port: "transport" }],
        hardening: "root",
        privilegedInit: true,
      },
    ],
  },
  {
    team: "data",
    envs: ALL_ENVS,
    apps: [
      {
        app: "kafka",
        tier: "queue",
        controller: "StatefulSet",
        image: "docker.io/bitnami/kafka",
        version: "3.7.0",
        ports: [
          { name: "kafka", port: 9092 },
          { name: "metrics", port: 9308 },
        ],
        replicas: { prod: 5, staging: 3, dev: 1 },
        calls: [{ app: "kafka", port: "kafka" }],
      },
      {
        app: "airflow-web",
        tier: "frontend",
        image: "docker.io/apache/airflow",
        version: "2.9.1",
        ports: [HTTP, METRICS],
        replicas: { prod: 2, staging: 1, dev: 1 },
        calls: [{ app: "postgres", port: "postgres" }],
        public: true,
      },
      {
        app: "airflow-scheduler",
        tier: "worker",
        image: "docker.io/apache/airflow",
        version: "2.9.1",
        ports: [METRICS],
        replicas: { prod: 2, staging: 1, dev: 1 },
        calls: [
          { app: "postgres", port: "postgres" },
          { app: "etl-worker", port: "metrics" },
        ],
        hardening: "root",
        usesApi: true,
      },
      {
        app: "etl-worker",
        tier: "worker",
        image: `${REGISTRY}/data/etl-worker`,
        version: "0.31.0",
        ports: [METRICS],
        replicas: { prod: 10, staging: 3, dev: 1 },
        calls: [
          { app: "kafka", port: "kafka" },
          { app: "postgres", port: "postgres" },
        ],
        // "Object storage and a few partner APIs": somebody gave up on listing them.
        external: [{ cidr: "0.0.0.0/0", except: [] }],
      },
      postgres({ prod: 2, staging: 1, dev: 1 }),
    ],
  },
  {
    team: "identity",
    envs: ALL_ENVS,
    meshInProd: true,
    apps: [
      {
        app: "auth-api",
        tier: "backend",
        image: `${REGISTRY}/identity/auth-api`,
        version: "6.1.2",
        ports: [HTTP, GRPC, METRICS],
        replicas: { prod: 7, staging: 2, dev: 1 },
        calls: [
          { app: "postgres", port: "postgres" },
          { app: "session-cache", port: "redis" },
        ],
        pinned: true,
      },
      {
        app: "admin-portal",
        tier: "frontend",
        image: `${REGISTRY}/identity/admin-portal`,
        version: "1.4.0",
        ports: [HTTP, METRICS],
        replicas: { prod: 2, staging: 1, dev: 1 },
        calls: [{ app: "auth-api", port: "http" }],
        public: true,
        usesApi: true,
      },
      redis("session-cache", { prod: 3, staging: 1, dev: 1 }),
      postgres({ prod: 2, staging: 1, dev: 1 }),
    ],
  },
  {
    team: "notifications",
    envs: ["prod", "staging"],
    apps: [
      {
        app: "api",
        tier: "backend",
        image: `${REGISTRY}/notifications/api`,
        version: "1.7.5",
        ports: [HTTP, METRICS],
        replicas: { prod: 4, staging: 2, dev: 0 },
        calls: [{ team: "data", app: "kafka", port: "kafka" }],
      },
      {
        app: "email-worker",
        tier: "worker",
        image: `${REGISTRY}/notifications/email-worker`,
        version: "1.7.5",
        ports: [METRICS],
        replicas: { prod: 4, staging: 1, dev: 0 },
        calls: [{ team: "data", app: "kafka", port: "kafka" }],
        // The SMTP relay: the internet on submission port, not the private ranges.
        external: [
          { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], port: 587 },
        ],
        hardening: "unset",
      },
      {
        app: "sms-worker",
        tier: "worker",
        image: `${REGISTRY}/notifications/sms-worker`,
        version: "1.7.5",
        ports: [METRICS],
        replicas: { prod: 3, staging: 1, dev: 0 },
        calls: [{ team: "data", app: "kafka", port: "kafka" }],
        // The SMS provider publishes its address range: the egress names it exactly.
        external: [{ cidr: "203.0.113.0/24", except: [], port: 443 }],
      },
    ],
  },
  {
    team: "recommendations",
    envs: ALL_ENVS,
    apps: [
      {
        app: "api",
        tier: "backend",
        image: `${REGISTRY}/recommendations/api`,
        version: "0.22.0",
        ports: [HTTP, METRICS],
        replicas: { prod: 6, staging: 2, dev: 1 },
        calls: [
          { app: "model-server", port: "grpc" },
          { app: "feature-store", port: "redis" },
        ],
      },
      {
        app: "model-server",
        tier: "backend",
        image: "docker.io/tensorflow/serving",
        version: "2.15.1",
        ports: [
          { name: "grpc", port: 8500 },
          { name: "http", port: 8501 },
          { name: "metrics", port: 9090 },
        ],
        replicas: { prod: 6, staging: 2, dev: 1 },
        pinned: true,
      },
      redis("feature-store", { prod: 3, staging: 1, dev: 1 }),
    ],
  },
];

export function teamNamespace(team: string, env: Env): string {
  return `${team}-${env}`;
}

/** Whether `team` has a namespace for `env` (search has no dev, for one). */
export function hasEnv(team: string, env: Env): boolean {
  return TEAMS.some((spec) => spec.team === team && spec.envs.includes(env));
}
