import type { Worker } from "node:worker_threads";
import { type AcceptedException, expiresAt, type InputError, type Kind } from "@trustmap/engine";
import type {
  PostureFact,
  SourceInfo,
  SourceProblem,
  SourceStatus,
  ViewPatch,
  ViewRef,
} from "@trustmap/shared";
import type {
  FromWorker,
  PostureStep,
  QueryArgs,
  QueryMessage,
  QueryName,
  QueryResult,
  ToWorker,
} from "../engine/protocol";
import { startEngineWorker } from "../engine/start";
import type { ClusterSource, EventBatch, SourceSink } from "../sources/source";
import { LiveView } from "./views";

/** What a stream connection hears from the live cluster. */
export interface LiveListener {
  patch(patch: ViewPatch): void;
  /** A view's snapshot arrived from the engine (first watch): it can be sent. */
  ready(view: LiveView): void;
  status(status: SourceStatus): void;
}

export interface LiveOptions {
  /** How long a view nobody watches is kept for clients that come back (ms). */
  readonly idleViewMs?: number;
  /** How many patches each view keeps for clients that resume or fall behind. */
  readonly history?: number;
  /** While the source's first lists come in, how long staged pages may wait to be settled (ms). */
  readonly settleEveryMs?: number;
  /** An engine worker started before (startEngineWorker, with its own settleEveryMs): the entry's. */
  readonly engine?: Worker;
}

const PROBLEMS_KEPT = 100;

/**
 * The cluster as the BFF holds it. The engine (state, views, analysis) runs in a worker thread;
 * this side feeds it the source's events, keeps a copy of each watched view, and answers
 * streams from that copy, so a long engine step (a large initial list, a rollout across a big
 * cluster) never stalls a request or a stream.
 */
/** What a step changed of who may read what: RBAC subjects (User/…, Group/…), namespaces. */
export interface AccessChange {
  readonly subjects: readonly string[];
  readonly namespaces: boolean;
}

/** What the change log hears from the engine. */
export interface PostureListener {
  /** The posture's facts once the first lists are in (and settled). */
  baseline(revision: number, facts: ReadonlyMap<string, PostureFact>): void;
  /** A step that changed some facts, with its cause. */
  step(step: PostureStep): void;
}

export class LiveCluster implements SourceSink {
  readonly startedAt = new Date().toISOString();
  private current: SourceStatus = { state: "connecting", since: new Date().toISOString() };
  private readonly worker: Worker;
  private readonly views = new Map<string, LiveView>();
  private readonly listeners = new Set<LiveListener>();
  private readonly recentProblems: SourceProblem[] = [];
  private readonly applied: { at: number; count: number }[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private idleWaiters: { until: number; resolve: () => void }[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private queryCounter = 0;
  private sent = 0;
  private received = 0;
  private engineRevision = 0;
  private readonly idleViewMs: number;
  private readonly history: number | undefined;
  private workerError: Error | undefined;
  private lapse: NodeJS.Timeout | undefined;
  /** Whether the source was connected once (its first lists are all sent to the engine). */
  private loaded = false;
  /** How many events the first lists sent: the picture itself, not changes to it. */
  private listedEvents = Number.POSITIVE_INFINITY;
  /** Events applied since start, engine steps taken, the longest step (ms), patches dropped as out of order. */
  eventsApplied = 0;
  steps = 0;
  longestStepMs = 0;
  outOfOrder = 0;

  constructor(
    readonly source: ClusterSource,
    options: LiveOptions = {},
  ) {
    this.idleViewMs = options.idleViewMs ?? 60_000;
    this.history = options.history;
    this.worker = options.engine ?? startEngineWorker(options.settleEveryMs);
    this.worker.on("message", (message: FromWorker) => this.receive(message));
    this.worker.on("error", (error) => this.fail(error));
  }

  get info(): SourceInfo {
    return this.source.info;
  }

  get connection(): SourceStatus {
    return this.current;
  }

  /** The engine's revision after the last step it reported. */
  get revision(): number {
    return this.engineRevision;
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
    if (this.lapse !== undefined) clearTimeout(this.lapse);
    await this.source.stop();
    await this.worker.terminate();
  }

  // SourceSink

  events(batch: EventBatch): void {
    if (batch.count === 0) return;
    this.sent += batch.count;
    this.post({ type: "events", json: batch.json });
  }

  listed(kinds: readonly Kind[]): void {
    this.post({ type: "listed", kinds });
  }

  status(status: SourceStatus): void {
    if (status.state === "connected" && !this.loaded) {
      this.loaded = true;
      this.listedEvents = this.sent;
      this.post({ type: "loaded" });
    }
    this.current = status;
    for (const listener of this.listeners) listener.status(status);
  }

  problems(problems: readonly InputError[]): void {
    for (const problem of problems) {
      this.recentProblems.push({ ...problem });
      if (this.recentProblems.length > PROBLEMS_KEPT) this.recentProblems.shift();
    }
  }

  replaceProblems(problems: readonly InputError[]): void {
    this.recentProblems.length = 0;
    this.problems(problems.slice(-PROBLEMS_KEPT));
  }

  // Views, listeners and questions

  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The view for a key, asked of the engine on first use; each call must be paired with `unwatch`. */
  watch(key: string, ref: ViewRef): LiveView {
    let view = this.views.get(key);
    if (view === undefined) {
      view = new LiveView(key, ref, this.history);
      this.views.set(key, view);
      this.post({ type: "watch", key, ref });
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

  view(key: string): LiveView | undefined {
    return this.views.get(key);
  }

  get viewCount(): number {
    return this.views.size;
  }

  /**
   * Tells the engine the accepted exceptions in force, judged now; told again at the instant the
   * next one lapses, so that its findings count and mark the graph again from then on.
   */
  accept(exceptions: readonly AcceptedException[]): void {
    if (this.lapse !== undefined) clearTimeout(this.lapse);
    this.lapse = undefined;
    const now = Date.now();
    this.post({ type: "accept", exceptions, now });
    const next = Math.min(...exceptions.map(expiresAt).filter((at) => at > now));
    if (!Number.isFinite(next)) return;
    // A timer holds at most 2^31 - 1 ms (24.8 days): a later lapse is waited for in steps.
    const wait = Math.min(next - now, 2 ** 31 - 1);
    this.lapse = setTimeout(() => this.accept(exceptions), wait);
    this.lapse.unref();
  }

  /** Asks the engine worker a question. */
  query<N extends QueryName>(name: N, args: QueryArgs<N>): Promise<QueryResult<N>> {
    if (this.workerError !== undefined) return Promise.reject(this.workerError);
    const id = ++this.queryCounter;
    return new Promise((resolve, reject) => {
      // The worker answers query N with QueryResult<N> (its handler table is typed so); the
      // answer crosses the thread as a structured clone of that value.
      this.pending.set(id, { resolve: (value) => resolve(value as QueryResult<N>), reject });
      this.post<N>({ type: "query", id, name, args });
    });
  }

  /** Events sent to the engine and not yet applied. */
  get backlog(): number {
    return this.sent - this.received;
  }

  /** Resolves once every event sent so far is applied and its patches received. */
  whenIdle(): Promise<void> {
    if (this.received >= this.sent) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ until: this.sent, resolve }));
  }

  /** Changes applied per second over the last ten seconds (the first lists' events are not changes). */
  eventsPerSecond(): number {
    const since = Date.now() - 10_000;
    while (this.applied.length > 0 && this.applied[0]!.at < since) this.applied.shift();
    return this.applied.reduce((sum, entry) => sum + entry.count, 0) / 10;
  }

  private readonly postureListeners = new Set<PostureListener>();

  /**
   * Asks the engine to keep the posture's facts and report what each step changes of them: the
   * listener hears the facts once the first lists are in, then every step that changed some.
   */
  recordPosture(listener: PostureListener): () => void {
    this.postureListeners.add(listener);
    this.post({ type: "record" });
    return () => this.postureListeners.delete(listener);
  }

  private readonly accessListeners = new Set<(change: AccessChange) => void>();

  /** Called after each step that changed RBAC rights or the set of namespaces. */
  onAccessChange(listener: (change: AccessChange) => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }

  private post<N extends QueryName>(message: ToWorker | QueryMessage<N>): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "step": {
        this.engineRevision = message.revision;
        // Events are applied in the order sent: those past the first lists' count are changes.
        const changes = this.eventsApplied + message.events - Math.max(this.eventsApplied, this.listedEvents);
        this.eventsApplied += message.events;
        this.steps++;
        this.longestStepMs = Math.max(this.longestStepMs, message.ms);
        if (changes > 0) this.applied.push({ at: Date.now(), count: changes });
        if (message.access !== undefined)
          for (const listener of this.accessListeners) listener(message.access);

        for (const patch of message.patches) {
          const view = this.views.get(patch.view);
          if (view === undefined) continue;
          if (!view.apply(patch)) {
            if (view.ready) this.outOfOrder++;
            continue;
          }
          for (const listener of this.listeners) listener.patch(patch);
        }
        break;
      }
      case "posture-step": {
        for (const listener of this.postureListeners) listener.step(message.step);
        break;
      }
      case "posture": {
        const facts = new Map(message.facts);
        for (const listener of this.postureListeners) listener.baseline(message.revision, facts);
        break;
      }
      case "snapshot": {
        const view = this.views.get(message.key);
        if (view === undefined) return;
        if (!view.loadPart(message.snapshot, message.first, message.last)) break;
        for (const listener of this.listeners) listener.ready(view);
        break;
      }
      case "idle": {
        this.engineRevision = message.revision;
        this.received = message.received;
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const waiter of waiters) {
          if (waiter.until <= this.received) waiter.resolve();
          else this.idleWaiters.push(waiter);
        }
        break;
      }
      case "answer": {
        const pending = this.pending.get(message.id);
        if (pending === undefined) return;
        this.pending.delete(message.id);
        if (message.error !== undefined) pending.reject(new Error(message.error));
        else pending.resolve(message.value);
        break;
      }
    }
  }

  private fail(error: Error): void {
    this.workerError = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.status({
      state: "failed",
      since: new Date().toISOString(),
      message: `the engine stopped: ${error.message}`,
    });
  }

  private sweepViews(): void {
    const now = Date.now();
    for (const [key, view] of this.views) {
      if (view.watchers === 0 && now - view.idleSince >= this.idleViewMs) {
        this.views.delete(key);
        this.post({ type: "unwatch", key });
      }
    }
  }
}
