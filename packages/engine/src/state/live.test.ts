import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { namespacesOfFinding } from "../findings/finding";
import { RISKY_RIGHTS } from "../findings/rbac";
import { referenceConnectivity } from "../netpol/reference";
import type { Connectivity } from "../netpol/result";
import { parseCluster } from "../objects/parse";
import { computeRbac } from "../rbac/effective";
import { subjectRef } from "../rbac/subjects";
import { wireRule } from "../report/report";
import { command, networkCluster, rbacCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import type { Delta } from "./changes";
import { ClusterState } from "./cluster-state";

const RISKY_IDS = new Set(RISKY_RIGHTS.map((right) => right.id));

function comparableConnectivity(result: Connectivity) {
  return {
    connections: result.connections.map((c) => `${c.from} -> ${c.to}: ${c.ports.key()}`),
    external: result.external.map(
      (e) => `${e.pod} ${e.direction} ${e.cidr} ${e.except.join(",")}: ${e.ports.key()}`,
    ),
  };
}

function comparableRbac(subjects: ReturnType<typeof computeRbac>["subjects"]) {
  return subjects.map((s) => ({ subject: s.subject, rules: s.grants.map(wireRule) }));
}

describe("the live engine", () => {
  it("equals the from-scratch answers after every event of random sequences", () => {
    fc.assert(
      fc.property(
        networkCluster,
        rbacCluster,
        fc.array(command, { minLength: 1, maxLength: 20 }),
        (network, rbac, commands) => {
          const initial = parseCluster(
            [...network, ...rbac].map((object, i) => ({ source: `doc ${i}`, object })),
          );
          const state = ClusterState.from(initial.cluster);
          const findings = new Map<string, number>();
          const count = (json: string, by: number) => findings.set(json, (findings.get(json) ?? 0) + by);
          for (const f of state.findings()) count(JSON.stringify(f), 1);
          const subjects = new Set(state.rbac().map((s) => subjectRef(s.subject)));
          for (const namespace of state.namespaceNames()) state.worstOfNamespace(namespace);
          for (const [index, cmd] of commands.entries()) {
            // Commands take turns: their events (a rollout is many) applied one at a time, as
            // one batch, or staged one at a time and settled once.
            const events = eventsOf(state, cmd);
            const steps: (() => Delta)[] =
              index % 3 === 0
                ? events.map((event) => () => state.applyAll([event]))
                : index % 3 === 1
                  ? [() => state.applyAll(events)]
                  : [
                      () => {
                        for (const event of events) state.stage([event]);
                        expect(state.unsettled).toBe(events.length > 0);
                        return state.settle();
                      },
                    ];
            for (const step of steps) {
              const delta = step();
              expect(state.unsettled).toBe(false);
              const cluster = state.cluster();
              expect(comparableConnectivity(state.connectivity())).toEqual(
                comparableConnectivity(referenceConnectivity(cluster)),
              );
              expect(comparableRbac(state.rbac())).toEqual(comparableRbac(computeRbac(cluster).subjects));
              const fresh = ClusterState.from(cluster);
              const all = state.findings();
              expect(all).toEqual(fresh.findings());
              expect(state.findingCount()).toBe(all.length);
              // A namespace's findings, read on their own, are exactly the cluster's about it.
              for (const namespace of new Set(all.flatMap((f) => [...namespacesOfFinding(f)])))
                expect(state.findingsInNamespace(namespace)).toEqual(
                  all.filter((f) => namespacesOfFinding(f).has(namespace)),
                );
              // Every subject with a risky right has findings of its own.
              const withFindings = new Set(state.subjectsWithFindings().map((s) => subjectRef(s.subject)));
              for (const f of all)
                if (f.objects[0] !== undefined && RISKY_IDS.has(f.id))
                  expect(withFindings.has(f.objects[0])).toBe(true);
              // Each namespace's worst severity, kept up to date once asked for, is what a fresh
              // engine works out by looking at every pod.
              for (const namespace of new Set([...state.namespaceNames(), ...fresh.namespaceNames()]))
                expect(state.worstOfNamespace(namespace)).toBe(fresh.worstOfNamespace(namespace));
              expect([...state.identities()].map((i) => i.key).sort()).toEqual(
                [...fresh.identities()].map((i) => i.key).sort(),
              );
              // The delta alone carries the findings from the previous answer to this one.
              for (const f of delta.findings.removed) count(JSON.stringify(f), -1);
              for (const f of delta.findings.added) count(JSON.stringify(f), 1);
              const expected = new Map<string, number>();
              for (const f of state.findings())
                expected.set(JSON.stringify(f), (expected.get(JSON.stringify(f)) ?? 0) + 1);
              expect(new Map([...findings].filter(([, n]) => n !== 0))).toEqual(expected);
              // And the RBAC rows that appeared and went away.
              for (const ref of delta.rbac.removed) subjects.delete(ref);
              for (const ref of delta.rbac.added) subjects.add(ref);
              expect([...subjects].sort()).toEqual(
                state
                  .rbac()
                  .map((s) => subjectRef(s.subject))
                  .sort(),
              );
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
