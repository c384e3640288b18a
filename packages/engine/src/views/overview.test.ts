import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { type Command, command, networkCluster, podManifest } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { explicitSources, podPairs, tiersName } from "./graph";
import { namespaceGraph, namespaceNode, namespaceNodeId, ownSums } from "./scoped";
import {
  ANY_POD,
  anyNode,
  applyPatch,
  EdgeSums,
  OUTSIDE,
  outsideNode,
  type ViewEdge,
  type ViewNode,
} from "./view";
import { NamespaceView, OverviewView } from "./views";

/**
 * The overview summed from scratch, pair by pair, as a reader of the rules would: every
 * identity's explicit sources, and its traffic with "any pod" and "outside", on namespace edges.
 */
function referenceOverview(state: ClusterState) {
  const sums = new EdgeSums();
  for (const identity of state.identities()) {
    const node = namespaceNodeId(identity.namespace);
    for (const source of explicitSources(identity)) {
      sums.add(
        namespaceNodeId(source.namespace),
        node,
        state.allowed(source, identity),
        podPairs(source, identity),
        tiersName(source, identity),
      );
    }
    ownSums(sums, state, identity, node, identity.pods.size);
  }
  const edges = [...sums.edges().values()];
  const nodes = new Map<string, ViewNode>();
  for (const namespace of [...state.namespacesWithPods(), ...state.namespaceObjects()])
    nodes.set(namespaceNodeId(namespace), namespaceNode(state, namespace));
  if (edges.some((e) => e.source === ANY_POD || e.target === ANY_POD)) nodes.set(ANY_POD, anyNode());
  if (edges.some((e) => e.source === OUTSIDE || e.target === OUTSIDE)) nodes.set(OUTSIDE, outsideNode());
  return sorted([...nodes.values()], edges);
}

function sorted(nodes: readonly ViewNode[], edges: readonly ViewEdge[]) {
  return {
    nodes: [...nodes].sort((a, b) => (a.id < b.id ? -1 : 1)),
    edges: [...edges].sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

/** A pod of a fresh template (its hash is a label), added or deleted: its identity comes or goes with it. */
const templatePod: fc.Arbitrary<Command> = fc
  .record({
    op: fc.constantFrom("ADDED" as const, "DELETED" as const),
    pod: podManifest,
    hash: fc.constantFrom("h1", "h2", "h3", "h4", "h5", "h6"),
  })
  .map(({ op, pod, hash }) => ({
    op,
    object: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        namespace: pod.namespace,
        name: `pod-${hash}`,
        labels: { ...pod.labels, "pod-template-hash": hash },
      },
      spec: { containers: [{ name: "main", image: "app:1", ports: pod.ports }] },
    },
  }));

/** Mostly rollouts, fresh pods and scaling: identities come and go under the policies' selectors. */
const churn: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: templatePod },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("ROLLOUT" as const),
      namespace: fc.constantFrom("ns0", "ns1", "ns2", "ns3"),
      app: fc.constantFrom("a", "b", "c"),
      hash: fc.constantFrom("h1", "h2", "h3", "h4"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("SCALE" as const), pick: fc.nat(), up: fc.boolean() }),
  },
  { weight: 2, arbitrary: command },
);

describe("overview", () => {
  it("and each namespace's view equal their graphs summed from scratch after every event, as identities come and go under selectors", () => {
    let selectedArrivals = 0;
    let selectedDepartures = 0;
    fc.assert(
      fc.property(networkCluster, fc.array(churn, { minLength: 1, maxLength: 30 }), (network, commands) => {
        const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(initial.cluster);
        const view = new OverviewView(state);
        const first = view.snapshot();
        const seen = {
          nodes: new Map(first.nodes.map((n) => [n.id, n])),
          edges: new Map(first.edges.map((e) => [e.id, e])),
        };
        expect(sorted(first.nodes, first.edges)).toEqual(referenceOverview(state));
        // Each namespace's view is kept by the same terms; its reference is its graph summed whole.
        const namespaces = ["ns0", "ns1", "ns2", "ns3"].map((namespace) => {
          const namespaceView = new NamespaceView(state, namespace);
          const snapshot = namespaceView.snapshot();
          return {
            namespace,
            view: namespaceView,
            nodes: new Map(snapshot.nodes.map((n) => [n.id, n])),
            edges: new Map(snapshot.edges.map((e) => [e.id, e])),
          };
        });
        for (const cmd of commands) {
          for (const event of eventsOf(state, cmd)) {
            // A departing identity's peers are cleared when it goes: count the matched ones before.
            const before = new Set(
              [...state.identities()].filter((i) => i.matchedBy.size > 0).map((i) => i.key),
            );
            const delta = state.apply(event);
            selectedArrivals += delta.identities.added.filter((i) => i.matchedBy.size > 0).length;
            selectedDepartures += delta.identities.removed.filter((i) => before.has(i.key)).length;
            const patch = view.update(delta);
            if (patch !== undefined) applyPatch(seen, patch);
            const fresh = ClusterState.from(state.cluster());
            expect(sorted([...seen.nodes.values()], [...seen.edges.values()])).toEqual(
              referenceOverview(fresh),
            );
            for (const held of namespaces) {
              const namespacePatch = held.view.update(delta);
              if (namespacePatch !== undefined) applyPatch(held, namespacePatch);
              const whole = namespaceGraph(fresh, held.namespace);
              expect(sorted([...held.nodes.values()], [...held.edges.values()])).toEqual(
                sorted([...whole.nodes.values()], [...whole.edges.values()]),
              );
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(selectedArrivals).toBeGreaterThan(RUNS / 4);
    expect(selectedDepartures).toBeGreaterThan(RUNS / 4);
  });
});
