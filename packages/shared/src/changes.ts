import { z } from "zod";
import { Finding, SEVERITY_ORDER, Severity } from "./report";

// Posture over time: the facts a security team reads (who may reach whom, which findings hold,
// which rights each subject has), the changes of those facts the engine records with their
// cause, and the questions asked of the record (the feed, and the difference between two moments).

const Text = z.string().max(1024);

/** A connection the engine allows between two workloads (or "any pod" / "outside the cluster" and a workload). */
export const ReachFact = z
  .object({
    area: z.literal("reach"),
    /** A workload (`shop/web`), `*` for any pod, or `outside` for addresses outside the cluster. */
    from: z.string(),
    to: z.string(),
    /** The ports allowed, e.g. "TCP:80,8000-8100;UDP:53". */
    ports: z.string(),
    /** The namespaces of its workloads. */
    namespaces: z.array(z.string()),
  })
  .strict();
export type ReachFact = z.infer<typeof ReachFact>;

export const FindingFact = z
  .object({
    area: z.literal("finding"),
    finding: Finding,
    namespaces: z.array(z.string()),
  })
  .strict();
export type FindingFact = z.infer<typeof FindingFact>;

/** A subject's verbs over one resource in one scope (a matrix cell), with what grants them. */
export const RightFact = z
  .object({
    area: z.literal("rbac"),
    /** The subject, e.g. "ServiceAccount/shop/deployer" or "User/alice". */
    subject: z.string(),
    /** A namespace, or "*" (granted by a ClusterRoleBinding). */
    scope: z.string(),
    /** "<apiGroup>/<resource>" ("core/pods", "*\/*") or "url:<path>". */
    resource: z.string(),
    verbs: z.array(z.string()),
    /** The objects it is limited to (resourceNames); empty: every object of the resource. */
    resourceNames: z.array(z.string()),
    /** The ids of the risky rights it gives, and the worst severity among them. */
    risks: z.array(z.string()),
    severity: Severity.optional(),
    /** "binding → role" for each grant, e.g. "ClusterRoleBinding/ops → ClusterRole/cluster-admin". */
    via: z.array(z.string()),
    namespaces: z.array(z.string()),
  })
  .strict();
export type RightFact = z.infer<typeof RightFact>;

export const PostureFact = z.discriminatedUnion("area", [ReachFact, FindingFact, RightFact]);
export type PostureFact = z.infer<typeof PostureFact>;
export type PostureArea = PostureFact["area"];
export const PostureArea = z.enum(["reach", "finding", "rbac"]);

/** One fact that appeared (no before), went (no after) or changed. */
export const PostureChange = z
  .object({
    key: z.string(),
    before: PostureFact.optional(),
    after: PostureFact.optional(),
  })
  .strict();
export type PostureChange = z.infer<typeof PostureChange>;

/** How an object changed: what the cluster said of it in the event that caused a step. */
export const ChangeCause = z
  .object({
    kind: z.string(),
    /** "namespace/name", or the name of an object without namespace. */
    name: z.string(),
    change: z.enum(["created", "edited", "deleted"]),
    /** The fields that differ, as Trustmap reads the object (`labels`, `ingress`, `rules`). */
    fields: z.array(z.string()),
  })
  .strict();
export type ChangeCause = z.infer<typeof ChangeCause>;

/** What one step of the engine changed, and why. */
export const ChangeStep = z
  .object({
    revision: z.number().int(),
    at: z.string(),
    causes: z.array(ChangeCause),
    /** How many objects changed in the step when more than `causes` lists. */
    causeCount: z.number().int(),
    /** True when Trustmap was not watching: the difference between the last state it stored and its first list after a start. */
    unwatched: z.boolean(),
    changes: z.array(PostureChange),
  })
  .strict();
export type ChangeStep = z.infer<typeof ChangeStep>;

/** How a fact changed, as the feed names it. */
export const ChangeKind = z.enum(["appeared", "went", "changed"]);
export type ChangeKind = z.infer<typeof ChangeKind>;

export function changeKindOf(change: Pick<PostureChange, "before" | "after">): ChangeKind {
  return change.before === undefined ? "appeared" : change.after === undefined ? "went" : "changed";
}

/** One entry of the change log, as the API gives it. */
export const ChangeEntry = z
  .object({
    /** The entry's place in the log (increasing). */
    id: z.number().int(),
    /** The step it belongs to (its causes and time). */
    step: z.number().int(),
    at: z.string(),
    revision: z.number().int(),
    area: PostureArea,
    kind: ChangeKind,
    key: z.string(),
    severity: Severity.optional(),
    namespaces: z.array(z.string()),
    before: PostureFact.optional(),
    after: PostureFact.optional(),
    causes: z.array(ChangeCause),
    causeCount: z.number().int(),
    unwatched: z.boolean(),
  })
  .strict();
export type ChangeEntry = z.infer<typeof ChangeEntry>;

export const ChangesQuery = z
  .object({
    namespace: Text.optional(),
    area: PostureArea.optional(),
    kind: ChangeKind.optional(),
    /** At least this severe (findings and rights). */
    severity: Severity.optional(),
    /** Entries older than this id (the next page of a newest-first feed). */
    before: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type ChangesQuery = z.infer<typeof ChangesQuery>;

export const ChangesAnswer = z
  .object({
    entries: z.array(ChangeEntry),
    /** Pass as `before` for the next (older) page; absent on the last page. */
    next: z.number().int().optional(),
    /** The oldest moment the log still holds (retention drops older steps). */
    since: z.string().optional(),
  })
  .strict();
export type ChangesAnswer = z.infer<typeof ChangesAnswer>;

/** The difference between a moment and now (or another moment): each fact as it was and as it is. */
export const CompareQuery = z
  .object({
    /** The earlier moment (ISO time). */
    since: z.string().datetime({ offset: true }),
    /** The later moment; now when absent. */
    until: z.string().datetime({ offset: true }).optional(),
    namespace: Text.optional(),
    area: PostureArea.optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();
export type CompareQuery = z.infer<typeof CompareQuery>;

/**
 * One fact that differs between two moments: a change of the log from its first before to its last
 * after, with the cause, time and `unwatched` of the last step that changed it.
 */
export const CompareEntry = ChangeEntry.pick({
  area: true,
  kind: true,
  key: true,
  severity: true,
  namespaces: true,
  before: true,
  after: true,
  causes: true,
  unwatched: true,
  at: true,
}).strict();
export type CompareEntry = z.infer<typeof CompareEntry>;

export const CompareAnswer = z
  .object({
    since: z.string(),
    until: z.string(),
    /** False when the log no longer reaches back to `since` (retention): the answer starts later. */
    complete: z.boolean(),
    /** Counts by area and kind, whatever the limit shows. */
    counts: z.record(z.string(), z.number().int()),
    total: z.number().int(),
    entries: z.array(CompareEntry),
  })
  .strict();
export type CompareAnswer = z.infer<typeof CompareAnswer>;

/** The severity of a fact: a finding's, a right's worst risk; none for a connection. */
export function factSeverity(fact: PostureFact | undefined): Severity | undefined {
  if (fact === undefined) return undefined;
  if (fact.area === "finding") return fact.finding.severity;
  if (fact.area === "rbac") return fact.severity;
  return undefined;
}

/** The worse of two severities (either may be absent). */
export function worseSeverity(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return SEVERITY_ORDER.indexOf(a) <= SEVERITY_ORDER.indexOf(b) ? a : b;
}

/** The stream's `changes` event: the entries of a step just recorded (`missed`: some before them were not sent). */
export const StreamChanges = z.object({ entries: z.array(ChangeEntry), missed: z.boolean() }).strict();
export type StreamChanges = z.infer<typeof StreamChanges>;

/** Whether the change log is being written, where, and how far behind. */
export const ChangeLogStatus = z
  .object({
    /** waiting: not compared with the stored picture yet; failed: not written (message says why). */
    state: z.enum(["waiting", "recording", "failed"]),
    store: z.string(),
    message: z.string().optional(),
    steps: z.number().int(),
    changes: z.number().int(),
    pending: z.number().int(),
    lastWriteMs: z.number().optional(),
  })
  .strict();
export type ChangeLogStatus = z.infer<typeof ChangeLogStatus>;

/** Why a change is sent to the webhooks at once. */
export const NotableReason = z.enum(["critical-finding", "path-from-outside", "cluster-admin"]);

/**
 * The JSON body POSTed to each webhook (Content-Type: application/json; with a secret,
 * X-Trustmap-Signature: sha256=<hex HMAC-SHA256 of the body>): the notable changes of one step.
 */
export const WebhookBody = z
  .object({
    type: z.literal("trustmap.changes"),
    version: z.literal(1),
    /** The cluster, as the log names it ("kubernetes https://…"). */
    cluster: z.string(),
    at: z.string(),
    revision: z.number().int(),
    reasons: z.array(NotableReason),
    /** The step's notable entries, each with why it is sent. */
    changes: z.array(ChangeEntry.extend({ reasons: z.array(NotableReason) }).strict()),
    /** The dashboard's feed, when Trustmap knows its public address. */
    link: z.string().optional(),
  })
  .strict();
export type WebhookBody = z.infer<typeof WebhookBody>;

/** One notification and how its delivery went. */
export const WebhookDelivery = z
  .object({
    id: z.number().int(),
    at: z.string(),
    /** The webhook's URL without credentials or query. */
    target: z.string(),
    reasons: z.array(z.string()),
    state: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    status: z.number().int().optional(),
    error: z.string().optional(),
    deliveredAt: z.string().optional(),
  })
  .strict();
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

/** GET /api/changes/deliveries: the last notifications sent to webhooks, newest first. */
export const DeliveriesAnswer = z.object({ deliveries: z.array(WebhookDelivery) }).strict();
export type DeliveriesAnswer = z.infer<typeof DeliveriesAnswer>;

/** The graph compared with a moment: `GET /api/changes/overlay?view&since[&until]`. */
export const OverlayQuery = z
  .object({
    /** The view's key (see viewKey). */
    view: Text,
    since: z.string().datetime({ offset: true }),
    until: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
export type OverlayQuery = z.infer<typeof OverlayQuery>;

/**
 * How an edge of the view differs from the moment: opened (not there then), closed (there then,
 * not now: drawn apart, as the view no longer has it), changed (there both times, with
 * connections or ports that differ).
 */
export const OverlayStatus = z.enum(["opened", "closed", "changed"]);
export type OverlayStatus = z.infer<typeof OverlayStatus>;

export const OverlayEdge = z
  .object({
    /** The view's edge id, "<source>-><target>". */
    id: z.string(),
    source: z.string(),
    target: z.string(),
    status: OverlayStatus,
    /** The connections between workloads it stands for that opened, closed or changed ports. */
    opened: z.number().int(),
    closed: z.number().int(),
    changed: z.number().int(),
    /** Those connections (the first OVERLAY_ENTRIES, opened first), as they were and are, with their cause. */
    entries: z.array(CompareEntry),
  })
  .strict();
export type OverlayEdge = z.infer<typeof OverlayEdge>;

/** The id of a workload gone since the moment compared with, as a closed edge's end: "was:" and its name, escaped as a node id's field. */
export const GONE_PREFIX = "was:";

/** A node the view no longer draws that a closed edge ends at: a namespace, or a workload gone from the cluster. */
export const OverlayNode = z
  .object({
    id: z.string(),
    kind: z.enum(["namespace", "identity", "group", "any", "outside"]),
    label: z.string(),
    namespace: z.string().optional(),
  })
  .strict();
export type OverlayNode = z.infer<typeof OverlayNode>;

/** At most this many connections listed per edge of an overlay (its counts say how many in all). */
export const OVERLAY_ENTRIES = 50;

export const GraphOverlay = z
  .object({
    view: z.string(),
    since: z.string(),
    until: z.string(),
    /** False when the log does not reach back to `since` (retention). */
    complete: z.boolean(),
    /** The view draws connections at this level (false for a workload's view of its pods: connections are kept between workloads). */
    drawn: z.boolean(),
    /** Connections that differ with an end in the view, and how many of them the overlay places on its edges. */
    total: z.number().int(),
    placed: z.number().int(),
    /** True when more connections differ than the overlay reads at once (OVERLAY_LIMIT). */
    truncated: z.boolean(),
    /** How many of its edges opened, closed and changed. */
    counts: z
      .object({ opened: z.number().int(), closed: z.number().int(), changed: z.number().int() })
      .strict(),
    edges: z.array(OverlayEdge),
    nodes: z.array(OverlayNode),
  })
  .strict();
export type GraphOverlay = z.infer<typeof GraphOverlay>;

/** The most connections an overlay reads from the log. */
export const OVERLAY_LIMIT = 50_000;

/** A report made (the evidence report's moments to compare with): `GET /api/changes/reports`. */
export const StoredReport = z.object({ at: z.string(), scope: z.string(), format: z.string() }).strict();
export type StoredReport = z.infer<typeof StoredReport>;
export const ReportsAnswer = z.object({ reports: z.array(StoredReport) }).strict();
export type ReportsAnswer = z.infer<typeof ReportsAnswer>;

/**
 * `trustmap diff BEFORE AFTER --format json`: the facts that differ between two sets of manifests,
 * and the CI gates asked for (`--fail-on`) with those the difference trips.
 */
export const PostureDiff = z
  .object({
    before: z.array(z.string()),
    after: z.array(z.string()),
    /** The objects that differ between the two (created, edited and which fields, deleted): the causes. */
    causes: z.array(ChangeCause),
    /** Counts by "area.kind" ("reach.appeared": connections opened, …). */
    counts: z.record(z.string(), z.number().int()),
    changes: z.array(
      PostureChange.extend({
        area: PostureArea,
        kind: ChangeKind,
        /** The gates asked for that this change trips. */
        trips: z.array(z.string()),
      }).strict(),
    ),
    /** The gates asked for, each with how many changes trip it. */
    gates: z.array(z.object({ gate: z.string(), tripped: z.number().int() }).strict()),
    /** The gates tripped (exit code 1 when any is). */
    failed: z.array(z.string()),
  })
  .strict();
export type PostureDiff = z.infer<typeof PostureDiff>;
