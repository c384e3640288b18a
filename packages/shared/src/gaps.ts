import { z } from "zod";
import { AcceptedFinding, Finding, Pillar, Severity } from "./report";

// The gaps page's question and the engine's answer: findings grouped pillar → check → workload
// (pods inside their owner; other objects on their own), true totals at every level, pages of
// groups and of findings, the fix-first ranking and the accepted exceptions apart.

const Text = z.string().max(1024);
const Offset = z.coerce.number().int().min(0).default(0);
const Limit = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export const GapsQuery = z
  .object({
    severity: Severity.optional(),
    pillar: Pillar.optional(),
    namespace: Text.optional(),
    id: Text.optional(),
    search: Text.optional(),
    /** The check whose groups are paged by groupOffset (others show their first page). */
    check: Text.optional(),
    groupOffset: Offset,
    groupLimit: Limit(10, 500),
    /** The group (of `check`) whose findings are paged by offset (others show their first page). */
    group: Text.optional(),
    offset: Offset,
    limit: Limit(5, 500),
    fixOffset: Offset,
    fixLimit: Limit(10, 500),
    acceptedOffset: Offset,
    acceptedLimit: Limit(20, 500),
  })
  .strict();
export type GapsQuery = z.infer<typeof GapsQuery>;

const Counts = z.object({
  critical: z.number().int(),
  high: z.number().int(),
  medium: z.number().int(),
  low: z.number().int(),
  info: z.number().int(),
});

/** What a page shows of a list: `items` from `offset`, of `total`. */
const PageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ total: z.number().int(), offset: z.number().int(), items: z.array(item) }).strict();

export const WorkloadRef = z
  .object({ kind: z.string(), namespace: z.string().optional(), name: z.string() })
  .strict();
export type WorkloadRef = z.infer<typeof WorkloadRef>;

export const GapsGroup = z
  .object({
    /** Stable key of the group inside its check: the workload's or the object's reference. */
    key: z.string(),
    /** The workload (pod findings) or the object the findings are about. */
    object: WorkloadRef,
    /** How people name it. */
    name: z.string(),
    severity: Severity,
    /** Pods of the workload with findings of this check (0 for other objects). */
    pods: z.number().int(),
    findings: PageOf(Finding),
  })
  .strict();
export type GapsGroup = z.infer<typeof GapsGroup>;

export const GapsCheck = z
  .object({
    id: z.string(),
    title: z.string(),
    severity: Severity,
    total: z.number().int(),
    groups: PageOf(GapsGroup),
  })
  .strict();

export const GapsPillar = z
  .object({ pillar: Pillar, total: z.number().int(), counts: Counts, checks: z.array(GapsCheck) })
  .strict();

export const Exposure = z
  .object({
    outside: z.boolean(),
    anyNamespace: z.boolean(),
    privileged: z.boolean(),
    riskyToken: z.boolean(),
  })
  .strict();

export const FixEntry = z
  .object({
    kind: z.enum(["workload", "subject", "object"]),
    object: WorkloadRef,
    name: z.string(),
    severity: Severity,
    exposure: Exposure,
    score: z.number().int(),
    /** Why it scores what it scores, one line per term. */
    why: z.array(z.string()),
    fix: z.string(),
    findings: PageOf(Finding),
  })
  .strict();
export type FixEntry = z.infer<typeof FixEntry>;

export const GapsAnswer = z
  .object({
    /** Open findings that pass every filter. */
    total: z.number().int(),
    /** Open findings by severity, every filter but severity. */
    counts: Counts,
    pillars: z.array(GapsPillar),
    /** The score the fix-first list ranks by, in words. */
    scoring: z.string(),
    fixFirst: PageOf(FixEntry),
    /** Findings an exception accepts, apart (every filter applies). */
    accepted: PageOf(AcceptedFinding),
    /** Findings only expired exceptions cover: counted in `total` as findings again. */
    expired: z.number().int(),
  })
  .strict();
export type GapsAnswer = z.infer<typeof GapsAnswer>;
