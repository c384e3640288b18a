import type {
  AcceptedFinding,
  Finding,
  GapsAnswer,
  GapsGroup,
  GapsQuery,
  Pillar,
  Severity,
  SeverityCounts,
  WorkloadRef,
} from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";
import { emptySeverityCounts } from "../views/namespaces";
import { CHECKS, worse } from "./catalog";
import { type AcceptedException, exceptionInfo, judge } from "./exceptions";

import { FIX_FIRST_SCORING, type FixFirstEntry, fixFirst } from "./fix-first";
import { compareRanked, type IndexedFinding, indexFindings, nameOf, RANK } from "./groups";
import type { FindingsReader } from "./reader";

// The gaps page's answer: findings grouped pillar → check → workload, with true totals at every
// level and pages that, together, reach every finding exactly once.

export interface GapsFilters {
  readonly severity?: Severity | undefined;
  readonly pillar?: string | undefined;
  readonly id?: string | undefined;
  readonly search?: string | undefined;
}

/** The filters other than severity and namespace (the namespace chooses what is read). */
function passes(finding: Finding, filters: GapsFilters, search: string | undefined): boolean {
  if (filters.pillar !== undefined && finding.pillar !== filters.pillar) return false;
  if (filters.id !== undefined && finding.id !== filters.id) return false;
  if (search === undefined) return true;
  return (
    finding.message.toLowerCase().includes(search) ||
    finding.objects.some((o) => o.toLowerCase().includes(search))
  );
}

/** The findings of a scope judged by the exceptions at `now` and filtered as the gaps page asks. */
export interface JudgedFindings {
  /** Open findings passing every filter, in compareFindings order. */
  readonly open: IndexedFinding[];
  /** Open findings by severity, every filter but severity. */
  readonly counts: SeverityCounts;
  readonly accepted: { readonly located: IndexedFinding; readonly exception: AcceptedException }[];
  readonly expired: number;
}

export function judgeFindings(
  located: readonly IndexedFinding[],
  filters: GapsFilters,
  exceptions: readonly AcceptedException[],
  now: number,
): JudgedFindings {
  const search = filters.search?.toLowerCase();
  const counts = emptySeverityCounts();
  const open: IndexedFinding[] = [];
  const accepted: JudgedFindings["accepted"][number][] = [];
  let expired = 0;
  for (const entry of located) {
    const { finding } = entry;
    if (!passes(finding, filters, search)) continue;
    const verdict = judge(exceptions, finding, entry.pod, now);
    if (verdict.state === "accepted") {
      if (filters.severity === undefined || finding.severity === filters.severity)
        accepted.push({ located: entry, exception: verdict.exception });
      continue;
    }
    counts[finding.severity] += 1;
    if (filters.severity !== undefined && finding.severity !== filters.severity) continue;
    if (verdict.state === "expired") expired++;
    open.push(entry);
  }
  // The index is sorted: filtering keeps its order.
  return { open, counts, accepted, expired };
}

interface GroupDraft {
  readonly key: string;
  readonly object: WorkloadRef;
  readonly name: string;
  severity: Severity;
  readonly pods: Set<string>;
  readonly findings: Finding[];
}

interface CheckDraft {
  readonly id: string;
  severity: Severity;
  total: number;
  readonly groups: Map<string, GroupDraft>;
}

interface PillarDraft {
  readonly pillar: Pillar;
  severity: Severity;
  total: number;
  readonly counts: SeverityCounts;
  readonly checks: Map<string, CheckDraft>;
}

/** Open findings (in compareFindings order) grouped pillar → check → workload or object, each level sorted. */
export function groupFindings(open: readonly IndexedFinding[]) {
  const pillars = new Map<Pillar, PillarDraft>();
  for (const located of open) {
    const { finding } = located;
    let pillar = pillars.get(finding.pillar);
    if (pillar === undefined) {
      pillar = {
        pillar: finding.pillar,
        severity: finding.severity,
        total: 0,
        counts: emptySeverityCounts(),
        checks: new Map(),
      };
      pillars.set(finding.pillar, pillar);
    }
    pillar.total++;
    pillar.counts[finding.severity] += 1;
    pillar.severity = worse(pillar.severity, finding.severity)!;
    let check = pillar.checks.get(finding.id);
    if (check === undefined) {
      check = { id: finding.id, severity: finding.severity, total: 0, groups: new Map() };
      pillar.checks.set(finding.id, check);
    }
    check.total++;
    check.severity = worse(check.severity, finding.severity)!;
    const { object, key } = located;
    let group = check.groups.get(key);
    if (group === undefined) {
      group = {
        key,
        object,
        name: nameOf(object),
        severity: finding.severity,
        pods: new Set(),
        findings: [],
      };
      check.groups.set(key, group);
    }
    group.severity = worse(group.severity, finding.severity)!;
    if (located.pod !== undefined) group.pods.add(located.pod.name);
    group.findings.push(finding);
  }
  const byCheck = (a: CheckDraft, b: CheckDraft) =>
    RANK[a.severity] - RANK[b.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const byPillar = (a: PillarDraft, b: PillarDraft) =>
    RANK[a.severity] - RANK[b.severity] || PILLARS.indexOf(a.pillar) - PILLARS.indexOf(b.pillar);
  return [...pillars.values()].sort(byPillar).map((pillar) => ({
    ...pillar,
    checks: [...pillar.checks.values()].sort(byCheck).map((check) => ({
      ...check,
      groups: [...check.groups.values()].sort(compareRanked),
    })),
  }));
}

const PILLARS: readonly Pillar[] = [
  "network-segmentation",
  "least-privilege",
  "workload-isolation",
  "admission-enforcement",
  "secrets",
  "service-mesh-mtls",
  "immutability",
];

const TITLES = new Map(CHECKS.map((check) => [check.id, check.title]));

function page<T>(items: readonly T[], offset: number, limit: number) {
  return { total: items.length, offset, items: items.slice(offset, offset + limit) };
}

export interface GapsInput {
  readonly query: GapsQuery;
  readonly exceptions: readonly AcceptedException[];
  /** Milliseconds since the epoch: the engine reads no clock. */
  readonly now: number;
}

/** The gaps page's whole answer for a cluster. */
export function gapsAnswer(
  state: ClusterState,
  { query, exceptions, now }: GapsInput,
  /** indexFindings(state.located(query.namespace)) when the caller keeps it for the revision. */
  indexed?: readonly IndexedFinding[],
  /** A reader of some namespaces only: the findings they see, ranked on what they see. */
  reader?: FindingsReader,
): GapsAnswer {
  const located = indexed ?? indexFindings((reader ?? state).located(query.namespace));
  return pageGaps(analyzeGaps(state, located, query, exceptions, now, reader), query);
}

/** What every page of one question reads: the findings judged, grouped and ranked. */
export interface GapsAnalysis {
  readonly judged: JudgedFindings;
  readonly groups: ReturnType<typeof groupFindings>;
  readonly ranked: readonly FixFirstEntry[];
}

export function analyzeGaps(
  state: ClusterState,
  indexed: readonly IndexedFinding[],
  filters: GapsFilters,
  exceptions: readonly AcceptedException[],
  now: number,
  /** A reader of some namespaces only (`indexed` is then theirs): scores rest on what they see. */
  reader?: FindingsReader,
): GapsAnalysis {
  const judged = judgeFindings(indexed, filters, exceptions, now);
  const ranked = fixFirst(state, judged.open, reader);
  return { judged, groups: groupFindings(judged.open), ranked };
}

/** The page of an analysis a query asks for. */
export function pageGaps({ judged, groups, ranked }: GapsAnalysis, query: GapsQuery): GapsAnswer {
  const pillars = groups.map((pillar) => ({
    pillar: pillar.pillar,
    total: pillar.total,
    counts: pillar.counts,
    checks: pillar.checks.map((check) => {
      const paged = check.id === query.check;
      return {
        id: check.id,
        title: TITLES.get(check.id) ?? check.id,
        severity: check.severity,
        total: check.total,
        groups: page(check.groups, paged ? query.groupOffset : 0, query.groupLimit),
      };
    }),
  }));
  const wired = pillars.map((pillar) => ({
    ...pillar,
    checks: pillar.checks.map((check) => ({
      ...check,
      groups: {
        ...check.groups,
        items: check.groups.items.map((group): GapsGroup => {
          const paged = check.id === query.check && group.key === query.group;
          return {
            key: group.key,
            object: group.object,
            name: group.name,
            severity: group.severity,
            pods: group.pods.size,
            findings: page(group.findings, paged ? query.offset : 0, query.limit),
          };
        }),
      },
    })),
  }));
  const accepted = acceptedFindings(judged.accepted);
  return {
    total: judged.open.length,
    counts: judged.counts,
    pillars: wired,
    scoring: FIX_FIRST_SCORING,
    fixFirst: {
      total: ranked.length,
      offset: query.fixOffset,
      items: ranked.slice(query.fixOffset, query.fixOffset + query.fixLimit).map((entry) => ({
        ...entry,
        findings: page(entry.findings, 0, query.limit),
      })),
    },
    accepted: page(accepted, query.acceptedOffset, query.acceptedLimit),
    expired: judged.expired,
  };
}

/** Accepted findings as the wire carries them: the finding and the exception that accepts it. */
export function acceptedFindings(accepted: JudgedFindings["accepted"]): AcceptedFinding[] {
  return accepted.map(({ located, exception }) => ({
    finding: located.finding,
    exception: exceptionInfo(exception),
  }));
}
