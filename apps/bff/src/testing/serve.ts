import { type Cluster, formatInputError, initialEvents, parseCluster } from "@trustmap/engine";
import { CSRF_HEADER } from "@trustmap/shared";
import { silentLogger } from "../log";
import { type RunningServer, type ServerOptions, startServer } from "../server";
import { createKubernetesSource, type KubernetesSourceOptions } from "../sources/kubernetes";
import { ScriptedSource } from "./scripted";

/**
 * The BFF on a free loopback port, serving these manifests through a scripted source once the
 * engine has taken them all in; with the cluster they read as, for a fresh engine to judge by.
 */
export async function serveObjects(
  objects: readonly unknown[],
  source: ScriptedSource = new ScriptedSource(),
  options: Partial<ServerOptions> = {},
): Promise<{ server: RunningServer; source: ScriptedSource; cluster: Cluster }> {
  const { cluster, errors } = parseCluster(
    objects.map((object, i) => ({ source: `doc ${i}`, object: object as never })),
  );
  if (errors.length > 0) throw new Error(errors.map(formatInputError).join("\n"));
  const server = await startServer({
    source,
    host: "127.0.0.1",
    port: 0,
    logger: silentLogger,
    ...options,
  });
  source.push(initialEvents(cluster));
  await server.live.whenIdle();
  return { server, source, cluster };
}

/** The BFF on a free loopback port, reading the API server of this kubeconfig (with these source options). */
export function serveKubernetes(
  kubeconfigPath: string,
  options: Partial<Omit<ServerOptions, "source">> = {},
  sourceOptions: Omit<KubernetesSourceOptions, "kubeconfigPath"> = {},
): Promise<RunningServer> {
  const created = createKubernetesSource({ ...sourceOptions, kubeconfigPath });
  if (!created.ok) throw new Error(created.message);
  return startServer({
    source: created.source,
    host: "127.0.0.1",
    port: 0,
    logger: silentLogger,
    ...options,
  });
}

// A small shop: a web tier that may reach the api on 8080, an api isolated for ingress, a
// namespace with no policy at all, and RBAC with one risky binding.
export const SHOP = [
  { kind: "Namespace", metadata: { name: "shop", labels: { team: "shop" } } },
  { kind: "Namespace", metadata: { name: "lab" } },
  {
    kind: "Pod",
    metadata: { name: "web-1", namespace: "shop", labels: { app: "web" } },
    spec: { serviceAccountName: "web", containers: [{ name: "web", image: "web:1" }] },
  },
  {
    kind: "Pod",
    metadata: { name: "api-1", namespace: "shop", labels: { app: "api" } },
    spec: {
      serviceAccountName: "api",
      containers: [{ name: "api", image: "api:1", ports: [{ name: "http", containerPort: 8080 }] }],
    },
  },
  {
    kind: "Pod",
    metadata: { name: "toy", namespace: "lab", labels: { app: "toy" } },
    spec: { containers: [{ name: "toy", image: "toy:1", securityContext: { privileged: true } }] },
  },
  {
    kind: "NetworkPolicy",
    metadata: { name: "api-from-web", namespace: "shop" },
    spec: {
      podSelector: { matchLabels: { app: "api" } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: "http" }] }],
    },
  },
  { kind: "ServiceAccount", metadata: { name: "web", namespace: "shop" } },
  { kind: "ServiceAccount", metadata: { name: "api", namespace: "shop" } },
  {
    kind: "Role",
    metadata: { name: "secret-reader", namespace: "shop" },
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }],
  },
  {
    kind: "RoleBinding",
    metadata: { name: "api-reads-secrets", namespace: "shop" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" },
    subjects: [{ kind: "ServiceAccount", name: "api", namespace: "shop" }],
  },
];

/**
 * What a client sends with a change (POST, PUT, DELETE) as the page does: the nonce cookie and the
 * CSRF token that GET /api/auth/session gives, asked with `headers` (who is asking).
 */
export async function csrfHeaders(
  url: string,
  headers: Record<string, string> = {},
): Promise<Record<string, string>> {
  const response = await fetch(new URL("api/auth/session", url), { headers });
  const { csrf } = (await response.json()) as { csrf: string };
  const cookies = response.headers.getSetCookie().map((line) => line.split(";")[0]!);
  return { ...headers, [CSRF_HEADER]: csrf, ...(cookies.length > 0 ? { cookie: cookies.join("; ") } : {}) };
}
