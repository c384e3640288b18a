import { parentPort, workerData } from "node:worker_threads";
import {
  type AcceptedException,
  analyzeGaps,
  ClusterState,
  canIAnswer,
  causesOf,
  clusterCounts,
  compareEntriesOf,
  type Delta,
  type DraftEdit,
  diffSnapshots,
  type EngineViewPatch,
  expiresAt,
  explainEdge,
  exposureAnswer,
  exposureEdges,
  type GapsAnalysis,
  GroupedView,
  groupedNamespaceView,
  groupingKeys,
  type IndexedFinding,
  indexFindings,
  manifestOf,
  nodeDetails,
  OverviewView,
  overlayOf,
  PortSet,
  PostureLedger,
  pageGaps,
  proposePolicies,
  reachOf,
  searchNodes,
  type View,
  viewPresence,
  type WatchEvent,
  WorkloadView,
  withDraft,
  workloadGroupingKeys,
} from "@trustmap/engine";
import {
  type ChangeCause,
  edgeVisible,
  nodeVisible,
  parseViewKey,
  type ReachFact,
  type ViewPatch,
  type ViewRef,
  viewKey,
} from "@trustmap/shared";
import { Queries } from "../api/queries";
import type {
  FromWorker,
  QueryArgs,
  QueryMessage,
  QueryName,
  QueryResult,
  ReadableWire,
  ToWorker,
} from "./protocol";

// The engine worker: the cluster state, the views clients watch, and the answers to queries.
// It applies events in batches and reports, after each batch, the patch of every view.

// A backlog (the initial lists) is taken in large batches: views are brought up to date once per batch.
const MAX_BATCH = 5000;

const port = parentPort;
if (port === null) throw new Error("the engine worker runs in a worker thread");

const state = new ClusterState();
const queries = new Queries(state);
const views = new Map<string, { view: View; ref: ViewRef; revision: number }>();
const queue: WatchEvent[] = [];
let received = 0;
let draining = false;
let wireRevision = 0;

function post(message: FromWorker): void {
  port!.postMessage(message);
}

/**
 * The cluster by namespace, kept by the worker for every view drawn from it (the overview and
 * each grouping): built once, then updated once per delta. A browser opening a grouped view on a
 * large cluster is answered from it at once, instead of after building an overview of its own.
 */
class SharedOverview implements View {
  private view: OverviewView | undefined;
  private last: { delta: Delta; patch: EngineViewPatch | undefined } | undefined;

  get revision(): number {
    return this.built().revision;
  }

  snapshot() {
    return this.built().snapshot();
  }

  get places() {
    return this.built().places;
  }

  /** The delta's patch, computed once however many views ask; nothing before the overview is built. */
  update(delta: Delta): EngineViewPatch | undefined {
    if (this.view === undefined) return undefined;
    if (this.last?.delta === delta) return this.last.patch;
    const patch = this.view.update(delta);
    this.last = { delta, patch };
    return patch;
  }

  /** Builds it now (once the initial lists are in: a browser asks for it next). */
  warm(): void {
    this.built();
  }

  /** Forgets it (the findings' marks changed): the next view drawn from it builds it anew. */
  reset(): void {
    this.view = undefined;
    this.last = undefined;
  }

  private built(): OverviewView {
    this.view ??= new OverviewView(state);
    return this.view;
  }
}

const overview = new SharedOverview();
/** Whether the source has listed everything once, and whether the overview was built since. */
let loaded = false;
let warmed = false;

/**
 * Builds the shared overview once the initial lists are in and applied: built sooner, it would be
 * brought up to date with every batch of the lists, which costs more than building it once.
 */
function warmWhenLoaded(): void {
  if (warmed || !loaded || draining) return;
  warmed = true;
  setImmediate(() => overview.warm());
}

/**
 * The cluster's view with its namespaces grouped as the reference asks, or as it is when it asks
 * for none.
 */
function overviewAsAsked(ref: Extract<ViewRef, { kind: "overview" }>): View {
  if (ref.groupBy === undefined) return overview;
  return new GroupedView(state, { namespaces: { by: ref.groupBy, open: ref.open ?? [] } }, overview);
}

/** A namespace's view with the namespaces around it and its own workloads grouped as the reference asks. */
function namespaceAsAsked(ref: Extract<ViewRef, { kind: "namespace" }>): View {
  return groupedNamespaceView(state, ref.namespace, {
    ...(ref.groupBy === undefined ? {} : { namespaces: { by: ref.groupBy, open: ref.open ?? [] } }),
    ...(ref.workloadsBy === undefined
      ? {}
      : { workloads: { namespace: ref.namespace, by: ref.workloadsBy, open: ref.openWorkloads ?? [] } }),
  });
}

/** A view to watch: the cluster's drawn from the shared overview, the others made for it. */
function createView(ref: ViewRef): View {
  return ref.kind === "overview" ? overviewAsAsked(ref) : freshView(ref);
}

/** A view's patch as the wire carries it: from the view's last wire revision to the next one. */
function toWire(view: string, entry: { revision: number }, patch: EngineViewPatch): ViewPatch {
  const wire: ViewPatch = {
    view,
    base: entry.revision,
    revision: ++wireRevision,
    putNodes: [...patch.putNodes],
    removeNodes: [...patch.removeNodes],
    putEdges: [...patch.putEdges],
    removeEdges: [...patch.removeEdges],
  };
  entry.revision = wire.revision;
  return wire;
}

/** Nodes and edges per snapshot message: a part the main thread reads in a few milliseconds. */
const SNAPSHOT_PART = 2000;

/** A view's snapshot in parts of at most SNAPSHOT_PART nodes and edges, nodes first. */
function postSnapshot(key: string, entry: { view: View; revision: number }): void {
  const { nodes, edges } = entry.view.snapshot();
  const items = nodes.length + edges.length;
  let at = 0;
  do {
    const end = Math.min(at + SNAPSHOT_PART, items);
    post({
      type: "snapshot",
      key,
      snapshot: {
        view: key,
        revision: entry.revision,
        nodes: nodes.slice(Math.min(at, nodes.length), Math.min(end, nodes.length)),
        edges: edges.slice(Math.max(at - nodes.length, 0), Math.max(end - nodes.length, 0)),
      },
      first: at === 0,
      last: end === items,
    });
    at = end;
  } while (at < items);
}

/**
 * While the source's first lists come in, batches are staged and settled (RBAC rows, findings,
 * the views' patches) at most this often (LiveOptions.settleEveryMs), and only while a view is
 * watched: each settle recomputes the rights and findings of every subject and namespace the pages
 * since the last one touched, so settling once a second multiplied that work by the seconds the
 * lists take (at 50k pods, 3.5 s of settling instead of 0.6 s). Unwatched, the lists are settled
 * as the source says some kinds' lists are in, once they all are, when a question reads the state,
 * or after SETTLE_EVERY_MS without a page (a source that stalls).
 */
const SETTLE_EVERY_MS: number = (workerData as { settleEveryMs: number }).settleEveryMs;
/** Events staged and not settled yet, and the time staging them took. */
let unsettledEvents = 0;
let unsettledMs = 0;
/** Whether every event staged since the last settle is a pod's. */
let unsettledPodsOnly = true;
let settledAt = performance.now();
let settleTimer: NodeJS.Timeout | undefined;

/** While the first lists come in: the events received by each time the source said kinds were listed. */
const listedAt: number[] = [];

/** How many of the events received were staged: those no longer queued. */
function stagedCount(): number {
  return received - queue.length;
}

/**
 * The change log: whether the BFF records it, the posture's facts once the first lists are in, and
 * the causes of the events staged since the last settle (at most CAUSES_KEPT named, all counted).
 */
let recording = false;
let ledger: PostureLedger | undefined;
let causes: ChangeCause[] = [];
let causeCount = 0;
const CAUSES_KEPT = 20;

/**
 * The next events to stage: at most MAX_BATCH, and none past the end of a kind's first list. The
 * events that arrived together are one step, and the log names them all as its causes: a change
 * the cluster makes in one go (a rollout's pods listed at once, a relist after a reconnection) is
 * one step; events that arrive apart are steps of their own.
 */
function nextBatch(): WatchEvent[] {
  const end = listedAt[0] === undefined ? MAX_BATCH : Math.min(MAX_BATCH, listedAt[0] - stagedCount());
  return queue.splice(0, end);
}

/** Stages events, each with its cause read first (while the state holds the object as it was). */
function stageWithCauses(batch: readonly WatchEvent[]): void {
  for (const event of batch) {
    for (const cause of causesOf(state, event)) {
      causeCount++;
      if (causes.length < CAUSES_KEPT) causes.push(cause);
    }
    state.stage([event]);
  }
}

/** While the posture's facts are built, a part at a time: events wait, questions are answered in between. */
let building: Generator<void> | undefined;
/** How long the build runs before letting messages in (ms). */
const BUILD_SLICE_MS = 25;

/**
 * Builds the posture's facts once the first lists are in and settled, and sends them to be
 * compared with the log's. At L it takes seconds: it runs in slices, events held back until it
 * is done (the facts must be of one state), questions answered between slices.
 */
function startLedgerWhenLoaded(): void {
  if (!recording || ledger !== undefined || building !== undefined || !loaded || draining || state.unsettled)
    return;
  const started = new PostureLedger(state);
  building = started.building();
  const slice = () => {
    const until = performance.now() + BUILD_SLICE_MS;
    while (performance.now() < until) {
      if (building!.next().done !== true) continue;
      building = undefined;
      ledger = started;
      post({ type: "posture", revision: state.revision, facts: [...started.current] });
      if (queue.length > 0 && !draining) {
        draining = true;
        setImmediate(drain);
      }
      return;
    }
    setImmediate(slice);
  };
  setImmediate(slice);
}

function drain(): void {
  // The posture's facts are being built on the state as it is: events wait until they are.
  if (building !== undefined) {
    draining = false;
    return;
  }
  const batch = nextBatch();
  const started = performance.now();
  if (ledger === undefined) state.stage(batch);
  else stageWithCauses(batch);
  for (const event of batch) if (event.kind !== "Pod") unsettledPodsOnly = false;
  unsettledEvents += batch.length;
  unsettledMs += performance.now() - started;
  // Kinds whose first lists are in are settled at once (the source says so once per turn of its
  // lists): the rights and findings of the kinds listed beside the pods are worked out while the
  // pods are still being listed, not after their last page.
  let listed = false;
  while (listedAt[0] !== undefined && listedAt[0] <= stagedCount()) {
    listedAt.shift();
    listed = true;
  }
  if (loaded || listed || (views.size > 0 && started - settledAt >= SETTLE_EVERY_MS)) settle();
  if (queue.length > 0) {
    // Let watch and query messages in between batches.
    setImmediate(drain);
    return;
  }
  draining = false;
  // Waiting for the next page of a first list, with pods alone staged (the longest list, after the
  // kinds beside it are settled): settling them now costs what settling them after the last page
  // would, since each pod is settled once (50k pods at L settled 2,000 at a time: 0.41-0.47 s in
  // all, 0.49-0.81 s at once), and leaves only the last page to settle when the lists are in.
  // Pages of the other kinds wait: bindings spread over pages would recompute their subjects'
  // rights once per settle.
  if (!loaded && views.size === 0 && unsettledPodsOnly) settle();
  if (!state.unsettled) {
    idle();
    return;
  }
  // The lists go on (or the source stalled): what is staged is settled within SETTLE_EVERY_MS of
  // the last page while the first lists come in, and of the first unsettled one afterwards.
  if (!loaded) {
    clearTimeout(settleTimer);
    settleTimer = undefined;
  }
  settleTimer ??= setTimeout(() => {
    settleTimer = undefined;
    if (draining) return;
    settle();
    idle();
  }, SETTLE_EVERY_MS);
}

/** Settles what is staged: one revision, and one patch per watched view. */
function settle(): void {
  clearTimeout(settleTimer);
  settleTimer = undefined;
  if (!state.unsettled) return;
  const started = performance.now();
  const delta = state.settle();
  // Once per delta, whether or not a view drawn from it is watched now.
  overview.update(delta);
  const patches: ViewPatch[] = [];
  for (const [key, entry] of views) {
    const patch = entry.view.update(delta);
    if (patch === undefined) continue;
    patches.push(toWire(key, entry, patch));
  }
  const subjects = [...delta.rbac.added, ...delta.rbac.changed, ...delta.rbac.removed];
  const namespacesChanged = delta.namespaceObjects.length > 0;
  post({
    type: "step",
    revision: state.revision,
    events: unsettledEvents,
    ms: unsettledMs + performance.now() - started,
    patches,
    ...(subjects.length > 0 || namespacesChanged
      ? { access: { subjects, namespaces: namespacesChanged } }
      : {}),
  });
  // The views' patches are on their way before the posture's facts are brought up to date.
  const changes = ledger?.update(delta) ?? [];
  if (changes.length > 0)
    post({ type: "posture-step", step: { revision: state.revision, causes, causeCount, changes } });
  causes = [];
  causeCount = 0;
  unsettledEvents = 0;
  unsettledMs = 0;
  unsettledPodsOnly = true;
  settledAt = performance.now();
}

/**
 * Views, answers and judgements read the state settled: what is staged is settled first (and,
 * when nothing else is queued, said to be idle, since no timer is left to say it).
 */
function settleBeforeReading(): void {
  if (!state.unsettled) return;
  settle();
  if (!draining) idle();
}

/** Every event received is applied and settled. */
function idle(): void {
  post({ type: "idle", revision: state.revision, received });
  startLedgerWhenLoaded();
  warmWhenLoaded();
}

/** The posture's facts, for the questions that read them: built while the change log is kept. */
function factsLedger(): PostureLedger {
  if (ledger === undefined)
    throw new Error(
      "the posture's facts are not built yet (the change log is off, or the first lists are still coming in)",
    );
  return ledger;
}

/** A view made for one answer on the state as it is (never the shared overview the live views follow). */
function freshView(ref: ViewRef): View {
  if (ref.kind === "overview") {
    const whole = new OverviewView(state);
    return ref.groupBy === undefined
      ? whole
      : new GroupedView(state, { namespaces: { by: ref.groupBy, open: ref.open ?? [] } }, whole);
  }
  return ref.kind === "namespace" ? namespaceAsAsked(ref) : new WorkloadView(state, ref.identity);
}

/** The worker's answer to each query, typed by the channel's table: no casts between name and arguments. */
const handlers: { [N in QueryName]: (args: QueryArgs<N>) => QueryResult<N> } = {
  counts: ({ readable }) =>
    readable === undefined ? clusterCounts(state) : queries.readableCounts(readable),
  namespaces: () => queries.namespaces(),
  node: ({ id, readable }) =>
    nodeDetails(state, id, readable === undefined ? undefined : queries.readerOf(readable)),
  explain: ({ from, to }) => explainEdge(state, from, to),
  matrix: (query) => queries.matrixPage(query),
  findings: (query) => queries.findingsPage(query),
  evidence: ({ readable, ...query }) => {
    const ref: ViewRef =
      query.namespace === undefined
        ? { kind: "overview" }
        : { kind: "namespace", namespace: query.namespace };
    const key = viewKey(ref);
    // A watched view is current; otherwise the scope's view is made for this answer only.
    const whole = (views.get(key)?.view ?? createView(ref)).snapshot();
    const namespaces = readable === undefined ? undefined : new Set(readable.graph);
    // A reader of some namespaces sees the view as the stream narrows it for them; a namespace
    // whose network picture is not theirs (its RBAC is) has no graph for them.
    const pictured =
      namespaces === undefined || query.namespace === undefined || namespaces.has(query.namespace);
    const nodes =
      namespaces === undefined
        ? whole.nodes
        : whole.nodes.filter((n) => pictured && nodeVisible(n.id, namespaces));
    const edges =
      namespaces === undefined
        ? whole.edges
        : whole.edges.filter((e) => pictured && edgeVisible(e, namespaces));
    return queries.evidence(query, { view: key, nodes, edges }, readable);
  },
  whoCan: (query) => queries.whoCan(query),
  canI: ({ readable, ...query }) =>
    canIAnswer(state, query, readable === undefined ? undefined : queries.readerOf(readable)),
  cluster: () => state.cluster(),
  overlay: ({ ref, differences }) => {
    const facts = factsLedger();
    const view = views.get(viewKey(ref))?.view ?? createView(ref);
    return overlayOf({ state, view, current: facts.current.values(), differences });
  },

  draft: ({ edits }) => {
    const revision = state.revision;
    const reading = withDraft(state, factsLedger(), edits as DraftEdit[], () => undefined);
    return {
      revision,
      changes: reading.changes,
      causes: reading.causes,
      absent: reading.absent.map((gone) => `${gone.kind} ${gone.key}`),
    };
  },
  draftGraph: ({ edits, ref }) => {
    const revision = state.revision;
    const facts = factsLedger();
    const { read } = withDraft(state, facts, edits as DraftEdit[], (changes, causes) => {
      const view = freshView(ref);
      const { nodes, edges } = view.snapshot();
      const overlay = overlayOf({
        state,
        view,
        current: facts.current.values(),
        differences: compareEntriesOf(
          changes,
          "reach",
          causes.slice(0, CAUSES_KEPT),
          new Date().toISOString(),
        ),
      });
      return { nodes: [...nodes], edges: [...edges], overlay };
    });
    return { revision, ...read };
  },
  draftMatrix: ({ edits, query }) =>
    withDraft(state, factsLedger(), edits as DraftEdit[], (changes) => ({
      page: queries.matrixPage(query),
      changes: changes.filter((change) => (change.after ?? change.before)?.area === "rbac"),
    })).read,
  draftExplain: ({ edits, from, to }) =>
    withDraft(state, factsLedger(), edits as DraftEdit[], () => explainEdge(state, from, to)).read,
  liveManifest: ({ kind, key }) => {
    const object = state.object(kind, key);
    if (object === undefined) return { held: false };
    const manifest = manifestOf(kind, object);
    return manifest === undefined ? { held: true } : { held: true, manifest };
  },
  connectionsOf: ({ namespace }) => {
    const out: ReachFact[] = [];
    for (const fact of factsLedger().current.values())
      if (fact.area === "reach" && fact.namespaces.includes(namespace)) out.push(fact);
    return out.sort((a, b) =>
      a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0,
    );
  },
  propose: ({ namespace, keep }) => {
    const wanted = keep.map((connection) => {
      const ports = PortSet.fromKey(connection.ports);
      if (ports === undefined)
        throw new Error(`the ports ${JSON.stringify(connection.ports)} are not a port set`);
      return { from: connection.from, to: connection.to, ports };
    });
    const proposal = proposePolicies(state, namespace, wanted);
    return { policies: proposal.policies, replaces: proposal.replaces, problems: proposal.problems };
  },

  viewPresence: ({ ref }) => viewPresence(state, ref),
  groupings: () => groupingKeys(state),
  workloadGroupings: ({ namespace }) =>
    state.namespaceNamed(namespace) === undefined ? undefined : workloadGroupingKeys(state, namespace),
  exposure: ({ readable, view: key, ...query }) => {
    const answer = exposureAnswer(
      state,
      query,
      readable === undefined ? undefined : { namespaces: new Set(readable) },
    );
    const ref = key === undefined ? undefined : parseViewKey(key);
    if (ref === undefined) return answer;
    const view = views.get(viewKey(ref))?.view ?? createView(ref);
    return { ...answer, edges: exposureEdges(state, view.places, answer.paths) };
  },
  reach: ({ readable, ...question }) =>
    reachOf(state, readable === undefined ? question : { ...question, readable: new Set(readable) }),
  search: ({ q, limit, readable }) =>
    searchNodes(state, q, limit, readable === undefined ? undefined : new Set(readable)),
  gaps: ({ exceptions, now, readable, ...query }) =>
    pageGaps(gapsAnalysis(query, exceptions, now, readable), query),
};

function ask<N extends QueryName>(query: QueryMessage<N>): QueryResult<N> {
  const handler = handlers[query.name];
  if (handler === undefined) throw new Error(`unknown query ${String(query.name)}`);
  return handler(query.args);
}

function answer(query: QueryMessage): void {
  try {
    post({ type: "answer", id: query.id, value: ask(query) });
  } catch (error) {
    post({
      type: "answer",
      id: query.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}

/**
 * Judges findings by new exceptions (or at a new instant). No event changed, so the views' deltas
 * say nothing: each view is made again and sends what differs (the marks of the nodes whose
 * findings an exception now accepts, or no longer does).
 */
function accept(exceptions: readonly AcceptedException[], now: number): void {
  const started = performance.now();
  const before = new Map([...views].map(([key, entry]) => [key, entry.view.snapshot()]));
  state.accept(exceptions, now);
  overview.reset();
  const patches: ViewPatch[] = [];
  for (const [key, entry] of views) {
    const fresh = createView(entry.ref);
    const patch = diffSnapshots(before.get(key) ?? fresh.snapshot(), fresh.snapshot());
    entry.view = fresh;
    if (patch === undefined) continue;
    patches.push(toWire(key, entry, patch));
  }
  post({ type: "step", revision: state.revision, events: 0, ms: performance.now() - started, patches });
}

let indexed: { revision: number; findings: IndexedFinding[] } | undefined;

function clusterFindings(): IndexedFinding[] {
  if (indexed === undefined || indexed.revision !== state.revision)
    indexed = { revision: state.revision, findings: indexFindings(state.located()) };
  return indexed.findings;
}

let analysis: { key: string; value: GapsAnalysis } | undefined;

/**
 * The gaps analysis of a question, kept while the revision, the filters and the exceptions in
 * force stay the same: paging through one answer asks it again and again.
 */
function gapsAnalysis(
  query: Omit<QueryArgs<"gaps">, "exceptions" | "now">,
  exceptions: readonly AcceptedException[],
  now: number,
  readable: ReadableWire | undefined,
): GapsAnalysis {
  const { severity, pillar, namespace, id, search } = query;
  const lapsed = exceptions.filter((e) => now >= expiresAt(e)).map((e) => e.index);
  const key = JSON.stringify([
    state.revision,
    severity,
    pillar,
    namespace,
    id,
    search,
    exceptions,
    lapsed,
    readable ?? null,
  ]);
  if (analysis?.key !== key) {
    if (readable !== undefined) {
      // A reader of some namespaces: the findings they see, ranked on what they see.
      const reader = queries.readerOf(readable);
      const indexed = indexFindings(reader.located(namespace));
      analysis = { key, value: analyzeGaps(state, indexed, query, exceptions, now, reader) };
    } else {
      // The whole cluster's findings are sorted and filed once per revision, for every question on it.
      const indexed = namespace === undefined ? clusterFindings() : indexFindings(state.located(namespace));
      analysis = { key, value: analyzeGaps(state, indexed, query, exceptions, now) };
    }
  }
  return analysis.value;
}

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "events": {
      const events = JSON.parse(message.json) as WatchEvent[];
      for (const event of events) queue.push(event);
      received += events.length;
      if (!draining) {
        draining = true;
        setImmediate(drain);
      }
      break;
    }
    case "watch": {
      settleBeforeReading();
      let entry = views.get(message.key);
      if (entry === undefined) {
        entry = { view: createView(message.ref), ref: message.ref, revision: ++wireRevision };
        views.set(message.key, entry);
      }
      postSnapshot(message.key, entry);
      break;
    }
    case "unwatch":
      views.delete(message.key);
      break;
    case "listed":
      if (loaded) break;
      // Settled once the events received before it are staged (now, when they all are).
      if (draining) listedAt.push(received);
      else settleBeforeReading();
      break;
    case "loaded":
      loaded = true;
      if (!draining) {
        settle();
        idle();
      }
      break;
    case "record":
      recording = true;
      if (building !== undefined) break;
      if (ledger !== undefined) {
        // Asked again (the log could not be written for a while): the facts as they are now.
        settleBeforeReading();
        post({ type: "posture", revision: state.revision, facts: [...ledger.current] });
      } else if (!draining) {
        settleBeforeReading();
        startLedgerWhenLoaded();
      }
      break;
    case "accept":
      settleBeforeReading();
      accept(message.exceptions, message.now);
      break;
    case "query":
      settleBeforeReading();
      answer(message);
      break;
  }
});
