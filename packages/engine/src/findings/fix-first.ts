import type { Finding, Severity, WorkloadRef } from "@trustmap/shared";
import type { Pod } from "../objects/model";
import { isKubernetesDefaultBinding } from "../rbac/defaults";
import type { ClusterState } from "../state/cluster-state";
import type { LiveIdentity } from "../state/netpol-index";
import { acceptsAny, outsidePorts } from "../views/graph";
import { worse } from "./catalog";
import { compareRanked, type IndexedFinding, keyOf, nameOf } from "./groups";

// What to fix first: every workload (a pod's owner) and every other object with open findings,
// ranked by a score stated in one place.

export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = {
  critical: 8,
  high: 4,
  medium: 2,
  low: 1,
  info: 0,
};

export const FIX_FIRST_SCORING =
  "score = severity weight of the worst open finding (critical 8, high 4, medium 2, low 1, info 0) × exposure, " +
  "exposure = 1 + one for each of: reachable from outside the cluster, reachable from any namespace, " +
  "a privileged container, a mounted service account token whose account holds risky rights " +
  "(for a service account: the same, over the pods that mount its token). " +
  "Ties: most severe, then cluster-wide before namespaced, then by name. " +
  "Last, with score 0: entries whose every finding comes only from Kubernetes' default RBAC " +
  '(bindings named "system:…" of "system:…" roles to system users, groups or kube-system service accounts), ' +
  "which the API server recreates at every start.";

/** The fix of an entry of Kubernetes' own RBAC: the binding stays, who can act as the subject shrinks. */
const DEFAULT_RBAC_FIX =
  "Leave the default binding and role as they are: the API server writes them again at every start. " +
  "Restrict who can act as the subject instead: who can create its tokens, impersonate it, " +
  "run pods as it in kube-system, or holds its credentials.";

/** Why an entry of Kubernetes' own RBAC ranks last. */
const defaultRbacWhy = (subject: boolean) =>
  `Kubernetes default RBAC, recreated by the API server at every start: restrict who can act as ${
    subject ? "this subject" : "its subjects"
  } instead of deleting it`;

export interface Exposure {
  readonly outside: boolean;
  readonly anyNamespace: boolean;
  readonly privileged: boolean;
  readonly riskyToken: boolean;
}

const SUBJECT_KINDS = new Set(["User", "Group", "ServiceAccount"]);

const NONE: Exposure = { outside: false, anyNamespace: false, privileged: false, riskyToken: false };

export interface FixFirstEntry {
  readonly kind: "workload" | "subject" | "object";
  readonly object: WorkloadRef;
  readonly name: string;
  readonly severity: Severity;
  readonly exposure: Exposure;
  readonly score: number;
  readonly why: string[];
  readonly fix: string;
  /** The entry's open findings, most severe first. */
  readonly findings: Finding[];
}

function either(a: Exposure, b: Exposure): Exposure {
  return {
    outside: a.outside || b.outside,
    anyNamespace: a.anyNamespace || b.anyNamespace,
    privileged: a.privileged || b.privileged,
    riskyToken: a.riskyToken || b.riskyToken,
  };
}

export function exposureFactor(exposure: Exposure): number {
  return (
    1 +
    Number(exposure.outside) +
    Number(exposure.anyNamespace) +
    Number(exposure.privileged) +
    Number(exposure.riskyToken)
  );
}

/** Whether the pod gets its service account's token: the pod's field wins over the account's (default true). */
export function mountsToken(state: ClusterState, pod: Pod): boolean {
  return (
    pod.automountServiceAccountToken ??
    state.serviceAccount(pod.namespace, pod.serviceAccountName)?.automountServiceAccountToken ??
    true
  );
}

/** The worst severity of a subject's risky rights (its own findings), or undefined. */
export type RiskOf = (ref: string) => Severity | undefined;

/** A subject's risk as the cluster's findings say it. */
function clusterRisk(state: ClusterState): RiskOf {
  return (ref) => {
    let worst: Severity | undefined;
    for (const finding of state.findingsOfSubject(ref)) worst = worse(worst, finding.severity);
    return worst;
  };
}

/** What makes a pod worse to leave as it is: who can reach it, what it runs as, what its token may do. */
export function podExposure(
  state: ClusterState,
  pod: Pod,
  reach: (identity: LiveIdentity) => Exposure,
  riskOf: RiskOf = clusterRisk(state),
): Exposure {
  const identity = state.netpol.identityOf(pod);
  const network = identity === undefined ? NONE : reach(identity);
  return {
    outside: network.outside,
    anyNamespace: network.anyNamespace,
    privileged: pod.security.containers.some((c) => c.privileged === true),
    riskyToken:
      mountsToken(state, pod) &&
      riskOf(`ServiceAccount/${pod.namespace}/${pod.serviceAccountName}`) !== undefined,
  };
}

/** Identities' reach, computed once each per answer. */
function reachOf(state: ClusterState): (identity: LiveIdentity) => Exposure {
  const memo = new Map<LiveIdentity, Exposure>();
  return (identity) => {
    let exposure = memo.get(identity);
    if (exposure === undefined) {
      exposure = {
        ...NONE,
        outside: !outsidePorts(state, identity, "ingress").isEmpty(),
        anyNamespace: !acceptsAny(identity).isEmpty(),
      };
      memo.set(identity, exposure);
    }
    return exposure;
  };
}

function whyOf(severity: Severity, exposure: Exposure, score: number, tokenOf: string | undefined): string[] {
  const why = [`worst open finding: ${severity} (weight ${SEVERITY_WEIGHT[severity]})`];
  if (exposure.outside) why.push("reachable from outside the cluster (+1)");
  if (exposure.anyNamespace) why.push("reachable from any namespace (+1)");
  if (exposure.privileged) why.push("runs a privileged container (+1)");
  if (exposure.riskyToken)
    why.push(
      tokenOf === undefined
        ? "its token is mounted in running pods and holds risky rights (+1)"
        : `mounts the token of ${tokenOf}, which holds risky rights (+1)`,
    );
  why.push(`score ${SEVERITY_WEIGHT[severity]} × ${exposureFactor(exposure)} = ${score}`);
  return why;
}

/**
 * Whether every finding of an entry rests only on Kubernetes' default bindings: each cites at
 * least one binding (a subject's finding cites every binding that grants the right), and each
 * binding cited is a default one.
 */
function onlyDefaultRbac(state: ClusterState, findings: readonly Finding[]): boolean {
  return findings.every((finding) => {
    const bindings = finding.objects.filter(
      (ref) => ref.startsWith("RoleBinding/") || ref.startsWith("ClusterRoleBinding/"),
    );
    return (
      bindings.length > 0 &&
      bindings.every((ref) => {
        const binding = state.binding(ref);
        return binding !== undefined && isKubernetesDefaultBinding(binding);
      })
    );
  });
}

/** What a reader of some namespaces only sees: the pods they may list, and the rights as they see them. */
export interface ReaderView {
  readonly readable: { readonly graph: ReadonlySet<string> };
  riskOf(ref: string): Severity | undefined;
}

/**
 * Open findings (in compareFindings order) ranked into fix-first entries. For a reader of some
 * namespaces only, a token's rights are as they see them and an account's pods are those of their
 * namespaces: no score rests on what they may not read.
 */
export function fixFirst(
  state: ClusterState,
  open: readonly IndexedFinding[],
  reader?: ReaderView,
): FixFirstEntry[] {
  const riskOf: RiskOf = reader === undefined ? clusterRisk(state) : (ref) => reader.riskOf(ref);
  const reach = reachOf(state);
  const entries = new Map<string, { object: WorkloadRef; pods: Set<Pod>; findings: Finding[] }>();
  for (const located of open) {
    const { object, key } = located;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { object, pods: new Set(), findings: [] };
      entries.set(key, entry);
    }
    if (located.pod !== undefined) entry.pods.add(located.pod);
    entry.findings.push(located.finding);
  }
  // A service account's exposure is that of the pods that mount its token.
  const tokenHolders = new Map<string, Pod[]>();
  for (const { object } of entries.values())
    if (object.kind === "ServiceAccount") tokenHolders.set(keyOf(object), []);
  if (tokenHolders.size > 0) {
    for (const pod of state.pods()) {
      if (reader !== undefined && !reader.readable.graph.has(pod.namespace)) continue;
      const holders = tokenHolders.get(`ServiceAccount/${pod.namespace}/${pod.serviceAccountName}`);
      if (holders !== undefined && mountsToken(state, pod)) holders.push(pod);
    }
  }
  const out: FixFirstEntry[] = [];
  // Kubernetes' own RBAC ranks after every other entry: deleting it fixes nothing.
  const defaults = new Set<FixFirstEntry>();
  for (const [key, entry] of entries) {
    let severity: Severity = "info";
    for (const finding of entry.findings) severity = worse(severity, finding.severity)!;
    const isWorkload = entry.pods.size > 0;
    let exposure = NONE;
    for (const pod of entry.pods) exposure = either(exposure, podExposure(state, pod, reach, riskOf));
    const holders = tokenHolders.get(key);
    if (holders !== undefined && holders.length > 0) {
      for (const pod of holders) exposure = either(exposure, podExposure(state, pod, reach, riskOf));
      exposure = { ...exposure, riskyToken: true };
    }
    const account = entry.pods.values().next().value;
    const tokenOf =
      isWorkload && account !== undefined
        ? `ServiceAccount/${account.namespace}/${account.serviceAccountName}`
        : undefined;
    const base = {
      kind: isWorkload ? "workload" : SUBJECT_KINDS.has(entry.object.kind) ? "subject" : "object",
      object: entry.object,
      name: nameOf(entry.object),
      severity,
      exposure,
      findings: entry.findings,
    } as const;
    if (!isWorkload && onlyDefaultRbac(state, entry.findings)) {
      const ranked: FixFirstEntry = {
        ...base,
        score: 0,
        why: [
          `worst open finding: ${severity} (weight ${SEVERITY_WEIGHT[severity]})`,
          defaultRbacWhy(base.kind === "subject"),
          "score 0",
        ],
        fix: DEFAULT_RBAC_FIX,
      };
      defaults.add(ranked);
      out.push(ranked);
      continue;
    }
    const score = SEVERITY_WEIGHT[severity] * exposureFactor(exposure);
    out.push({
      ...base,
      score,
      why: whyOf(severity, exposure, score, tokenOf),
      fix: entry.findings[0]!.remediation,
    });
  }
  return out.sort((a, b) => Number(defaults.has(a)) - Number(defaults.has(b)) || compareFixFirst(a, b));
}

/** Highest score first; ties as every list (most severe, cluster-wide first, by name). */
export function compareFixFirst(a: FixFirstEntry, b: FixFirstEntry): number {
  return b.score - a.score || compareRanked(a, b);
}
