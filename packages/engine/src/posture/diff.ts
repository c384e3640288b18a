import {
  type ChangeCause,
  type CompareEntry,
  changeKindOf,
  type PostureChange,
  type PostureDiff,
  type PostureFact,
  SEVERITY_ORDER,
  type Severity,
} from "@trustmap/shared";
import { PortSet } from "../netpol/ports";
import type { Cluster } from "../objects/model";
import { ClusterState, initialEvents } from "../state/cluster-state";
import { causesOf } from "./cause";
import { changesOf, OUTSIDE_END, PostureLedger } from "./ledger";

// The difference between two clusters' postures (two folders of manifests, a cluster before and
// after a change): the facts the change log keeps, compared key by key. What a CI gate stops a
// pull request on is decided here too, one pure rule per gate.

/** The posture's facts of a cluster: connections between workloads, findings, RBAC rights. */
export function postureOf(cluster: Cluster): Map<string, PostureFact> {
  const ledger = new PostureLedger(ClusterState.from(cluster));
  ledger.build();
  return new Map(ledger.current);
}

/**
 * The objects that differ from one cluster to the other (created, edited with the fields Trustmap
 * reads that differ, deleted): the causes of the difference, as the log names a step's.
 */
export function causesBetween(before: Cluster, after: Cluster): ChangeCause[] {
  const state = ClusterState.from(before);
  return initialEvents(after).flatMap((event) => causesOf(state, event));
}

/** Each fact that appeared, went or changed from `before` to `after`, by key. */
export function diffPostures(
  before: ReadonlyMap<string, PostureFact>,
  after: ReadonlyMap<string, PostureFact>,
): PostureChange[] {
  return changesOf(new Set([...before.keys(), ...after.keys()]), before, after);
}

/**
 * What a change may be stopped for:
 * - opened: a connection appeared, or allows ports it did not;
 * - outside: the same, from addresses outside the cluster;
 * - finding: a finding at least this severe appeared (a finding whose severity rose is a new one);
 * - risky-rights: a subject gained a right with risks, or a right gained risks.
 */
export type Gate =
  | { readonly kind: "opened" }
  | { readonly kind: "outside" }
  | { readonly kind: "finding"; readonly severity: Severity }
  | { readonly kind: "risky-rights" };

/** A gate as the command line writes it: opened, outside, finding:SEVERITY, risky-rights. */
export function gateText(gate: Gate): string {
  return gate.kind === "finding" ? `finding:${gate.severity}` : gate.kind;
}

/** Reads a gate; a message naming what it takes when it is not one. */
export function parseGate(text: string): Gate | string {
  if (text === "opened" || text === "outside" || text === "risky-rights") return { kind: text };
  const severity = text.startsWith("finding:") ? text.slice("finding:".length) : undefined;
  if (severity !== undefined && (SEVERITY_ORDER as readonly string[]).includes(severity))
    return { kind: "finding", severity: severity as Severity };
  return `--fail-on takes opened, outside, finding:SEVERITY (${SEVERITY_ORDER.join(", ")}) or risky-rights, not ${JSON.stringify(text)}`;
}

/** Whether a connection allows ports after that it did not before (or is new). */
function widened(change: PostureChange): boolean {
  const { before, after } = change;
  if (after?.area !== "reach") return false;
  if (before?.area !== "reach") return true;
  const was = PortSet.fromKey(before.ports);
  const now = PortSet.fromKey(after.ports);
  // Ports the engine wrote are always read back; unreadable ones are taken as widened (fail closed).
  if (was === undefined || now === undefined) return true;
  return was.union(now).key() !== was.key();
}

/** Whether this change trips this gate. */
export function trips(gate: Gate, change: PostureChange): boolean {
  const { before, after } = change;
  switch (gate.kind) {
    case "opened":
      return widened(change);
    case "outside":
      return widened(change) && after?.area === "reach" && after.from === OUTSIDE_END;
    case "finding":
      return (
        before === undefined &&
        after?.area === "finding" &&
        SEVERITY_ORDER.indexOf(after.finding.severity) <= SEVERITY_ORDER.indexOf(gate.severity)
      );
    case "risky-rights": {
      if (after?.area !== "rbac" || after.risks.length === 0) return false;
      const had = before?.area === "rbac" ? new Set(before.risks) : new Set<string>();
      return after.risks.some((risk) => !had.has(risk));
    }
  }
}

/**
 * The difference as `trustmap diff` writes it: each change with its area, its kind and the gates
 * it trips, the counts by "area.kind", and the gates tripped.
 */
export function postureDiff(input: {
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly causes: readonly ChangeCause[];
  readonly changes: readonly PostureChange[];
  readonly gates: readonly Gate[];
}): PostureDiff {
  const counts: Record<string, number> = {};
  const tripped = new Map<string, number>();
  const changes = input.changes.map((change) => {
    const fact = (change.after ?? change.before)!;
    const kind = changeKindOf(change);
    counts[`${fact.area}.${kind}`] = (counts[`${fact.area}.${kind}`] ?? 0) + 1;
    const its = input.gates.filter((gate) => trips(gate, change)).map(gateText);
    for (const gate of its) tripped.set(gate, (tripped.get(gate) ?? 0) + 1);
    return { ...change, area: fact.area, kind, trips: its };
  });
  const gates = input.gates.map(gateText).map((gate) => ({ gate, tripped: tripped.get(gate) ?? 0 }));
  return {
    before: [...input.before],
    after: [...input.after],
    causes: [...input.causes],
    counts,
    changes,
    gates,
    failed: gates.filter((gate) => gate.tripped > 0).map((gate) => gate.gate),
  };
}

/**
 * Changes of one area as the change log's comparison lists them (`CompareEntry`), for what places
 * or marks them (the graph's overlay, the matrix's marks): a draft's difference, say.
 */
export function compareEntriesOf(
  changes: readonly PostureChange[],
  area: CompareEntry["area"],
  causes: readonly ChangeCause[] = [],
  at = "",
): CompareEntry[] {
  return changes.flatMap((change) => {
    const fact = (change.after ?? change.before)!;
    if (fact.area !== area) return [];
    return [
      {
        ...change,
        area,
        kind: changeKindOf(change),
        namespaces: fact.namespaces,
        causes: [...causes],
        unwatched: false,
        at,
      },
    ];
  });
}
