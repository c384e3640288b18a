import { type Finding, SEVERITY_ORDER, type Severity } from "@trustmap/shared";
import type { Pod } from "../objects/model";
import { exposureChecks } from "./exposure";
import {
  type Check,
  type FindingContext,
  type Scope,
  type ScopedCheck,
  type ScopeTargets,
  toFinding,
} from "./finding";
import { namespaceChecks } from "./namespace";
import { networkChecks } from "./network";
import { rbacChecks } from "./rbac";
import { workloadChecks } from "./workload";

/** Every check Trustmap runs, one rule each. */
export const CHECKS: readonly Check[] = [
  ...networkChecks,
  ...exposureChecks,
  ...rbacChecks,
  ...workloadChecks,
  ...namespaceChecks,
];

const BY_SCOPE = new Map<Scope, Check[]>();
for (const check of CHECKS) BY_SCOPE.set(check.scope, [...(BY_SCOPE.get(check.scope) ?? []), check]);

/** The findings of every check of a scope on one object. */
export function findingsOf<S extends Scope>(
  scope: S,
  target: ScopeTargets[S],
  context: FindingContext,
): Finding[] {
  const findings: Finding[] = [];
  for (const check of (BY_SCOPE.get(scope) ?? []) as ScopedCheck<S>[]) {
    const run = check.run as (target: ScopeTargets[S], context: FindingContext) => ReturnType<Check["run"]>;
    for (const hit of run(target, context)) findings.push(toFinding(check, hit));
  }
  return findings;
}

/** The pod checks, in the order of the bits of a pod's hit mask. */
export const POD_CHECKS = BY_SCOPE.get("pod") as ScopedCheck<"pod">[];
if (POD_CHECKS.length > 31) throw new Error("pod hit masks hold at most 31 checks");

/** Which pod checks hit a pod: bit i stands for POD_CHECKS[i]. */
export function podHitMask(pod: Pod, context: FindingContext): number {
  let mask = 0;
  for (let i = 0; i < POD_CHECKS.length; i++) if (POD_CHECKS[i]!.test(pod, context)) mask |= 1 << i;
  return mask;
}

/** The findings a hit mask stands for, worded from the pod. */
export function podFindings(pod: Pod, mask: number, into: Finding[] = []): Finding[] {
  for (let i = 0; i < POD_CHECKS.length; i++) {
    if ((mask & (1 << i)) !== 0) {
      const check = POD_CHECKS[i]!;
      into.push(toFinding(check, check.hit(pod)));
    }
  }
  return into;
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** The worse of two severities (undefined: none). */
export function worse(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] <= RANK[b] ? a : b;
}

/** The severity of pod check i's finding on a pod it hits, without wording it. */
export function podHitSeverity(pod: Pod, i: number): Severity {
  const check = POD_CHECKS[i]!;
  // A hit may be worse than its check's usual severity (strong capabilities): ask it only then.
  return check.mayRaiseSeverity === true ? (check.hit(pod).severity ?? check.severity) : check.severity;
}

/** The worst severity among the findings a hit mask stands for, without wording them. */
export function podWorstSeverity(pod: Pod, mask: number): Severity | undefined {
  let worst: Severity | undefined;
  for (let i = 0; i < POD_CHECKS.length; i++) {
    if ((mask & (1 << i)) !== 0) worst = worse(worst, podHitSeverity(pod, i));
  }
  return worst;
}

/** Most severe first, then cluster-wide before namespaced, then by check and evidence. */
export function compareFindings(a: Finding, b: Finding): number {
  const severity = SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity);
  if (severity !== 0) return severity;
  const scope = Number(!isClusterWide(a)) - Number(!isClusterWide(b));
  if (scope !== 0) return scope;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  const ka = a.objects.join("\n");
  const kb = b.objects.join("\n");
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** A finding about cluster-scoped objects only (a ClusterRoleBinding, a User): no namespace in its evidence. */
export function isClusterWide(finding: Finding): boolean {
  for (const ref of finding.objects) {
    if (ref.startsWith("Namespace/")) return false;
    if (ref.indexOf("/", ref.indexOf("/") + 1) >= 0) return false;
  }
  return true;
}
