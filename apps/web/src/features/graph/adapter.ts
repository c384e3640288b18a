import {
  type ExposureEdge,
  type GraphOverlay,
  OUTSIDE_NODE_ID,
  type OverlayEdge,
  SEVERITY_ORDER,
  type Severity,
  type ViewEdge,
  type ViewNode,
  type ViewPatch,
  type ViewSnapshot,
} from "@trustmap/shared";
import C2S from "canvas2svg";
import cytoscape, { type Core, type ElementDefinition, type NodeSingular } from "cytoscape";
import { StableLayout } from "./layout/stable-layout";
import { CRITICAL_GLOW_CLASS, glows, OVERLAY_MARKS, POSTURE_MARKS, postureOf } from "./marks";
import { portsText } from "./ports";
import { graphBackground, graphStyle } from "./style";

/** The parts of cytoscape's canvas renderer an SVG export draws with (what its own PNG export calls). */
interface CanvasRenderer {
  getCachedZSortedEles(): unknown;
  drawElements(context: unknown, elements: unknown): void;
  /** Whether shapes are drawn as cached Path2D objects, which a recording context cannot replay. */
  usePaths(): boolean;
}

/** The centre of these nodes' bounding box. */
function midpoint(nodes: cytoscape.NodeCollection): { x: number; y: number } {
  const box = nodes.boundingBox();
  return { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
}

/** Whether a node's worst finding is at least this severe. */
export function atLeast(worst: Severity | undefined, minimum: Severity): boolean {
  return worst !== undefined && SEVERITY_ORDER.indexOf(worst) <= SEVERITY_ORDER.indexOf(minimum);
}

/** Above this many edges, only the selection's edges are drawn until the user asks for all. */
export const EDGE_LIMIT = 3000;

export interface AdapterHandlers {
  onSelectNode(id: string, additive: boolean): void;
  onSelectEdge(source: string, target: string): void;
  onOpenNode(id: string): void;
  onClear(): void;
}

/** What the posture marks need besides the view: namespaces without default-deny, nodes with findings. */
export interface Marks {
  readonly noDefaultDeny: ReadonlySet<string>;
}

function nodeData(node: ViewNode) {
  return {
    ...node,
    labels: undefined,
    labelText: Object.entries(node.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  };
}

/** A node to add: a namespace of an opened group goes inside the group's frame (a compound node). */
function nodeElement(node: ViewNode): ElementDefinition {
  return {
    group: "nodes",
    data: { ...nodeData(node), ...(node.group === undefined ? {} : { parent: node.group }) },
  };
}

function edgeData(edge: ViewEdge) {
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    pairs: edge.pairs,
    portsText: portsText(edge.ports),
    tiers: edge.tiers === true,
  };
}

/** The elements an overlay adds (closed edges, nodes gone), and the class of a node gone. */
const OVERLAY_CLASS = "overlay";
/** The exposure edges (and the "outside" node they may add). */
const PUBLISHED_CLASS = "published";
const GONE_CLASS = "gone";

/** A closed edge's label: the ports it allowed then, from the connections it stood for. */
function closedPorts(edge: OverlayEdge): string {
  const ports = [
    ...new Set(edge.entries.map((entry) => (entry.before?.area === "reach" ? entry.before.ports : ""))),
  ];
  return `closed: ${ports.filter((p) => p !== "").join(" · ")}`;
}

/**
 * The one place that drives cytoscape. A snapshot draws the view where it was last shown (or lays
 * it out off the page's thread, see layout/); a patch is applied in place, in one batch: new nodes
 * appear beside their neighbours, removed ones fade out, and nothing already on screen moves.
 * Names from the cluster are canvas text, never markup.
 */
export class GraphAdapter {
  private readonly cy: Core;
  private marks: Marks = { noDefaultDeny: new Set() };
  private query = "";
  private openOnly = false;
  private minSeverity: Severity | undefined;
  private selected: readonly string[] = [];
  /** The view compared with a moment, drawn over it (see setOverlay). */
  private overlay: Pick<GraphOverlay, "edges" | "nodes"> | undefined;
  private allEdges = false;
  /**
   * Every edge of the view, and each node's edges by id. Past EDGE_LIMIT only the edges of the
   * selection are in the graph (unless all are asked for): tens of thousands of edges would be
   * styled one by one though none of them is drawn.
   */
  private readonly edgeStore = new Map<string, ViewEdge>();
  private readonly edgesAtNode = new Map<string, Set<string>>();
  private readonly positions: StableLayout;
  /** Port labels on every edge (printed pictures) instead of the selection's and the pointer's. */
  private allLabels = false;
  /** The element under the pointer: its edges show their ports like the selection's. */
  private hovered: cytoscape.SingularElementReturnValue | undefined;
  private theme: boolean;

  /** `view`: the view's key, under which its positions are kept; none for a picture drawn once. */
  constructor(container: HTMLElement, handlers: AdapterHandlers, dark: boolean, view?: string) {
    this.theme = dark;
    this.cy = cytoscape({
      container,
      style: graphStyle(dark),
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      // Big views: no labels while panning and zooming.
      hideEdgesOnViewport: true,
      textureOnViewport: true,
      // One device pixel per CSS pixel: large views draw several times faster on high-density screens.
      pixelRatio: 1,
    });
    this.cy.on("tap", "node", (event) => {
      // A node gone since the moment compared with has nothing to show of now.
      if (event.target.hasClass(GONE_CLASS)) return;
      const original = event.originalEvent as MouseEvent | undefined;
      handlers.onSelectNode(event.target.id(), original?.shiftKey === true);
    });
    this.cy.on("dbltap", "node", (event) => {
      if (!event.target.hasClass(GONE_CLASS)) handlers.onOpenNode(event.target.id());
    });
    // A closed edge is selected by the ends the overlay names (a gone node's own id, not its element's).
    this.cy.on("tap", "edge", (event) =>
      handlers.onSelectEdge(
        event.target.data("from") ?? event.target.data("source"),
        event.target.data("to") ?? event.target.data("target"),
      ),
    );
    this.cy.on("tap", (event) => {
      if (event.target === this.cy) handlers.onClear();
    });
    this.cy.on("mouseover", "node, edge", (event) => {
      this.hovered = event.target;
      this.cy.batch(() => this.labelEdges());
    });
    this.cy.on("mouseout", "node, edge", this.leave);
    // cytoscape says nothing when the pointer leaves its canvas from over an element: without
    // this, that element's port labels would stay, and be drawn into the next export.
    this.cy.container()?.addEventListener("mouseleave", this.leave);
    this.positions = new StableLayout(this.cy, view);
    this.positions.edgesOfView = () =>
      [...this.edgeStore.values()].map((edge) => ({ source: edge.source, target: edge.target }));
    // The worker's layout fits the whole view to the screen: a zoom to nodes asked while it computed is made again.
    this.positions.onShown = () => {
      const again = this.focusAgain;
      this.focusAgain = undefined;
      again?.();
    };
  }

  /** The last zoom to nodes, to make again once the worker's layout is shown. */
  private focusAgain: (() => void) | undefined;

  /** Whether the style is the dark background's. */
  get dark(): boolean {
    return this.theme;
  }

  /** The pictures' background: the one the style's colours are chosen for. */
  get background(): string {
    return graphBackground(this.theme);
  }

  /** Draws with the colours of the other background (the system's theme changed while the page is open). */
  setDark(dark: boolean): void {
    if (dark === this.theme) return;
    this.theme = dark;
    this.cy.style(graphStyle(dark));
  }

  /**
   * Zooms and centres on these nodes (those of the view; others are ignored). Says whether any
   * was there to show.
   */
  focus(ids: readonly string[]): boolean {
    const nodes = () => {
      const found = this.cy.collection();
      for (const id of ids) found.merge(this.cy.getElementById(id));
      return found.nodes();
    };
    this.focusAgain = () => this.fitTo(nodes());
    return this.fitTo(nodes());
  }

  /** Zooms and centres on the nodes the search matches in this view. */
  focusMatches(): boolean {
    this.focusAgain = () => this.fitTo(this.cy.nodes(".match"));
    return this.fitTo(this.cy.nodes(".match"));
  }

  private fitTo(nodes: cytoscape.NodeCollection): boolean {
    const shown = nodes.filter((node) => !node.hasClass("hidden"));
    if (shown.empty()) return false;
    // One node alone is not blown up to the whole canvas: no closer than now or than twice the size.
    const closest = Math.max(2, this.cy.zoom());
    this.cy.fit(shown, 80);
    if (this.cy.zoom() > closest) this.cy.zoom({ level: closest, position: midpoint(shown) });
    return true;
  }

  /** The pointer left the element it was over (or the canvas): its port labels go. */
  private readonly leave = (): void => {
    if (this.hovered === undefined) return;
    this.hovered = undefined;
    this.cy.batch(() => this.labelEdges());
  };

  destroy(): void {
    this.cy.container()?.removeEventListener("mouseleave", this.leave);
    this.positions.destroy();
    this.cy.destroy();
  }

  /**
   * Draws the view compared with a moment (undefined: as it is): the edges opened and changed
   * marked, the closed ones drawn apart (dashed), ending at the nodes gone since where need be.
   */
  setOverlay(overlay: Pick<GraphOverlay, "edges" | "nodes"> | undefined): void {
    this.overlay = overlay;
    this.cy.batch(() => this.drawOverlay());
  }

  /** Draws the overlay again on the view as it is now (after a snapshot or a patch). */
  private drawOverlay(): void {
    this.cy.elements(`.${OVERLAY_CLASS}`).remove();
    this.cy
      .edges(OVERLAY_MARKS.map((mark) => `.${mark.status}`).join(","))
      .removeClass(OVERLAY_MARKS.map((mark) => mark.status).join(" "));
    const overlay = this.overlay;
    if (overlay === undefined) return;
    const gone = new Map(overlay.nodes.map((node) => [node.id, node]));
    const added: NodeSingular[] = [];
    const endOf = (id: string): string | undefined => {
      const element = this.cy.getElementById(id);
      if (element.nonempty() && !element.hasClass(OVERLAY_CLASS)) return id;
      const node = gone.get(id);
      if (node === undefined) return undefined;
      const ghost = `${OVERLAY_CLASS}:${id}`;
      if (this.cy.getElementById(ghost).empty())
        added.push(
          this.cy.add({
            group: "nodes",
            data: { ...node, id: ghost, pods: 0, openIngressPods: 0, openEgressPods: 0, labelText: "" },
            classes: `${OVERLAY_CLASS} ${GONE_CLASS}`,
          }) as unknown as NodeSingular,
        );
      return ghost;
    };
    for (const edge of overlay.edges) {
      if (edge.status !== "closed") {
        this.cy.getElementById(edge.id).addClass(edge.status);
        continue;
      }
      const source = endOf(edge.source);
      const target = endOf(edge.target);
      if (source === undefined || target === undefined) continue;
      this.cy.add({
        group: "edges",
        data: {
          id: `${OVERLAY_CLASS}:${edge.id}`,
          source,
          target,
          from: edge.source,
          to: edge.target,
          pairs: 0,
          portsText: closedPorts(edge),
        },
        classes: `${OVERLAY_CLASS} closed`,
      });
    }
    if (added.length > 0) this.positions.placeAdded(added);
  }

  /** What Services, Ingresses and routes publish, placed on the view's nodes by the BFF (see setPublished). */
  private published: readonly ExposureEdge[] = [];

  /**
   * Draws the engine's exposure edges over the view: each from outside (or a controller's node) to
   * the node of the pods reached, labelled with the objects that publish it. "Outside" is added
   * when the view does not draw it (nothing else of the view crosses the cluster's edge).
   */
  setPublished(edges: readonly ExposureEdge[]): void {
    this.published = edges;
    this.cy.batch(() => this.drawPublished());
  }

  private drawPublished(): void {
    this.cy.elements(`.${PUBLISHED_CLASS}`).remove();
    const added: NodeSingular[] = [];
    for (const edge of this.published) {
      const ends = [edge.source, edge.target].map((id) => {
        const element = this.cy.getElementById(id);
        if (element.nonempty() && !element.hasClass(PUBLISHED_CLASS)) return id;
        if (id !== OUTSIDE_NODE_ID) return undefined;
        // A node of its own id: the view may draw its "outside" later, under the view's id.
        const ghost = `${PUBLISHED_CLASS}:${id}`;
        if (this.cy.getElementById(ghost).empty())
          added.push(
            this.cy.add({
              group: "nodes",
              data: {
                id: ghost,
                kind: "outside",
                label: "outside the cluster",
                pods: 0,
                openIngressPods: 0,
                openEgressPods: 0,
                labelText: "outside the cluster",
              },
              classes: PUBLISHED_CLASS,
            }) as unknown as NodeSingular,
          );
        return ghost;
      });
      const [source, target] = ends;
      if (source === undefined || target === undefined) continue;
      this.cy.add({
        group: "edges",
        data: {
          id: `${PUBLISHED_CLASS}:${edge.id}`,
          source,
          target,
          from: edge.source,
          to: edge.target,
          pairs: 0,
          portsText: edge.via.join(", "),
        },
        classes: `${PUBLISHED_CLASS} ${PUBLISHED_CLASS}-${edge.reach}`,
      });
    }
    if (added.length > 0) this.positions.placeAdded(added);
  }

  load(snapshot: ViewSnapshot): void {
    this.edgeStore.clear();
    this.edgesAtNode.clear();
    for (const edge of snapshot.edges) this.storeEdge(edge);
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add([
        ...snapshot.nodes.map(nodeElement),
        ...snapshot.edges
          .filter((edge) => this.drawsEdge(edge))
          .map((edge): ElementDefinition => ({ group: "edges", data: edgeData(edge) })),
      ]);
      this.refreshClasses();
      this.markTwoWay(this.cy.edges());
      this.fadeEdges(this.cy.edges());
      this.drawOverlay();
      this.drawPublished();
    });
    this.select(this.selected);
    this.positions.placeSnapshot();
    this.labelEdges();
  }

  apply(patch: ViewPatch): void {
    const cy = this.cy;
    const wasLimited = this.edgesLimited;
    for (const id of patch.removeEdges) this.forgetEdge(id);
    for (const edge of patch.putEdges) {
      this.forgetEdge(edge.id);
      this.storeEdge(edge);
    }
    cy.batch(() => {
      // The reverse of a removed edge may be one-way now.
      const reverses = cy.collection();
      for (const id of patch.removeEdges) {
        const edge = cy.getElementById(id);
        if (edge.isEdge()) reverses.merge(edge.target().edgesTo(edge.source()));
      }
      for (const id of patch.removeEdges) cy.getElementById(id).remove();
      for (const id of patch.removeNodes) {
        const node = cy.getElementById(id);
        node.connectedEdges().remove();
        node.addClass("leaving");
        node.data("leaving", true);
        setTimeout(() => {
          if (node.data("leaving") === true) node.remove();
        }, 400);
      }
      const added: NodeSingular[] = [];
      // Frames (groups) first, so that the namespaces they hold find them.
      const putNodes = [...patch.putNodes].sort(
        (a, b) => Number(b.kind === "group") - Number(a.kind === "group"),
      );
      for (const node of putNodes) {
        const existing = cy.getElementById(node.id);
        if (existing.nonempty()) {
          const parent = node.group ?? null;
          if ((existing.data("parent") ?? null) !== parent)
            (existing as unknown as NodeSingular).move({ parent });
          existing.data({ ...nodeData(node), leaving: false });
          existing.removeClass("leaving");
        } else {
          added.push(cy.add(nodeElement(node)) as unknown as NodeSingular);
        }
      }
      for (const edge of patch.putEdges) {
        const existing = cy.getElementById(edge.id);
        if (!this.drawsEdge(edge)) existing.remove();
        else if (existing.nonempty()) existing.data(edgeData(edge));
        else if (cy.getElementById(edge.source).nonempty() && cy.getElementById(edge.target).nonempty())
          cy.add({ group: "edges", data: edgeData(edge) });
      }
      // The view went past the limit, or came back under it: the edges in the graph follow.
      if (wasLimited !== this.edgesLimited) this.syncEdges();
      this.positions.placeAdded(added);
      const touched = this.cy.collection();
      for (const node of patch.putNodes) touched.merge(cy.getElementById(node.id));
      this.refreshClasses(touched.nodes());
      const edges = this.cy.collection();
      for (const edge of patch.putEdges) edges.merge(cy.getElementById(edge.id));
      this.markTwoWay(edges.edges().union(reverses.filter((e) => e.inside())));
      this.fadeEdges(edges.edges().union(touched.nodes().connectedEdges()));
      if (this.overlay !== undefined) this.drawOverlay();
      if (this.published.length > 0) this.drawPublished();
      this.labelEdges();
    });
  }

  /** Edges whose reverse is drawn too curve apart, so that each direction can be seen and clicked. */
  private markTwoWay(edges: cytoscape.EdgeCollection): void {
    edges.forEach((edge) => {
      const reverse = edge.target().edgesTo(edge.source());
      const twoWay = reverse.nonempty() && !edge.isLoop();
      edge.toggleClass("two-way", twoWay);
      reverse.toggleClass("two-way", twoWay);
    });
  }

  /** Lays the view out afresh (the same nodes and edges always give the same picture). */
  layout(): void {
    this.focusAgain = undefined;
    this.positions.relayout();
    this.labelEdges();
  }

  setMarks(marks: Marks): void {
    this.marks = marks;
    this.cy.batch(() => this.refreshClasses());
  }

  /** Search (fades what does not match), "open only" and a minimum finding severity (both hide the rest). */
  setFilter(query: string, openOnly: boolean, minSeverity?: Severity): void {
    this.query = query.trim().toLowerCase();
    this.openOnly = openOnly;
    this.minSeverity = minSeverity;
    this.cy.batch(() => {
      this.refreshClasses();
      this.fadeEdges(this.cy.edges());
    });
  }

  /** Marks the selection; it is kept across snapshots and patches. */
  select(ids: readonly string[]): void {
    this.selected = ids;
    this.cy.batch(() => {
      this.syncEdges();
      this.cy.elements().unselect();
      for (const id of ids) this.cy.getElementById(id).select();
      this.labelEdges();
    });
  }

  /** The graph as an image (for the export issue and for tests that look). */
  png(): string {
    return this.cy.png({ full: true, scale: 1, bg: "#ffffff" });
  }

  /** The size in pixels of the whole graph at this scale, as pngBlob() and svg() draw it. */
  imageSize(scale: number): { width: number; height: number } {
    // cytoscape sizes a full export by the elements' bounding box, rounded up, times the scale.
    const elements = this.cy.elements();
    if (elements.empty()) return { width: 0, height: 0 };
    const box = elements.boundingBox();
    return { width: Math.ceil(box.w) * scale, height: Math.ceil(box.h) * scale };
  }

  /**
   * The whole graph (not the viewport) as a PNG on the background, `scale` pixels per graph unit.
   * Exports draw every label whatever the zoom (cytoscape forces them), the screen leaves out
   * those too small to read.
   */
  pngBlob(scale: number): Promise<Blob> {
    return this.cy.png({ full: true, scale, bg: this.background, output: "blob-promise" });
  }

  /**
   * The whole graph as SVG, drawn by cytoscape's own renderer into a recording context
   * (canvas2svg), with the transform its full PNG export uses: the same picture, as vectors.
   */
  svg(scale: number): string {
    const { width, height } = this.imageSize(scale);
    const context = new C2S(width, height);
    context.fillStyle = this.background;
    context.fillRect(0, 0, width, height);
    if (width > 0) {
      const box = this.cy.elements().boundingBox();
      context.translate(-box.x1 * scale, -box.y1 * scale);
      context.scale(scale, scale);
      const renderer = (this.cy as Core & { renderer(): CanvasRenderer }).renderer();
      const usePaths = renderer.usePaths;
      renderer.usePaths = () => false;
      try {
        renderer.drawElements(context, renderer.getCachedZSortedEles());
      } finally {
        renderer.usePaths = usePaths;
      }
    }
    return context.getSerializedSvg(true);
  }

  /** Port labels on every edge or none, whatever the zoom (printed pictures). */
  labelAllEdges(show: boolean): void {
    this.allLabels = show;
    this.cy.batch(() => this.labelEdges());
  }

  /**
   * Port labels on the selected edges and the selected nodes' edges, and on the edge or node's
   * edges under the pointer: labels on every edge pile up into unreadable blobs.
   */
  private labelEdges(): void {
    if (this.allLabels) {
      this.cy.edges().addClass("labelled");
      return;
    }
    const selected = this.cy.$(":selected");
    let labelled = selected.edges().union(selected.nodes().connectedEdges());
    // A hovered element removed by a patch is no longer in the graph.
    const hovered = this.hovered?.inside() ? this.hovered : undefined;
    if (hovered !== undefined)
      labelled = labelled.union(hovered.edges()).union(hovered.nodes().connectedEdges());
    this.cy.edges(".labelled").difference(labelled).removeClass("labelled");
    labelled.addClass("labelled");
    this.cy.edges(".hovered").removeClass("hovered");
    if (hovered?.isEdge()) hovered.addClass("hovered");
  }

  /** An edge to or from a faded node is faded with it. */
  private fadeEdges(edges: cytoscape.EdgeCollection): void {
    edges.forEach((edge) => {
      edge.toggleClass("faded", edge.source().hasClass("faded") || edge.target().hasClass("faded"));
    });
  }

  /** Whether the view has more edges than are drawn at once. */
  get edgesLimited(): boolean {
    return !this.allEdges && this.edgeStore.size > EDGE_LIMIT;
  }

  /** Whether an edge is in the graph: every edge of a view within the limit, else those of the selection. */
  private drawsEdge(edge: ViewEdge): boolean {
    if (!this.edgesLimited) return true;
    return (
      this.selected.includes(edge.id) ||
      this.selected.includes(edge.source) ||
      this.selected.includes(edge.target)
    );
  }

  private storeEdge(edge: ViewEdge): void {
    this.edgeStore.set(edge.id, edge);
    for (const end of [edge.source, edge.target]) {
      let ids = this.edgesAtNode.get(end);
      if (ids === undefined) {
        ids = new Set();
        this.edgesAtNode.set(end, ids);
      }
      ids.add(edge.id);
    }
  }

  private forgetEdge(id: string): void {
    const edge = this.edgeStore.get(id);
    if (edge === undefined) return;
    this.edgeStore.delete(id);
    for (const end of [edge.source, edge.target]) {
      const ids = this.edgesAtNode.get(end);
      ids?.delete(id);
      if (ids?.size === 0) this.edgesAtNode.delete(end);
    }
  }

  /**
   * Puts in the graph the edges it should hold (all of them, or the selection's past the limit)
   * and takes out the others; within a batch.
   */
  private syncEdges(): void {
    const wanted = new Set<string>();
    if (!this.edgesLimited) for (const id of this.edgeStore.keys()) wanted.add(id);
    else
      for (const id of this.selected) {
        if (this.edgeStore.has(id)) wanted.add(id);
        for (const edge of this.edgesAtNode.get(id) ?? []) wanted.add(edge);
      }
    this.cy.edges().forEach((edge) => {
      if (!wanted.has(edge.id())) edge.remove();
    });
    const added = this.cy.collection();
    for (const id of wanted) {
      if (this.cy.getElementById(id).nonempty()) continue;
      const edge = this.edgeStore.get(id)!;
      if (this.cy.getElementById(edge.source).empty() || this.cy.getElementById(edge.target).empty())
        continue;
      added.merge(this.cy.add({ group: "edges", data: edgeData(edge) }));
    }
    this.markTwoWay(added.edges());
    this.fadeEdges(added.edges());
  }

  showAllEdges(all: boolean): void {
    this.allEdges = all;
    this.cy.batch(() => {
      this.syncEdges();
      this.labelEdges();
    });
  }

  private refreshClasses(nodes = this.cy.nodes()): void {
    const query = this.query;
    nodes.forEach((node) => {
      const data = node.data() as ViewNode & { labelText: string };
      // The pseudo-nodes have their own colours; the others are coloured by their pods' posture.
      const posture = data.kind === "any" || data.kind === "outside" ? undefined : postureOf(data);
      for (const mark of POSTURE_MARKS) node.toggleClass(mark.posture, posture === mark.posture);
      node.toggleClass(
        "no-default-deny",
        data.kind === "namespace" && this.marks.noDefaultDeny.has(data.namespace ?? ""),
      );
      const matches =
        query === "" ||
        data.label.toLowerCase().includes(query) ||
        data.labelText.toLowerCase().includes(query);
      node.toggleClass("match", query !== "" && matches);
      node.toggleClass("faded", query !== "" && !matches);
      const open =
        data.openIngressPods > 0 || data.openEgressPods > 0 || data.kind === "any" || data.kind === "outside";
      const special = data.kind === "any" || data.kind === "outside";
      const severe = this.minSeverity === undefined || special || atLeast(data.worst, this.minSeverity);
      node.toggleClass("hidden", (this.openOnly && !open) || !severe);
      node.toggleClass(CRITICAL_GLOW_CLASS, glows(data));
    });
  }
}
