import { z } from "zod";
import { decodeWorkloadKey, escapeField, unescapeField } from "./node-id";
import { Ports, Severity } from "./report";

// The graph views the BFF streams: a snapshot with its revision, then patches, each applying to
// the revision before it. The same function applies a patch on both ends.

export const NodeKind = z.enum(["namespace", "identity", "pod", "any", "outside", "group"]);
export type NodeKind = z.infer<typeof NodeKind>;

/**
 * A namespace, an identity (pods NetworkPolicy cannot tell apart), a pod, "any pod" / "outside the
 * cluster", or a group of namespaces that share a label's value.
 */
export const ViewNode = z
  .object({
    id: z.string(),
    kind: NodeKind,
    label: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    pods: z.number().int().nonnegative(),
    /** Pods no policy isolates, per direction. */
    openIngressPods: z.number().int().nonnegative(),
    openEgressPods: z.number().int().nonnegative(),
    /** The worst severity among the findings of the node's pods (and, for a namespace, of the namespace and its policies). */
    worst: Severity.optional(),
    /** A group of namespaces: how many it holds. */
    namespaces: z.number().int().nonnegative().optional(),
    /** A group of a namespace's workloads (`namespace` is set): how many workload identities it holds. */
    workloads: z.number().int().nonnegative().optional(),
    /** A group shown opened: its namespaces are drawn inside it, and carry its id in `group`. */
    open: z.boolean().optional(),
    /** A namespace of an opened group: the group's node id. */
    group: z.string().optional(),
  })
  .strict();
export type ViewNode = z.infer<typeof ViewNode>;

/** An aggregated edge: the ports allowed and how many ordered pod pairs it stands for. */
export const ViewEdge = z
  .object({
    id: z.string(),
    source: z.string(),
    target: z.string(),
    ports: Ports,
    pairs: z.number().int().nonnegative(),
    /** An admin or baseline policy's rule (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) names some pair of the edge. */
    tiers: z.literal(true).optional(),
  })
  .strict();
export type ViewEdge = z.infer<typeof ViewEdge>;

/**
 * Which view: the cluster by namespace, one namespace by identity, one identity by pod. The
 * cluster's view may group namespaces by a label (`groupBy`), and so may a namespace's view
 * group the other namespaces it draws; `open` lists the groups shown opened, by the label's
 * value (null: the namespaces without the label).
 */
const grouping = {
  groupBy: z.string().min(1).optional(),
  open: z.array(z.string().nullable()).optional(),
};

export const ViewRef = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("overview"), ...grouping }).strict(),
  z
    .object({
      kind: z.literal("namespace"),
      namespace: z.string().min(1),
      ...grouping,
      /** The namespace's own workloads grouped by a pod label, and the groups shown opened. */
      workloadsBy: z.string().min(1).optional(),
      openWorkloads: z.array(z.string().nullable()).optional(),
    })
    .strict(),
  z.object({ kind: z.literal("workload"), identity: z.string().min(1) }).strict(),
]);
export type ViewRef = z.infer<typeof ViewRef>;

/** An opened group in a view key: `=value`, or `-` for the namespaces without the label. */
function openItem(value: string | null): string {
  return value === null ? "-" : `=${escapeField(value)}`;
}

/** A grouping in a view key: `<label key>[/<opened>,…]` (see openItem), the same for any order. */
function groupingText(groupBy: string, opened: readonly (string | null)[] | undefined): string {
  const open = [...new Set((opened ?? []).map(openItem))].sort();
  return `${escapeField(groupBy)}${open.length === 0 ? "" : `/${open.join(",")}`}`;
}

/**
 * A view's name on the wire and in URLs: "overview", "groups:<grouping>",
 * "namespace:<name>[/<grouping>][;<grouping>]" (the namespaces around it, then its own workloads by a
 * pod label; a grouping as groupingText writes it, which escapes `;`; a namespace's name never holds
 * a slash or a semicolon), "workload:<identity key>" (see node-id.ts).
 */
export function viewKey(ref: ViewRef): string {
  switch (ref.kind) {
    case "overview":
      return ref.groupBy === undefined ? "overview" : `groups:${groupingText(ref.groupBy, ref.open)}`;
    case "namespace":
      return `namespace:${ref.namespace}${
        ref.groupBy === undefined ? "" : `/${groupingText(ref.groupBy, ref.open)}`
      }${ref.workloadsBy === undefined ? "" : `;${groupingText(ref.workloadsBy, ref.openWorkloads)}`}`;
    case "workload":
      return `workload:${ref.identity}`;
  }
}

/** Reads what groupingText writes. */
function parseGrouping(rest: string): { groupBy: string; open?: (string | null)[] } | undefined {
  const slash = rest.indexOf("/");
  const groupBy = unescapeField(slash < 0 ? rest : rest.slice(0, slash));
  if (groupBy === undefined || groupBy === "") return undefined;
  if (slash < 0) return { groupBy };
  const open: (string | null)[] = [];
  for (const item of rest.slice(slash + 1).split(",")) {
    if (item === "-") open.push(null);
    else if (item.startsWith("=")) {
      const value = unescapeField(item.slice(1));
      if (value === undefined) return undefined;
      open.push(value);
    } else return undefined;
  }
  return { groupBy, open };
}

function parseNamespace(text: string): ViewRef | undefined {
  const semicolon = text.indexOf(";");
  const rest = semicolon < 0 ? text : text.slice(0, semicolon);
  const workloads = semicolon < 0 ? undefined : parseGrouping(text.slice(semicolon + 1));
  if (semicolon >= 0 && workloads === undefined) return undefined;
  const own =
    workloads === undefined
      ? {}
      : {
          workloadsBy: workloads.groupBy,
          ...(workloads.open === undefined ? {} : { openWorkloads: workloads.open }),
        };
  const slash = rest.indexOf("/");
  if (slash < 0) return rest === "" ? undefined : { kind: "namespace", namespace: rest, ...own };
  const grouping = parseGrouping(rest.slice(slash + 1));
  return slash === 0 || grouping === undefined
    ? undefined
    : { kind: "namespace", namespace: rest.slice(0, slash), ...grouping, ...own };
}

export function parseViewKey(key: string): ViewRef | undefined {
  if (key === "overview") return { kind: "overview" };
  const colon = key.indexOf(":");
  if (colon < 0) return undefined;
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  if (rest === "") return undefined;
  if (kind === "groups") {
    const grouping = parseGrouping(rest);
    return grouping === undefined ? undefined : { kind: "overview", ...grouping };
  }
  if (kind === "namespace") return parseNamespace(rest);
  // A workload's identity is the key of its `wl:` node id: text the codec cannot read names none.
  if (kind === "workload")
    return decodeWorkloadKey(rest) === undefined ? undefined : { kind: "workload", identity: rest };
  return undefined;
}

export const ViewSnapshot = z
  .object({
    view: z.string(),
    revision: z.number().int().nonnegative(),
    nodes: z.array(ViewNode),
    edges: z.array(ViewEdge),
  })
  .strict();
export type ViewSnapshot = z.infer<typeof ViewSnapshot>;

/** Turns revision `base` of a view into `revision`: put adds or replaces by id, remove deletes. */
export const ViewPatch = z
  .object({
    view: z.string(),
    base: z.number().int().nonnegative(),
    revision: z.number().int().positive(),
    putNodes: z.array(ViewNode),
    removeNodes: z.array(z.string()),
    putEdges: z.array(ViewEdge),
    removeEdges: z.array(z.string()),
  })
  .strict();
export type ViewPatch = z.infer<typeof ViewPatch>;

export interface GraphState {
  nodes: Map<string, ViewNode>;
  edges: Map<string, ViewEdge>;
}

/** Applies a patch to a copy of a view; the one function both ends share. */
export function applyPatch(
  graph: GraphState,
  patch: {
    readonly putNodes: readonly ViewNode[];
    readonly removeNodes: readonly string[];
    readonly putEdges: readonly ViewEdge[];
    readonly removeEdges: readonly string[];
  },
): void {
  for (const id of patch.removeEdges) graph.edges.delete(id);
  for (const id of patch.removeNodes) graph.nodes.delete(id);
  for (const node of patch.putNodes) graph.nodes.set(node.id, node);
  for (const edge of patch.putEdges) graph.edges.set(edge.id, edge);
}

/**
 * Merges consecutive patches into one (for a client that fell behind): the last put or remove
 * of each id wins.
 */
export function composePatches(patches: readonly ViewPatch[]): ViewPatch {
  const first = patches[0];
  const last = patches[patches.length - 1];
  if (first === undefined || last === undefined) throw new Error("composePatches needs at least one patch");
  const nodes = new Map<string, ViewNode | null>();
  const edges = new Map<string, ViewEdge | null>();
  for (const patch of patches) {
    for (const id of patch.removeEdges) edges.set(id, null);
    for (const id of patch.removeNodes) nodes.set(id, null);
    for (const node of patch.putNodes) nodes.set(node.id, node);
    for (const edge of patch.putEdges) edges.set(edge.id, edge);
  }
  const out: ViewPatch = {
    view: last.view,
    base: first.base,
    revision: last.revision,
    putNodes: [],
    removeNodes: [],
    putEdges: [],
    removeEdges: [],
  };
  for (const [id, node] of nodes) node === null ? out.removeNodes.push(id) : out.putNodes.push(node);
  for (const [id, edge] of edges) edge === null ? out.removeEdges.push(id) : out.putEdges.push(edge);
  return out;
}
