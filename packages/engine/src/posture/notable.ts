import type { PostureChange } from "@trustmap/shared";
import { ANY_END, OUTSIDE_END } from "./ledger";

// What a team wants to hear of at once, of the changes the log records: the notifications'
// rules, one pure function the BFF's webhooks and the tests share.

export const NOTABLE = ["critical-finding", "path-from-outside", "cluster-admin"] as const;
export type Notable = (typeof NOTABLE)[number];

/**
 * Why a change is notable (none: it is not):
 * - critical-finding: a critical finding appeared (or became critical);
 * - path-from-outside: addresses outside the cluster may newly reach a workload, or on other ports;
 * - cluster-admin: a subject newly has every verb on every resource cluster-wide (a cell `* *\/*`
 *   in scope `*`), or a binding that gives cluster-admin appeared.
 */
export function notableReasons(change: PostureChange): Notable[] {
  const { before, after } = change;
  if (after === undefined) return [];
  const reasons: Notable[] = [];
  if (after.area === "finding") {
    const was = before?.area === "finding" ? before.finding.severity : undefined;
    if (after.finding.severity === "critical" && was !== "critical") reasons.push("critical-finding");
    if (after.finding.id === "rbac-cluster-admin-binding" && before === undefined)
      reasons.push("cluster-admin");
  }
  if (after.area === "reach" && after.from === OUTSIDE_END && after.to !== ANY_END) {
    const was = before?.area === "reach" ? before.ports : undefined;
    if (was !== after.ports) reasons.push("path-from-outside");
  }
  if (after.area === "rbac" && after.scope === "*" && after.resource === "*/*" && after.verbs.includes("*")) {
    const had = before?.area === "rbac" && before.verbs.includes("*");
    if (!had) reasons.push("cluster-admin");
  }
  return reasons;
}
