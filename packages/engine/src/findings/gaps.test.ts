import type { Finding, GapsQuery } from "@trustmap/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCluster } from "../objects/parse";
import { ClusterState } from "../state/cluster-state";
import { networkCluster, rbacCluster } from "../testing/arbitraries";
import { RUNS } from "../testing/runs";
import { syntheticCluster } from "../testing/synthetic";
import type { AcceptedException } from "./exceptions";
import { fixFirst } from "./fix-first";
import { gapsAnswer, judgeFindings } from "./gaps";
import { indexFindings } from "./groups";

const key = (f: Finding) => `${f.id}|${f.objects.join(",")}|${f.message}`;

function stateOf(objects: Record<string, unknown>[]): ClusterState {
  const parsed = parseCluster(objects.map((object, i) => ({ source: `doc ${i}`, object })));
  return ClusterState.from(parsed.cluster);
}

function query(extra: Partial<GapsQuery> = {}): GapsQuery {
  return {
    groupOffset: 0,
    groupLimit: 3,
    offset: 0,
    limit: 2,
    fixOffset: 0,
    fixLimit: 500,
    acceptedOffset: 0,
    acceptedLimit: 500,
    ...extra,
  };
}

/** Every finding an answer reaches by paging groups and findings, one page at a time. */
function pageThrough(
  state: ClusterState,
  base: Partial<GapsQuery>,
  exceptions: AcceptedException[] = [],
): Finding[] {
  const out: Finding[] = [];
  const first = gapsAnswer(state, { query: query(base), exceptions, now: 0 });
  for (const pillar of first.pillars) {
    for (const check of pillar.checks) {
      for (let groupOffset = 0; groupOffset < check.groups.total; groupOffset += 3) {
        const groups = gapsAnswer(state, {
          query: query({ ...base, check: check.id, groupOffset }),
          exceptions,
          now: 0,
        });
        const paged = groups.pillars.flatMap((p) => p.checks).find((c) => c.id === check.id)!;
        for (const group of paged.groups.items) {
          for (let offset = 0; offset < group.findings.total; offset += 2) {
            const answer = gapsAnswer(state, {
              query: query({ ...base, check: check.id, groupOffset, group: group.key, offset }),
              exceptions,
              now: 0,
            });
            const found = answer.pillars
              .flatMap((p) => p.checks)
              .find((c) => c.id === check.id)!
              .groups.items.find((g) => g.key === group.key)!;
            out.push(...found.findings.items);
          }
        }
      }
    }
  }
  return out;
}

describe("the gaps answer", () => {
  it("counts every heading as the engine's findings, and its pages reach each finding exactly once", () => {
    fc.assert(
      fc.property(networkCluster, rbacCluster, (network, rbac) => {
        const state = stateOf([...network, ...rbac]);
        const findings = state.findings();
        const answer = gapsAnswer(state, { query: query(), exceptions: [], now: 0 });
        // Literal counts: per pillar, per check, per severity, read straight from the list.
        expect(answer.total).toBe(findings.length);
        for (const pillar of answer.pillars) {
          expect(pillar.total).toBe(findings.filter((f) => f.pillar === pillar.pillar).length);
          for (const check of pillar.checks)
            expect(check.total).toBe(
              findings.filter((f) => f.pillar === pillar.pillar && f.id === check.id).length,
            );
        }
        expect(new Set(answer.pillars.map((p) => p.pillar))).toEqual(new Set(findings.map((f) => f.pillar)));
        for (const severity of ["critical", "high", "medium", "low", "info"] as const)
          expect(answer.counts[severity]).toBe(findings.filter((f) => f.severity === severity).length);
        const reached = pageThrough(state, {}).map(key);
        // Equal as lists (with repeats): each finding reached exactly as often as the engine lists it.
        expect(reached.sort()).toEqual(findings.map(key).sort());
      }),
      { numRuns: Math.min(RUNS, 60) },
    );
  });

  it("groups a workload's pods under their owner and keeps the filters", () => {
    const state = stateOf(
      syntheticCluster({ namespaces: 6, pods: 120, seed: 3 }) as Record<string, unknown>[],
    );
    const findings = state.findings();
    expect(findings.length).toBeGreaterThan(100);
    const answer = gapsAnswer(state, {
      query: query({ groupLimit: 500, limit: 500 }),
      exceptions: [],
      now: 0,
    });
    for (const check of answer.pillars.flatMap((p) => p.checks)) {
      expect(check.groups.items.reduce((sum, g) => sum + g.findings.total, 0)).toBe(check.total);
      for (const group of check.groups.items) {
        // Every pod finding of a group is a pod of that workload (one finding per pod and check).
        if (group.pods > 0) expect(group.findings.total).toBe(group.pods);
      }
    }
    const severity = "high";
    const high = gapsAnswer(state, { query: query({ severity }), exceptions: [], now: 0 });
    expect(high.total).toBe(findings.filter((f) => f.severity === severity).length);
    const namespace = state.namespaceNames()[0]!;
    const scoped = pageThrough(state, { namespace }).map(key).sort();
    expect(scoped).toEqual(state.findingsInNamespace(namespace).map(key).sort());
  });

  it("pages the whole fix-first list: the pages, in order, are the ranking, each entry once", () => {
    const state = stateOf(
      syntheticCluster({ namespaces: 6, pods: 120, seed: 3 }) as Record<string, unknown>[],
    );
    const ranked = fixFirst(state, judgeFindings(indexFindings(state.located()), {}, [], 0).open);
    const name = (e: { object: { kind: string; namespace?: string | undefined; name: string } }) =>
      `${e.object.kind}/${e.object.namespace ?? ""}/${e.object.name}`;
    // More entries than one page of 7 holds, and a last page that is not full.
    expect(ranked.length).toBeGreaterThan(14);
    const paged: string[] = [];
    for (let fixOffset = 0; fixOffset < ranked.length; fixOffset += 7) {
      const answer = gapsAnswer(state, { query: query({ fixOffset, fixLimit: 7 }), exceptions: [], now: 0 });
      expect(answer.fixFirst.total).toBe(ranked.length);
      expect(answer.fixFirst.offset).toBe(fixOffset);
      expect(answer.fixFirst.items.length).toBe(Math.min(7, ranked.length - fixOffset));
      paged.push(...answer.fixFirst.items.map(name));
    }
    expect(paged).toEqual(ranked.map(name));
    expect(new Set(paged).size).toBe(ranked.length);
    const past = gapsAnswer(state, {
      query: query({ fixOffset: ranked.length, fixLimit: 7 }),
      exceptions: [],
      now: 0,
    });
    expect(past.fixFirst).toEqual({ total: ranked.length, offset: ranked.length, items: [] });
  });
});
