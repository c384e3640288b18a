import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { canIAnswer, matrixPage, matrixRows, whoCanAnswer } from "./answers";
import { canI, whoCan } from "./questions";
import { resourceQueryOf } from "./resources";
import { subjectRef } from "./subjects";

// The API's RBAC answers page the engine's lists: every entry is reached by paging, each once,
// in the engine's order, and the totals are the lists' lengths.

function stateOf(objects: unknown[]): ClusterState {
  const { cluster } = parseCluster(
    objects.map((object, i) => ({ source: `doc ${i}`, object: object as never })),
  );
  return ClusterState.from(cluster);
}

const filters = fc.record(
  {
    subjectKind: fc.constantFrom("ServiceAccount" as const, "User" as const, "Group" as const),
    namespace: fc.constantFrom("ns0", "ns1", "ns2"),
    resource: fc.constantFrom("pods", "secrets", "pods/exec", "apps/deployments"),
    verb: fc.constantFrom("get", "list", "create", "delete"),
    risky: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe("the API's RBAC answers", () => {
  it("page the matrix and who-can so that every entry is reached once, in order, under a true total", () => {
    fc.assert(
      fc.property(
        rbacCluster,
        filters,
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("get", "list", "create", "*"),
        fc.constantFrom("pods", "secrets", "pods/exec"),
        fc.option(fc.constantFrom("ns0", "ns1"), { nil: undefined }),
        (objects, filter, limit, verb, resource, namespace) => {
          const state = stateOf(objects);
          const rows = matrixRows(state);
          const all = matrixPage(rows, { ...filter, offset: 0, limit: Number.MAX_SAFE_INTEGER });
          const paged = [];
          for (let offset = 0; offset < all.total + limit; offset += limit) {
            const page = matrixPage(rows, { ...filter, offset, limit });
            expect(page.total).toBe(all.total);
            expect(page.rows.length).toBe(Math.max(0, Math.min(limit, all.total - offset)));
            paged.push(...page.rows);
          }
          expect(paged).toEqual(all.rows);
          expect(all.rows.length).toBe(all.total);

          const byRef = new Map(rows.map((row) => [row.ref, row]));
          const [name, sub] = resource.split("/");
          const query = {
            verb,
            resource: name!,
            ...(sub === undefined ? {} : { subresource: sub }),
            ...(namespace === undefined ? {} : { namespace }),
          };
          const target = resourceQueryOf(name!);
          const expected = whoCan(
            state.rbac(),
            {
              verb,
              target: sub === undefined || "url" in target ? target : { ...target, subresource: sub },
              ...(namespace === undefined ? {} : { namespace }),
            },
            state.rulesOf,
          ).map((entry) => entry.ref);
          const refs: string[] = [];
          for (let offset = 0; offset < expected.length + limit; offset += limit) {
            const page = whoCanAnswer(state, { ...query, offset, limit }, (ref) => byRef.get(ref));
            expect(page.total).toBe(expected.length);
            refs.push(...page.subjects.map((s) => s.ref));
          }
          expect(refs).toEqual(expected);
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });

  it("answer can-i for every subject the cluster names, and for no other", () => {
    fc.assert(
      fc.property(
        rbacCluster,
        fc.option(fc.constantFrom("ns0", "ns1"), { nil: undefined }),
        (objects, namespace) => {
          const state = stateOf(objects);
          for (const rights of state.rbac()) {
            const ref = subjectRef(rights.subject);
            const answer = canIAnswer(state, {
              subject: ref,
              ...(namespace === undefined ? {} : { namespace }),
            });
            const expected = canI(rights, namespace, state.rulesOf);
            expect(answer?.ref).toBe(ref);
            expect(answer?.rules.map((r) => [r.binding, r.role, r.rule])).toEqual(
              expected.rules.map((r) => [r.binding, r.role, r.rule]),
            );
          }
          expect(canIAnswer(state, { subject: "User/no-such-user" })).toBeUndefined();
        },
      ),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});
