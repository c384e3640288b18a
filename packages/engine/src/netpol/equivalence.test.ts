import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { formatInputError } from "../objects/reader";
import { networkCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { computeConnectivity } from "./connectivity";
import { referenceConnectivity } from "./reference";
import type { Connectivity } from "./result";

function comparable(result: Connectivity) {
  return {
    connections: result.connections.map((c) => `${c.from} -> ${c.to}: ${c.ports.key()}`),
    external: result.external.map(
      (e) => `${e.pod} ${e.direction} ${e.cidr} except ${e.except.join(",")}: ${e.ports.key()}`,
    ),
  };
}

describe("the identity engine equals the reference evaluator", () => {
  it("on random clusters", () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(networkCluster, (objects) => {
        const parsed = parseCluster(objects.map((object, i) => ({ source: `random ${i}`, object })));
        expect(parsed.errors.map(formatInputError)).toEqual([]);
        const reference = comparable(referenceConnectivity(parsed.cluster));
        expect(comparable(computeConnectivity(parsed.cluster))).toEqual(reference);
        const pairs = parsed.cluster.pods.length * (parsed.cluster.pods.length - 1);
        if (reference.connections.length > 0 && reference.connections.length < pairs) nonTrivial++;
      }),
      { numRuns: RUNS },
    );
    // The generator must produce clusters where policies decide something, or the test proves little.
    expect(nonTrivial).toBeGreaterThan(RUNS / 10);
  });

  it("on random clusters where admin and baseline tiers decide", () => {
    let decided = 0;
    let external = 0;
    fc.assert(
      fc.property(networkCluster, (objects) => {
        const parsed = parseCluster(objects.map((object, i) => ({ source: `random ${i}`, object })));
        expect(parsed.errors.map(formatInputError)).toEqual([]);
        const reference = comparable(referenceConnectivity(parsed.cluster));
        expect(comparable(computeConnectivity(parsed.cluster))).toEqual(reference);
        const { clusterPolicies: _, ...withoutTiers } = parsed.cluster;
        const untiered = comparable(referenceConnectivity(withoutTiers));
        if (JSON.stringify(untiered.connections) !== JSON.stringify(reference.connections)) decided++;
        if (JSON.stringify(untiered.external) !== JSON.stringify(reference.external)) external++;
      }),
      { numRuns: RUNS * 2 },
    );
    // The tiers must change the answer often, between pods and to addresses outside, or the test proves little.
    expect(decided).toBeGreaterThan(RUNS / 5);
    expect(external).toBeGreaterThan(RUNS / 10);
  });
});
