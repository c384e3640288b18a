import { z } from "zod";
import { GraphOverlay, PostureDiff, ReachFact } from "./changes";
import { ViewEdge, ViewNode } from "./view";

// What-if drafts: manifests put and objects deleted over the live cluster, never sent to it. The
// BFF keeps each draft for DRAFT_KEPT_DAYS after its last change, under an id that is its link, and
// answers what it changes (draft versus the live cluster now) as `trustmap diff` does.

/** How long a draft is kept after its last change. */
export const DRAFT_KEPT_DAYS = 30;
/** The most text a draft's manifests may hold. */
export const DRAFT_MANIFEST_BYTES = 1024 * 1024;
/** The most objects a draft may delete. */
export const DRAFT_DELETIONS = 500;

/** The kinds a draft may put or delete: every kind Trustmap reads but the exposing ones. */
export const DRAFT_KINDS = [
  "Namespace",
  "Pod",
  "NetworkPolicy",
  "ServiceAccount",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
  "AdminNetworkPolicy",
  "BaselineAdminNetworkPolicy",
  "ClusterNetworkPolicy",
] as const;
export const DraftKind = z.enum(DRAFT_KINDS);
export type DraftKind = z.infer<typeof DraftKind>;

/**
 * The kinds that publish workloads outside the cluster: Services, Ingresses and the Gateway API's
 * Gateways and routes. Trustmap reads them (from files and from the cluster) to say what is
 * exposed; drafts leave them as the cluster has them.
 */
export const EXPOSURE_KINDS = [
  "Service",
  "Ingress",
  "Gateway",
  "HTTPRoute",
  "GRPCRoute",
  "TLSRoute",
  "TCPRoute",
  "UDPRoute",
] as const;
export type ExposureKind = (typeof EXPOSURE_KINDS)[number];

/** Every kind Trustmap reads: those a draft may change, and the exposing kinds. */
export const READ_KINDS = [...DRAFT_KINDS, ...EXPOSURE_KINDS] as const;

/** The kinds without a namespace. */
export const CLUSTER_KINDS: ReadonlySet<DraftKind> = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "AdminNetworkPolicy",
  "BaselineAdminNetworkPolicy",
  "ClusterNetworkPolicy",
]);

/** An object of the cluster the draft deletes. */
export const DraftDeletion = z
  .object({
    kind: DraftKind,
    namespace: z.string().max(253).optional(),
    name: z.string().min(1).max(253),
  })
  .strict();
export type DraftDeletion = z.infer<typeof DraftDeletion>;

/** What a user writes: the draft's name, its manifests (YAML, several documents), its deletions. */
export const DraftInput = z
  .object({
    name: z.string().max(200),
    manifests: z.string().max(DRAFT_MANIFEST_BYTES),
    deletions: z.array(DraftDeletion).max(DRAFT_DELETIONS),
  })
  .strict();
export type DraftInput = z.infer<typeof DraftInput>;

/** A draft as kept: its id is its link (`/drafts/<id>`). */
export const Draft = DraftInput.extend({
  id: z.string(),
  /** Who made it, as the session names them. */
  author: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** When it is deleted, unless changed before: DRAFT_KEPT_DAYS after its last change. */
  expiresAt: z.string(),
  /** Whether the user asking made it (and so may change or delete it). */
  yours: z.boolean().optional(),
}).strict();
export type Draft = z.infer<typeof Draft>;

/** The list of drafts kept, newest change first. */
export const DraftsAnswer = z
  .object({
    drafts: z.array(Draft.pick({ id: true, name: true, author: true, updatedAt: true, expiresAt: true })),
  })
  .strict();
export type DraftsAnswer = z.infer<typeof DraftsAnswer>;

/** A deletion spelled as people read it: "NetworkPolicy shop/web-from-db". */
export function deletionText(deletion: DraftDeletion): string {
  return `${deletion.kind} ${deletion.namespace === undefined || deletion.namespace === "" ? "" : `${deletion.namespace}/`}${deletion.name}`;
}

/**
 * What a draft changes, draft versus the live cluster at `revision`: the difference as `trustmap
 * diff` gives it, or, when its manifests are wrong, each error named by document and field (and
 * no difference).
 */
export const DraftDifference = z
  .object({
    id: z.string(),
    /** The engine's revision the draft was read against. */
    revision: z.number().int(),
    errors: z.array(z.string()),
    /** What was read with a remark (a kind Trustmap does not read, skipped). */
    notes: z.array(z.string()),
    /** Deletions of objects the cluster does not hold now: they change nothing. */
    absent: z.array(z.string()),
    /** How many objects the draft puts, and deletes. */
    puts: z.number().int(),
    deletes: z.number().int(),
    diff: PostureDiff.optional(),
  })
  .strict();
export type DraftDifference = z.infer<typeof DraftDifference>;

/** The difference narrowed to one area (the gaps' findings, the matrix's rights) and one namespace. */
export const DraftDifferenceQuery = z
  .object({
    area: z.enum(["reach", "finding", "rbac"]).optional(),
    namespace: z.string().min(1).max(253).optional(),
  })
  .strict();
export type DraftDifferenceQuery = z.infer<typeof DraftDifferenceQuery>;

export const DraftGraphQuery = z.object({ view: z.string().max(1024) }).strict();
export type DraftGraphQuery = z.infer<typeof DraftGraphQuery>;

/**
 * A view as the draft would make it, and the overlay of what differs from the live view: edges
 * opened and changed by the draft are in the view, those it closes are drawn apart (ending at
 * `was:` nodes for workloads the draft removes).
 */
export const DraftGraph = z
  .object({
    id: z.string(),
    view: z.string(),
    revision: z.number().int(),
    nodes: z.array(ViewNode),
    edges: z.array(ViewEdge),
    overlay: GraphOverlay.pick({ drawn: true, placed: true, counts: true, edges: true, nodes: true }),
  })
  .strict();
export type DraftGraph = z.infer<typeof DraftGraph>;

export const DraftExplainQuery = z.object({ from: z.string().max(1024), to: z.string().max(1024) }).strict();

/**
 * `GET /api/drafts/connections?namespace[&workload]`: the connections allowed today with an end in
 * the namespace, to choose from; with a workload, its own, and the others (kept as they are).
 */
export const DraftConnections = z
  .object({
    namespace: z.string(),
    /** The namespace's workloads that have connections, by name ("ns/name"). */
    workloads: z.array(z.string()),
    connections: z.array(ReachFact),
    others: z.array(ReachFact),
  })
  .strict();
export type DraftConnections = z.infer<typeof DraftConnections>;

/** A connection to keep: FROM and TO workloads ("ns/name"), "*" (any pod) or "outside"; PORTS a port set's key ("TCP:8080;UDP:53"). */
export const KeptConnection = z
  .object({
    from: z.string().min(1).max(1024),
    to: z.string().min(1).max(1024),
    ports: z.string().min(1).max(4096),
  })
  .strict();
export type KeptConnection = z.infer<typeof KeptConnection>;

/** `POST /api/drafts/propose`: least-privilege policies for a namespace, keeping these connections, saved as a draft. */
export const ProposeInput = z
  .object({
    namespace: z.string().min(1).max(253),
    name: z.string().max(200).optional(),
    keep: z.array(KeptConnection).max(5000),
  })
  .strict();
export type ProposeInput = z.infer<typeof ProposeInput>;
