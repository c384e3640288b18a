// The demo company's namespaces: one per team and environment, and the platform's own.

import { type AppSpec, type Env, TEAMS, type TeamSpec, teamNamespace } from "./catalog";
import { type Labels, type Manifest, metadata } from "./manifest";
import { meshed } from "./specs";

const ENFORCE = "pod-security.kubernetes.io/enforce";

/** Namespaces every cluster has, and the platform team's. */
const PLATFORM_NAMESPACES: readonly (readonly [string, Labels])[] = [
  ["default", {}],
  ["kube-public", {}],
  ["kube-node-lease", {}],
  // Managed clusters leave kube-system without Pod Security labels.
  ["kube-system", {}],
  ["monitoring", { team: "platform", [ENFORCE]: "privileged" }],
  ["logging", { team: "platform", [ENFORCE]: "privileged" }],
  ["ingress-nginx", { team: "platform", [ENFORCE]: "baseline" }],
  ["cert-manager", { team: "platform", [ENFORCE]: "restricted" }],
  ["istio-system", { team: "platform" }],
  ["argocd", { team: "platform", [ENFORCE]: "restricted" }],
  ["platform-ci", { team: "platform" }],
];

/**
 * The strictest Pod Security level the namespace's apps pass: what a careful team would enforce.
 * Elasticsearch's privileged init container forces the whole namespace down to privileged.
 */
function podSecurityLevel(apps: readonly AppSpec[]): string {
  if (apps.some((app) => app.privilegedInit === true)) return "privileged";
  if (apps.some((app) => (app.hardening ?? "restricted") !== "restricted")) return "baseline";
  return "restricted";
}

function teamNamespaceLabels(team: TeamSpec, env: Env): Labels {
  const apps = team.apps.filter((app) => app.replicas[env] > 0);
  return {
    team: team.team,
    env,
    // Nobody enforces anything on dev namespaces.
    ...(env === "dev" ? {} : { [ENFORCE]: podSecurityLevel(apps) }),
    ...(env === "prod" ? { "pod-security.kubernetes.io/warn": "restricted" } : {}),
    ...(meshed(team, env) ? { "istio-injection": "enabled" } : {}),
  };
}

function namespace(name: string, labels: Labels, owner: string): Manifest {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: metadata(name, undefined, labels, { annotations: { "acme.example/owner": owner } }),
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function namespaceManifests(): Manifest[] {
  return [
    ...PLATFORM_NAMESPACES.map(([name, labels]) => namespace(name, labels, "platform@acme.example")),
    ...TEAMS.flatMap((team) =>
      team.envs.map((env) =>
        namespace(teamNamespace(team.team, env), teamNamespaceLabels(team, env), `${team.team}@acme.example`),
      ),
    ),
  ];
}
