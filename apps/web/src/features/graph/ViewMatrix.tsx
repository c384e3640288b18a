import type { ViewEdge, ViewNode } from "@trustmap/shared";
import { useEffect, useMemo, useRef, useState } from "react";
import { streamStore } from "../../stream/store";
import { cellAt, cellColour, type MatrixLayout, matrixLayout } from "./matrix";
import { portsText } from "./ports";
import { useDarkScheme } from "./scheme";

function draw(canvas: HTMLCanvasElement, layout: MatrixLayout, dark: boolean, selected?: string): void {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = layout.size * ratio;
  canvas.height = layout.size * ratio;
  canvas.style.width = `${layout.size}px`;
  canvas.style.height = `${layout.size}px`;
  const context = canvas.getContext("2d");
  if (context === null) return;
  context.scale(ratio, ratio);
  context.fillStyle = dark ? "#020617" : "#ffffff";
  context.fillRect(0, 0, layout.size, layout.size);
  const { axis, cell, margin } = layout;
  const grid = dark ? "#1e293b" : "#e2e8f0";
  if (cell >= 6) {
    context.strokeStyle = grid;
    context.lineWidth = 1;
    for (let i = 0; i <= axis.length; i++) {
      context.beginPath();
      context.moveTo(margin + i * cell + 0.5, margin);
      context.lineTo(margin + i * cell + 0.5, margin + axis.length * cell);
      context.moveTo(margin, margin + i * cell + 0.5);
      context.lineTo(margin + axis.length * cell, margin + i * cell + 0.5);
      context.stroke();
    }
  }
  for (const [key, edge] of layout.cells) {
    const [row, column] = key.split(",").map(Number) as [number, number];
    const destination = axis[column];
    if (destination === undefined) continue;
    context.fillStyle = cellColour(edge, destination, dark);
    context.fillRect(margin + column * cell + 1, margin + row * cell + 1, cell - 1, cell - 1);
    if (edge.id === selected) {
      context.strokeStyle = dark ? "#f8fafc" : "#0f172a";
      context.lineWidth = 2;
      context.strokeRect(margin + column * cell + 1, margin + row * cell + 1, cell - 2, cell - 2);
    }
  }
  if (margin === 0) return;
  context.fillStyle = dark ? "#e2e8f0" : "#0f172a";
  context.font = `${Math.min(12, cell - 2)}px ui-sans-serif, system-ui, sans-serif`;
  context.textBaseline = "middle";
  axis.forEach((node, i) => {
    const name = node.label.length > 24 ? `${node.label.slice(0, 23)}…` : node.label;
    context.textAlign = "right";
    context.fillText(name, margin - 6, margin + i * cell + cell / 2);
    context.save();
    context.translate(margin + i * cell + cell / 2, margin - 6);
    context.rotate(-Math.PI / 2);
    context.textAlign = "left";
    context.fillText(name, 0, 0);
    context.restore();
  });
}

/**
 * The view as a matrix (source by row, destination by column), for views too dense to read as a
 * graph: each cell is one of the view's edges; choosing it opens the edge's explanation.
 */
export function ViewMatrix({
  view,
  selectedEdge,
  onSelectEdge,
}: {
  view: string;
  selectedEdge?: string | undefined;
  onSelectEdge: (from: string, to: string) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const dark = useDarkScheme();
  const [graph, setGraph] = useState<{ nodes: ViewNode[]; edges: ViewEdge[] }>({ nodes: [], edges: [] });
  const [hover, setHover] = useState<string>("");
  useEffect(() => {
    const read = () => {
      const held = streamStore.view(view);
      setGraph({ nodes: [...(held?.nodes.values() ?? [])], edges: [...(held?.edges.values() ?? [])] });
    };
    read();
    return streamStore.onView(view, read);
  }, [view]);
  const layout = useMemo(() => matrixLayout(graph.nodes, graph.edges), [graph]);
  useEffect(() => {
    if (canvas.current !== null) draw(canvas.current, layout, dark, selectedEdge);
  }, [layout, dark, selectedEdge]);
  const at = (event: React.MouseEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return cellAt(layout, event.clientX - box.left, event.clientY - box.top);
  };
  return (
    <div className="min-h-0 flex-1 overflow-auto p-2" data-testid="view-matrix">
      <p className="text-xs text-slate-600 dark:text-slate-300">
        {layout.axis.length} rows and columns (source by row, destination by column; red: the destination has
        pods no ingress policy isolates).
      </p>
      {/* One line of fixed height: what the pointer is on never moves the cells under it. */}
      <p className="mb-1 h-5 truncate text-xs" aria-live="polite" data-testid="matrix-hover">
        {hover}
      </p>
      <canvas
        ref={canvas}
        role="img"
        aria-label={`Matrix of ${layout.axis.length} nodes and ${layout.cells.size} edges`}
        onMouseMove={(event) => {
          const hit = at(event);
          setHover(
            hit === undefined
              ? ""
              : `${hit.row.label} → ${hit.column.label}: ${
                  hit.edge === undefined
                    ? "no edge"
                    : `${portsText(hit.edge.ports)}, ${hit.edge.pairs} pod pairs`
                }`,
          );
        }}
        onClick={(event) => {
          const hit = at(event);
          if (hit?.edge !== undefined) onSelectEdge(hit.edge.source, hit.edge.target);
        }}
      />
    </div>
  );
}
