import { z } from "zod";
import { AcceptedFinding, Finding, Pillar, Ports, Severity, SubjectKind } from "./report";
import { SourceInfo, SourceStatus } from "./source";

// The BFF's REST bodies and stream events. Query parameters are parsed here too, so that a bad
// one is answered with 400 and a message that names it.

const Text = z.string().max(1024);
const Labels = z.record(z.string(), z.string());

/** A problem with one object the source read: it is left out of the picture, and said so. */
export const SourceProblem = z
  .object({ source: z.string(), object: z.string().optional(), field: z.string(), message: z.string() })
  .strict();
export type SourceProblem = z.infer<typeof SourceProblem>;

export const Health = z
  .object({
    connected: z.boolean(),
    source: SourceInfo,
    status: SourceStatus,
    revision: z.number().int(),
    /** Events received from the source that the engine has not applied yet (catching up when > 0). */
    backlog: z.number().int().nonnegative(),
  })
  .strict();
export type Health = z.infer<typeof Health>;

export const ClusterInfo = z
  .object({
    source: SourceInfo,
    status: SourceStatus,
    revision: z.number().int(),
    startedAt: z.string(),
    counts: z
      .object({
        namespaces: z.number().int(),
        pods: z.number().int(),
        identities: z.number().int(),
        networkPolicies: z.number().int(),
        subjects: z.number().int(),
        bindings: z.number().int(),
        /** Open findings: those no accepted exception covers. */
        findings: z.number().int(),
        /** Findings an accepted exception covers, counted apart. */
        accepted: z.number().int(),
      })
      .strict(),
    eventsPerSecond: z.number(),
    /** The latest problems with objects of the source (at most 100). */
    problems: z.array(SourceProblem),
  })
  .strict();
export type ClusterInfo = z.infer<typeof ClusterInfo>;

export const SeverityCounts = z.record(Severity, z.number().int());
export type SeverityCounts = z.infer<typeof SeverityCounts>;

export const NamespaceSummary = z
  .object({
    name: z.string(),
    labels: Labels,
    /** False when the namespace has no object of its own (only objects in it). */
    declared: z.boolean(),
    pods: z.number().int(),
    identities: z.number().int(),
    networkPolicies: z.number().int(),
    defaultDenyIngress: z.boolean(),
    defaultDenyEgress: z.boolean(),
    openIngressPods: z.number().int(),
    openEgressPods: z.number().int(),
    /** Open findings by severity (accepted ones apart, in `accepted`). */
    findings: SeverityCounts,
    accepted: z.number().int(),
  })
  .strict();
export type NamespaceSummary = z.infer<typeof NamespaceSummary>;

export const NamespaceList = z.object({ namespaces: z.array(NamespaceSummary) }).strict();

/** A namespace label the cluster's view can group by: how many namespaces carry it, with how many values. */
export const GroupingKey = z
  .object({
    key: z.string(),
    namespaces: z.number().int().nonnegative(),
    values: z.number().int().nonnegative(),
  })
  .strict();
export type GroupingKey = z.infer<typeof GroupingKey>;

/** The labels worth grouping by, most useful first (see the engine's groupingKeys). */
export const GroupingList = z
  .object({ namespaces: z.number().int().nonnegative(), keys: z.array(GroupingKey) })
  .strict();
export type GroupingList = z.infer<typeof GroupingList>;

/** A pod label a namespace's view can group its workloads by: how many workloads carry it, with how many values. */
export const WorkloadGroupingKey = z
  .object({
    key: z.string(),
    workloads: z.number().int().nonnegative(),
    values: z.number().int().nonnegative(),
  })
  .strict();
export type WorkloadGroupingKey = z.infer<typeof WorkloadGroupingKey>;

/** How many workloads a namespace holds, and the pod labels worth grouping them by, most useful first. */
export const WorkloadGroupingList = z
  .object({ workloads: z.number().int().nonnegative(), keys: z.array(WorkloadGroupingKey) })
  .strict();
export type WorkloadGroupingList = z.infer<typeof WorkloadGroupingList>;
export type NamespaceList = z.infer<typeof NamespaceList>;

export const PolicyRef = z
  .object({ namespace: z.string(), name: z.string(), ingress: z.boolean(), egress: z.boolean() })
  .strict();

export const PodDetail = z
  .object({ name: z.string(), namespace: z.string(), labels: Labels, serviceAccount: z.string() })
  .strict();

/** What the graph's side panel shows for a node. */
export const NodeDetails = z
  .object({
    id: z.string(),
    kind: z.enum(["namespace", "identity", "pod"]),
    /** The name people know it by: the namespace, `namespace/owner` and telling labels, or the pod's name. */
    name: z.string(),
    namespace: z.string(),
    labels: Labels,
    pods: z.array(PodDetail),
    /** How many pods there are in all (`pods` lists at most 200). */
    podCount: z.number().int(),
    /** The policies that select the node's pods (for a namespace: every policy in it). */
    policies: z.array(PolicyRef),
    isolatedIngress: z.boolean(),
    isolatedEgress: z.boolean(),
    /** Open findings; those an accepted exception covers are in `accepted`, with the exception. */
    findings: z.array(Finding),
    accepted: z.array(AcceptedFinding),
    /** The service accounts the pods run as, with their risky rights. */
    serviceAccounts: z.array(
      z.object({ ref: z.string(), risks: z.array(z.string()), rights: z.number().int() }).strict(),
    ),
  })
  .strict();
export type NodeDetails = z.infer<typeof NodeDetails>;

const RuleReason = z
  .object({
    policy: z.string(),
    direction: z.enum(["ingress", "egress"]),
    rule: z.number().int(),
    ports: Ports,
    peer: z.string(),
  })
  .strict();
/**
 * One decision of a side's evaluation, in the order made: an admin or baseline tier's rule (its
 * policy "Kind/name", index and name) allowing, denying or passing some ports; a NetworkPolicy
 * rule allowing some; the ports no rule of the NetworkPolicies isolating the pod allows
 * ("isolated"); and what no tier decided, allowed by default.
 */
export const TierReason = z
  .object({
    tier: z.enum(["admin", "networkpolicy", "baseline", "default"]),
    policy: z.string().optional(),
    direction: z.enum(["ingress", "egress"]).optional(),
    rule: z.number().int().optional(),
    ruleName: z.string().optional(),
    action: z.enum(["allow", "deny", "pass", "isolated"]),
    ports: Ports,
    /** For traffic with addresses outside the cluster: the block decided ("10.0.0.0/8 except 10.1.0.0/16"). */
    addresses: z.string().optional(),
  })
  .strict();
export type TierReason = z.infer<typeof TierReason>;

const Side = z
  .object({
    isolated: z.boolean(),
    policies: z.array(z.string()),
    allowedBy: z.array(RuleReason),
    ports: Ports.nullable(),
    /** Where a cluster-wide policy (admin or baseline tier) applies to this side: every decision, in order. */
    decidedBy: z.array(TierReason).optional(),
  })
  .strict();
const End = z
  .object({
    node: z.string(),
    /** The node's name for headings (never its id). */
    name: z.string(),
    namespace: z.string().optional(),
    labels: Labels.optional(),
    pods: z.number().int(),
  })
  .strict();

export const PairExplanation = z
  .object({
    from: End,
    to: End,
    egress: Side,
    ingress: Side,
    ports: Ports.nullable(),
    summary: z.array(z.string()),
  })
  .strict();
export type PairExplanation = z.infer<typeof PairExplanation>;

export const OpenExplanation = z
  .object({
    node: End,
    other: z.enum(["any", "outside"]),
    direction: z.enum(["ingress", "egress"]),
    side: Side,
    summary: z.array(z.string()),
    /** How many workloads of the node this explanation stands for (they read the same). */
    alike: z.number().int().optional(),
  })
  .strict();
export type OpenExplanation = z.infer<typeof OpenExplanation>;

/** Why an edge (or a pair of nodes) is allowed or denied; aggregated nodes list their identity pairs. */
export const Explanation = z
  .object({
    from: z.string(),
    to: z.string(),
    /** The ends' names for headings (never their ids). */
    fromName: z.string(),
    toName: z.string(),
    ports: Ports.nullable(),
    pairs: z.array(PairExplanation),
    open: z.array(OpenExplanation),
    /** How many identity pairs there are in all (`pairs` lists at most 50, allowed ones first). */
    pairCount: z.number().int(),
    summary: z.array(z.string()),
  })
  .strict();
export type Explanation = z.infer<typeof Explanation>;

export const ExplainQuery = z.object({ from: Text.min(1), to: Text.min(1) }).strict();

const Paging = {
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
};
const Flag = z.enum(["true", "false"]).transform((v) => v === "true");

export const MatrixQuery = z
  .object({
    subjectKind: SubjectKind.optional(),
    namespace: Text.optional(),
    resource: Text.optional(),
    /** Cells that allow this verb (a rule's "*" allows every verb). */
    verb: Text.min(1).optional(),
    risky: Flag.optional(),
    search: Text.optional(),
    ...Paging,
  })
  .strict();

/** The matrix as the page asks for it: with `since`, each cell marked if gained or changed since, and each row's rights lost. */
export const MatrixPageQuery = MatrixQuery.extend({
  since: z.string().datetime({ offset: true }).optional(),
  /** A draft's id: the matrix as the draft would make it, its differences from the live one marked. */
  draft: z.string().max(64).optional(),
}).strict();

const CellGrant = z
  .object({
    binding: z.string(),
    role: z.string(),
    rule: z.number().int(),
    verbs: z.array(z.string()),
    resourceNames: z.array(z.string()),
  })
  .strict();
export const MatrixCell = z
  .object({
    scope: z.string(),
    resource: z.string(),
    verbs: z.array(z.string()),
    risks: z.array(z.string()),
    namedOnly: z.boolean(),
    /** When namedOnly: the objects named (resourceNames), else empty. */
    resourceNames: z.array(z.string()),
    grants: z.array(CellGrant),
    /** Asked with `since`: gained since then (no such right then), or changed (the verbs then). */
    since: z
      .object({ change: z.enum(["gained", "changed"]), verbsBefore: z.array(z.string()).optional() })
      .strict()
      .optional(),
  })
  .strict();
export const MatrixRow = z
  .object({
    subject: z.object({ kind: SubjectKind, name: z.string(), namespace: z.string().optional() }).strict(),
    ref: z.string(),
    cells: z.array(MatrixCell),
    worst: Severity.optional(),
    riskyCells: z.number().int(),
    /** Whether some cell shown holds cluster-wide. */
    clusterWide: z.boolean(),
    /** Asked with `since`: the rights it had then and has no more (in the namespace asked, if one is). */
    lost: z
      .array(
        z
          .object({
            scope: z.string(),
            resource: z.string(),
            verbs: z.array(z.string()),
            via: z.array(z.string()),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
export const MatrixPage = z
  .object({
    total: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    rows: z.array(MatrixRow),
  })
  .strict();
export type MatrixPage = z.infer<typeof MatrixPage>;

// RBAC questions: who can do something (kubectl who-can), what may a subject do (auth can-i --list).

/**
 * "Who can VERB RESOURCE[/SUBRESOURCE] [NAME] in NAMESPACE": `resource` (e.g. "secrets",
 * "pods/exec", "apps/deployments") or `nonResourceURL` (e.g. "/metrics"), not both. Without
 * `apiGroup` a built-in resource is read in its own group and any other in every group; without
 * `namespace` the question is cluster-wide; without `name` it is a request that names no object.
 */
export const WhoCanQuery = z
  .object({
    verb: Text.min(1),
    resource: Text.min(1).optional(),
    subresource: Text.min(1).optional(),
    name: Text.min(1).optional(),
    namespace: Text.min(1).optional(),
    /** "core" or "" for the core group. */
    apiGroup: Text.optional(),
    nonResourceURL: Text.regex(/^\//, "must start with /").optional(),
    ...Paging,
  })
  .strict()
  .superRefine((query, context) => {
    if ((query.resource === undefined) === (query.nonResourceURL === undefined))
      context.addIssue({
        code: "custom",
        path: ["resource"],
        message: "give either resource or nonResourceURL",
      });
    if (query.nonResourceURL !== undefined)
      for (const key of ["subresource", "name", "namespace", "apiGroup"] as const)
        if (query[key] !== undefined)
          context.addIssue({
            code: "custom",
            path: [key],
            message: "does not apply to a non-resource URL",
          });
  });
export type WhoCanQuery = z.infer<typeof WhoCanQuery>;

export const GrantTrace = z
  .object({
    /** The RoleBinding's namespace, or "*" for a ClusterRoleBinding. */
    namespace: z.string(),
    binding: z.string(),
    role: z.string(),
    rule: z.number().int(),
    verbs: z.array(z.string()),
    apiGroups: z.array(z.string()),
    resources: z.array(z.string()),
    resourceNames: z.array(z.string()),
    nonResourceURLs: z.array(z.string()),
  })
  .strict();
export type GrantTrace = z.infer<typeof GrantTrace>;

const RbacSubject = z
  .object({ kind: SubjectKind, name: z.string(), namespace: z.string().optional() })
  .strict();

export const WhoCanAnswer = z
  .object({
    /** The question as the engine read it; apiGroup null: any group. */
    question: z
      .object({
        verb: z.string(),
        apiGroup: z.string().nullable().optional(),
        resource: z.string().optional(),
        subresource: z.string().optional(),
        nonResourceURL: z.string().optional(),
        name: z.string().optional(),
        namespace: z.string().optional(),
      })
      .strict(),
    total: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    /** Ranked: worst right, cluster-wide before namespaced, reference. */
    subjects: z.array(
      z
        .object({
          subject: RbacSubject,
          ref: z.string(),
          worst: Severity.optional(),
          clusterWide: z.boolean(),
          /** It may do it only to these objects (resourceNames); absent: without naming one. */
          onlyNames: z.array(z.string()).optional(),
          grants: z.array(GrantTrace),
        })
        .strict(),
    ),
  })
  .strict();
export type WhoCanAnswer = z.infer<typeof WhoCanAnswer>;

/** "What may SUBJECT do": subject as the matrix names it ("ServiceAccount/ns/name", "User/name", "Group/name"). */
export const CanIQuery = z
  .object({
    subject: Text.regex(/^(ServiceAccount\/[^/]+\/.+|User\/.+|Group\/.+)$/, "is not Kind/[namespace/]name"),
    namespace: Text.min(1).optional(),
  })
  .strict();
export type CanIQuery = z.infer<typeof CanIQuery>;

export const CanIAnswer = z
  .object({
    subject: RbacSubject,
    ref: z.string(),
    worst: Severity.optional(),
    namespace: z.string().optional(),
    /** The subject's rules that hold there (cluster-wide first), each with the risky rights it gives. */
    rules: z.array(GrantTrace.extend({ risks: z.array(z.string()) }).strict()),
  })
  .strict();
export type CanIAnswer = z.infer<typeof CanIAnswer>;

export const FindingsQuery = z
  .object({
    severity: Severity.optional(),
    pillar: Pillar.optional(),
    namespace: Text.optional(),
    id: Text.optional(),
    search: Text.optional(),
    ...Paging,
  })
  .strict();

/** The filters of an export: those of the pages, without paging (an export holds every match). */
export const FindingsExportQuery = FindingsQuery.omit({ offset: true, limit: true });
export const MatrixExportQuery = MatrixQuery.omit({ offset: true, limit: true });

export const FindingsPage = z
  .object({
    total: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    /** Open findings by severity, every filter but severity applied. */
    counts: SeverityCounts,
    findings: z.array(Finding),
    /** Findings passing the filters that an accepted exception covers (left out of the page and counts). */
    accepted: z.number().int(),
  })
  .strict();
export type FindingsPage = z.infer<typeof FindingsPage>;

/** The query of the stream: the views a tab watches, and where it left off. */
export const StreamQuery = z
  .object({
    // No view: a stream of the connection's status alone (the pages that draw no graph).
    view: z
      .union([Text, z.array(Text)])
      .default([])
      .transform((v) => (Array.isArray(v) ? v : [v])),
    lastEventId: Text.optional(),
    /** "1": the change log's new entries too, as `changes` events. */
    changes: z.enum(["1"]).optional(),
  })
  .strict();

/** The first event of a stream. */
export const StreamHello = z
  .object({ stream: z.string(), source: SourceInfo, status: SourceStatus, views: z.array(z.string()) })
  .strict();
export type StreamHello = z.infer<typeof StreamHello>;

/**
 * How much of a view its user may not see (nodes of namespaces their access hides): sent after a
 * narrowed view's snapshot and whenever the count changes, so that nothing is silently missing.
 */
export const ViewWithheld = z
  .object({
    view: z.string(),
    nodes: z.number().int().nonnegative(),
    namespaces: z.number().int().nonnegative(),
  })
  .strict();
export type ViewWithheld = z.infer<typeof ViewWithheld>;

/** The `id:` of stream events: each view's revision the client holds, as "view=revision&…" (URL-encoded). */
export function encodeEventId(revisions: ReadonlyMap<string, number>): string {
  const params = new URLSearchParams();
  for (const [view, revision] of revisions) params.set(view, String(revision));
  return params.toString();
}

export function decodeEventId(id: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (id === undefined) return out;
  for (const [view, revision] of new URLSearchParams(id)) {
    const n = Number(revision);
    if (Number.isSafeInteger(n) && n >= 0) out.set(view, n);
  }
  return out;
}

export const ApiError = z.object({ error: z.string() }).strict();
export type ApiError = z.infer<typeof ApiError>;

// Whether a view's subject exists now (GET /api/view?view=<key>): the graph page tells an empty
// namespace from one that does not exist.
export const ViewPresenceQuery = z.object({ view: Text }).strict();
export type ViewPresenceQuery = z.infer<typeof ViewPresenceQuery>;

export const ViewPresence = z
  .object({
    view: z.string(),
    exists: z.boolean(),
    /** What does not exist, and the sentence that says so ("no namespace named …"). */
    kind: z.enum(["namespace", "workload"]).optional(),
    message: z.string().optional(),
  })
  .strict();
export type ViewPresence = z.infer<typeof ViewPresence>;

// Reachability of one node: who can reach it, what it can reach.

/** A workload (identity) at one end of a reach answer, or "any pod" / "outside the cluster". */
const ReachEnd = z
  .object({
    node: z.string(),
    kind: z.enum(["identity", "any", "outside"]),
    label: z.string(),
    namespace: z.string().optional(),
    pods: z.number().int(),
  })
  .strict();

/**
 * One peer of the node, and the identity of the node it meets. `egress` is the source's side
 * and `ingress` the destination's; a side is null where the peer is "any pod" or outside the
 * cluster (that end's own policies are not known here).
 */
export const ReachPeer = z
  .object({
    peer: ReachEnd,
    self: ReachEnd,
    ports: Ports.nullable(),
    egress: Side.nullable(),
    ingress: Side.nullable(),
    summary: z.array(z.string()),
  })
  .strict();
export type ReachPeer = z.infer<typeof ReachPeer>;

export const ReachDirection = z.enum(["in", "out"]);
export type ReachDirection = z.infer<typeof ReachDirection>;

export const Reach = z
  .object({
    node: z.string(),
    direction: ReachDirection,
    blocked: z.boolean(),
    /** Peers that may connect, and (asked for with `blocked`) those that may not: true totals. */
    allowedTotal: z.number().int(),
    blockedTotal: z.number().int(),
    /** How many entries the list has in all (allowed, then blocked when asked for). */
    total: z.number().int(),
    offset: z.number().int(),
    limit: z.number().int(),
    peers: z.array(ReachPeer),
  })
  .strict();
export type Reach = z.infer<typeof Reach>;

export const ReachQuery = z
  .object({
    node: Text.min(1),
    direction: ReachDirection,
    blocked: Flag.default(false),
    ...Paging,
  })
  .strict();
export type ReachQuery = z.infer<typeof ReachQuery>;

// Search over namespaces, workloads, pods and labels.

export const SearchHit = z
  .object({
    kind: z.enum(["namespace", "identity", "pod"]),
    /** The node to select, and the view (a view key) that draws it. */
    node: z.string(),
    view: z.string(),
    label: z.string(),
    namespace: z.string(),
    /** What matched: the name, or a label "key=value". */
    match: z.string(),
  })
  .strict();
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchAnswer = z
  .object({ query: z.string(), total: z.number().int(), hits: z.array(SearchHit) })
  .strict();
export type SearchAnswer = z.infer<typeof SearchAnswer>;

export const SearchQuery = z
  .object({ q: Text.min(1), limit: z.coerce.number().int().min(1).max(200).default(20) })
  .strict();
