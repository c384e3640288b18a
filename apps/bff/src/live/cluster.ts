import { ClusterState, type InputError, type WatchEvent } from "@trustmap/engine";
import type { SourceInfo, SourceProblem, SourceStatus, ViewPatch, ViewRef } from "@trustmap/shared";
import type { ClusterSource, SourceSink } from "../sources/source";
import { LiveView } from "./views";

/** What a stream connection hears from the live cluster. */
export interface LiveListener {
  patch(patch: ViewPatch): void;
  status(status: SourceStatus): void;
}

export interface LiveOptions {
  /** How long one turn of the event loop may spend applying events before yielding (ms). */
  readonly budgetMs?: number;
  /** How many events one engine step takes at most. */
  readonly maxBatch?: number;
  /** How long a view nobody watches is kept for clients that come back (ms). */
  readonly idleViewMs?: number;
  /** How many patches each view keeps for clients that resume or fall behind. */
  readonly history?: number;
}

const PROBLEMS_KEPT = 100;

/**
 * The cluster as the BFF holds it: the engine's state fed by a source, the views clients watch,
 * and the listeners to tell. Events are applied in batches within a time budget, so the event
 * loop stays free for the HTTP side however fast the source sends.
 */
export class LiveCluster implements SourceSink {
  readonly state = new ClusterState();
  readonly startedAt = new Date().toISOString();
  private current: SourceStatus = { state: "connecting", since: new Date().toISOString() };
  private readonly queue: WatchEvent[] = [];
  private draining = false;
  private readonly views = new Map<string, LiveView>();
  private readonly listeners = new Set<LiveListener>();
  private readonly recentProblems: SourceProblem[] = [];
  private readonly applied: { at: number; count: number }[] = [];
  private revisionCounter = 0;
  private idleWaiters: (() => void)[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private readonly budgetMs: number;
  private readonly maxBatch: number;
  private readonly idleViewMs: number;
  private readonly history: number | undefined;
  /** Events applied since start, and engine steps taken (for metrics). */
  eventsApplied = 0;
  steps = 0;
  /** The longest engine step with its view updates (ms), for metrics. */
  longestStepMs = 0;

  constructor(
    readonly source: ClusterSource,
    options: LiveOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? 40;
    this.maxBatch = options.maxBatch ?? 500;
    this.idleViewMs = options.idleViewMs ?? 60_000;
    this.history = options.history;
  }

  get info(): SourceInfo {
    return this.source.info;
  }

  get connection(): SourceStatus {
    return this.current;
  }

  get revision(): number {
    return this.state.revision;
  }

  get problemsSeen(): readonly SourceProblem[] {
    return this.recentProblems;
  }

  start(): void {
    this.sweeper = setInterval(() => this.sweepViews(), Math.min(this.idleViewMs, 30_000));
    this.sweeper.unref();
    this.source.start(this);
  }

  async stop(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    await this.source.stop();
  }

  // SourceSink

  events(events: readonly WatchEvent[]): void {
    for (const event of events) this.queue.push(event);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  status(status: SourceStatus): void {
    this.current = status;
    for (const listener of this.listeners) listener.status(status);
  }

  problems(problems: readonly InputError[]): void {
    for (const problem of problems) {
      this.recentProblems.push({ ...problem });
      if (this.recentProblems.length > PROBLEMS_KEPT) this.recentProblems.shift();
    }
  }

  // Views and listeners

  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The view for a key, built on first use; each call must be paired with `unwatch`. */
  watch(key: string, ref: ViewRef): LiveView {
    let view = this.views.get(key);
    if (view === undefined) {
      view = new LiveView(key, ref, this.state, () => ++this.revisionCounter, this.history);
      this.views.set(key, view);
    }
    view.watchers++;
    return view;
  }

  unwatch(key: string): void {
    const view = this.views.get(key);
    if (view === undefined) return;
    view.watchers--;
    if (view.watchers === 0) view.idleSince = Date.now();
  }

  /** The view materialised for a key, if any client watches it (or did lately). */
  view(key: string): LiveView | undefined {
    return this.views.get(key);
  }

  get viewCount(): number {
    return this.views.size;
  }

  /** Resolves once every event received so far is applied and its patches sent. */
  whenIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Events applied per second over the last ten seconds. */
  eventsPerSecond(): number {
    const since = Date.now() - 10_000;
    while (this.applied.length > 0 && this.applied[0]!.at < since) this.applied.shift();
    return this.applied.reduce((sum, entry) => sum + entry.count, 0) / 10;
  }

  private drain(): void {
    const started = performance.now();
    while (this.queue.length > 0 && performance.now() - started < this.budgetMs) {
      const batch = this.queue.splice(0, this.maxBatch);
      const stepStarted = performance.now();
      const delta = this.state.applyAll(batch);
      const patches: ViewPatch[] = [];
      for (const view of this.views.values()) {
        const patch = view.update(delta);
        if (patch !== undefined) patches.push(patch);
      }
      this.longestStepMs = Math.max(this.longestStepMs, performance.now() - stepStarted);
      this.eventsApplied += batch.length;
      this.steps++;
      this.applied.push({ at: Date.now(), count: batch.length });
      for (const patch of patches) for (const listener of this.listeners) listener.patch(patch);
    }
    if (this.queue.length > 0) {
      setImmediate(() => this.drain());
      return;
    }
    this.draining = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private sweepViews(): void {
    const now = Date.now();
    for (const [key, view] of this.views) {
      if (view.watchers === 0 && now - view.idleSince >= this.idleViewMs) this.views.delete(key);
    }
  }
}
