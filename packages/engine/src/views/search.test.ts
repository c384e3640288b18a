import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identityKey } from "../identity/identity";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { networkCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { identitiesOfNode } from "./explain";
import { searchNodes } from "./search";

// Search held to a literal reading of the objects: a namespace matches by its name or a label,
// a workload by its name or a label of its pods, a pod by its name.

function contains(text: string, query: string): boolean {
  return text.toLowerCase().includes(query.trim().toLowerCase());
}

describe("search", () => {
  it("finds exactly the namespaces, workloads and pods whose name or label contains the text", () => {
    let found = 0;
    fc.assert(
      fc.property(networkCluster, fc.nat(), fc.nat({ max: 3 }), (objects, pick, cut) => {
        const { cluster } = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(cluster);
        // A piece of some name or label in the cluster, or text nothing holds.
        const words = [
          ...cluster.pods.map((p) => p.name),
          ...cluster.pods.flatMap((p) => Object.entries(p.labels).map(([k, v]) => `${k}=${v}`)),
          ...cluster.namespaces.map((n) => n.name),
          "nothing-has-this",
        ];
        const word = words[pick % words.length]!;
        const query = word.slice(Math.min(cut, word.length - 1)).toUpperCase();
        const answer = searchNodes(state, query, 1_000_000);
        const namespaces = new Set([
          ...cluster.namespaces.map((n) => n.name),
          ...cluster.pods.map((p) => p.namespace),
        ]);
        const expectedNamespaces = [...namespaces].filter((name) => {
          const labels = cluster.namespaces.find((n) => n.name === name)?.labels ?? {
            "kubernetes.io/metadata.name": name,
          };
          return (
            contains(name, query) || Object.entries(labels).some(([k, v]) => contains(`${k}=${v}`, query))
          );
        });
        const expectedPods = cluster.pods
          .filter((p) => contains(p.name, query))
          .map((p) => `${p.namespace}/${p.name}`);
        const hitsOf = (kind: string) => answer.hits.filter((h) => h.kind === kind);
        expect(
          hitsOf("namespace")
            .map((h) => h.label)
            .sort(),
        ).toEqual(expectedNamespaces.sort());
        expect(
          hitsOf("pod")
            .map((h) => `${h.namespace}/${h.label}`)
            .sort(),
        ).toEqual(expectedPods.sort());
        // Workloads: by a label of their pods or by the name they are shown with.
        const workloadHits = new Set(hitsOf("identity").map((h) => identitiesOfNode(state, h.node)[0]!.key));
        for (const pod of cluster.pods) {
          const byLabel = Object.entries(pod.labels).some(([k, v]) => contains(`${k}=${v}`, query));
          if (byLabel) expect(workloadHits.has(identityKey(pod))).toBe(true);
        }
        for (const hit of hitsOf("identity")) {
          const identity = identitiesOfNode(state, hit.node)[0]!;
          const byLabel = Object.entries(identity.labels).some(([k, v]) => contains(`${k}=${v}`, query));
          expect(byLabel || contains(hit.label, query)).toBe(true);
        }
        expect(answer.total).toBe(answer.hits.length);
        const limited = searchNodes(state, query, 2);
        expect(limited.total).toBe(answer.total);
        expect(limited.hits).toEqual(answer.hits.slice(0, 2));
        // A user who may read some namespaces: exactly the hits in them, in the same order, each
        // opening a view of its own namespace.
        const readable = new Set([...namespaces].filter((_, i) => (pick >> i) % 2 === 1));
        const narrowed = searchNodes(state, query, 1_000_000, readable);
        expect(narrowed.hits.map((h) => h.node)).toEqual(
          answer.hits.filter((h) => readable.has(h.namespace)).map((h) => h.node),
        );
        expect(narrowed.total).toBe(narrowed.hits.length);
        for (const hit of narrowed.hits) expect(hit.view).not.toBe("overview");
        found += answer.total;
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    expect(found).toBeGreaterThan(0);
  });
});
