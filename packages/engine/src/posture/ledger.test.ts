import type { PostureFact } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import type { Delta } from "../state/changes";
import { ClusterState } from "../state/cluster-state";
import { command, networkCluster, rbacCluster } from "../testing/arbitraries";
import { eventsOf } from "../testing/events";
import { RUNS } from "../testing/runs";
import { PostureLedger, replay } from "./ledger";

/** The facts of a state, computed from nothing by an engine that never saw an event. */
function freshFacts(state: ClusterState): Map<string, PostureFact> {
  const fresh = ClusterState.from(state.cluster());
  const ledger = new PostureLedger(fresh);
  ledger.build();
  return new Map(ledger.current);
}

function sorted(facts: ReadonlyMap<string, PostureFact>): [string, PostureFact][] {
  return [...facts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe("the posture ledger", () => {
  it("replayed from its first facts, equals a fresh engine's facts at every revision of random sequences", () => {
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
          const ledger = new PostureLedger(state);
          // The log as a reader holds it: the first facts, then every change in order.
          ledger.build();
          const log = new Map<string, PostureFact>(ledger.current);
          expect(sorted(log)).toEqual(sorted(freshFacts(state)));
          // Built a part at a time (one identity, pod, finding or subject each), the same facts.
          const inParts = new PostureLedger(state);
          for (const _ of inParts.building(1)) {
            // The state does not change between parts.
          }
          expect(sorted(inParts.current)).toEqual(sorted(log));
          for (const [index, cmd] of commands.entries()) {
            const events = eventsOf(state, cmd);
            const steps: (() => Delta)[] =
              index % 2 === 0
                ? events.map((event) => () => state.applyAll([event]))
                : [() => state.applyAll(events)];
            for (const step of steps) {
              const changes = ledger.update(step());
              // Each change says what was and what is: replaying it from the log's facts is exact.
              for (const change of changes) {
                expect(log.get(change.key)).toEqual(change.before);
                expect(change.before ?? change.after).toBeDefined();
              }
              replay(log, changes);
              const expected = sorted(freshFacts(state));
              expect(sorted(log)).toEqual(expected);
              expect(sorted(ledger.current)).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
