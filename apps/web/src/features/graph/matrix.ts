import type { ViewEdge, ViewNode } from "@trustmap/shared";

// The view as a matrix: who may reach whom, source by row and destination by column. The cells
// are the view's own edges, drawn where they are; nothing is counted or inferred here.

/** An opened group is a frame around its namespaces in the graph: in the matrix its namespaces stand for it. */
function isFrame(node: ViewNode): boolean {
  return node.kind === "group" && node.open === true;
}

export interface MatrixLayout {
  /** Rows and columns: the same nodes in the same order (by name, "any pod" and outside last). */
  readonly axis: readonly ViewNode[];
  readonly cell: number;
  /** Where the axis' names end and the cells begin, in CSS pixels. */
  readonly margin: number;
  readonly size: number;
  /** Edges by "row,column". */
  readonly cells: ReadonlyMap<string, ViewEdge>;
}

const LAST = new Set(["any", "outside"]);

export function matrixLayout(
  nodes: readonly ViewNode[],
  edges: readonly ViewEdge[],
  room = 900,
): MatrixLayout {
  const axis = nodes
    .filter((node) => !isFrame(node))
    .sort(
      (a, b) =>
        Number(LAST.has(a.kind)) - Number(LAST.has(b.kind)) ||
        a.label.localeCompare(b.label) ||
        (a.id < b.id ? -1 : 1),
    );
  const index = new Map(axis.map((node, i) => [node.id, i]));
  const cells = new Map<string, ViewEdge>();
  for (const edge of edges) {
    const row = index.get(edge.source);
    const column = index.get(edge.target);
    if (row !== undefined && column !== undefined) cells.set(`${row},${column}`, edge);
  }
  // Cells as large as fit in the room, at least 3 px (the canvas scrolls beyond).
  const cell = Math.max(3, Math.min(28, Math.floor(room / Math.max(1, axis.length))));
  const margin = cell >= 10 ? 160 : 0;
  return { axis, cell, margin, size: margin + cell * axis.length, cells };
}

/** The cell under a point of the canvas (CSS pixels), with its edge when there is one. */
export function cellAt(
  layout: MatrixLayout,
  x: number,
  y: number,
): { readonly row: ViewNode; readonly column: ViewNode; readonly edge?: ViewEdge } | undefined {
  const r = Math.floor((y - layout.margin) / layout.cell);
  const c = Math.floor((x - layout.margin) / layout.cell);
  const row = layout.axis[r];
  const column = layout.axis[c];
  if (row === undefined || column === undefined || x < layout.margin || y < layout.margin) return undefined;
  const edge = layout.cells.get(`${r},${c}`);
  return edge === undefined ? { row, column } : { row, column, edge };
}

/**
 * A cell's colour: blue for an allowed edge, darker the more pod pairs it stands for (by order of
 * magnitude); red when its destination has pods no ingress policy isolates.
 */
export function cellColour(edge: ViewEdge, destination: ViewNode, dark: boolean): string {
  const magnitude = Math.min(4, Math.floor(Math.log10(Math.max(1, edge.pairs))));
  const open = destination.openIngressPods > 0;
  const light = open
    ? ["#fecaca", "#fca5a5", "#f87171", "#ef4444", "#dc2626"]
    : ["#bfdbfe", "#93c5fd", "#60a5fa", "#3b82f6", "#2563eb"];
  const darkScale = open
    ? ["#7f1d1d", "#991b1b", "#b91c1c", "#dc2626", "#ef4444"]
    : ["#1e3a8a", "#1e40af", "#1d4ed8", "#2563eb", "#3b82f6"];
  return (dark ? darkScale : light)[magnitude] as string;
}
