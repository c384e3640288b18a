import { decodeNodeId, hasControlCharacter } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { namespaceGraph } from "./scoped";
import { applyPatch, type ViewEdge, type ViewGraph, type ViewNode, type ViewSnapshot } from "./view";
import { NamespaceView, OverviewView, type View, WorkloadView } from "./views";

interface Client {
  readonly view: View;
  /** The view computed from scratch on a fresh engine. */
  readonly fresh: (state: ClusterState) => Pick<ViewSnapshot, "nodes" | "edges">;
  nodes: Map<string, ViewNode>;
  edges: Map<string, ViewEdge>;
  revision: number;
}

function client(view: View, fresh: Client["fresh"]): Client {
  const snapshot = view.snapshot();
  return {
    view,
    fresh,
    nodes: new Map(snapshot.nodes.map((n) => [n.id, n])),
    edges: new Map(snapshot.edges.map((e) => [e.id, e])),
    revision: snapshot.revision,
  };
}

function sorted(snapshot: Pick<ViewSnapshot, "nodes" | "edges">) {
  return {
    nodes: [...snapshot.nodes].sort((a, b) => (a.id < b.id ? -1 : 1)),
    edges: [...snapshot.edges].sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

function asSnapshot(graph: ViewGraph): Pick<ViewSnapshot, "nodes" | "edges"> {
  return { nodes: [...graph.nodes.values()], edges: [...graph.edges.values()] };
}

describe("views", () => {
  it("equal their from-scratch version after every event, with the patches applied in order", () => {
    let patches = 0;
    fc.assert(
      fc.property(networkCluster, fc.array(command, { minLength: 1, maxLength: 15 }), (network, commands) => {
        const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(initial.cluster);
        const firstIdentity = [...state.identities()][0]?.key ?? "none";
        const clients = [
          client(new OverviewView(state), (s) => new OverviewView(s).snapshot()),
          // The namespace view is kept by terms; its reference is the namespace's graph summed whole.
          ...["ns0", "ns1", "ns2", "ns3"].map((ns) =>
            client(new NamespaceView(state, ns), (s) => asSnapshot(namespaceGraph(s, ns))),
          ),
          client(new WorkloadView(state, firstIdentity), (s) =>
            new WorkloadView(s, firstIdentity).snapshot(),
          ),
        ];
        for (const cmd of commands) {
          for (const event of eventsOf(state, cmd)) {
            const delta = state.apply(event);
            const fresh = ClusterState.from(state.cluster());
            for (const c of clients) {
              const patch = c.view.update(delta);
              if (patch !== undefined) {
                expect(patch.base).toBe(c.revision);
                expect(patch.revision).toBe(c.revision + 1);
                applyPatch(c, patch);
                c.revision = patch.revision;
                patches++;
              }
              expect(sorted({ nodes: [...c.nodes.values()], edges: [...c.edges.values()] })).toEqual(
                sorted(c.fresh(fresh)),
              );
              for (const node of c.nodes.values()) {
                expect(hasControlCharacter(node.id)).toBe(false);
                expect(hasControlCharacter(node.label)).toBe(false);
                expect(decodeNodeId(node.id)).toBeDefined();
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(patches).toBeGreaterThan(RUNS);
  });

  it("mark a workload again when its service account's token setting changes its worst finding", () => {
    // A hardened pod, isolated both ways: the token its service account mounts is its only
    // medium finding. The account's change touches no identity, only the pod's findings.
    const hardened = {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    };
    const account = (automount: boolean) => ({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { namespace: "shop", name: "api" },
      automountServiceAccountToken: automount,
    });
    const objects = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
      account(true),
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { namespace: "shop", name: "default-deny" },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { namespace: "shop", name: "api-1", labels: { app: "api" } },
        spec: {
          serviceAccountName: "api",
          containers: [
            {
              name: "main",
              image: `registry.example/api@sha256:${"a".repeat(64)}`,
              securityContext: hardened,
            },
          ],
        },
      },
    ];
    const parsed = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
    const state = ClusterState.from(parsed.cluster);
    const view = new NamespaceView(state, "shop");
    const held = client(view, (s) => asSnapshot(namespaceGraph(s, "shop")));
    const workload = () => [...held.nodes.values()].find((node) => node.kind === "identity");
    expect(workload()?.worst).toBe("medium");
    for (const automount of [false, true]) {
      const edited = parseCluster([{ source: "edit", object: account(automount) }]).cluster
        .serviceAccounts[0]!;
      const delta = state.apply({ type: "MODIFIED", kind: "ServiceAccount", object: edited });
      expect(delta.identities.resized).toEqual([]);
      const patch = view.update(delta);
      expect(patch).toBeDefined();
      applyPatch(held, patch!);
      expect(workload()?.worst).toBe(automount ? "medium" : undefined);
      expect(sorted({ nodes: [...held.nodes.values()], edges: [...held.edges.values()] })).toEqual(
        sorted(held.fresh(ClusterState.from(state.cluster()))),
      );
    }
  });
});
