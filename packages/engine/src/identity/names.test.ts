import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Cluster, Pod } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { identityKey } from "./identity";
import { groupNames, IdentityNames, type Nameable, summarize } from "./names";

type Json = Record<string, unknown>;

/** Every identity's name, computed from scratch from the cluster's pods. */
function referenceNames(cluster: Cluster): Map<string, string> {
  const identities = new Map<string, { namespace: string; labels: Json; owners: Set<string> }>();
  for (const pod of cluster.pods) {
    const key = identityKey(pod);
    const entry = identities.get(key) ?? { namespace: pod.namespace, labels: pod.labels, owners: new Set() };
    entry.owners.add(pod.owner.name);
    identities.set(key, entry);
  }
  const groups = new Map<
    string,
    { namespace: string; owners: string[]; members: { key: string; labels: Record<string, string> }[] }
  >();
  for (const [key, entry] of identities) {
    const owners = [...entry.owners].sort();
    const group = JSON.stringify([entry.namespace, owners]);
    const members = groups.get(group)?.members ?? [];
    members.push({ key, labels: entry.labels as Record<string, string> });
    groups.set(group, { namespace: entry.namespace, owners, members });
  }
  const names = new Map<string, string>();
  for (const { namespace, owners, members } of groups.values())
    for (const [key, name] of groupNames(namespace, summarize(owners), members)) names.set(key, name);
  return names;
}

function namesOf(state: ClusterState): Map<string, string> {
  return new Map([...state.identities()].map((identity) => [identity.key, identity.name]));
}

function pod(name: string, labels: Record<string, string>, owner?: { kind: string; name: string }): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: "shop",
      name,
      labels,
      ...(owner === undefined ? {} : { ownerReferences: [{ ...owner, controller: true, uid: owner.name }] }),
    },
    spec: { containers: [{ name: "main", image: "app:1" }] },
  };
}

function stateOf(objects: Json[]): ClusterState {
  const parsed = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
  expect(parsed.errors).toEqual([]);
  return ClusterState.from(parsed.cluster);
}

function sortedNames(state: ClusterState): string[] {
  return [...namesOf(state).values()].sort();
}

describe("identity names", () => {
  it("equal their from-scratch names after every event, and no two identities of a namespace share one", () => {
    fc.assert(
      fc.property(networkCluster, fc.array(command, { minLength: 1, maxLength: 15 }), (network, commands) => {
        const state = ClusterState.from(
          parseCluster(network.map((object, i) => ({ source: `${i}`, object }))).cluster,
        );
        for (const cmd of commands) {
          for (const event of eventsOf(state, cmd)) {
            const before = new Map([...state.identities()].map((identity) => [identity, identity.name]));
            const delta = state.apply(event);
            expect(namesOf(state)).toEqual(referenceNames(state.cluster()));
            // The delta says which identities that stay changed their name.
            const renamed = new Set(delta.identities.renamed);
            for (const identity of state.identities()) {
              const old = before.get(identity);
              if (old !== undefined && old !== identity.name) expect(renamed.has(identity)).toBe(true);
            }
            for (const identity of renamed) expect(before.has(identity)).toBe(true);
            for (const namespace of state.namespacesWithPods()) {
              const names = [...state.identitiesIn(namespace)].map((identity) => identity.name);
              expect(new Set(names).size, namespace).toBe(names.length);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("name a workload by its namespace and owner; a Deployment through its ReplicaSet", () => {
    const hash = { "pod-template-hash": "7d9f" };
    const state = stateOf([
      pod("web-7d9f-a", { app: "web", ...hash }, { kind: "ReplicaSet", name: "web-7d9f" }),
      pod("web-7d9f-b", { app: "web", ...hash }, { kind: "ReplicaSet", name: "web-7d9f" }),
    ]);
    expect(sortedNames(state)).toEqual(["shop/web"]);
  });

  it("tell a StatefulSet's pods apart by their pod-name label", () => {
    const set = { kind: "StatefulSet", name: "postgres" };
    const common = { app: "postgres", "controller-revision-hash": "postgres-5b8" };
    const state = stateOf([
      pod("postgres-0", { ...common, "statefulset.kubernetes.io/pod-name": "postgres-0" }, set),
      pod("postgres-1", { ...common, "statefulset.kubernetes.io/pod-name": "postgres-1" }, set),
    ]);
    expect(sortedNames(state)).toEqual(["shop/postgres (postgres-0)", "shop/postgres (postgres-1)"]);
  });

  it("name a StatefulSet whose pods are one identity once", () => {
    const set = { kind: "StatefulSet", name: "postgres" };
    const state = stateOf([
      pod("postgres-0", { app: "postgres" }, set),
      pod("postgres-1", { app: "postgres" }, set),
    ]);
    expect(sortedNames(state)).toEqual(["shop/postgres"]);
  });

  it("tell two versions of one app apart by version, not by the template hash", () => {
    const v1 = { kind: "ReplicaSet", name: "api-aaa" };
    const v2 = { kind: "ReplicaSet", name: "api-bbb" };
    const objects = [
      pod("api-aaa-1", { app: "api", version: "v1", "pod-template-hash": "aaa" }, v1),
      pod("api-bbb-1", { app: "api", version: "v2", "pod-template-hash": "bbb" }, v2),
    ];
    expect(sortedNames(stateOf(objects))).toEqual(["shop/api version=v1", "shop/api version=v2"]);
    // Alone, the same identity is named by its owner only: names follow the other identities.
    const state = stateOf(objects.slice(0, 1));
    expect(sortedNames(state)).toEqual(["shop/api"]);
    const parsed = parseCluster([{ source: "new", object: objects[1]! }]).cluster.pods[0]!;
    state.apply({ type: "ADDED", kind: "Pod", object: parsed });
    expect(sortedNames(state)).toEqual(["shop/api version=v1", "shop/api version=v2"]);
    state.apply({ type: "DELETED", kind: "Pod", object: parsed });
    expect(sortedNames(state)).toEqual(["shop/api"]);
  });

  it("name an identity holding pods of several owners by its owners", () => {
    const labels = { tier: "cache" };
    const two = stateOf([
      pod("a-1", labels, { kind: "StatefulSet", name: "redis-a" }),
      pod("b-1", labels, { kind: "StatefulSet", name: "redis-b" }),
    ]);
    expect(sortedNames(two)).toEqual(["shop/redis-a + shop/redis-b"]);
    const three = stateOf([
      pod("a-1", labels, { kind: "StatefulSet", name: "redis-a" }),
      pod("b-1", labels, { kind: "StatefulSet", name: "redis-b" }),
      pod("c-1", labels, { kind: "StatefulSet", name: "redis-c" }),
    ]);
    expect(sortedNames(three)).toEqual(["shop/redis-a (+2)"]);
  });

  it("name a pod without owner by its own name", () => {
    const state = stateOf([pod("debug", { run: "debug" }), pod("toolbox", { run: "toolbox" })]);
    expect(sortedNames(state)).toEqual(["shop/debug", "shop/toolbox"]);
  });

  it("show control characters of odd labels as visible escapes", () => {
    const names = groupNames("shop", summarize(["web"]), [
      { key: "a", labels: { app: "x\u0001" } },
      { key: "b", labels: { app: "y" } },
    ]);
    expect(names.get("a")).toBe("shop/web app=x\\x01");
  });
});

/** A pod of `owner` in namespace shop: all that naming reads of a pod is its owner. */
function podOf(owner: string): Pod {
  const name = `${owner}-pod`;
  return {
    namespace: "shop",
    name,
    labels: {},
    ports: [],
    serviceAccountName: "default",
    security: { hostNetwork: false, hostPID: false, hostIPC: false, hostPathVolumes: [], containers: [] },
    source: { kind: "Pod", namespace: "shop", name },
    owner: { kind: "Deployment", namespace: "shop", name: owner },
  };
}

describe("identity names when the fingerprints of different owners collide", () => {
  it("keep identities of different owners in different groups, named as when the fingerprints differ", () => {
    const change = fc.record({
      identity: fc.integer({ min: 0, max: 3 }),
      owner: fc.constantFrom("api", "web", "db", "cache"),
      add: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(change, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        (flushes) => {
          // Every set of owners of one size has the same fingerprint here.
          const colliding = new IdentityNames<Nameable>(() => [0, 0]);
          const apart = new IdentityNames<Nameable>();
          const identities = () =>
            [0, 1, 2, 3].map((i) => ({
              key: `id${i}`,
              namespace: "shop",
              labels: { version: `v${i}` },
              name: "",
            }));
          const inColliding = identities();
          const inApart = identities();
          const pods = new Map<string, number>();
          for (const changes of flushes) {
            for (const { identity, owner, add } of changes) {
              const key = `${identity} ${owner}`;
              const count = pods.get(key) ?? 0;
              if (!add && count === 0) continue;
              pods.set(key, count + (add ? 1 : -1));
              for (const [names, held] of [
                [colliding, inColliding],
                [apart, inApart],
              ] as const) {
                if (add) names.podAdded(held[identity]!, podOf(owner));
                else names.podRemoved(held[identity]!, podOf(owner));
              }
            }
            colliding.flush(new Set());
            apart.flush(new Set());
            expect(inColliding.map((identity) => identity.name)).toEqual(
              inApart.map((identity) => identity.name),
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
