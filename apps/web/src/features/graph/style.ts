import type { StylesheetJson } from "cytoscape";
import {
  CRITICAL_GLOW_CLASS,
  criticalGlow,
  GONE_NODE,
  KIND_MARKS,
  NO_DEFAULT_DENY,
  OVERLAY_MARKS,
  POSTURE_MARKS,
  PUBLISHED_EDGE,
  PUBLISHED_MARKS,
  TIERS_EDGE,
  WORKLOAD_GROUP_MARK,
} from "./marks";

/** What the graph is drawn on: the page's own background (Tailwind's white and slate-950). */
export function graphBackground(dark: boolean): string {
  return dark ? "#020617" : "#ffffff";
}

/** The colours of the graph's text and lines on each background. */
export function graphInk(dark: boolean) {
  return {
    text: dark ? "#e2e8f0" : "#0f172a",
    edge: dark ? "#64748b" : "#94a3b8",
    /** Behind an edge's port label, so that it stays readable where it crosses lines. */
    labelBackground: graphBackground(dark),
  };
}

/**
 * How the graph marks posture, from the tables in marks.ts: shapes by kind, colours by posture,
 * dashed namespaces without default-deny, a glow on critical findings.
 */
export function graphStyle(dark: boolean): StylesheetJson {
  const ink = graphInk(dark);
  const glow = criticalGlow(dark);
  const isolated = POSTURE_MARKS.find((mark) => mark.posture === "isolated")!;
  return [
    {
      selector: "node",
      style: {
        label: "data(label)",
        color: ink.text,
        "font-size": 11,
        "text-valign": "bottom",
        "text-margin-y": 4,
        "background-color": isolated.fill,
        "border-width": 2,
        "border-color": isolated.border,
        width: 26,
        height: 26,
        // Level of detail: labels only where they can be read.
        "min-zoomed-font-size": 7,
        // Nodes over edges, as cytoscape draws them by default, but stated: a labelled edge goes over both.
        "z-index-compare": "manual",
        "z-index": 5,
      },
    },
    ...POSTURE_MARKS.filter((mark) => mark !== isolated).map((mark) => ({
      selector: `node.${mark.posture}`,
      style: { "background-color": mark.fill, "border-color": mark.border },
    })),
    // The pseudo-nodes keep their own colours: they have no pods of their own.
    ...KIND_MARKS.map((mark) => ({
      selector: `node[kind = '${mark.kind}']`,
      style: {
        shape: mark.shape,
        width: mark.width,
        height: mark.height,
        ...(mark.fill === undefined ? {} : { "background-color": mark.fill }),
        ...(mark.border === undefined ? {} : { "border-color": mark.border }),
      },
    })),
    // A closed group: one larger tile per label value, sized by how many namespaces it holds.
    {
      selector: "node[kind = 'group']",
      style: {
        width: "mapData(namespaces, 1, 200, 44, 110)",
        height: "mapData(namespaces, 1, 200, 30, 70)",
        "border-width": 3,
        "font-weight": "bold",
      },
    },
    // A closed group of a namespace's own workloads: a larger workload, sized by how many it holds.
    {
      selector: WORKLOAD_GROUP_MARK.selector,
      style: {
        shape: WORKLOAD_GROUP_MARK.shape,
        width: `mapData(workloads, 1, 1000, ${WORKLOAD_GROUP_MARK.width}, 100)`,
        height: `mapData(workloads, 1, 1000, ${WORKLOAD_GROUP_MARK.height}, 100)`,
      },
    },
    // An opened group: a frame around its namespaces (or workloads), named at its top.
    {
      selector: "node[kind = 'group'][?open]",
      style: {
        "background-color": dark ? "#0f172a" : "#f1f5f9",
        "background-opacity": 0.6,
        "border-color": dark ? "#475569" : "#94a3b8",
        "border-style": "dashed",
        "text-valign": "top",
        "text-margin-y": -4,
        padding: "16px",
      },
    },
    {
      selector: "node.no-default-deny",
      style: { "border-style": NO_DEFAULT_DENY.borderStyle, "border-width": NO_DEFAULT_DENY.borderWidth },
    },
    {
      selector: `node.${CRITICAL_GLOW_CLASS}`,
      style: {
        "underlay-color": glow.color,
        "underlay-opacity": glow.opacity,
        "underlay-padding": glow.padding,
        "underlay-shape": "ellipse",
      },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "line-color": ink.edge,
        "target-arrow-color": ink.edge,
        "target-arrow-shape": "triangle",
        "curve-style": "straight",
        "font-size": 9,
        color: ink.text,
        "text-rotation": "autorotate",
        "text-background-color": ink.labelBackground,
        "text-background-opacity": 0.85,
        "text-background-padding": "1px",
        "min-zoomed-font-size": 7,
        "z-index-compare": "manual",
        "z-index": 0,
      },
    },
    // A→B and B→A bow to opposite sides instead of lying on one line: cytoscape bundles the two
    // edges of a pair and spreads them this far apart.
    { selector: "edge.two-way", style: { "curve-style": "bezier", "control-point-step-size": 40 } },
    // An admin or baseline policy has a rule for some pair of the edge.
    { selector: "edge[?tiers]", style: { "line-style": TIERS_EDGE.lineStyle, width: 2 } },
    // A labelled edge is drawn over the nodes, so that no node hides its ports.
    {
      selector: "edge.labelled",
      style: { label: "data(portsText)", "z-index": 10 },
    },
    // The graph compared with a moment: edges opened, closed and changed since, and the nodes gone.
    ...OVERLAY_MARKS.map((mark) => ({
      selector: `edge.${mark.status}`,
      style: {
        "line-color": mark.color,
        "target-arrow-color": mark.color,
        "line-style": mark.lineStyle,
        width: 3,
      },
    })),
    // What Services, Ingresses and routes publish: dashed, coloured by what policy makes of it.
    ...PUBLISHED_MARKS.map((mark) => ({
      selector: `edge.published-${mark.reach}`,
      style: {
        "line-color": mark.color,
        "target-arrow-color": mark.color,
        "line-style": PUBLISHED_EDGE.lineStyle,
        width: 2,
        label: "data(portsText)",
        "font-size": 10,
        color: mark.color,
        "z-index": 9,
      },
    })),
    {
      selector: "node.gone",
      style: {
        "background-color": GONE_NODE.fill,
        "border-color": GONE_NODE.border,
        "border-style": "dashed",
        "border-width": 2,
        opacity: 0.8,
      },
    },
    // A faded node fades its label and its edges with it (the adapter fades those edges).
    { selector: ".faded", style: { opacity: 0.15, "text-opacity": 0.15 } },
    // The glow is drawn apart from the node's opacity: it fades with it explicitly.
    { selector: `node.${CRITICAL_GLOW_CLASS}.faded`, style: { "underlay-opacity": glow.opacity * 0.15 } },
    { selector: ".match", style: { "border-color": "#2563eb", "border-width": 4 } },
    { selector: ".hidden", style: { display: "none" } },
    {
      selector: ":selected",
      style: {
        "border-color": "#2563eb",
        "border-width": 5,
        "line-color": "#2563eb",
        "target-arrow-color": "#2563eb",
      },
    },
    { selector: "edge.hovered", style: { "line-color": dark ? "#93c5fd" : "#1d4ed8", width: 2.5 } },
    { selector: ".leaving", style: { opacity: 0 } },
  ];
}
