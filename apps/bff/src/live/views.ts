import {
  type ClusterState,
  type Delta,
  type EngineViewPatch,
  NamespaceView,
  OverviewView,
  type View,
  WorkloadView,
} from "@trustmap/engine";
import type { ViewPatch, ViewRef, ViewSnapshot } from "@trustmap/shared";

/** How many patches each view keeps for clients that reconnect or fall behind. */
export const HISTORY = 512;

/**
 * One materialised view, shared by every client that watches it. Revisions on the wire come
 * from one counter for the whole BFF, so a view rebuilt after nobody watched it never reuses
 * a number a client may still hold; a patch says which revision it applies to (`base`).
 */
export class LiveView {
  private readonly view: View;
  private readonly history: ViewPatch[] = [];
  revision: number;
  watchers = 0;
  /** When the last watcher left (for dropping views nobody watches). */
  idleSince = 0;

  constructor(
    readonly key: string,
    ref: ViewRef,
    state: ClusterState,
    private readonly nextRevision: () => number,
    private readonly historyLimit = HISTORY,
  ) {
    this.view = createView(ref, state);
    this.revision = nextRevision();
  }

  snapshot(): ViewSnapshot {
    const { nodes, edges } = this.view.snapshot();
    return { view: this.key, revision: this.revision, nodes: [...nodes], edges: [...edges] };
  }

  /** Brings the view up to date with an engine delta; the patch, if anything changed here. */
  update(delta: Delta): ViewPatch | undefined {
    const patch = this.view.update(delta);
    if (patch === undefined) return undefined;
    const wire = toWire(this.key, patch, this.revision, this.nextRevision());
    this.revision = wire.revision;
    this.history.push(wire);
    if (this.history.length > this.historyLimit)
      this.history.splice(0, this.history.length - this.historyLimit);
    return wire;
  }

  /** The patches after revision `since`, or undefined when they are no longer held. */
  patchesSince(since: number): ViewPatch[] | undefined {
    if (since === this.revision) return [];
    const start = this.history.findIndex((patch) => patch.base === since);
    return start < 0 ? undefined : this.history.slice(start);
  }
}

function toWire(view: string, patch: EngineViewPatch, base: number, revision: number): ViewPatch {
  return {
    view,
    base,
    revision,
    putNodes: [...patch.putNodes],
    removeNodes: [...patch.removeNodes],
    putEdges: [...patch.putEdges],
    removeEdges: [...patch.removeEdges],
  };
}

function createView(ref: ViewRef, state: ClusterState): View {
  switch (ref.kind) {
    case "overview":
      return new OverviewView(state);
    case "namespace":
      return new NamespaceView(state, ref.namespace);
    case "workload":
      return new WorkloadView(state, ref.identity);
  }
}
