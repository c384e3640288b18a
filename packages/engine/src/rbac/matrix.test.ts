import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grantHasRight, RISKY_RIGHTS } from "../findings/rbac";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { filterRow, matrixRow } from "./matrix";

describe("the RBAC matrix", () => {
  it("holds in each cell the verbs its grants give, and marks risky exactly the subjects with risky-right findings", () => {
    let riskyRows = 0;
    fc.assert(
      fc.property(rbacCluster, (objects) => {
        const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(cluster);
        const findings = state.findings();
        for (const rights of state.rbac()) {
          const row = matrixRow(rights, state.rulesOf);
          const granted = new Set(rights.grants.flatMap((g) => g.rule.verbs));
          for (const cell of row.cells) {
            for (const verb of cell.verbs) expect(granted.has(verb)).toBe(true);
            expect(cell.grants.length).toBeGreaterThan(0);
            for (const grant of cell.grants) expect(grant.rule).toBeGreaterThanOrEqual(0);
          }
          // A risky right the findings report for this subject shows in some cell, and back.
          for (const right of RISKY_RIGHTS) {
            const reached = rights.grants.some((grant) => grantHasRight(right, grant));
            const marked = row.cells.some((cell) => cell.risks.includes(right.id));
            expect(marked).toBe(reached);
            const reported = findings.some(
              (f) =>
                f.id === right.id &&
                f.objects.includes(
                  rights.subject.kind === "ServiceAccount"
                    ? `ServiceAccount/${rights.subject.namespace}/${rights.subject.name}`
                    : `${rights.subject.kind}/${rights.subject.name}`,
                ),
            );
            if (reported) expect(marked).toBe(true);
          }
          if (row.worst !== undefined) riskyRows++;
          const riskyOnly = filterRow(row, { riskyOnly: true });
          expect(riskyOnly?.cells.length ?? 0).toBe(row.riskyCells);
        }
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    expect(riskyRows).toBeGreaterThan(0);
  });
});
