import type { NodeKind, ViewNode } from "@trustmap/shared";

// Every mark the graph draws, said once: the graph's style and its legend are both built from
// these tables, so the legend shows exactly the shapes and colours the canvas draws.

/** Cytoscape's names of the shapes the graph uses (the legend draws the same outlines in SVG). */
export type Shape = "ellipse" | "round-rectangle" | "diamond" | "hexagon";

export interface KindMark {
  readonly kind: NodeKind;
  readonly shape: Shape;
  readonly width: number;
  readonly height: number;
  /** Its own colours, whatever its pods' posture (the two pseudo-nodes). */
  readonly fill?: string;
  readonly border?: string;
  readonly text: string;
}

/** One shape per kind of node. */
export const KIND_MARKS: readonly KindMark[] = [
  { kind: "namespace", shape: "round-rectangle", width: 34, height: 24, text: "namespace" },
  { kind: "identity", shape: "ellipse", width: 26, height: 26, text: "workload" },
  { kind: "pod", shape: "ellipse", width: 16, height: 16, text: "pod" },
  {
    kind: "group",
    shape: "round-rectangle",
    width: 56,
    height: 36,
    text: "namespaces sharing a namespace label's value (double-click opens the group in place)",
  },
  {
    kind: "any",
    shape: "diamond",
    width: 26,
    height: 26,
    fill: "#f59e0b",
    border: "#b45309",
    text: '"any pod": an open rule admits every pod',
  },
  {
    kind: "outside",
    shape: "hexagon",
    width: 26,
    height: 26,
    fill: "#a855f7",
    border: "#7e22ce",
    text: '"outside the cluster": addresses beyond the cluster',
  },
];

/**
 * A group of a namespace's own workloads (a group node that names its namespace): drawn as a
 * workload is, larger, so that it is not taken for a group of namespaces around it.
 */
export const WORKLOAD_GROUP_MARK = {
  selector: "node[kind = 'group'][namespace]",
  shape: "ellipse" as Shape,
  width: 48,
  height: 48,
  text: "a namespace's workloads sharing a pod label's value (double-click opens the group in place)",
};

/** How isolated a namespace's, workload's or pod's pods are, as the view node says. */
export type Posture = "isolated" | "open" | "empty";

export interface PostureMark {
  readonly posture: Posture;
  readonly fill: string;
  readonly border: string;
  readonly text: string;
}

export const POSTURE_MARKS: readonly PostureMark[] = [
  {
    posture: "isolated",
    fill: "#10b981",
    border: "#047857",
    text: "isolated: policies select its pods in both directions",
  },
  {
    posture: "open",
    fill: "#ef4444",
    border: "#b91c1c",
    text: "open: some pods accept or send anything (no policy selects them)",
  },
  { posture: "empty", fill: "#94a3b8", border: "#64748b", text: "no pods: nothing to isolate" },
];

/** The posture a node is drawn with: no pods is neither isolated nor open. */
export function postureOf(node: Pick<ViewNode, "pods" | "openIngressPods" | "openEgressPods">): Posture {
  if (node.openIngressPods > 0 || node.openEgressPods > 0) return "open";
  return node.pods === 0 ? "empty" : "isolated";
}

/** The colour a node is filled with: its kind's own, or its pods' posture's. */
export function fillOf(node: Pick<ViewNode, "kind" | "pods" | "openIngressPods" | "openEgressPods">): string {
  const own = KIND_MARKS.find((mark) => mark.kind === node.kind)?.fill;
  if (own !== undefined) return own;
  const posture = postureOf(node);
  return POSTURE_MARKS.find((mark) => mark.posture === posture)!.fill;
}

/** A namespace without a default-deny policy: its outline is dashed. */
export const NO_DEFAULT_DENY = {
  borderStyle: "dashed" as const,
  borderWidth: 3,
  text: "namespace without a default-deny policy",
};

/**
 * The glow of a node whose worst open finding is critical: a halo around the shape, strong
 * enough to stand out on the dark background as on the light one.
 */
export function criticalGlow(dark: boolean) {
  return {
    color: dark ? "#fb923c" : "#ea580c",
    opacity: dark ? 0.75 : 0.45,
    padding: 7,
    text: "glow: its worst open finding is critical",
  };
}

/** The class of a node drawn with the critical glow. */
export const CRITICAL_GLOW_CLASS = "critical";

/** Whether a node carries the critical glow. */
export function glows(node: Pick<ViewNode, "worst">): boolean {
  return node.worst === "critical";
}

/** The outline of each shape in a 0..1 box, as cytoscape draws it (for the legend's SVG). */
export function shapePoints(shape: Shape): string | undefined {
  switch (shape) {
    case "diamond":
      return "0.5,0 1,0.5 0.5,1 0,0.5";
    case "hexagon":
      return "0.25,0 0.75,0 1,0.5 0.75,1 0.25,1 0,0.5";
    default:
      return undefined;
  }
}

/** The graph compared with a moment: how each kind of edge that differs is drawn. */
export interface OverlayMark {
  readonly status: "opened" | "closed" | "changed";
  readonly color: string;
  readonly lineStyle: "solid" | "dashed";
  readonly text: string;
}

export const OVERLAY_MARKS: readonly OverlayMark[] = [
  { status: "opened", color: "#16a34a", lineStyle: "solid", text: "opened since the moment compared with" },
  {
    status: "closed",
    color: "#dc2626",
    lineStyle: "dashed",
    text: "closed since then (drawn as it was; no longer allowed)",
  },
  {
    status: "changed",
    color: "#d97706",
    lineStyle: "solid",
    text: "changed since then (ports, or the connections it sums)",
  },
];

/** An edge an admin or baseline policy's rule names: drawn dotted, whatever its other marks. */
export const TIERS_EDGE = {
  lineStyle: "dotted" as const,
  text: "Dotted edges: an admin or baseline policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy) has a rule for some of their pairs; the side panel says which tier decided each port.",
};

/** Paths from outside the cluster (or an ingress or Gateway controller) that a Service, Ingress or route publishes, by what policy makes of them. */
export const PUBLISHED_MARKS = [
  { reach: "open", color: "#dc2626", text: "published, open to every address" },
  {
    reach: "restricted",
    color: "#d97706",
    text: "published, policy admits some addresses (or the controller)",
  },
  { reach: "denied", color: "#64748b", text: "published, but policy lets nothing in" },
] as const;
export const PUBLISHED_EDGE = {
  lineStyle: "dashed" as const,
  text: "Dashed edges labelled with a Service, Ingress or route: what that object publishes outside the cluster, from outside or from the ingress or Gateway controller; the Exposure tab lists every path.",
};

/** A node the view no longer has, drawn so that a closed edge has its end (a workload or namespace gone). */
export const GONE_NODE = {
  fill: "#e2e8f0",
  border: "#64748b",
  text: "gone since then: a workload or namespace a closed edge ended at",
};
