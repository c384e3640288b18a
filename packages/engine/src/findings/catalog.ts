import { type Finding, SEVERITY_ORDER } from "@trustmap/shared";
import { type Check, type FindingContext, toFinding } from "./finding";
import { namespaceChecks } from "./namespace";
import { networkChecks } from "./network";
import { rbacChecks } from "./rbac";
import { workloadChecks } from "./workload";

/** Every check Trustmap runs, one rule each. */
export const CHECKS: readonly Check[] = [
  ...networkChecks,
  ...rbacChecks,
  ...workloadChecks,
  ...namespaceChecks,
];

export function computeFindings(context: FindingContext): Finding[] {
  const findings: Finding[] = [];
  for (const check of CHECKS) for (const hit of check.run(context)) findings.push(toFinding(check, hit));
  return findings.sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  const severity = SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity);
  if (severity !== 0) return severity;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  const ka = a.objects.join("\n");
  const kb = b.objects.join("\n");
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
