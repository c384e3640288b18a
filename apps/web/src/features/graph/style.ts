import type { StylesheetJson } from "cytoscape";

/** What the graph is drawn on: the page's own background (Tailwind's white and slate-950). */
export function graphBackground(dark: boolean): string {
  return dark ? "#020617" : "#ffffff";
}

/** How the graph marks posture: shapes by kind, red where pods are open, dashed namespaces without default-deny. */
export function graphStyle(dark: boolean): StylesheetJson {
  const text = dark ? "#e2e8f0" : "#0f172a";
  const edge = dark ? "#64748b" : "#94a3b8";
  return [
    {
      selector: "node",
      style: {
        label: "data(label)",
        color: text,
        "font-size": 11,
        "text-valign": "bottom",
        "text-margin-y": 4,
        "background-color": "#10b981",
        "border-width": 2,
        "border-color": "#047857",
        width: 26,
        height: 26,
        // Level of detail: labels only where they can be read.
        "min-zoomed-font-size": 7,
      },
    },
    { selector: "node[kind = 'namespace']", style: { shape: "round-rectangle", width: 34, height: 24 } },
    { selector: "node[kind = 'pod']", style: { width: 16, height: 16 } },
    // A closed group: one larger tile per label value, sized by how many namespaces it holds.
    {
      selector: "node[kind = 'group']",
      style: {
        shape: "round-rectangle",
        width: "mapData(namespaces, 1, 200, 44, 110)",
        height: "mapData(namespaces, 1, 200, 30, 70)",
        "border-width": 3,
        "font-weight": "bold",
      },
    },
    // An opened group: a frame around its namespaces, named at its top.
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
      selector: "node[kind = 'any']",
      style: { shape: "diamond", "background-color": "#f59e0b", "border-color": "#b45309" },
    },
    {
      selector: "node[kind = 'outside']",
      style: { shape: "hexagon", "background-color": "#a855f7", "border-color": "#7e22ce" },
    },
    { selector: "node.open", style: { "background-color": "#ef4444", "border-color": "#b91c1c" } },
    { selector: "node.no-default-deny", style: { "border-style": "dashed", "border-width": 3 } },
    {
      selector: "node.findings",
      style: { "overlay-color": "#f97316", "overlay-opacity": 0.15, "overlay-padding": 4 },
    },
    {
      selector: "edge",
      style: {
        width: 1.5,
        "line-color": edge,
        "target-arrow-color": edge,
        "target-arrow-shape": "triangle",
        "curve-style": "straight",
        "font-size": 9,
        color: text,
        "text-rotation": "autorotate",
        "min-zoomed-font-size": 7,
      },
    },
    // A→B and B→A bow to opposite sides instead of lying on one line.
    { selector: "edge.two-way", style: { "curve-style": "bezier", "control-point-step-size": 40 } },
    { selector: "edge.labelled", style: { label: "data(portsText)" } },
    { selector: ".faded", style: { opacity: 0.15 } },
    { selector: ".match", style: { "border-color": "#2563eb", "border-width": 4 } },
    { selector: ".hidden", style: { display: "none" } },
    { selector: "edge.lod-hidden", style: { display: "none" } },
    {
      selector: ":selected",
      style: {
        "border-color": "#2563eb",
        "border-width": 5,
        "line-color": "#2563eb",
        "target-arrow-color": "#2563eb",
      },
    },
    { selector: ".leaving", style: { opacity: 0 } },
  ];
}
