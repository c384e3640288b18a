import type { Severity, ViewNode } from "@trustmap/shared";
import { atLeast } from "./adapter";

/**
 * The nodes the list beside the graph shows: the view's nodes the graph draws at full strength
 * under the search, "open only" and the minimum severity, by name. Every one of them is listed.
 */
export function listedNodes(
  nodes: readonly ViewNode[],
  search: string,
  openOnly: boolean,
  minSeverity: Severity | undefined,
): ViewNode[] {
  const q = search.trim().toLowerCase();
  return nodes
    .filter(
      (n) =>
        q === "" ||
        n.label.toLowerCase().includes(q) ||
        Object.entries(n.labels ?? {}).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(q)),
    )
    .filter(
      (n) =>
        !openOnly ||
        n.openIngressPods > 0 ||
        n.openEgressPods > 0 ||
        n.kind === "any" ||
        n.kind === "outside",
    )
    .filter(
      (n) =>
        minSeverity === undefined ||
        n.kind === "any" ||
        n.kind === "outside" ||
        atLeast(n.worst, minSeverity),
    )
    .sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Which rows of a list of fixed-height rows to render for a scroll position: those in the
 * window and `overscan` more on each side, as [first, end) indexes.
 */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan: number,
): { first: number; end: number } {
  const top = Math.max(0, Math.floor(scrollTop / rowHeight));
  const bottom = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  const first = Math.min(count, Math.max(0, top - overscan));
  const end = Math.min(count, Math.max(first, bottom + overscan));
  return { first, end };
}

/** The scroll position that shows a row: unchanged when it is in the window already. */
export function scrollToRow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  index: number,
): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}
