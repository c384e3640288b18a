import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { computeRbac } from "../rbac/effective";
import { subjectRef } from "../rbac/subjects";
import { wireRule } from "../report/report";
import { command, networkCluster, rbacCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { referenceRoleRules } from "../testing/rbac-reference";
import { RUNS } from "../testing/runs";
import { ClusterState } from "./cluster-state";

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ruleText = (r: {
  verbs: readonly string[];
  apiGroups: readonly string[];
  resources: readonly string[];
  resourceNames: readonly string[];
  nonResourceURLs: readonly string[];
}) => JSON.stringify([r.verbs, r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs]);

/** Every read method of the state equals a literal reading of the objects it holds. */
function expectReadsOf(state: ClusterState): void {
  const cluster = state.cluster();
  const namespaces = new Set([
    ...cluster.namespaces.map((n) => n.name),
    ...cluster.pods.map((p) => p.namespace),
  ]);

  // Workloads: every pod in one workload of its namespace, found by its key and by the pod.
  expect([...state.namespacesWithPods()].sort(byText)).toEqual(
    [...new Set(cluster.pods.map((p) => p.namespace))].sort(byText),
  );
  let identities = 0;
  for (const namespace of [...namespaces, "no-such-namespace"]) {
    const here = state.identitiesIn(namespace);
    identities += here.size;
    const pods = [...here].flatMap((identity) => {
      expect(identity.namespace).toBe(namespace);
      expect(state.identity(identity.key)).toBe(identity);
      for (const key of identity.pods.keys()) expect(state.identityOfPod(key)).toBe(identity);
      return [...identity.pods.keys()];
    });
    expect(pods.sort(byText)).toEqual(
      cluster.pods
        .filter((p) => p.namespace === namespace)
        .map((p) => `${p.namespace}/${p.name}`)
        .sort(byText),
    );

    // Policies: exactly the namespace's.
    expect([...state.policyStatesIn(namespace)].map((p) => p.policy.name).sort(byText)).toEqual(
      cluster.networkPolicies
        .filter((p) => p.namespace === namespace)
        .map((p) => p.name)
        .sort(byText),
    );
  }
  expect(state.identityCount()).toBe(identities);
  expect([...state.policyStates()].map((p) => `${p.policy.namespace}/${p.policy.name}`).sort(byText)).toEqual(
    cluster.networkPolicies.map((p) => `${p.namespace}/${p.name}`).sort(byText),
  );

  // Rights: each subject's, as computed from scratch; a role's rules with aggregation resolved.
  const subjects = computeRbac(cluster).subjects;
  expect(state.subjectCount()).toBe(subjects.length);
  for (const expected of subjects) {
    const rights = state.rightsOf(subjectRef(expected.subject));
    expect(rights?.subject).toEqual(expected.subject);
    expect(rights?.grants.map(wireRule)).toEqual(expected.grants.map(wireRule));
  }
  expect(state.rightsOf("User/no-such-user")).toBeUndefined();
  const reference = referenceRoleRules(cluster);
  for (const role of cluster.roles)
    expect(new Set(state.rulesOf(role).map(ruleText))).toEqual(new Set(reference.get(role)!.map(ruleText)));
}

describe("the state's read methods", () => {
  it("equal a literal reading of the objects held, after every event of random sequences", () => {
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(command, { minLength: 1, maxLength: 8 }),
        (network, rbac, commands) => {
          const initial = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(initial.cluster);
          expectReadsOf(state);
          for (const cmd of commands) {
            state.applyAll(eventsOf(state, cmd));
            expectReadsOf(state);
          }
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});
