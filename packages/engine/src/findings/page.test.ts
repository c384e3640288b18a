import { Pillar, Severity } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { namespacesOfFinding } from "./finding";
import { findingsPage } from "./page";

const question = fc.record(
  {
    severity: fc.constantFrom(...Severity.options),
    pillar: fc.constantFrom(...Pillar.options),
    namespace: fc.constantFrom("ns0", "ns1", "ns2", "kube-system"),
    search: fc.constantFrom("pod", "secret", "ns1", "NS0", "zz"),
  },
  { requiredKeys: [] },
);

describe("the findings page", () => {
  it("pages every finding that a literal filter of the cluster's keeps, once, in order, with counts of every filter but severity", () => {
    let listed = 0;
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        question,
        fc.integer({ min: 1, max: 5 }),
        (network, rbac, q, limit) => {
          const { cluster } = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(cluster);
          const all = state.findings();
          const search = q.search?.toLowerCase();
          const passes = all.filter(
            (f) =>
              (q.namespace === undefined || namespacesOfFinding(f).has(q.namespace)) &&
              (q.pillar === undefined || f.pillar === q.pillar) &&
              (search === undefined ||
                f.message.toLowerCase().includes(search) ||
                f.objects.some((o) => o.toLowerCase().includes(search))),
          );
          const expected = passes.filter((f) => q.severity === undefined || f.severity === q.severity);
          const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
          for (const f of passes) counts[f.severity]++;
          const seen = [];
          for (let offset = 0; offset < expected.length + limit; offset += limit) {
            const page = findingsPage(state, { ...q, offset, limit }, () => all);
            expect(page.total).toBe(expected.length);
            expect(page.counts).toEqual(counts);
            seen.push(...page.findings);
          }
          expect(seen).toEqual(expected);
          listed += seen.length;
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    // The questions are not all empty.
    expect(listed).toBeGreaterThan(0);
  });
});
