import { z } from "zod";
import { FindingsExportQuery, MatrixRow, SeverityCounts } from "./api";
import { CompareAnswer } from "./changes";
import { AcceptedFinding, Finding, Pillar } from "./report";
import { SourceInfo, SourceStatus } from "./source";
import { ViewEdge, ViewNode } from "./view";

// The evidence report: one model of what Trustmap says about a scope (the cluster or one
// namespace) at one revision. Every export format (PDF, JSON, CSV, SARIF) is rendered from it,
// so they cannot disagree.

export const Paper = z.enum(["a4", "letter"]);
export type Paper = z.infer<typeof Paper>;

/** The query of an evidence export: the gaps page's filters (namespace = scope), and the PDF's paper. */
export const EvidenceQuery = FindingsExportQuery.extend({
  paper: Paper.optional(),
  /** A "changes since" section: since this moment (ISO time), or "last": since the last report of the same scope. */
  since: z.union([z.literal("last"), z.string().datetime({ offset: true })]).optional(),
}).strict();
export type EvidenceQuery = z.infer<typeof EvidenceQuery>;

export const EvidenceScope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cluster") }).strict(),
  z.object({ kind: z.literal("namespace"), namespace: z.string().min(1) }).strict(),
  /** The namespaces a user who may not read the whole cluster may read. */
  z.object({ kind: z.literal("namespaces"), namespaces: z.array(z.string().min(1)) }).strict(),
]);
export type EvidenceScope = z.infer<typeof EvidenceScope>;

export const Framework = z.enum([
  "CIS Kubernetes Benchmark",
  "NSA-CISA Kubernetes Hardening Guide",
  "Trustmap",
]);
export type Framework = z.infer<typeof Framework>;

/** One control of a framework, and the findings (indices into `findings`) that fail it. */
export const ControlSection = z
  .object({
    framework: Framework,
    /** "5.2.2" for CIS, the guide's section for NSA-CISA. */
    control: z.string(),
    title: z.string(),
    findings: z.array(z.number().int().nonnegative()),
  })
  .strict();
export type ControlSection = z.infer<typeof ControlSection>;

export const PillarSummary = z
  .object({
    pillar: Pillar,
    title: z.string(),
    findings: z.number().int().nonnegative(),
    counts: SeverityCounts,
    /** The checks that found something, most severe first. */
    checks: z.array(z.string()),
  })
  .strict();
export type PillarSummary = z.infer<typeof PillarSummary>;

export const PolicyRuleText = z.object({ peers: z.string(), ports: z.string() }).strict();

/** A NetworkPolicy as the appendix prints it: selectors and rules in words. */
export const PolicyAppendix = z
  .object({
    namespace: z.string(),
    name: z.string(),
    podSelector: z.string(),
    policyTypes: z.array(z.enum(["Ingress", "Egress"])),
    /** How many running pods it selects. */
    pods: z.number().int().nonnegative(),
    ingress: z.array(PolicyRuleText),
    egress: z.array(PolicyRuleText),
  })
  .strict();
export type PolicyAppendix = z.infer<typeof PolicyAppendix>;

export const EvidenceMeta = z
  .object({
    title: z.string(),
    /** The API server's URL, or the name of the demo or directory. */
    cluster: z.string(),
    /** The kubeconfig context (Kubernetes sources only). */
    context: z.string().optional(),
    source: SourceInfo,
    /** The source's connection when the report was made: a report from a lost connection says so. */
    status: SourceStatus,
    scope: EvidenceScope,
    scopeText: z.string(),
    /**
     * Set when the report was made for a user who may read some namespaces only: it holds what
     * they may read, and says how much is withheld.
     */
    access: z
      .object({
        user: z.string(),
        /** Namespaces of the cluster the user may not read, left out of every section. */
        hidden: z.number().int().nonnegative(),
        text: z.string(),
      })
      .strict()
      .optional(),
    /** The findings filters applied, as given, and in words. */
    filters: z.record(z.string(), z.string()),
    filtersText: z.array(z.string()),
    generatedAt: z.string(),
    /** The engine's revision every section was read at. */
    revision: z.number().int().nonnegative(),
    trustmapVersion: z.string(),
  })
  .strict();
export type EvidenceMeta = z.infer<typeof EvidenceMeta>;

export const EvidenceReport = z
  .object({
    schemaVersion: z.literal(1),
    meta: EvidenceMeta,
    counts: z
      .object({
        namespaces: z.number().int(),
        pods: z.number().int(),
        networkPolicies: z.number().int(),
        findings: z.number().int(),
        riskySubjects: z.number().int(),
      })
      .strict(),
    pillars: z.array(PillarSummary),
    controls: z.array(ControlSection),
    /** The findings in scope that pass the filters, most severe first. */
    findings: z.array(Finding),
    /** Findings in scope an accepted exception covers: apart, not counted in `counts.findings`. */
    accepted: z.array(AcceptedFinding).optional(),
    /** The scope's graph: the overview for the cluster, the namespace's view for a namespace. */
    graph: z
      .object({
        view: z.string(),
        nodes: z.array(ViewNode),
        edges: z.array(ViewEdge),
        /** Namespaces of the graph without default-deny for ingress or egress (drawn dashed). */
        noDefaultDeny: z.array(z.string()),
      })
      .strict(),
    /** Subjects with risky rights in scope, with only their risky cells and what grants them. */
    rbac: z.array(MatrixRow),
    networkPolicies: z.array(PolicyAppendix),
    /**
     * Set when this is a printable excerpt (the PDF of a very large scope): at most so many
     * findings of each check and so many policies are listed; counts and pillars stay whole.
     */
    /** What changed in the scope since a moment (`since` of the query), from the change log. */
    changes: CompareAnswer.extend({
      /** How the moment was chosen: a date given, the last report of the same scope, or the log's beginning (no report before). */
      basis: z.enum(["date", "last-report", "log-start"]),
    })
      .strict()
      .optional(),
    excerpt: z
      .object({
        findingsPerCheck: z.number().int().positive(),
        /** Every check's number of findings in the whole report. */
        findingsByCheck: z.record(z.string(), z.number().int().nonnegative()),
        findingsOmitted: z.number().int().nonnegative(),
        policiesOmitted: z.number().int().nonnegative(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type EvidenceReport = z.infer<typeof EvidenceReport>;

/** A PNG of a dashboard page: which page, the page's own query (its filters), width and scale. */
export const PageShotQuery = z
  .object({
    page: z.enum(["rbac", "gaps"]),
    query: z.string().max(4096).default(""),
    width: z.coerce.number().int().min(640).max(3200).default(1400),
    scale: z.coerce.number().int().min(1).max(3).default(1),
  })
  .strict();
export type PageShotQuery = z.infer<typeof PageShotQuery>;
