// A deterministic synthetic cluster that looks like real ones: teams owning namespaces,
// deployments with replicas, default-deny in most namespaces, allow rules by app label,
// cross-namespace rules by namespace label, some ipBlock egress, roles and bindings per
// namespace and a few cluster-wide. Used by benchmarks; the same seed gives the same cluster.

import { seededRandom } from "@trustmap/shared";

type Json = Record<string, unknown>;

export interface SyntheticOptions {
  readonly pods: number;
  readonly namespaces: number;
  readonly seed?: number;
}

export function syntheticCluster(options: SyntheticOptions): Json[] {
  const next = seededRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const objects: Json[] = [];
  const teams = Math.max(1, Math.round(options.namespaces / 5));
  const podsPerNamespace = Math.max(1, Math.floor(options.pods / options.namespaces));
  const tiers = ["web", "api", "worker", "db", "cache"];
  for (let n = 0; n < options.namespaces; n++) {
    const namespace = `team${n % teams}-ns${n}`;
    const team = `team${n % teams}`;
    objects.push({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels: { team, env: pick(["prod", "staging", "dev"]) } },
    });
    const deployments = Math.max(1, Math.round(podsPerNamespace / 4));
    let created = 0;
    for (let d = 0; d < deployments; d++) {
      const app = `${tiers[d % tiers.length]}${Math.floor(d / tiers.length)}`;
      const replicas =
        d === deployments - 1
          ? podsPerNamespace - created
          : Math.min(podsPerNamespace - created, 1 + Math.floor(next() * 6));
      if (replicas <= 0) break;
      const hash = Math.floor(next() * 1e9).toString(36);
      for (let r = 0; r < replicas; r++) {
        objects.push({
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            namespace,
            name: `${app}-${hash}-${r}`,
            labels: { app, team, "pod-template-hash": hash },
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "ReplicaSet", name: `${app}-${hash}`, controller: true },
            ],
          },
          spec: {
            serviceAccountName: app,
            containers: [
              {
                name: app,
                image: `registry.example/${app}:1.${d}`,
                ports: [
                  { name: "http", containerPort: 8080 },
                  { name: "metrics", containerPort: 9090 },
                ],
              },
            ],
          },
        });
      }
      created += replicas;
      objects.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace, name: app } });
      objects.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace, name: `allow-${app}` },
        spec: {
          podSelector: { matchLabels: { app } },
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { app: `${tiers[(d + 4) % tiers.length]}0` } } }],
              ports: [{ port: "http" }],
            },
            { from: [{ namespaceSelector: { matchLabels: { team } } }], ports: [{ port: 9090 }] },
          ],
        },
      });
    }
    if (next() < 0.8) {
      objects.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace, name: "default-deny" },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          egress: [
            { to: [{ namespaceSelector: { matchLabels: { team } } }] },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 443 }] },
          ],
        },
      });
    }
    objects.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { namespace, name: "deployer" },
      rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "update"] }],
    });
    objects.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { namespace, name: "team-deployers" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" },
      subjects: [
        { kind: "Group", name: team },
        { kind: "ServiceAccount", name: "web0", namespace },
      ],
    });
  }
  objects.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "view" },
    rules: [
      {
        apiGroups: ["", "apps"],
        resources: ["pods", "deployments", "services"],
        verbs: ["get", "list", "watch"],
      },
    ],
  });
  objects.push({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "everyone-views" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "Group", name: "system:authenticated" }],
  });
  return objects;
}
