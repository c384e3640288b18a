import {
  applyPatch,
  type GraphState,
  SourceStatus,
  StreamChanges,
  StreamHello,
  ViewPatch,
  ViewSnapshot,
  ViewWithheld,
} from "@trustmap/shared";

/** What a view holder hears: a whole snapshot (draw again) or a patch (apply in place). */
export type ViewChange =
  | { readonly type: "snapshot"; readonly snapshot: ViewSnapshot }
  | { readonly type: "patch"; readonly patch: ViewPatch };

export interface Connection {
  /** The stream's own state: open, or retrying since when. */
  readonly open: boolean;
  readonly since: number;
  /** Whether the stream has ever been open: before that it is connecting, after it reconnecting. */
  readonly opened: boolean;
  readonly hello?: StreamHello;
  /** The cluster source's state, as the BFF reports it. */
  readonly source?: SourceStatus;
  readonly paused: boolean;
  readonly queued: number;
  readonly received: number;
  /** Per view, what the user's access withholds from it (nodes, and namespaces hidden). */
  readonly withheld: Readonly<Record<string, ViewWithheld>>;
}

/** EventSource.CLOSED: the browser gave up on the stream (an error answer) and will not retry. */
const CLOSED = 2;
const RETRY_MS = 3_000;

type StreamEvent = { readonly event: "snapshot" | "patch"; readonly data: unknown };

/**
 * The tab's one event stream and the views it carries. It keeps each view as the shared
 * applyPatch builds it and tells the views' holders (the graph adapter) each change; while
 * paused, changes queue and the picture stays still.
 */
export class StreamStore {
  private source: EventSource | undefined;
  private keys: readonly string[] = [];
  private carriesChanges = false;
  private lastEventId: string | undefined;
  private readonly views = new Map<string, GraphState & { revision: number }>();
  private readonly viewListeners = new Map<string, Set<(change: ViewChange) => void>>();
  private readonly listeners = new Set<() => void>();
  private readonly refusals = new Set<() => void>();
  private queue: StreamEvent[] = [];
  private state: Connection = {
    open: false,
    since: Date.now(),
    opened: false,
    paused: false,
    queued: 0,
    received: 0,
    withheld: {},
  };
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** Who hears the change log's new entries: while someone does, the stream carries them. */
  private readonly changeListeners = new Set<(changes: StreamChanges) => void>();

  /**
   * Opens the stream if no page has yet: the connection's status and the source's reach every
   * page, including those that watch no view (a stream of no view carries the status alone).
   */
  connect(): void {
    if (this.source === undefined) this.watch(this.keys);
  }

  /** Watches these views over one stream; views already held resume where they were. */
  watch(keys: readonly string[]): void {
    const wanted = [...new Set(keys)].sort();
    const changes = this.changeListeners.size > 0;
    if (
      wanted.join("\n") === this.keys.join("\n") &&
      this.source !== undefined &&
      changes === this.carriesChanges
    )
      return;
    this.carriesChanges = changes;
    this.keys = wanted;
    this.source?.close();
    clearTimeout(this.retry);
    for (const key of [...this.views.keys()]) if (!wanted.includes(key)) this.views.delete(key);
    const url = new URL("/api/stream", window.location.origin);
    for (const key of wanted) url.searchParams.append("view", key);
    if (this.lastEventId !== undefined) url.searchParams.set("lastEventId", this.lastEventId);
    if (changes) url.searchParams.set("changes", "1");
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener("open", () => this.update({ open: true, opened: true, since: Date.now() }));
    source.addEventListener("error", () => {
      if (this.state.open) this.update({ open: false, since: Date.now() });
      // The browser retries by itself unless the server answered with an error: then ask again.
      if (source.readyState === CLOSED && this.source === source) {
        this.source = undefined;
        // An error answer may mean the session ended: those who know who is asking ask again.
        for (const listener of this.refusals) listener();
        this.retry = setTimeout(() => {
          if (this.source === undefined) this.watch(this.keys);
        }, RETRY_MS);
      }
    });
    source.addEventListener("hello", (event) => {
      // A new stream's hello carries the source's status now: a status heard before is older.
      const hello = StreamHello.parse(JSON.parse(event.data));
      this.update({ hello, source: hello.status });
    });
    source.addEventListener("withheld", (event) => {
      const withheld = ViewWithheld.parse(JSON.parse(event.data));
      this.update({ withheld: { ...this.state.withheld, [withheld.view]: withheld } });
    });
    source.addEventListener("status", (event) =>
      this.update({ source: SourceStatus.parse(JSON.parse(event.data)) }),
    );
    source.addEventListener("changes", (event) => {
      const changes = StreamChanges.parse(JSON.parse(event.data));
      for (const listener of this.changeListeners) listener(changes);
    });
    for (const name of ["snapshot", "patch"] as const) {
      source.addEventListener(name, (event) => {
        this.receive({ event: name, data: JSON.parse(event.data) }, event.lastEventId);
      });
    }
  }

  close(): void {
    clearTimeout(this.retry);
    this.source?.close();
    this.source = undefined;
  }

  get connection(): Connection {
    return this.state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): Connection => this.state;

  /** Called when the server answers the stream with an error (401 when the session ended, 5xx). */
  onRefused(listener: () => void): () => void {
    this.refusals.add(listener);
    return () => this.refusals.delete(listener);
  }

  /** Hears the change log's new entries as they are recorded (the stream carries them while someone listens). */
  onChanges(listener: (changes: StreamChanges) => void): () => void {
    this.changeListeners.add(listener);
    if (this.changeListeners.size === 1 && this.source !== undefined) this.watch(this.keys);
    return () => {
      this.changeListeners.delete(listener);
      if (this.changeListeners.size === 0 && this.source !== undefined) this.watch(this.keys);
    };
  }

  /** Listens to one view; gets its current state at once when held. */
  onView(key: string, listener: (change: ViewChange) => void): () => void {
    let set = this.viewListeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.viewListeners.set(key, set);
    }
    set.add(listener);
    const view = this.views.get(key);
    if (view !== undefined) {
      listener({
        type: "snapshot",
        snapshot: {
          view: key,
          revision: view.revision,
          nodes: [...view.nodes.values()],
          edges: [...view.edges.values()],
        },
      });
    }
    return () => set.delete(listener);
  }

  view(key: string): (GraphState & { revision: number }) | undefined {
    return this.views.get(key);
  }

  setPaused(paused: boolean): void {
    this.update({ paused });
    if (paused) return;
    const queued = this.queue;
    this.queue = [];
    for (const event of queued) this.apply(event);
    this.update({ queued: 0 });
  }

  private receive(event: StreamEvent, id: string): void {
    if (id !== "") this.lastEventId = id;
    this.update({ received: this.state.received + 1 });
    if (this.state.paused) {
      this.queue.push(event);
      this.update({ queued: this.queue.length });
      return;
    }
    this.apply(event);
  }

  private apply(event: StreamEvent): void {
    if (event.event === "snapshot") {
      const snapshot = ViewSnapshot.parse(event.data);
      this.views.set(snapshot.view, {
        revision: snapshot.revision,
        nodes: new Map(snapshot.nodes.map((node) => [node.id, node])),
        edges: new Map(snapshot.edges.map((edge) => [edge.id, edge])),
      });
      this.emit(snapshot.view, { type: "snapshot", snapshot });
      return;
    }
    const patch = ViewPatch.parse(event.data);
    const view = this.views.get(patch.view);
    // A patch for a revision not held means a gap: ask for the views again (the server sends snapshots).
    if (view === undefined || view.revision !== patch.base) {
      this.lastEventId = undefined;
      const keys = this.keys;
      this.keys = [];
      this.watch(keys);
      return;
    }
    applyPatch(view, patch);
    view.revision = patch.revision;
    this.emit(patch.view, { type: "patch", patch });
  }

  private emit(key: string, change: ViewChange): void {
    for (const listener of this.viewListeners.get(key) ?? []) listener(change);
    this.update({});
  }

  private update(next: Partial<Connection>): void {
    this.state = { ...this.state, ...next };
    for (const listener of this.listeners) listener();
  }
}

export const streamStore = new StreamStore();
