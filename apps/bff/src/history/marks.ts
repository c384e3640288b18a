import { rightKey } from "@trustmap/engine";
import type { CompareEntry, MatrixPage } from "@trustmap/shared";

// The matrix compared with a moment: the change log's differences of the rows' subjects marked
// on the engine's page (cells gained or changed since, rights lost per row). A join by key; the
// rights themselves are the engine's, the differences the log's.

export function markMatrix(page: MatrixPage, differences: readonly CompareEntry[]): MatrixPage {
  const byKey = new Map(differences.map((entry) => [entry.key, entry]));
  const lostOf = new Map<string, NonNullable<MatrixPage["rows"][number]["lost"]>>();
  for (const entry of differences) {
    if (entry.kind !== "went" || entry.before?.area !== "rbac") continue;
    const fact = entry.before;
    const lost = lostOf.get(fact.subject) ?? [];
    lost.push({ scope: fact.scope, resource: fact.resource, verbs: fact.verbs, via: fact.via });
    lostOf.set(fact.subject, lost);
  }
  return {
    ...page,
    rows: page.rows.map((row) => ({
      ...row,
      cells: row.cells.map((cell) => {
        const entry = byKey.get(rightKey(row.ref, cell.scope, cell.resource));
        if (entry === undefined || entry.kind === "went") return cell;
        if (entry.kind === "appeared") return { ...cell, since: { change: "gained" as const } };
        const before = entry.before?.area === "rbac" ? entry.before.verbs : [];
        return { ...cell, since: { change: "changed" as const, verbsBefore: before } };
      }),
      lost: lostOf.get(row.ref) ?? [],
    })),
  };
}
