import type { ViewNode } from "@trustmap/shared";
import { useEffect, useRef, useState } from "react";
import { fillOf } from "./marks";
import { scrollToRow, visibleRows } from "./node-list";
import { viewOfNode } from "./view-keys";

/** Each row's height in pixels: fixed, so that the rows in the window are known from the scroll alone. */
const ROW = 24;
/** The list's window at most, in rows. */
const WINDOW_ROWS = 20;
/** Rows rendered beyond each edge of the window, so that scrolling shows no blank. */
const OVERSCAN = 5;

interface Props {
  nodes: readonly ViewNode[];
  /** All the view's nodes, for the heading's "n of m". */
  total: number;
  selected: string | undefined;
  onSelect(id: string, additive: boolean): void;
  onOpen(view: string): void;
  /** The view the list belongs to: a group opens in place within it. */
  view: string;
}

/**
 * The view's nodes as a list: every one reachable however many, but only the rows in the
 * window are in the page (a namespace at scale holds thousands).
 */
export function NodeList({ nodes, total, selected, onSelect, onOpen, view: current }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = Math.min(nodes.length, WINDOW_ROWS) * ROW;
  const { first, end } = visibleRows(scrollTop, height, ROW, nodes.length, OVERSCAN);

  // A node selected on the graph is scrolled into the list's window.
  const selectedIndex = selected === undefined ? -1 : nodes.findIndex((node) => node.id === selected);
  useEffect(() => {
    const element = scroller.current;
    if (element === null || selectedIndex < 0) return;
    const next = scrollToRow(element.scrollTop, element.clientHeight, ROW, selectedIndex);
    if (next !== element.scrollTop) {
      element.scrollTop = next;
      setScrollTop(next);
    }
  }, [selectedIndex]);

  return (
    <section aria-label="Nodes" className="mt-4">
      <h2 className="text-sm font-semibold">
        Nodes{nodes.length < total ? ` (${nodes.length} of ${total})` : ""}
      </h2>
      <div
        ref={scroller}
        className="overflow-y-auto"
        style={{ height }}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        data-testid="node-list-window"
      >
        <ul className="relative text-sm" style={{ height: nodes.length * ROW }} data-testid="node-list">
          {nodes.slice(first, end).map((node, offset) => {
            const index = first + offset;
            const view = viewOfNode(node.id, current);
            return (
              <li
                key={node.id}
                className="absolute right-0 left-0 flex items-center justify-between gap-1"
                style={{ top: index * ROW, height: ROW }}
                aria-setsize={nodes.length}
                aria-posinset={index + 1}
              >
                <button
                  type="button"
                  className="truncate text-left underline-offset-2 hover:underline"
                  aria-pressed={selected === node.id}
                  data-node-id={node.id}
                  data-node-label={node.label}
                  onClick={(event) => onSelect(node.id, event.shiftKey)}
                >
                  <span aria-hidden="true" style={{ color: fillOf(node) }}>
                    ●
                  </span>{" "}
                  {node.label}
                  {node.kind !== "any" && node.kind !== "outside" && ` (${node.pods})`}
                </button>
                {view !== undefined && (
                  <button
                    type="button"
                    className="shrink-0 text-xs text-blue-700 underline dark:text-blue-300"
                    aria-label={`Open ${node.label}`}
                    onClick={() => onOpen(view)}
                  >
                    open
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </section>
  );
}
