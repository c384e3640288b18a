import type { Severity, WorkloadRef } from "@trustmap/shared";
import type { Pod } from "../objects/model";
import type { LocatedFinding } from "../state/cluster-state";
import { compareFindings } from "./catalog";

// Where the gaps page files a finding: under the workload that owns its pod, or under its first
// evidence object; and the one order every list of the page follows.

/** The object a finding is filed under: a pod's owning workload, else the finding's first evidence object. */
export function groupObjectOf(located: LocatedFinding): WorkloadRef {
  if (located.pod !== undefined) return workloadOf(located.pod);
  return refOf(located.finding.objects[0]!);
}

/** The workload a pod belongs to. One function, so that naming can change in one place. */
export function workloadOf(pod: Pod): WorkloadRef {
  return { kind: pod.owner.kind, namespace: pod.owner.namespace, name: pod.owner.name };
}

/** How people name a workload or object: "namespace/name" (the kind is shown beside it). */
export function nameOf(object: WorkloadRef): string {
  return object.namespace === undefined ? object.name : `${object.namespace}/${object.name}`;
}

/** "Kind/namespace/name" (or "Kind/name") as a reference; "Namespace/x" is the namespace itself. */
export function refOf(text: string): WorkloadRef {
  const parts = text.split("/");
  const kind = parts[0] ?? "";
  if (parts.length >= 3) return { kind, namespace: parts[1]!, name: parts.slice(2).join("/") };
  return { kind, name: parts.slice(1).join("/") };
}

export function keyOf(object: WorkloadRef): string {
  return object.namespace === undefined
    ? `${object.kind}/${object.name}`
    : `${object.kind}/${object.namespace}/${object.name}`;
}

export const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Most severe first, then cluster-wide before namespaced, then by name: the order of every list. */
export function compareRanked(
  a: { severity: Severity; object: WorkloadRef; name: string },
  b: { severity: Severity; object: WorkloadRef; name: string },
): number {
  const severity = RANK[a.severity] - RANK[b.severity];
  if (severity !== 0) return severity;
  const scope = Number(a.object.namespace !== undefined) - Number(b.object.namespace !== undefined);
  if (scope !== 0) return scope;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const ka = keyOf(a.object);
  const kb = keyOf(b.object);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A finding with the group it is filed under, computed once per revision of the cluster. */
export interface IndexedFinding extends LocatedFinding {
  readonly object: WorkloadRef;
  readonly key: string;
}

/** Findings in compareFindings order, each with its group: what every gaps answer of a revision reads. */
export function indexFindings(located: readonly LocatedFinding[]): IndexedFinding[] {
  const workloads = new Map<Pod, { object: WorkloadRef; key: string }>();
  const out: IndexedFinding[] = [];
  for (const entry of located) {
    let group = entry.pod === undefined ? undefined : workloads.get(entry.pod);
    if (group === undefined) {
      const object = groupObjectOf(entry);
      group = { object, key: keyOf(object) };
      if (entry.pod !== undefined) workloads.set(entry.pod, group);
    }
    out.push({ finding: entry.finding, pod: entry.pod, object: group.object, key: group.key });
  }
  return out.sort((a, b) => compareFindings(a.finding, b.finding));
}
