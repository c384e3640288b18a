import type { Pillar, Severity } from "@trustmap/shared";
import type { PolicyRule, RoleBinding } from "../objects/model";
import { grantReaches } from "../rbac/authorize";
import { bindingRef, boundRoleRef, type Grant } from "../rbac/effective";
import { milder, RISK_SEVERITY } from "../rbac/risk";
import { roleRef } from "../rbac/roles";
import { subjectRef } from "../rbac/subjects";
import { type Check, type CheckHit, quote } from "./finding";

/** A risky right: any of these (verb, group, resource[/subresource]) actions. */
export interface RiskyRight {
  readonly id: string;
  readonly pillar: Pillar;
  readonly severity: Severity;
  readonly title: string;
  readonly what: string;
  readonly controls: readonly string[];
  readonly actions: readonly { verb: string; group: string; resource: string; subresource?: string }[];
  readonly remediation: string;
  /**
   * Which rules give the right: "unrestricted" only rules without resourceNames, "named" only
   * rules limited to named objects; absent: both.
   */
  readonly names?: "unrestricted" | "named";
}

const actions = (verbs: string[], group: string, resources: string[], subresource?: string) =>
  verbs.flatMap((verb) =>
    resources.map((resource) =>
      subresource === undefined ? { verb, group, resource } : { verb, group, resource, subresource },
    ),
  );

export const RISKY_RIGHTS: readonly RiskyRight[] = [
  {
    id: "rbac-read-secrets",
    pillar: "secrets",
    severity: RISK_SEVERITY["rbac-read-secrets"],
    title: "Subject can read secrets",
    what: "read secrets (get/list/watch secrets)",
    controls: ["CIS 5.1.2", "NSA-CISA Kubernetes Hardening Guide: Authentication and authorization"],
    actions: actions(["get", "list", "watch"], "", ["secrets"]),
    names: "unrestricted",
    remediation:
      "Remove get/list/watch on secrets from the role, or narrow it with resourceNames to the secrets the workload needs.",
  },
  {
    id: "rbac-read-named-secrets",
    pillar: "secrets",
    severity: RISK_SEVERITY["rbac-read-named-secrets"],
    title: "Subject can read named secrets",
    what: "read the secrets named in its role (resourceNames)",
    controls: ["CIS 5.1.2"],
    actions: actions(["get", "list", "watch"], "", ["secrets"]),
    names: "named",
    remediation:
      "Check that the workload needs each secret named; remove the names it does not use, or the rule if none.",
  },
  {
    id: "rbac-exec-pods",
    pillar: "least-privilege",
    severity: RISK_SEVERITY["rbac-exec-pods"],
    title: "Subject can exec or attach into pods",
    what: "run commands in pods (pods/exec, pods/attach)",
    controls: ["NSA-CISA Kubernetes Hardening Guide: Authentication and authorization"],
    actions: [
      ...actions(["create", "get"], "", ["pods"], "exec"),
      ...actions(["create", "get"], "", ["pods"], "attach"),
    ],
    remediation: "Remove pods/exec and pods/attach from the role; grant them only to break-glass roles.",
  },
  {
    id: "rbac-create-pods",
    pillar: "least-privilege",
    severity: RISK_SEVERITY["rbac-create-pods"],
    title: "Subject can create pods or workloads",
    what: "create pods or workloads that run pods",
    controls: ["CIS 5.1.4"],
    actions: [
      ...actions(["create"], "", ["pods", "replicationcontrollers"]),
      ...actions(["create"], "apps", ["deployments", "statefulsets", "daemonsets", "replicasets"]),
      ...actions(["create"], "batch", ["jobs", "cronjobs"]),
    ],
    remediation:
      "Let a deployment pipeline create workloads; remove create on pods and workloads from interactive subjects.",
  },
  {
    id: "rbac-escalate-bind-impersonate",
    pillar: "least-privilege",
    severity: RISK_SEVERITY["rbac-escalate-bind-impersonate"],
    title: "Subject can escalate, bind or impersonate",
    what: "escalate or bind roles, or impersonate users, groups or service accounts",
    controls: ["CIS 5.1.8"],
    actions: [
      ...actions(["escalate", "bind"], "rbac.authorization.k8s.io", ["roles", "clusterroles"]),
      ...actions(["impersonate"], "", ["users", "groups", "serviceaccounts"]),
      ...actions(["impersonate"], "authentication.k8s.io", ["userextras", "uids"]),
    ],
    remediation: "Remove the escalate, bind and impersonate verbs from the role.",
  },
  {
    id: "rbac-create-serviceaccount-token",
    pillar: "secrets",
    severity: RISK_SEVERITY["rbac-create-serviceaccount-token"],
    title: "Subject can create service account tokens",
    what: "create service account tokens (serviceaccounts/token)",
    controls: ["CIS 5.1.13"],
    actions: actions(["create"], "", ["serviceaccounts"], "token"),
    remediation: "Remove create on serviceaccounts/token from the role.",
  },
];

function describeGrant(grant: Grant): string {
  const where = grant.namespace === "*" ? "cluster-wide" : `in namespace ${quote(grant.namespace)}`;
  return `${where} via ${bindingRef(grant.binding)} → ${roleRef(grant.role)}`;
}

/** Whether a grant gives the right (any of its actions, on some object in the grant's scope). */
export function grantHasRight(right: RiskyRight, grant: Grant): boolean {
  return (rightsOfRule(grant) & (1 << RISKY_RIGHTS.indexOf(right))) !== 0;
}

/**
 * The risky rights a grant's rule gives, one bit per right in RISKY_RIGHTS order. A rule depends
 * on nothing but itself, and many subjects hold grants of the same role's rules: each rule is
 * read once.
 */
const rightsByRule = new WeakMap<PolicyRule, number>();

function rightsOfRule(grant: Grant): number {
  let mask = rightsByRule.get(grant.rule);
  if (mask === undefined) {
    mask = 0;
    const named = grant.rule.resourceNames.length > 0;
    for (let i = 0; i < RISKY_RIGHTS.length; i++) {
      const right = RISKY_RIGHTS[i]!;
      if (right.names === "unrestricted" && named) continue;
      if (right.names === "named" && !named) continue;
      if (right.actions.some((a) => grantReaches(grant, a.verb, a.group, a.resource, a.subresource)))
        mask |= 1 << i;
    }
    rightsByRule.set(grant.rule, mask);
  }
  return mask;
}

/** The grants that give the right; a named-only right is not reported where the unrestricted one is. */
export function grantsOfRight(right: RiskyRight, grants: readonly Grant[]): readonly Grant[] {
  const granting: Grant[] = [];
  for (const grant of grants) if (grantHasRight(right, grant)) granting.push(grant);
  if (granting.length === 0) return NO_GRANTS;
  if (right.names !== "named") return granting;
  const unrestricted = RISKY_RIGHTS.filter((r) => r.names === "unrestricted" && r.pillar === right.pillar);
  if (unrestricted.some((r) => grants.some((grant) => grantHasRight(r, grant)))) return NO_GRANTS;
  return granting;
}

const NO_GRANTS: readonly Grant[] = [];

/** "every verb on every resource": "*" verbs on "*" resources of "*" groups, for any name. */
export function isFullAccess(rule: PolicyRule): boolean {
  return (
    rule.verbs.includes("*") &&
    rule.apiGroups.includes("*") &&
    rule.resources.includes("*") &&
    rule.resourceNames.length === 0
  );
}

function namedText(granting: readonly Grant[]): string {
  const verbs = new Set<string>();
  const names = new Set<string>();
  for (const grant of granting) {
    for (const verb of grant.rule.verbs) if (["get", "list", "watch", "*"].includes(verb)) verbs.add(verb);
    for (const name of grant.rule.resourceNames) names.add(name);
  }
  const verbText = verbs.has("*") ? "get/list/watch" : [...verbs].sort().join("/");
  const sorted = [...names].sort().map(quote);
  return `${verbText} the secret${sorted.length === 1 ? "" : "s"} ${sorted.join(", ")}`;
}

function riskyRightCheck(right: RiskyRight): Check {
  return {
    id: right.id,
    pillar: right.pillar,
    severity: right.severity,
    title: right.title,
    controls: right.controls,
    scope: "subject",
    run({ subject, grants }) {
      const granting = grantsOfRight(right, grants);
      if (granting.length === 0) return [];
      const clusterWide = granting.some((grant) => grant.namespace === "*");
      const evidence = new Set<string>([subjectRef(subject)]);
      for (const grant of granting) {
        evidence.add(bindingRef(grant.binding));
        evidence.add(roleRef(grant.role));
      }
      const shown = granting.slice(0, 3).map(describeGrant).join("; ");
      const more = granting.length > 3 ? `; and ${granting.length - 3} more` : "";
      const who = `${subject.kind} ${quote(subjectRef(subject).slice(subject.kind.length + 1))}`;
      const message =
        right.names === "named"
          ? `${who} may ${namedText(granting)} (limited by resourceNames): ${shown}${more}.`
          : `${who} can ${right.what}: ${shown}${more}.`;
      return [
        {
          objects: [...evidence],
          ...(clusterWide ? {} : { severity: milder(right.severity) }),
          message,
          remediation: right.remediation,
        },
      ];
    },
  };
}

function subjectsText(binding: RoleBinding): string {
  if (binding.subjects.length === 0) return "no subjects";
  return binding.subjects
    .map((s) => `${s.kind} ${quote(s.namespace === undefined ? s.name : `${s.namespace}/${s.name}`)}`)
    .join(", ");
}

/** A binding of cluster-admin, or of a role with a rule that gives every verb on every resource. */
function bindsFullAccess(binding: RoleBinding, rules: readonly PolicyRule[] | undefined): boolean {
  if (binding.roleRef.kind === "ClusterRole" && binding.roleRef.name === "cluster-admin") return true;
  return rules?.some(isFullAccess) ?? false;
}

const clusterAdminBinding: Check = {
  id: "rbac-cluster-admin-binding",
  pillar: "least-privilege",
  severity: RISK_SEVERITY["rbac-cluster-admin-binding"],
  title: "Binding to cluster-admin or its equal",
  controls: ["CIS 5.1.1"],
  scope: "binding",
  run(binding, context) {
    // The built-in binding of the system:masters group is reported too: its members hold every
    // right, as the matrix says, and a certificate in that group cannot be revoked. Fix-first
    // ranks it last, as Kubernetes' own RBAC (rbac/defaults.ts).
    if (!bindsFullAccess(binding, context.boundRole(binding)?.rules)) return [];
    return [
      {
        objects: [bindingRef(binding), "ClusterRole/cluster-admin"],
        ...(binding.kind === "RoleBinding"
          ? { severity: milder(RISK_SEVERITY["rbac-cluster-admin-binding"]) }
          : {}),
        message: `${binding.kind} ${quote(bindingRef(binding).split("/").slice(1).join("/"))} gives ${
          binding.roleRef.name === "cluster-admin" && binding.roleRef.kind === "ClusterRole"
            ? "cluster-admin"
            : `${boundRoleRef(binding)}, equal to cluster-admin`
        } (every verb on every resource${
          binding.kind === "RoleBinding"
            ? ` in namespace ${quote(binding.namespace ?? "")}`
            : ", cluster-wide"
        }) to ${subjectsText(binding)}.`,
        remediation:
          "Bind a role with only the verbs and resources these subjects need, then delete this binding.",
      },
    ];
  },
};

const wildcardRoleBinding: Check = {
  id: "rbac-wildcard-role-binding",
  pillar: "least-privilege",
  severity: RISK_SEVERITY["rbac-wildcard-role-binding"],
  title: "Binding to a role with wildcards",
  controls: ["CIS 5.1.3"],
  scope: "binding",
  run(binding, context) {
    const resolved = context.boundRole(binding);
    if (bindsFullAccess(binding, resolved?.rules)) return [];
    if (resolved === undefined || binding.subjects.length === 0) return [];
    const wild = resolved.rules.filter(
      (rule) => rule.verbs.includes("*") || rule.resources.includes("*") || rule.apiGroups.includes("*"),
    );
    if (wild.length === 0) return [];
    const ref = roleRef(resolved.role);
    return [
      {
        objects: [bindingRef(binding), ref],
        ...(binding.kind === "RoleBinding"
          ? { severity: milder(RISK_SEVERITY["rbac-wildcard-role-binding"]) }
          : {}),
        message: `${binding.kind} ${quote(bindingRef(binding).split("/").slice(1).join("/"))} binds ${ref}, whose rules use "*" (${wild
          .slice(0, 2)
          .map((r) => `verbs [${r.verbs.join(",")}] on [${r.resources.join(",")}]`)
          .join("; ")}), to ${subjectsText(binding)}.`,
        remediation:
          'List the exact verbs, API groups and resources in the role instead of "*"; wildcards also grant resources added later.',
      },
    ];
  },
};

const bindingToMissingRole: Check = {
  id: "rbac-binding-missing-role",
  pillar: "least-privilege",
  severity: RISK_SEVERITY["rbac-binding-missing-role"],
  title: "Binding to a role that does not exist",
  controls: [],
  scope: "binding",
  run(binding, context) {
    if (context.boundRole(binding) !== undefined) return [];
    return [
      {
        objects: [bindingRef(binding)],
        message: `${bindingRef(binding)} refers to ${boundRoleRef(binding)}, which does not exist: it grants nothing now, and whoever creates that role later grants it to ${subjectsText(binding)}.`,
        remediation: "Delete the binding, or create the role it is meant for.",
      },
    ];
  },
};

/**
 * Whether a non-resource URL of a rule names only health or version endpoints. The subpaths of
 * /healthz/, /livez/ and /readyz/ are single checks of the same endpoints ("/readyz/etcd"): the
 * open "/readyz?verbose" already lists every check with its state, so they show nothing more.
 */
function isHealthOrVersionURL(url: string): boolean {
  return (
    ["/healthz", "/livez", "/readyz", "/version", "/version/"].includes(url) ||
    ["/healthz/", "/livez/", "/readyz/"].some((prefix) => url.startsWith(prefix))
  );
}

/**
 * What a role gives requests without credentials, rated from its rules. A missing role, or one
 * whose rules grant nothing (an aggregated role fills when a matching role is created), is
 * rated as a resource rule: whoever writes its rules later grants them anonymously.
 */
function anonymousReach(
  rules: readonly PolicyRule[] | undefined,
): "resources" | "non-resource" | "public-info" {
  const granting = (rules ?? []).filter((r) => r.resources.length > 0 || r.nonResourceURLs.length > 0);
  if (granting.length === 0 || granting.some((r) => r.resources.length > 0)) return "resources";
  const publicInfo = granting.every(
    (r) => r.verbs.every((verb) => verb === "get") && r.nonResourceURLs.every(isHealthOrVersionURL),
  );
  return publicInfo ? "public-info" : "non-resource";
}

const anonymousBinding: Check = {
  id: "rbac-anonymous-binding",
  pillar: "least-privilege",
  severity: RISK_SEVERITY["rbac-anonymous-binding"],
  title: "Binding for anonymous or unauthenticated users",
  controls: ["CIS 5.1.7", "NSA-CISA Kubernetes Hardening Guide: Authentication and authorization"],
  scope: "binding",
  run(binding, context) {
    const anonymous = binding.subjects.some(
      (s) =>
        (s.kind === "User" && s.name === "system:anonymous") ||
        (s.kind === "Group" && s.name === "system:unauthenticated"),
    );
    if (!anonymous) return [];
    const rules = context.boundRole(binding)?.rules;
    const reach = anonymousReach(rules);
    const grants = `${bindingRef(binding)} grants ${boundRoleRef(binding)}`;
    const anyone = `to requests without credentials (${subjectsText(binding)})`;
    const remove =
      "Remove system:anonymous and system:unauthenticated from the binding's subjects (and run the API server with --anonymous-auth=false).";
    const objects = [bindingRef(binding), boundRoleRef(binding)];
    if (reach === "resources") return [{ objects, message: `${grants} ${anyone}.`, remediation: remove }];
    const urls = [...new Set(rules!.flatMap((r) => r.nonResourceURLs))].sort().map(quote).join(", ");
    if (reach === "non-resource")
      return [
        {
          objects,
          severity: RISK_SEVERITY["rbac-anonymous-nonresource"],
          message: `${grants} ${anyone}: no API objects, but non-resource URLs beyond health and version (${urls}).`,
          remediation: `${remove} Or bind a role that lists only the health and version endpoints.`,
        },
      ];
    return [
      {
        objects,
        severity: RISK_SEVERITY["rbac-anonymous-public-info"],
        message: `${grants} (${subjectsText(binding)}): only health and version endpoints (${urls}) are open to requests without credentials.`,
        remediation:
          "Nothing to fix while load balancers and probes check health without credentials. To close these endpoints too, remove system:anonymous and system:unauthenticated from the binding's subjects.",
      },
    ];
  },
};

const defaultServiceAccountBound: Check = {
  id: "rbac-default-service-account-bound",
  pillar: "least-privilege",
  severity: RISK_SEVERITY["rbac-default-service-account-bound"],
  title: "Default service account with role bindings",
  controls: ["CIS 5.1.5"],
  scope: "binding",
  run(binding) {
    const hits: CheckHit[] = [];
    // One finding per account: a binding may name it twice, or as a service account and as the
    // user the API server authenticates it as.
    const seen = new Set<string>();
    for (const subject of binding.subjects) {
      const isDefault =
        (subject.kind === "ServiceAccount" && subject.name === "default") ||
        (subject.kind === "User" && /^system:serviceaccount:[^:]+:default$/.test(subject.name));
      if (!isDefault) continue;
      const namespace =
        subject.kind === "ServiceAccount" ? (subject.namespace ?? "") : subject.name.split(":")[2]!;
      if (seen.has(namespace)) continue;
      seen.add(namespace);
      hits.push({
        objects: [`ServiceAccount/${namespace}/default`, bindingRef(binding)],
        message: `The default service account of namespace ${quote(namespace)} is bound by ${bindingRef(binding)}: every pod that names no service account gets ${boundRoleRef(binding)}.`,
        remediation:
          "Create a dedicated service account for the workloads that need this role, bind it instead, and set automountServiceAccountToken: false on the default one.",
      });
    }
    return hits;
  },
};

export const rbacChecks: readonly Check[] = [
  clusterAdminBinding,
  wildcardRoleBinding,
  ...RISKY_RIGHTS.map(riskyRightCheck),
  bindingToMissingRole,
  anonymousBinding,
  defaultServiceAccountBound,
];
