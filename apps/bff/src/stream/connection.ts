import type { ServerResponse } from "node:http";
import {
  composePatches,
  encodeEventId,
  narrowPatch,
  narrowSnapshot,
  nodeVisible,
  type SourceStatus,
  type StreamHello,
  type ViewPatch,
  type ViewRef,
  type ViewSnapshot,
  type ViewWithheld,
  withheldNodes,
} from "@trustmap/shared";
import type { ChangeRecorder } from "../history/recorder";
import type { LiveCluster } from "../live/cluster";
import type { LiveView } from "../live/views";

export const HEARTBEAT_MS = 15_000;

/**
 * One browser tab's stream: every view it watches over one SSE response. Each view gets a
 * snapshot (or, on resume, the patches the tab missed), then its patches. While the socket is
 * backed up, patches are not queued per client: the view is marked behind, and once the socket
 * drains the tab gets the missed patches composed into one (or a fresh snapshot when the view
 * no longer holds them). Memory per client is bounded by the views it watches.
 */
export class StreamConnection {
  private readonly views = new Map<string, LiveView>();
  /** The revision of each view the client holds. */
  private readonly held = new Map<string, number>();
  private readonly behind = new Set<string>();
  /** Views whose snapshot the engine has not sent yet, with the revision the client resumes from. */
  private readonly waiting = new Map<string, number | undefined>();
  private blocked = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopListening: () => void;
  private readonly stopChanges: (() => void) | undefined;
  private missedChanges = false;
  /** Events written, and snapshots among them (for tests and metrics). */
  written = 0;
  snapshots = 0;

  constructor(
    readonly id: string,
    private readonly response: ServerResponse,
    private readonly live: LiveCluster,
    subscriptions: readonly { key: string; ref: ViewRef }[],
    resumeFrom: ReadonlyMap<string, number>,
    heartbeatMs = HEARTBEAT_MS,
    /** The namespaces its user may read (undefined: every one): each view is narrowed to them. */
    readonly readable?: ReadonlySet<string>,
    /** How many namespaces the user's access hides, said with each view's withheld count. */
    private readonly hiddenNamespaces = 0,
    /** The change log whose new entries the tab hears, as `changes` events. */
    history?: ChangeRecorder,
  ) {
    response.on("drain", () => this.onDrain());
    response.on("close", () => this.close());
    const hello: StreamHello = {
      stream: id,
      source: live.info,
      status: live.connection,
      views: subscriptions.map((s) => s.key),
    };
    this.write("hello", hello);
    this.stopListening = live.listen({
      patch: (patch) => this.onPatch(patch),
      ready: (view) => this.onReady(view),
      status: (status) => this.onStatus(status),
    });
    for (const { key, ref } of subscriptions) {
      const view = live.watch(key, ref);
      this.views.set(key, view);
      // A view the engine has not built yet is sent when its snapshot arrives (onReady).
      if (view.ready) this.catchUp(view, resumeFrom.get(key));
      else this.waiting.set(key, resumeFrom.get(key));
    }
    this.stopChanges = history?.onEntries((entries) => {
      // A tab that cannot keep up misses entries rather than queue them: it reads the feed again.
      if (this.blocked) this.missedChanges = true;
      else this.write("changes", { entries, missed: this.missedChanges });
      if (!this.blocked) this.missedChanges = false;
    });
    this.heartbeat = setInterval(() => {
      if (!this.blocked) this.writeRaw(": heartbeat\n\n");
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.stopListening();
    this.stopChanges?.();
    for (const key of this.views.keys()) this.live.unwatch(key);
    this.views.clear();
    this.response.end();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether the socket is backed up (the last write did not fit). */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** How many views wait to be caught up once the socket drains. */
  get viewsBehind(): number {
    return this.behind.size;
  }

  private onPatch(patch: ViewPatch): void {
    const view = this.views.get(patch.view);
    if (view === undefined) return;
    if (this.waiting.has(patch.view)) return;
    if (this.blocked || this.behind.has(patch.view) || this.held.get(patch.view) !== patch.base) {
      this.behind.add(patch.view);
      return;
    }
    this.send("patch", patch);
  }

  private onReady(view: LiveView): void {
    if (!this.waiting.has(view.key) || this.views.get(view.key) !== view) return;
    const since = this.waiting.get(view.key);
    this.waiting.delete(view.key);
    if (this.blocked) this.behind.add(view.key);
    else this.catchUp(view, since);
  }

  private onStatus(status: SourceStatus): void {
    this.write("status", status);
  }

  private onDrain(): void {
    this.blocked = false;
    for (const key of [...this.behind]) {
      if (this.blocked) return;
      this.behind.delete(key);
      const view = this.views.get(key);
      if (view !== undefined) this.catchUp(view, this.held.get(key));
    }
  }

  /** Brings the client's copy of a view from `since` to now: the patches it missed in one, or a snapshot. */
  private catchUp(view: LiveView, since: number | undefined): void {
    if (since !== undefined) {
      const missed = view.patchesSince(since);
      if (missed !== undefined) {
        if (missed.length > 0) this.send("patch", composePatches(missed));
        else this.held.set(view.key, since);
        return;
      }
    }
    this.snapshots++;
    this.send("snapshot", view.snapshot());
  }

  private send(event: "patch" | "snapshot", body: ViewPatch | ViewSnapshot): void {
    this.held.set(body.view, body.revision);
    const readable = this.readable;
    if (readable === undefined) {
      this.write(event, body, encodeEventId(this.held));
      return;
    }
    if (event === "snapshot") {
      const { snapshot, withheld } = narrowSnapshot(body as ViewSnapshot, readable);
      this.write(event, snapshot, encodeEventId(this.held));
      this.sayWithheld(body.view, withheld);
      return;
    }
    const patch = body as ViewPatch;
    this.write(event, narrowPatch(patch, readable), encodeEventId(this.held));
    // Only a patch that puts or removes a withheld node can change how many there are.
    const touches =
      patch.putNodes.some((node) => !nodeVisible(node.id, readable)) ||
      patch.removeNodes.some((id) => !nodeVisible(id, readable));
    const view = this.views.get(patch.view);
    if (touches && view !== undefined)
      this.sayWithheld(patch.view, withheldNodes(view.snapshot().nodes, readable));
  }

  private readonly withheld = new Map<string, number>();

  private sayWithheld(view: string, nodes: number): void {
    if (this.withheld.get(view) === nodes) return;
    this.withheld.set(view, nodes);
    const body: ViewWithheld = { view, nodes, namespaces: this.hiddenNamespaces };
    this.write("withheld", body);
  }

  private write(event: string, body: unknown, id?: string): void {
    const idLine = id === undefined ? "" : `id: ${id}\n`;
    this.writeRaw(`event: ${event}\n${idLine}data: ${JSON.stringify(body)}\n\n`);
    this.written++;
  }

  private writeRaw(text: string): void {
    if (this.closed) return;
    if (!this.response.write(text)) this.blocked = true;
  }
}
