import type { Core, NodeCollection, NodePositionFunction, NodeSingular } from "cytoscape";
import { type LayoutCache, layoutCache } from "./cache";
import {
  groupGrid,
  type LayoutEdge,
  type LayoutInput,
  layOut,
  type Point,
  placeNew,
  ROOM_ACROSS,
  ROOM_DOWN,
  SPACING,
} from "./positions";
import { type LayoutWorkerClient, layoutWorker } from "./worker-client";

// A view's layout that stays put. Its positions are kept per view (see cache.ts): going back to a
// view shows it as it was, with any node it gained since beside its neighbours. A view seen for
// the first time is shown at once on a grid by namespace, then moved, once, to the positions the
// layout worker computes; the page never waits for a layout. A patch places its new nodes beside
// their neighbours and moves nothing else.

/** The graph's padding around the view when it is fitted to the screen, in pixels. */
const PADDING = 30;

/**
 * Marks the graph's element with where its layout is: "empty" until a view is drawn, "computing"
 * while the worker lays it out, "settled" once the positions shown are the view's own (for tests
 * and benchmarks to wait on).
 */
function mark(cy: Core, state: "empty" | "computing" | "settled"): void {
  cy.container()?.setAttribute("data-layout", state);
}

/** A cached layout is used when it still places at least this share of the view's nodes. */
const KEPT_SHARE = 0.5;

function present(cy: Core): NodeCollection {
  return cy.nodes().filter((node) => node.data("leaving") !== true);
}

/**
 * A label's line below a node and a gap before the next shape, in graph units: with it the
 * tallest plain mark (36) fills a plain room down, and a closed group's room grows with its shape.
 */
const LABEL_ROOM = 36;

/** How many plain rooms (see ROOM_DOWN) a node of this drawn height needs with its label below. */
function extentOf(height: number): number {
  return Math.max(1, (height + LABEL_ROOM) / (ROOM_DOWN * SPACING));
}

/**
 * The view as the layout sees it: nodes grouped by namespace (the namespaces of an opened group by
 * the group, the "any" and "outside" nodes and closed groups by kind). An opened group's frame is
 * not laid out: it is drawn around its members wherever they are, and the layout keeps every other
 * node out of it.
 */
export function inputOf(cy: Core, edges?: readonly LayoutEdge[]): LayoutInput {
  return {
    nodes: present(cy)
      .filter((node) => !node.isParent())
      .map((node) => {
        const extent = extentOf(node.height());
        return {
          id: node.id(),
          group:
            (node.data("group") as string | undefined) ??
            (node.data("namespace") as string | undefined) ??
            (node.data("kind") as string),
          ...(extent > 1 ? { extent } : {}),
          ...(typeof node.data("parent") === "string" ? { frame: node.data("parent") as string } : {}),
        };
      }),
    edges: edges ?? cy.edges().map((edge) => ({ source: edge.source().id(), target: edge.target().id() })),
  };
}

function positionsOf(nodes: NodeCollection): Map<string, Point> {
  const positions = new Map<string, Point>();
  nodes.forEach((node) => {
    const { x, y } = node.position();
    positions.set(node.id(), { x: Math.round(x), y: Math.round(y) });
  });
  return positions;
}

export class StableLayout {
  private run: { cancel(): void } | undefined;
  private destroyed = false;

  /** `view` undefined: a picture drawn once (the report), laid out at once and not kept. */
  /** Called once the worker's positions are shown (fitted to the screen): a zoom asked meanwhile is made again. */
  onShown: (() => void) | undefined;
  /**
   * Every edge of the view, when the graph holds only some of them (past the edge limit): the
   * layout places nodes by all of them, whichever are drawn.
   */
  edgesOfView: (() => readonly LayoutEdge[]) | undefined;

  private input(): LayoutInput {
    return inputOf(this.cy, this.edgesOfView?.());
  }

  constructor(
    private readonly cy: Core,
    private readonly view: string | undefined,
    private readonly cache: LayoutCache = layoutCache,
    private readonly worker: LayoutWorkerClient = layoutWorker,
  ) {
    mark(cy, "empty");
    // A node the user moved stays where it was put.
    cy.on("dragfree", "node", () => this.save());
  }

  /** Places a snapshot's nodes just added: from the cache, else on a grid until the worker answers. */
  placeSnapshot(): void {
    const input = this.input();
    if (this.view === undefined) {
      this.show(layOut(input));
      mark(this.cy, "settled");
      return;
    }
    const cached = this.cache.get(this.view);
    const kept = new Map<string, Point>();
    for (const node of input.nodes) {
      const point = cached?.get(node.id);
      if (point !== undefined) kept.set(node.id, point);
    }
    if (kept.size > 0 && kept.size >= input.nodes.length * KEPT_SHARE) {
      this.run?.cancel();
      this.run = undefined;
      for (const [id, point] of placeNew(kept, input)) kept.set(id, point);
      this.show(kept);
      this.save();
      this.onShown?.();
      mark(this.cy, "settled");
      return;
    }
    this.show(groupGrid(input.nodes));
    this.relayout();
  }

  /** Places the nodes a patch added beside their neighbours; every other node stays. */
  placeAdded(added: readonly NodeSingular[]): void {
    if (added.length === 0) return;
    const ids = new Set(added.map((node) => node.id()));
    const placed = positionsOf(present(this.cy).filter((node) => !ids.has(node.id())));
    for (const [id, point] of placeNew(placed, this.input())) this.cy.getElementById(id).position(point);
    // While the worker computes, positions are a grid's: what the worker answers is kept.
    if (this.run === undefined) this.save();
  }

  /** A fresh layout of the view as it is now, in the worker; shown (and kept) when it comes. */
  relayout(): void {
    this.run?.cancel();
    const input = this.input();
    if (this.view === undefined) {
      this.show(layOut(input));
      mark(this.cy, "settled");
      return;
    }
    mark(this.cy, "computing");
    const started = performance.now();
    const run = this.worker.layOut(input);
    this.run = run;
    void run.done.then(({ positions, ms }) => {
      if (this.destroyed || this.run !== run) return;
      this.run = undefined;
      // Nodes that came while the worker computed go beside their neighbours' new places.
      const current = this.input();
      const kept = new Map<string, Point>();
      for (const node of current.nodes) {
        const point = positions.get(node.id);
        if (point !== undefined) kept.set(node.id, point);
      }
      for (const [id, point] of placeNew(kept, current)) kept.set(id, point);
      this.show(kept);
      this.save();
      this.onShown?.();
      mark(this.cy, "settled");
      performance.measure("trustmap:layout", {
        start: started,
        end: performance.now(),
        detail: { view: this.view, nodes: input.nodes.length, workerMs: ms },
      });
    });
  }

  /** Keeps the positions on screen as the view's. */
  save(): void {
    if (this.view === undefined || this.destroyed) return;
    this.cache.set(this.view, positionsOf(present(this.cy)));
  }

  destroy(): void {
    if (this.run === undefined) this.save();
    this.run?.cancel();
    this.run = undefined;
    this.destroyed = true;
  }

  private show(positions: ReadonlyMap<string, Point>): void {
    this.cy
      .layout({
        name: "preset",
        // cytoscape hands the function the node (its types say the id).
        positions: ((node: NodeSingular) =>
          positions.get(node.id()) ?? node.position()) as unknown as NodePositionFunction,
        fit: false,
        animate: false,
      })
      .run();
    this.fit();
  }

  /**
   * Fits the screen to the nodes' centres with a node's room (its shape and label) around them.
   * cytoscape's own fit measures every element's style and label first: about a second for a view
   * of 4,000 elements on a slow machine, before anything is drawn.
   */
  private fit(): void {
    const nodes = present(this.cy).filter((node) => !node.isParent());
    if (nodes.empty()) return;
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    nodes.forEach((node) => {
      const { x, y } = node.position();
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    });
    const width = maxX - minX + ROOM_ACROSS * SPACING;
    const height = maxY - minY + ROOM_DOWN * SPACING;
    const screenWidth = this.cy.width() - 2 * PADDING;
    const screenHeight = this.cy.height() - 2 * PADDING;
    if (screenWidth <= 0 || screenHeight <= 0) return;
    const zoom = Math.min(
      this.cy.maxZoom(),
      Math.max(this.cy.minZoom(), Math.min(screenWidth / width, screenHeight / height)),
    );
    this.cy.viewport({
      zoom,
      pan: {
        x: this.cy.width() / 2 - (zoom * (minX + maxX)) / 2,
        y: this.cy.height() / 2 - (zoom * (minY + maxY)) / 2,
      },
    });
  }
}
