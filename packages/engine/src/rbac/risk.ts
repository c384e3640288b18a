import type { Severity } from "@trustmap/shared";

// The one risk model of RBAC: every risky right and every risky binding has one severity, stated
// here. A right held only inside namespaces (through RoleBindings) is one step milder than the
// same right held cluster-wide. A subject's severity is its worst right, and every list of
// subjects (matrix, exports, who-can, the evidence report) orders by compareRanked.

export const RISK_SEVERITY = {
  /** "*" verbs on "*" resources of "*" groups: cluster-admin or its equal. */
  "rbac-cluster-admin-binding": "critical",
  /** Anonymous requests get a role with a resource rule, or a role that does not exist yet. */
  "rbac-anonymous-binding": "critical",
  "rbac-escalate-bind-impersonate": "high",
  "rbac-read-secrets": "high",
  "rbac-exec-pods": "high",
  "rbac-create-serviceaccount-token": "high",
  /** A role whose rules use "*" (short of full access). */
  "rbac-wildcard-role-binding": "high",
  "rbac-create-pods": "medium",
  "rbac-default-service-account-bound": "medium",
  /** Reading secrets limited by resourceNames to the secrets named. */
  "rbac-read-named-secrets": "medium",
  "rbac-binding-missing-role": "low",
  /** Anonymous requests get non-resource URLs only, some beyond health and version (/api, /metrics, "*"). */
  "rbac-anonymous-nonresource": "medium",
  /**
   * Anonymous requests may only get health and version endpoints: what every cluster's default
   * system:public-info-viewer binding gives system:unauthenticated.
   */
  "rbac-anonymous-public-info": "info",
} as const satisfies Record<string, Severity>;

export type RiskId = keyof typeof RISK_SEVERITY;

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function milder(severity: Severity): Severity {
  return severity === "critical"
    ? "high"
    : severity === "high"
      ? "medium"
      : severity === "medium"
        ? "low"
        : severity;
}

/** A risk's severity where it is held: cluster-wide as stated, inside a namespace one step milder. */
export function riskSeverity(id: string, clusterWide: boolean): Severity {
  const stated = (RISK_SEVERITY as Record<string, Severity>)[id];
  if (stated === undefined) throw new Error(`no severity stated for risk ${id}`);
  return clusterWide ? stated : milder(stated);
}

export function worstOf(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}

/** What orders a listed subject. */
export interface Ranked {
  /** The subject's worst right (none: no risky right). */
  readonly worst?: Severity | undefined;
  /** Whether it holds what the list is about cluster-wide (a ClusterRoleBinding). */
  readonly clusterWide: boolean;
  /** The subject's reference, e.g. "ServiceAccount/argocd/argocd-application-controller". */
  readonly ref: string;
}

/** Severity (worst first, no risk last), then cluster-wide before namespaced, then reference. */
export function compareRanked(a: Ranked, b: Ranked): number {
  const rank = (r: Ranked) => (r.worst === undefined ? 99 : SEVERITY_RANK[r.worst]);
  return (
    rank(a) - rank(b) ||
    Number(b.clusterWide) - Number(a.clusterWide) ||
    (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)
  );
}
