// The demo company's NetworkPolicies, derived from who calls whom in the catalog: careful
// namespaces deny by default and allow exactly the calls their apps make; others only guard
// ingress, or have no policy at all. A few mistakes real clusters have are placed on purpose.

import { type AppSpec, type Call, type Env, hasEnv, TEAMS, type TeamSpec, teamNamespace } from "./catalog";
import { type Json, type JsonMap, type Labels, type Manifest, matchLabels, metadata } from "./manifest";
import { meshed } from "./specs";

/** strict: default-deny both ways; ingress-only: default-deny ingress; none: no policy. */
type Profile = "strict" | "ingress-only" | "none";

/** Every prod namespace is strict; these others have some policy; the rest (dev mostly) have none. */
const PROFILES: Readonly<Record<string, Profile>> = {
  "payments-staging": "strict",
  "identity-staging": "strict",
  "storefront-staging": "ingress-only",
  "data-staging": "ingress-only",
  "recommendations-staging": "ingress-only",
  "payments-dev": "ingress-only",
};

/** A label typo that leaves the policy selecting no pod: the cache is reachable by nobody. */
export const TYPO = { namespace: "identity-prod", app: "session-cache", written: "sesion-cache" } as const;

/** A shortcut: Kafka admits every pod of every namespace instead of its known clients. */
export const OPEN_TO_ALL_NAMESPACES = { namespace: "data-prod", app: "kafka", port: "kafka" } as const;

function profileOf(namespace: string, env: Env): Profile {
  return env === "prod" ? "strict" : (PROFILES[namespace] ?? "none");
}

function policy(namespace: string, name: string, spec: JsonMap): Manifest {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: metadata(name, namespace),
    spec,
  };
}

const ALL_PODS = matchLabels({});
const tcp = (port: string | number): JsonMap => ({ protocol: "TCP", port });
const byName = (namespace: string): JsonMap => matchLabels({ "kubernetes.io/metadata.name": namespace });

const INGRESS_CONTROLLER: JsonMap = {
  namespaceSelector: byName("ingress-nginx"),
  podSelector: matchLabels({ "app.kubernetes.io/name": "ingress-nginx" }),
};

const PROMETHEUS: JsonMap = {
  namespaceSelector: byName("monitoring"),
  podSelector: matchLabels({ "app.kubernetes.io/name": "prometheus" }),
};

/** The pods of `app` of `peerTeam`, as a policy in a namespace of `policyTeam` names them. */
function appPeer(policyTeam: string, peerTeam: string, env: Env, app: string): JsonMap {
  if (policyTeam === peerTeam) return { podSelector: matchLabels({ app }) };
  // Other teams' namespaces are chosen by label, so a new namespace of theirs is covered too.
  return { namespaceSelector: matchLabels({ team: peerTeam, env }), podSelector: matchLabels({ app }) };
}

function runs(team: string, app: string, env: Env): boolean {
  const spec = TEAMS.find((t) => t.team === team)?.apps.find((a) => a.app === app);
  return spec !== undefined && hasEnv(team, env) && spec.replicas[env] > 0;
}

interface Caller {
  readonly team: string;
  readonly app: string;
  readonly port: string;
}

/** Every app, of any team, that calls `app` of `team` in `env`. */
function callersOf(team: string, app: string, env: Env): Caller[] {
  const callers: Caller[] = [];
  for (const caller of TEAMS) {
    if (!caller.envs.includes(env)) continue;
    for (const spec of caller.apps) {
      if (spec.replicas[env] === 0) continue;
      for (const call of spec.calls ?? []) {
        if ((call.team ?? caller.team) !== team || call.app !== app) continue;
        callers.push({ team: caller.team, app: spec.app, port: call.port });
      }
    }
  }
  return callers;
}

function ingressRules(team: TeamSpec, app: AppSpec, env: Env): JsonMap[] {
  const namespace = teamNamespace(team.team, env);
  const callers = callersOf(team.team, app.app, env);
  const shortcut = namespace === OPEN_TO_ALL_NAMESPACES.namespace && app.app === OPEN_TO_ALL_NAMESPACES.app;
  const rules: JsonMap[] = [];
  for (const port of new Set(callers.map((caller) => caller.port))) {
    const from =
      shortcut && port === OPEN_TO_ALL_NAMESPACES.port
        ? [{ namespaceSelector: ALL_PODS }]
        : callers.filter((c) => c.port === port).map((c) => appPeer(team.team, c.team, env, c.app));
    rules.push({ from, ports: [tcp(port)] });
  }
  if (app.public === true) rules.push({ from: [INGRESS_CONTROLLER], ports: [tcp("http")] });
  return rules;
}

function egressRules(team: TeamSpec, app: AppSpec, env: Env): JsonMap[] {
  const calls = (app.calls ?? []).filter((call: Call) => runs(call.team ?? team.team, call.app, env));
  const rules: JsonMap[] = calls.map((call) => ({
    to: [appPeer(team.team, call.team ?? team.team, env, call.app)],
    ports: [tcp(call.port)],
  }));
  for (const external of app.external ?? []) {
    const ipBlock = {
      cidr: external.cidr,
      ...(external.except.length > 0 ? { except: external.except } : {}),
    };
    rules.push({
      to: [{ ipBlock }],
      ...(external.port === undefined ? {} : { ports: [tcp(external.port)] }),
    });
  }
  return rules;
}

/** One policy per app, named after it, as teams write them; `extraIngress` for edits over time. */
export function appPolicy(
  team: TeamSpec,
  app: AppSpec,
  env: Env,
  extraIngress: readonly JsonMap[] = [],
): Manifest | undefined {
  const namespace = teamNamespace(team.team, env);
  const profile = profileOf(namespace, env);
  if (profile === "none") return undefined;
  const ingress = [...ingressRules(team, app, env), ...extraIngress];
  const egress = profile === "strict" ? egressRules(team, app, env) : [];
  if (ingress.length === 0 && egress.length === 0) return undefined;
  const selected = namespace === TYPO.namespace && app.app === TYPO.app ? TYPO.written : app.app;
  return policy(namespace, `allow-${app.app}`, {
    podSelector: matchLabels({ app: selected }),
    policyTypes: profile === "strict" ? ["Ingress", "Egress"] : ["Ingress"],
    ...(ingress.length > 0 ? { ingress } : {}),
    ...(egress.length > 0 ? { egress } : {}),
  });
}

export function defaultDeny(namespace: string, types: readonly ("Ingress" | "Egress")[]): Manifest {
  const name = types.length === 2 ? "default-deny-all" : `default-deny-${types[0]?.toLowerCase()}`;
  return policy(namespace, name, { podSelector: ALL_PODS, policyTypes: types });
}

function allowDns(namespace: string): Manifest {
  return policy(namespace, "allow-dns", {
    podSelector: ALL_PODS,
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ namespaceSelector: ALL_PODS, podSelector: matchLabels({ "k8s-app": "kube-dns" }) }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ],
  });
}

function allowScrape(namespace: string): Manifest {
  return policy(namespace, "allow-prometheus-scrape", {
    podSelector: ALL_PODS,
    policyTypes: ["Ingress"],
    ingress: [{ from: [PROMETHEUS], ports: [tcp("metrics")] }],
  });
}

/** Sidecars fetch their certificates and config from istiod. */
function allowIstiod(namespace: string): Manifest {
  return policy(namespace, "allow-istiod", {
    podSelector: ALL_PODS,
    policyTypes: ["Egress"],
    egress: [
      {
        to: [{ namespaceSelector: byName("istio-system"), podSelector: matchLabels({ app: "istiod" }) }],
        ports: [tcp(15012), tcp(15010)],
      },
    ],
  });
}

function teamPolicies(team: TeamSpec, env: Env): Manifest[] {
  const namespace = teamNamespace(team.team, env);
  const profile = profileOf(namespace, env);
  if (profile === "none") return [];
  const base =
    profile === "strict"
      ? [defaultDeny(namespace, ["Ingress", "Egress"]), allowDns(namespace), allowScrape(namespace)]
      : [defaultDeny(namespace, ["Ingress"]), allowScrape(namespace)];
  if (meshed(team, env)) base.push(allowIstiod(namespace));
  const apps = team.apps.filter((app) => app.replicas[env] > 0);
  return [...base, ...apps.flatMap((app) => appPolicy(team, app, env) ?? [])];
}

function ingressOnly(namespace: string, name: string, selector: Labels, ingress: readonly Json[]): Manifest {
  return policy(namespace, name, { podSelector: matchLabels(selector), policyTypes: ["Ingress"], ingress });
}

/** kube-system, logging, cert-manager, istio-system and platform-ci have none, as is common. */
function platformPolicies(): Manifest[] {
  const scrape = { from: [PROMETHEUS], ports: [tcp("metrics")] };
  const named = (name: string): Labels => ({ "app.kubernetes.io/name": name });
  return [
    // The ingress controller is the cluster's front door: the internet may reach it, by design.
    ingressOnly("ingress-nginx", "ingress-nginx-controller", { "app.kubernetes.io/name": "ingress-nginx" }, [
      { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp("http"), tcp("https")] },
      { from: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [tcp("webhook")] },
      scrape,
    ]),
    defaultDeny("monitoring", ["Ingress"]),
    ingressOnly("monitoring", "allow-grafana", named("grafana"), [
      { from: [INGRESS_CONTROLLER], ports: [tcp("http")] },
    ]),
    ingressOnly("monitoring", "allow-prometheus", named("prometheus"), [
      { from: [{ podSelector: matchLabels(named("grafana")) }], ports: [tcp("web")] },
    ]),
    ingressOnly("monitoring", "allow-alertmanager", named("alertmanager"), [
      { from: [{ podSelector: matchLabels(named("prometheus")) }], ports: [tcp("web")] },
      { from: [{ podSelector: matchLabels(named("alertmanager")) }], ports: [tcp("mesh-tcp")] },
    ]),
    defaultDeny("argocd", ["Ingress"]),
    ingressOnly("argocd", "allow-argocd-server", named("argocd-server"), [
      { from: [INGRESS_CONTROLLER], ports: [tcp("http")] },
      scrape,
    ]),
    ingressOnly("argocd", "allow-argocd-repo-server", named("argocd-repo-server"), [
      {
        from: [
          { podSelector: matchLabels(named("argocd-server")) },
          { podSelector: matchLabels(named("argocd-application-controller")) },
        ],
        ports: [tcp("server")],
      },
      scrape,
    ]),
    ingressOnly("argocd", "allow-argocd-application-controller", named("argocd-application-controller"), [
      scrape,
    ]),
  ];
}

export function policyManifests(): Manifest[] {
  return [
    ...platformPolicies(),
    ...TEAMS.flatMap((team) => team.envs.flatMap((env) => teamPolicies(team, env))),
  ];
}

function team(name: string): TeamSpec {
  const spec = TEAMS.find((t) => t.team === name);
  if (spec === undefined) throw new Error(`the demo catalog has no team ${name}`);
  return spec;
}

function app(teamSpec: TeamSpec, name: string): AppSpec {
  const spec = teamSpec.apps.find((a) => a.app === name);
  if (spec === undefined) throw new Error(`the demo team ${teamSpec.team} has no app ${name}`);
  return spec;
}

/**
 * Policies that come and go while the demo runs, each as [initial, changed] (undefined: absent):
 * a missing default-deny appears and is reverted, a debugging shortcut is opened and closed, an
 * allow rule gains a new client and loses it again.
 */
export function policyChanges(): (readonly [Manifest | undefined, Manifest | undefined])[] {
  const payments = team("payments");
  const paymentsApi = app(payments, "api");
  const newClient = { from: [appPeer("payments", "storefront", "prod", "cart")], ports: [tcp("http")] };
  return [
    [undefined, defaultDeny("search-staging", ["Ingress", "Egress"])],
    [undefined, defaultDeny("notifications-staging", ["Ingress"])],
    [
      undefined,
      ingressOnly("storefront-staging", "allow-debug-from-any-namespace", { app: "api" }, [
        { from: [{ namespaceSelector: ALL_PODS }], ports: [tcp("http")] },
      ]),
    ],
    [appPolicy(payments, paymentsApi, "prod"), appPolicy(payments, paymentsApi, "prod", [newClient])],
  ];
}
