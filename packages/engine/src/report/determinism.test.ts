import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { analyze } from "./report";

describe("the report", () => {
  it("is the same, to the byte, whatever the order of the input documents", () => {
    fc.assert(
      fc.property(networkCluster, rbacCluster, fc.infiniteStream(fc.nat()), (network, rbac, order) => {
        const objects = [...network, ...rbac];
        const keys = objects.map(() => order.next().value);
        const shuffled = objects
          .map((object, i) => ({ object, key: keys[i]! }))
          .sort((a, b) => a.key - b.key);
        const report = (list: unknown[]) =>
          JSON.stringify(
            analyze(parseCluster(list.map((object, i) => ({ source: `doc ${i}`, object }))).cluster),
          );
        expect(report(shuffled.map((s) => s.object))).toBe(report(objects));
      }),
      { numRuns: Math.max(50, RUNS / 4) },
    );
  });
});
