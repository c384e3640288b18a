import {
  applyPatch,
  type ViewEdge,
  type ViewNode,
  type ViewPatch,
  type ViewRef,
  type ViewSnapshot,
} from "@trustmap/shared";

/** How many patches each view keeps for clients that reconnect or fall behind. */
export const HISTORY = 512;

/**
 * The main thread's copy of one view the engine worker keeps, shared by every client that
 * watches it: built from the worker's snapshot, then moved forward by its patches. Streams read
 * snapshots and missed patches from here without asking the worker. Revisions come from one
 * counter for the whole BFF, so a view rebuilt after nobody watched it never reuses a number a
 * client may still hold.
 */
export class LiveView {
  private nodes = new Map<string, ViewNode>();
  private edges = new Map<string, ViewEdge>();
  private readonly history: ViewPatch[] = [];
  revision = -1;
  ready = false;
  watchers = 0;
  /** When the last watcher left (for dropping views nobody watches). */
  idleSince = 0;

  constructor(
    readonly key: string,
    readonly ref: ViewRef,
    private readonly historyLimit = HISTORY,
  ) {}

  /** A snapshot being read part by part; it replaces the view's state with its last part. */
  private loading: { nodes: Map<string, ViewNode>; edges: Map<string, ViewEdge> } | undefined;

  /**
   * Takes one part of the worker's snapshot. Until the last part the view keeps answering from
   * what it held before; with the last it holds the snapshot and is ready. True when ready.
   */
  loadPart(part: ViewSnapshot, first: boolean, last: boolean): boolean {
    if (first || this.loading === undefined) this.loading = { nodes: new Map(), edges: new Map() };
    for (const node of part.nodes) this.loading.nodes.set(node.id, node);
    for (const edge of part.edges) this.loading.edges.set(edge.id, edge);
    if (!last) return false;
    this.nodes = this.loading.nodes;
    this.edges = this.loading.edges;
    this.loading = undefined;
    this.revision = part.revision;
    this.history.length = 0;
    this.ready = true;
    return true;
  }

  /** Applies the worker's next patch; false when it does not follow the revision held (then it is ignored). */
  apply(patch: ViewPatch): boolean {
    if (!this.ready || patch.base !== this.revision) return false;
    applyPatch({ nodes: this.nodes, edges: this.edges }, patch);
    this.revision = patch.revision;
    this.history.push(patch);
    if (this.history.length > this.historyLimit)
      this.history.splice(0, this.history.length - this.historyLimit);
    return true;
  }

  snapshot(): ViewSnapshot {
    return {
      view: this.key,
      revision: this.revision,
      nodes: [...this.nodes.values()],
      edges: [...this.edges.values()],
    };
  }

  /** The patches after revision `since`, or undefined when they are no longer held. */
  patchesSince(since: number): ViewPatch[] | undefined {
    if (!this.ready) return undefined;
    if (since === this.revision) return [];
    const start = this.history.findIndex((patch) => patch.base === since);
    return start < 0 ? undefined : this.history.slice(start);
  }
}
