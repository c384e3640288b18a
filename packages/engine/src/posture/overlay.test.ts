import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { type Command, command, networkCluster } from "../testing/arbitraries";
import { differencesOf } from "../testing/compare";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { NamespaceView, OverviewView } from "../views/views";
import { PostureLedger } from "./ledger";
import { overlayOf } from "./overlay";

/**
 * A random cluster taken through random commands, the ledger kept up to date; each moment: the
 * facts the log holds then, and the cluster then (for a fresh engine's view of it).
 */
function replayed(network: readonly unknown[], commands: readonly Command[]) {
  const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object: object as never })));
  const state = ClusterState.from(initial.cluster);
  const ledger = new PostureLedger(state);
  ledger.build();
  const moments = [{ facts: new Map(ledger.current), cluster: state.cluster() }];
  for (const cmd of commands) {
    ledger.update(state.applyAll(eventsOf(state, cmd)));
    moments.push({ facts: new Map(ledger.current), cluster: state.cluster() });
  }
  return { state, ledger, moments };
}

/** A cluster, the commands it goes through, and which moment to compare with. */
const HISTORY = [networkCluster, fc.array(command, { minLength: 1, maxLength: 12 }), fc.nat()] as const;

const ids = (edges: readonly { id: string }[]) => new Set(edges.map((edge) => edge.id));
const minus = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].filter((id) => !b.has(id)).sort();

describe("the graph compared with a moment", () => {
  it("on the cluster's view: opened edges are those not there then, closed those not there now, by a fresh engine at each moment", () => {
    fc.assert(
      fc.property(...HISTORY, (network, commands, pick) => {
        const { state, ledger, moments } = replayed(network, commands);
        const then = moments[pick % moments.length]!;
        const differences = differencesOf(then.facts, ledger.current);
        const view = new OverviewView(state);
        const now = view.snapshot();
        const overlay = overlayOf({ state, view, current: ledger.current.values(), differences });
        const before = ids(new OverviewView(ClusterState.from(then.cluster)).snapshot().edges);
        const after = ids(now.edges);
        const status = (s: string) =>
          overlay.edges
            .filter((edge) => edge.status === s)
            .map((edge) => edge.id)
            .sort();
        expect(status("opened")).toEqual(minus(after, before));
        expect(overlay.counts.opened + overlay.counts.closed + overlay.counts.changed).toBe(
          overlay.edges.length,
        );
        expect(status("closed")).toEqual(minus(before, after));
        for (const id of status("changed")) {
          expect(before.has(id) && after.has(id)).toBe(true);
        }
        // Every connection that differs is on an edge, and each edge's counts are its connections'.
        expect(overlay.placed).toBe(differences.length);
        for (const edge of overlay.edges) {
          expect(edge.opened + edge.closed + edge.changed).toBeGreaterThan(0);
          if (edge.status === "opened") expect(edge.closed + edge.changed).toBe(0);
          if (edge.status === "closed") expect(edge.opened + edge.changed).toBe(0);
        }
        // A closed edge ends at nodes the view draws or at the overlay's own.
        const nodes = new Set([...now.nodes.map((node) => node.id), ...overlay.nodes.map((node) => node.id)]);
        for (const edge of overlay.edges) {
          expect(nodes.has(edge.source) && nodes.has(edge.target)).toBe(true);
        }
        for (const node of overlay.nodes) expect(now.nodes.some((n) => n.id === node.id)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("on a namespace's view: opened and changed edges are drawn, closed ones are not, and every connection of the namespace is placed or drawn elsewhere", () => {
    fc.assert(
      fc.property(...HISTORY, (network, commands, pick) => {
        const { state, ledger, moments } = replayed(network, commands);
        const differences = differencesOf(moments[pick % moments.length]!.facts, ledger.current);
        const namespaces = new Set(differences.flatMap((entry) => entry.namespaces));
        for (const namespace of namespaces) {
          const view = new NamespaceView(state, namespace);
          const now = view.snapshot();
          const drawn = ids(now.edges);
          const overlay = overlayOf({ state, view, current: ledger.current.values(), differences });
          for (const edge of overlay.edges) {
            expect(drawn.has(edge.id)).toBe(edge.status !== "closed");
            for (const entry of edge.entries) expect(entry.namespaces).toContain(namespace);
          }
          // A connection left off the overlay holds now, between identities the view draws otherwise.
          const placed = new Set(overlay.edges.flatMap((edge) => edge.entries.map((entry) => entry.key)));
          for (const entry of differences) {
            if (!entry.namespaces.includes(namespace) || placed.has(entry.key)) continue;
            expect(entry.after).toBeDefined();
          }
          expect(overlay.placed).toBeLessThanOrEqual(
            differences.filter((d) => d.namespaces.includes(namespace)).length,
          );
        }
      }),
      { numRuns: RUNS },
    );
  });
});
