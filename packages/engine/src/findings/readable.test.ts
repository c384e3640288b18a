import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identityKey } from "../identity/identity";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { literalReadableFindings, refInside, refNamespace } from "../testing/readable";
import { RUNS } from "../testing/runs";
import { readableCounts } from "../views/namespaces";
import { findingsPage } from "./page";
import { FindingsReader } from "./reader";

// What a user who may read some namespaces sees of the findings and the counts: read literally
// from the objects (testing/readable.ts), the findings about what they may list, and the objects
// of those namespaces.

const NAMESPACES = ["ns0", "ns1", "ns2", "ns3"];

/** Where a reader may list the network picture's kinds, and where RBAC's: chosen apart. */
const listable = fc.record({ graph: fc.subarray(NAMESPACES), rbac: fc.subarray(NAMESPACES) });

describe("findings and counts narrowed to what a user may list", () => {
  it("hold exactly the findings about what they may list, and the objects of their namespaces", () => {
    let seen = 0;
    let across = 0;
    fc.assert(
      fc.property(networkCluster, rbacCluster, listable, (network, rbac, { graph, rbac: rbacOf }) => {
        const objects = [...network, ...rbac];
        const namespaces = new Set(graph);
        const listing = { graph: namespaces, rbac: new Set(rbacOf) };
        const readable = [...new Set([...graph, ...rbacOf])];
        const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(cluster);
        const all = state.findings();
        const expected = literalReadableFindings(objects, listing);
        const reader = new FindingsReader(state, listing);
        const page = findingsPage(state, { offset: 0, limit: 1_000_000 }, () => all, reader);
        expect(page.findings).toEqual(expected);
        expect(page.total).toBe(expected.length);
        for (const namespace of readable) {
          const one = findingsPage(state, { namespace, offset: 0, limit: 1_000_000 }, () => all, reader);
          expect(one.findings).toEqual(
            expected.filter((finding) => finding.objects.some((ref) => refNamespace(ref) === namespace)),
          );
        }

        const counts = readableCounts(state, reader, 7);
        const pods = cluster.pods.filter((pod) => namespaces.has(pod.namespace));
        const names = new Set([
          ...cluster.namespaces.map((n) => n.name),
          ...cluster.pods.map((p) => p.namespace),
        ]);
        expect(counts).toEqual({
          namespaces: [...names].filter((name) => namespaces.has(name) || listing.rbac.has(name)).length,
          pods: pods.length,
          identities: new Set(pods.map((pod) => identityKey(pod))).size,
          networkPolicies: cluster.networkPolicies.filter((policy) => namespaces.has(policy.namespace))
            .length,
          subjects: 7,
          bindings: cluster.bindings.filter(
            (binding) => binding.kind === "RoleBinding" && listing.rbac.has(binding.namespace ?? ""),
          ).length,
          findings: expected.length,
          accepted: 0,
        });
        seen += expected.length;
        // Findings that name objects of several namespaces, or cluster-scoped ones, are what tell
        // "every object" from "some object": the cases must hold some.
        across += all.filter((finding) =>
          finding.objects.some((ref) => !refInside(ref, new Set([ref.split("/")[1] ?? ""]))),
        ).length;
      }),
      { numRuns: RUNS },
    );
    expect(seen).toBeGreaterThan(0);
    expect(across).toBeGreaterThan(0);
  });
});
