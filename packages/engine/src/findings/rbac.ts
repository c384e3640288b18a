import type { Pillar, Severity } from "@trustmap/shared";
import type { RoleBinding } from "../objects/model";
import { grantReaches } from "../rbac/authorize";
import { bindingRef, boundRoleRef, type Grant } from "../rbac/effective";
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
    severity: "high",
    title: "Subject can read secrets",
    what: "read secrets (get/list/watch secrets)",
    controls: ["CIS 5.1.2", "NSA-CISA Kubernetes Hardening Guide: Authentication and authorization"],
    actions: actions(["get", "list", "watch"], "", ["secrets"]),
    remediation:
      "Remove get/list/watch on secrets from the role, or narrow it with resourceNames to the secrets the workload needs.",
  },
  {
    id: "rbac-exec-pods",
    pillar: "least-privilege",
    severity: "high",
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
    severity: "medium",
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
    severity: "high",
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
    severity: "high",
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

function riskyRightCheck(right: RiskyRight): Check {
  return {
    id: right.id,
    pillar: right.pillar,
    severity: right.severity,
    title: right.title,
    controls: right.controls,
    scope: "subject",
    run({ subject, grants }) {
      const granting = grants.filter((grant) =>
        right.actions.some((a) => grantReaches(grant, a.verb, a.group, a.resource, a.subresource)),
      );
      if (granting.length === 0) return [];
      const clusterWide = granting.some((grant) => grant.namespace === "*");
      const evidence = new Set<string>([subjectRef(subject)]);
      for (const grant of granting) {
        evidence.add(bindingRef(grant.binding));
        evidence.add(roleRef(grant.role));
      }
      const shown = granting.slice(0, 3).map(describeGrant).join("; ");
      const more = granting.length > 3 ? `; and ${granting.length - 3} more` : "";
      return [
        {
          objects: [...evidence],
          ...(clusterWide ? {} : { severity: milder(right.severity) }),
          message: `${subject.kind} ${quote(subjectRef(subject).slice(subject.kind.length + 1))} can ${right.what}: ${shown}${more}.`,
          remediation: right.remediation,
        },
      ];
    },
  };
}

function milder(severity: Severity): Severity {
  return severity === "critical"
    ? "high"
    : severity === "high"
      ? "medium"
      : severity === "medium"
        ? "low"
        : severity;
}

function subjectsText(binding: RoleBinding): string {
  if (binding.subjects.length === 0) return "no subjects";
  return binding.subjects
    .map((s) => `${s.kind} ${quote(s.namespace === undefined ? s.name : `${s.namespace}/${s.name}`)}`)
    .join(", ");
}

const clusterAdminBinding: Check = {
  id: "rbac-cluster-admin-binding",
  pillar: "least-privilege",
  severity: "critical",
  title: "Binding to cluster-admin",
  controls: ["CIS 5.1.1"],
  scope: "binding",
  run(binding) {
    if (binding.roleRef.kind !== "ClusterRole" || binding.roleRef.name !== "cluster-admin") return [];
    // The built-in binding of the system:masters group is how the cluster bootstraps itself.
    if (binding.subjects.every((s) => s.kind === "Group" && s.name === "system:masters")) return [];
    return [
      {
        objects: [bindingRef(binding), "ClusterRole/cluster-admin"],
        ...(binding.kind === "RoleBinding" ? { severity: "high" as const } : {}),
        message: `${binding.kind} ${quote(bindingRef(binding).split("/").slice(1).join("/"))} gives cluster-admin (every verb on every resource${
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
  severity: "high",
  title: "Binding to a role with wildcards",
  controls: ["CIS 5.1.3"],
  scope: "binding",
  run(binding, context) {
    if (binding.roleRef.kind === "ClusterRole" && binding.roleRef.name === "cluster-admin") return [];
    const resolved = context.boundRole(binding);
    if (resolved === undefined || binding.subjects.length === 0) return [];
    const wild = resolved.rules.filter(
      (rule) => rule.verbs.includes("*") || rule.resources.includes("*") || rule.apiGroups.includes("*"),
    );
    if (wild.length === 0) return [];
    const ref = roleRef(resolved.role);
    return [
      {
        objects: [bindingRef(binding), ref],
        ...(binding.kind === "RoleBinding" ? { severity: "medium" as const } : {}),
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
  severity: "low",
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

const anonymousBinding: Check = {
  id: "rbac-anonymous-binding",
  pillar: "least-privilege",
  severity: "critical",
  title: "Binding for anonymous or unauthenticated users",
  controls: ["CIS 5.1.7", "NSA-CISA Kubernetes Hardening Guide: Authentication and authorization"],
  scope: "binding",
  run(binding) {
    const anonymous = binding.subjects.some(
      (s) =>
        (s.kind === "User" && s.name === "system:anonymous") ||
        (s.kind === "Group" && s.name === "system:unauthenticated"),
    );
    if (!anonymous) return [];
    return [
      {
        objects: [bindingRef(binding), boundRoleRef(binding)],
        message: `${bindingRef(binding)} grants ${boundRoleRef(binding)} to requests without credentials (${subjectsText(binding)}).`,
        remediation:
          "Remove system:anonymous and system:unauthenticated from the binding's subjects (and run the API server with --anonymous-auth=false).",
      },
    ];
  },
};

const defaultServiceAccountBound: Check = {
  id: "rbac-default-service-account-bound",
  pillar: "least-privilege",
  severity: "medium",
  title: "Default service account with role bindings",
  controls: ["CIS 5.1.5"],
  scope: "binding",
  run(binding) {
    const hits: CheckHit[] = [];
    for (const subject of binding.subjects) {
      const isDefault =
        (subject.kind === "ServiceAccount" && subject.name === "default") ||
        (subject.kind === "User" && /^system:serviceaccount:[^:]+:default$/.test(subject.name));
      if (!isDefault) continue;
      const namespace =
        subject.kind === "ServiceAccount" ? (subject.namespace ?? "") : subject.name.split(":")[2]!;
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
