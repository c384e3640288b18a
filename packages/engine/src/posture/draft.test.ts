import type { PostureChange, PostureFact } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceConnectivity } from "../netpol/reference";
import type { Connectivity } from "../netpol/result";
import type { Cluster } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { computeRbac } from "../rbac/effective";
import { wireRule } from "../report/report";
import { ClusterState, KINDS, type Kind, objectKey } from "../state/cluster-state";
import { anyObject, command, networkCluster, rbacCluster } from "../testing/arbitraries";
import { differencesOf } from "../testing/compare";
import { eventsOf, modelOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { OverviewView } from "../views/views";
import { diffPostures, postureOf } from "./diff";
import { type DraftEdit, deletionKey, editKey, putsOf, withDraft } from "./draft";
import { PostureLedger } from "./ledger";
import { overlayOf } from "./overlay";

function comparableConnectivity(result: Connectivity) {
  return {
    // As sets: the order of pods' connections follows the order the state met the pods in.
    connections: result.connections.map((c) => `${c.from} -> ${c.to}: ${c.ports.key()}`).sort(),
    external: result.external
      .map((e) => `${e.pod} ${e.direction} ${e.cidr} ${e.except.join(",")}: ${e.ports.key()}`)
      .sort(),
  };
}

function comparableRbac(subjects: ReturnType<typeof computeRbac>["subjects"]) {
  return subjects.map((s) => ({ subject: s.subject, rules: s.grants.map(wireRule) }));
}

/** The engine's answers on a state, as the tests compare them. */
function answers(state: ClusterState) {
  return {
    connectivity: comparableConnectivity(state.connectivity()),
    rbac: comparableRbac(state.rbac()),
    findings: state.findings(),
  };
}

/** The cluster's objects of a kind, as the Cluster lists them. */
function listOf(kind: Kind): { list: keyof Cluster; keep: (o: never) => boolean } {
  switch (kind) {
    case "Namespace":
      return { list: "namespaces", keep: () => true };
    case "Pod":
      return { list: "pods", keep: () => true };
    case "NetworkPolicy":
      return { list: "networkPolicies", keep: () => true };
    case "ServiceAccount":
      return { list: "serviceAccounts", keep: () => true };
    case "Role":
    case "ClusterRole":
      return { list: "roles", keep: (r: { kind: string }) => r.kind === kind };
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
    case "ClusterNetworkPolicy":
      return { list: "clusterPolicies", keep: (p: { kind: string }) => p.kind === kind };
    default:
      return { list: "bindings", keep: (b: { kind: string }) => b.kind === kind };
  }
}

/** The draft applied literally to a cluster's lists: each edit replaces or removes the object of its key. */
function drafted(cluster: Cluster, edits: readonly DraftEdit[]): Cluster {
  const lists: Record<string, unknown[]> = Object.fromEntries(
    Object.entries({ clusterPolicies: [], ...cluster }).map(([name, list]) => [
      name,
      [...(list as unknown[])],
    ]),
  );
  for (const edit of edits) {
    const { list, keep } = listOf(edit.kind);
    const key = editKey(edit);
    lists[list] = lists[list]!.filter(
      (object) => !(keep(object as never) && objectKey(edit.kind, object as never) === key),
    );
    if (edit.op === "put") lists[list]!.push(edit.object);
  }
  return lists as unknown as Cluster;
}

const byKey = (changes: readonly PostureChange[]) =>
  [...changes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** A draft's edit before it meets a state: an object to put, or which object to delete. */
const draftEdit = fc.oneof(
  { weight: 3, arbitrary: fc.record({ put: anyObject }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.nat(), pick: fc.nat() }) },
);

/** The edits on a state: a delete picks one of its objects (of a kind with none: a name it lacks). */
function editsOn(state: ClusterState, picks: readonly ({ put: unknown } | { kind: number; pick: number })[]) {
  return picks.map((pick): DraftEdit => {
    if ("put" in pick) {
      const { kind, object } = modelOf(pick.put as never);
      return { op: "put", kind, object };
    }
    const kind = KINDS[pick.kind % KINDS.length]!;
    const keys = [...state.objectsOf(kind).keys()].sort();
    return { op: "delete", kind, key: keys[pick.pick % Math.max(keys.length, 1)] ?? "absent/none" };
  });
}

describe("a draft over the live state", () => {
  it("reads as a fresh engine on the cluster with the draft applied, differs by exactly what differs, and leaves the live state as it was while live events go on", () => {
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(draftEdit, { minLength: 1, maxLength: 6 }),
        fc.array(command, { maxLength: 6 }),
        (network, rbac, picks, commands) => {
          const initial = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(initial.cluster);
          const ledger = new PostureLedger(state);
          ledger.build();
          // A view kept up to date by live events only: the draft's reads never reach it.
          const live = new OverviewView(state);
          live.snapshot();
          const edits = editsOn(state, picks);
          for (const cmd of [undefined, ...commands]) {
            if (cmd !== undefined) {
              const delta = state.applyAll(eventsOf(state, cmd));
              ledger.update(delta);
              live.update(delta);
            }
            const cluster = state.cluster();
            const now = postureOf(cluster);
            const expected = drafted(cluster, edits);
            const fresh = ClusterState.from(expected);
            const facts = postureOf(expected);
            let readFacts: Map<string, PostureFact> | undefined;
            const reading = withDraft(state, ledger, edits, (changes) => {
              // The drafted state answers as a fresh engine on the drafted cluster.
              expect(answers(state)).toEqual(answers(fresh));
              expect(comparableConnectivity(state.connectivity())).toEqual(
                comparableConnectivity(referenceConnectivity(expected)),
              );
              expect(comparableRbac(state.rbac())).toEqual(comparableRbac(computeRbac(expected).subjects));
              readFacts = new Map(ledger.current);
              // The overlay of the draft: opened edges are drawn with the draft and not now, closed
              // ones now and not with the draft, by fresh engines on both clusters.
              const view = new OverviewView(state);
              const overlay = overlayOf({
                state,
                view,
                current: ledger.current.values(),
                differences: differencesOf(now, facts),
              });
              const ids = (s: ClusterState) => new Set(new OverviewView(s).snapshot().edges.map((e) => e.id));
              const withDraftEdges = ids(fresh);
              const nowEdges = ids(ClusterState.from(cluster));
              const status = (s: string) =>
                overlay.edges
                  .filter((e) => e.status === s)
                  .map((e) => e.id)
                  .sort();
              const minus = (a: Set<string>, b: Set<string>) => [...a].filter((id) => !b.has(id)).sort();
              expect(status("opened")).toEqual(minus(withDraftEdges, nowEdges));
              expect(status("closed")).toEqual(minus(nowEdges, withDraftEdges));
              return changes.length;
            });
            // The difference is exactly what differs between the two clusters' facts.
            expect(readFacts).toEqual(facts);
            expect(byKey(reading.changes)).toEqual(byKey(diffPostures(now, facts)));
            expect(reading.read).toBe(reading.changes.length);
            // Deletions of objects the cluster lacks are said, and change nothing.
            for (const gone of reading.absent) expect(state.object(gone.kind, gone.key)).toBeUndefined();
            // Afterwards the live state, its facts and the live view are as they were.
            expect(answers(state)).toEqual(answers(ClusterState.from(cluster)));
            expect(new Map(ledger.current)).toEqual(now);
            expect(state.cluster()).toEqual(cluster);
          }
          // The live view, updated by live deltas alone, is a fresh engine's view of the cluster now.
          const sortById = <T extends { id: string }>(list: readonly T[]) =>
            [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          const kept = live.snapshot();
          const freshView = new OverviewView(ClusterState.from(state.cluster())).snapshot();
          expect(sortById(kept.nodes)).toEqual(sortById(freshView.nodes));
          expect(sortById(kept.edges)).toEqual(sortById(freshView.edges));
        },
      ),
      { numRuns: Math.max(20, Math.floor(RUNS / 4)) },
    );
  });

  it("puts the state back when a read throws", () => {
    const pod = (name: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { namespace: "shop", name, labels: { app: name } },
      spec: { containers: [{ name: "c", image: "nginx" }] },
    });
    const initial = parseCluster(
      [pod("web"), pod("db")].map((object, i) => ({ source: `doc ${i}`, object })),
    );
    const state = ClusterState.from(initial.cluster);
    const ledger = new PostureLedger(state);
    ledger.build();
    const before = state.cluster();
    const facts = new Map(ledger.current);
    const edits: DraftEdit[] = [...state.objectsOf("Pod").keys()].map((key) => ({
      op: "delete",
      kind: "Pod",
      key,
    }));
    expect(edits.length).toBeGreaterThan(0);
    expect(() =>
      withDraft(state, ledger, edits, () => {
        expect(state.cluster().pods).toEqual([]);
        throw new Error("a read that fails");
      }),
    ).toThrow("a read that fails");
    expect(state.cluster()).toEqual(before);
    expect(new Map(ledger.current)).toEqual(facts);
  });
});

describe("a deletion's key", () => {
  it("is the key the state files the object under, for every kind", () => {
    fc.assert(
      fc.property(anyObject, (raw) => {
        const { kind, object } = modelOf(raw);
        const named = object as { namespace?: string; name: string };
        const namespace = kind === "Namespace" || kind.startsWith("Cluster") ? undefined : named.namespace;
        expect(deletionKey(kind, namespace, named.name)).toBe(objectKey(kind, object));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("a draft's workload", () => {
  it("stands in place of the live pods the workload owns, not beside them", () => {
    const livePod = (name: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        namespace: "shop",
        name,
        labels: { app: "web", "pod-template-hash": "5d9f" },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d9f", controller: true, uid: "u" },
        ],
      },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    });
    const initial = parseCluster(
      [livePod("web-5d9f-a"), livePod("web-5d9f-b")].map((object, i) => ({ source: `doc ${i}`, object })),
    );
    expect(initial.errors).toEqual([]);
    const state = ClusterState.from(initial.cluster);
    const ledger = new PostureLedger(state);
    ledger.build();
    const before = state.cluster();
    const deployment = parseCluster([
      {
        source: "draft",
        object: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { namespace: "shop", name: "web" },
          spec: {
            selector: { matchLabels: { app: "web-v2" } },
            template: {
              metadata: { labels: { app: "web-v2" } },
              spec: { containers: [{ name: "web", image: "web:2" }] },
            },
          },
        },
      },
    ]);
    expect(deployment.errors).toEqual([]);
    const reading = withDraft(state, ledger, putsOf(deployment.cluster), () =>
      state.cluster().pods.map((pod) => [pod.owner.kind, pod.owner.name, pod.labels.app]),
    );
    // One pod of the template, for the workload whose two live pods it replaces.
    expect(reading.read).toEqual([["Deployment", "web", "web-v2"]]);
    expect(state.cluster()).toEqual(before);
  });
});
