import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identityKey } from "../identity/identity";
import type { Cluster } from "../objects/model";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { viewPresence } from "./presence";

/** The literal reading: a namespace is declared or named by an object in it; a workload is a running pod's identity. */
function referenceNamespace(cluster: Cluster, name: string): boolean {
  return (
    cluster.namespaces.some((n) => n.declared && n.name === name) ||
    [...cluster.pods, ...cluster.networkPolicies, ...cluster.serviceAccounts].some(
      (o) => o.namespace === name,
    ) ||
    [...cluster.roles, ...cluster.bindings].some((o) => o.namespace === name)
  );
}

function referenceWorkload(cluster: Cluster, key: string): boolean {
  return cluster.pods.some((pod) => identityKey(pod) === key);
}

describe("whether a view's subject exists", () => {
  it("agrees with a literal reading of the objects, after every event", () => {
    let absent = 0;
    fc.assert(
      fc.property(networkCluster, fc.array(command, { maxLength: 10 }), (network, commands) => {
        const initial = parseCluster(network.map((object, i) => ({ source: `doc ${i}`, object })));
        const state = ClusterState.from(initial.cluster);
        const keys = [...state.identities()].map((identity) => identity.key);
        const check = () => {
          const cluster = state.cluster();
          for (const name of ["ns0", "ns1", "ns2", "ns3", "nowhere"]) {
            const answer = viewPresence(state, { kind: "namespace", namespace: name });
            expect(answer.exists).toBe(referenceNamespace(cluster, name));
            if (!answer.exists) {
              absent++;
              expect(answer.message).toBe(`no namespace named "${name}" in the cluster now`);
            }
          }
          for (const key of [...keys, "ns0\u0001app\u0002ghost"]) {
            expect(viewPresence(state, { kind: "workload", identity: key }).exists).toBe(
              referenceWorkload(cluster, key),
            );
          }
        };
        check();
        for (const cmd of commands) {
          for (const event of eventsOf(state, cmd)) state.apply(event);
          check();
        }
      }),
      { numRuns: RUNS },
    );
    expect(absent).toBeGreaterThan(0);
  });

  it("always has the overview", () => {
    expect(viewPresence(new ClusterState(), { kind: "overview" })).toEqual({ exists: true });
  });
});
