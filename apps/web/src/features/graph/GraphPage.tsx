import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  GONE_PREFIX,
  parseViewKey,
  type ReachPeer,
  SEVERITY_ORDER,
  type ViewNode,
  viewKey,
  workloadNodeId,
} from "@trustmap/shared";
import { useEffect, useMemo, useRef, useState } from "react";
import { readableNamespaces, sessionQuery } from "../../api/session";
import { setParams, useParams } from "../../app/url";
import { streamStore, type ViewChange } from "../../stream/store";
import { useConnection, useWatchedViews } from "../../stream/useStream";
import { ExportLinks } from "../../ui/ExportLinks";
import { draftQueries } from "../drafts/api";
import { GraphExport } from "../export/GraphExport";
import { EDGE_LIMIT, GraphAdapter } from "./adapter";
import { graphQueries, overlayQuery, publishedQuery } from "./api";
import { CompareBar, DraftBar, OverlayPanel } from "./CompareBar";
import { EdgePanel } from "./EdgePanel";
import { useGraphFocus } from "./focus";
import { GroupBy, WorkloadGroupBy } from "./GroupBy";
import { GroupPanel } from "./GroupPanel";
import { Legend } from "./Legend";
import { NodeList } from "./NodeList";
import { NodePanel } from "./NodePanel";
import { listedNodes } from "./node-list";
import { PublishedPanel } from "./PublishedPanel";
import { SearchResults } from "./SearchResults";
import { prefersDark, useDarkScheme } from "./scheme";
import { ViewMatrix } from "./ViewMatrix";
import { ViewState } from "./ViewState";
import {
  crumbsOf,
  groupingOf,
  isGroupId,
  namespaceView,
  openedView,
  openingView,
  reportNamespaceOf,
  scopeOf,
  showing,
  viewOfNode,
} from "./view-keys";

/**
 * Marks, for the render benchmark and the browser's performance panel, when a view was drawn
 * (after the frame that shows it) and how long each patch took to apply and show.
 */
function recordDraw(view: string, change: ViewChange, started: number): void {
  const applyMs = performance.now() - started;
  const elements =
    change.type === "snapshot"
      ? change.snapshot.nodes.length + change.snapshot.edges.length
      : change.patch.putNodes.length +
        change.patch.removeNodes.length +
        change.patch.putEdges.length +
        change.patch.removeEdges.length;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      performance.measure(change.type === "snapshot" ? "trustmap:draw" : "trustmap:patch", {
        start: started,
        end: performance.now(),
        detail: { view, elements, applyMs },
      });
    }),
  );
}

/** The selection in the URL: "node:<id>", "edge:<from> <to>" or "pair:<a> <b>" (node ids hold no space). */
function parseSelection(sel: string | undefined) {
  if (sel === undefined) return undefined;
  const colon = sel.indexOf(":");
  const kind = sel.slice(0, colon);
  const rest = sel.slice(colon + 1);
  if (kind === "node") return { kind: "node" as const, id: rest };
  const [a, b] = rest.split(" ");
  if (a === undefined || b === undefined) return undefined;
  if (kind === "edge") return { kind: "edge" as const, from: a, to: b };
  if (kind === "pair") return { kind: "pair" as const, from: a, to: b };
  return undefined;
}

/** How often, at most, the graph's comparison with a moment is asked again while the view changes. */
const OVERLAY_EVERY_MS = 2000;

/** The value, taken at most every `ms` (the last one always follows). */
function useThrottled<T>(value: T, ms: number): T {
  const [held, setHeld] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = last.current + ms - Date.now();
    if (wait <= 0) {
      last.current = Date.now();
      setHeld(value);
      return;
    }
    const timer = setTimeout(() => {
      last.current = Date.now();
      setHeld(value);
    }, wait);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return held;
}

/** A node the overlay draws for a workload gone since the moment compared with (no node of now). */
function isGone(id: string): boolean {
  return id.startsWith(GONE_PREFIX);
}

/** A workload view's workload by the name people know it by (the engine's name of its identity). */
function useWorkloadName(view: string, revision: number): string | undefined {
  const ref = parseViewKey(view);
  const id = ref?.kind === "workload" ? workloadNodeId(ref.identity) : undefined;
  const { data } = useQuery({
    ...graphQueries.node(id ?? "", Math.max(revision, 0)),
    enabled: id !== undefined,
  });
  return id === undefined ? undefined : data?.name;
}

export function GraphPage() {
  const params = useParams();
  // A view the codec cannot read (an old link with an identity key of old) shows the cluster
  // instead of a stream the BFF refuses.
  const explicit = params.get("view");
  // A user who may read some namespaces only opens the first of them: the cluster's view is not theirs.
  const session = useQuery(sessionQuery());
  const readable = readableNamespaces(session.data);
  // With no view asked for, a large cluster opens grouped by the label the engine offers first.
  const groupings = useQuery({
    ...graphQueries.groupings(),
    enabled: session.isSuccess && readable === undefined,
  });
  const opening =
    explicit !== null
      ? undefined
      : readable !== undefined
        ? readable[0] === undefined
          ? undefined
          : namespaceView(readable[0], undefined)
        : groupings.data !== undefined
          ? openingView(groupings.data)
          : undefined;
  const asked = explicit ?? opening ?? "overview";
  const view = parseViewKey(asked) === undefined ? "overview" : asked;
  useEffect(() => {
    if (opening !== undefined && opening !== "overview") setParams({ view: opening }, true);
  }, [opening]);
  // The evidence report covers the cluster or one namespace: a workload's is its namespace's.
  const reportScope = reportNamespaceOf(view);
  const selection = parseSelection(params.get("sel") ?? undefined);
  const search = params.get("q") ?? "";
  const openOnly = params.get("open") === "1";
  const minSeverity = SEVERITY_ORDER.find((s) => s === params.get("severity"));
  // The view drawn as a matrix instead of a graph (`as=matrix`).
  const asMatrix = params.get("as") === "matrix";
  // The cluster's view and a namespace's (the namespaces around it) may group namespaces.
  const viewRef = parseViewKey(view);
  const groupable = viewRef?.kind !== "workload";
  // Until the groupings answer, a page opened without a view watches nothing (not the whole cluster by namespace).
  const waiting =
    explicit === null && opening === undefined && (readable !== undefined || groupings.isPending);
  // The cluster's overview is for users who may read every namespace: the BFF refuses it to others.
  const beyondAccess = readable !== undefined && viewRef?.kind === "overview";
  useWatchedViews(waiting || beyondAccess ? [] : [view]);
  const connection = useConnection();
  const withheld = connection.withheld[view];
  const container = useRef<HTMLDivElement>(null);
  const adapter = useRef<GraphAdapter | undefined>(undefined);
  const [nodes, setNodes] = useState<ViewNode[]>([]);
  const [revision, setRevision] = useState(-1);
  const [allEdges, setAllEdges] = useState(false);
  const [edgeCount, setEdgeCount] = useState(0);
  const namespaces = useQuery(graphQueries.namespaces());
  const dark = useDarkScheme();
  const focus = useGraphFocus(adapter, nodes);
  const queryClient = useQueryClient();

  /**
   * Goes to a view, selecting a node there: another namespace's view asked for with its workloads
   * one by one is grouped first when the namespace holds more than a canvas shows legibly (within
   * a namespace's view, its workloads stay as the user grouped them), and the group of the
   * workload to select is opened.
   */
  const go = (next: string, sel?: string) => {
    const ref = parseViewKey(next);
    const node = sel?.startsWith("node:") === true ? sel.slice("node:".length) : undefined;
    const here = parseViewKey(view);
    const within =
      here?.kind === "namespace" && ref?.kind === "namespace" && here.namespace === ref.namespace;
    if (within && ref.workloadsBy === undefined) {
      // Another node of this namespace: its workloads stay grouped as they are.
      const kept = viewKey({ ...ref, workloadsBy: here.workloadsBy, openWorkloads: here.openWorkloads });
      setParams({ view: showing(kept, node), sel });
      return;
    }
    if (ref?.kind !== "namespace" || ref.workloadsBy !== undefined) {
      setParams({ view: showing(next, node), sel });
      return;
    }
    queryClient.fetchQuery(graphQueries.workloadGroupings(ref.namespace)).then(
      (list) => setParams({ view: showing(openedView(next, list), node), sel }),
      () => setParams({ view: next, sel }),
    );
  };
  const goRef = useRef(go);
  goRef.current = go;

  // The graph as a draft would make it (`draft`): drawn from the BFF's answer, asked again as the
  // live view changes; the live stream still says when it does.
  const draft = readable === undefined ? (params.get("draft") ?? undefined) : undefined;
  const [liveRevision, setLiveRevision] = useState(-1);

  useEffect(() => {
    if (container.current === null) return;
    const graph = new GraphAdapter(
      container.current,
      {
        onSelectNode: (id, additive) => {
          const current = parseSelection(new URLSearchParams(window.location.search).get("sel") ?? undefined);
          if (additive && current?.kind === "node" && current.id !== id)
            setParams({ sel: `pair:${current.id} ${id}` });
          else setParams({ sel: `node:${id}` });
        },
        onSelectEdge: (from, to) => setParams({ sel: `edge:${from} ${to}` }),
        onOpenNode: (id) => {
          const next = viewOfNode(id, view);
          if (next !== undefined) goRef.current(next);
        },
        onClear: () => setParams({ sel: undefined }),
      },
      prefersDark(),
      view,
    );
    adapter.current = graph;
    setAllEdges(false);
    // The render benchmark drives the adapter directly (`?bench=1`): a handle, nothing more.
    if (new URLSearchParams(window.location.search).get("bench") === "1")
      Object.assign(window, { trustmapGraph: graph });
    const stop = streamStore.onView(view, (change) => {
      setLiveRevision(streamStore.view(view)?.revision ?? -1);
      if (draft !== undefined) return;
      const started = performance.now();
      if (change.type === "snapshot") graph.load(change.snapshot);
      else graph.apply(change.patch);
      recordDraw(view, change, started);
      const held = streamStore.view(view);
      setNodes(held === undefined ? [] : [...held.nodes.values()]);
      setEdgeCount(held?.edges.size ?? 0);
      setRevision(held?.revision ?? -1);
    });
    return () => {
      stop();
      graph.destroy();
      adapter.current = undefined;
    };
  }, [view, draft]);

  const draftRevision = useThrottled(liveRevision, OVERLAY_EVERY_MS);
  const drafted = useQuery({
    ...draftQueries.graph(draft ?? "", view, Math.max(draftRevision, 0)),
    enabled: draft !== undefined && draftRevision >= 0,
  });
  const draftName = useQuery({ ...draftQueries.draft(draft ?? ""), enabled: draft !== undefined }).data?.name;
  const draftedData = draft === undefined ? undefined : drafted.data;
  useEffect(() => {
    const graph = adapter.current;
    if (graph === undefined || draftedData === undefined) return;
    const started = performance.now();
    const snapshot = {
      view,
      revision: draftedData.revision,
      nodes: draftedData.nodes,
      edges: draftedData.edges,
    };
    graph.load(snapshot);
    graph.setOverlay(draftedData.overlay);
    recordDraw(view, { type: "snapshot", snapshot }, started);
    setNodes(draftedData.nodes);
    setEdgeCount(draftedData.edges.length);
    setRevision(draftedData.revision);
  }, [draftedData, view]);

  // The graph compared with a moment (`since`): the overlay of what opened, closed and changed since.
  const since = params.get("since") ?? undefined;
  const comparable = readable === undefined && since !== undefined && draft === undefined;
  // Asked again as the view changes, at most every OVERLAY_EVERY_MS: each answer reads the log anew.
  const overlayRevision = useThrottled(revision, OVERLAY_EVERY_MS);
  const overlay = useQuery({
    ...overlayQuery(view, since ?? "", Math.max(overlayRevision, 0)),
    enabled: comparable && overlayRevision >= 0,
  });
  const overlayShown = comparable ? overlay.data : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new view's graph starts without the last view's overlay
  useEffect(() => {
    if (draft === undefined) adapter.current?.setOverlay(overlayShown);
  }, [overlayShown, view, draft]);
  // What Services, Ingresses and routes publish, drawn over the live view (not over a draft's).
  const mayReadExposure = session.data?.access?.exposure !== false;
  const published = useQuery({
    ...publishedQuery(view, Math.max(overlayRevision, 0)),
    enabled: mayReadExposure && draft === undefined && overlayRevision >= 0,
  });
  const publishedEdges = draft === undefined && mayReadExposure ? published.data?.edges : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new view's graph starts without the last view's paths
  useEffect(() => {
    adapter.current?.setPublished(publishedEdges ?? []);
  }, [publishedEdges, view]);
  const publishedEdge =
    selection?.kind === "edge"
      ? publishedEdges?.find((edge) => edge.source === selection.from && edge.target === selection.to)
      : undefined;
  const overlayEdges = draft === undefined ? overlayShown?.edges : draftedData?.overlay.edges;
  const overlayEdge =
    selection?.kind === "edge"
      ? overlayEdges?.find((edge) => edge.source === selection.from && edge.target === selection.to)
      : undefined;

  useEffect(() => adapter.current?.setFilter(search, openOnly, minSeverity), [search, openOnly, minSeverity]);
  useEffect(() => adapter.current?.showAllEdges(allEdges), [allEdges]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new view's graph starts in the theme of now
  useEffect(() => adapter.current?.setDark(dark), [dark, view]);
  const edgesLimited = edgeCount > EDGE_LIMIT;

  useEffect(() => {
    const list = namespaces.data?.namespaces ?? [];
    adapter.current?.setMarks({
      noDefaultDeny: new Set(
        list.filter((n) => !n.defaultDenyIngress || !n.defaultDenyEgress).map((n) => n.name),
      ),
    });
  }, [namespaces.data]);

  const selectionKey = params.get("sel") ?? "";
  useEffect(() => {
    const selected = parseSelection(selectionKey === "" ? undefined : selectionKey);
    if (selected === undefined) adapter.current?.select([]);
    else if (selected.kind === "node") adapter.current?.select([selected.id]);
    else if (selected.kind === "edge") adapter.current?.select([`${selected.from}->${selected.to}`]);
    else adapter.current?.select([selected.from, selected.to]);
  }, [selectionKey]);

  /** A peer drawn in this view is selected here; another workload in its namespace's view. */
  const viewOfPeer = (peer: ReachPeer["peer"]): string => {
    if (nodes.some((node) => node.id === peer.node)) return view;
    if (peer.kind === "identity" && peer.namespace !== undefined)
      return namespaceView(peer.namespace, groupingOf(view));
    return view;
  };

  const workloadLabel = useWorkloadName(view, revision);
  const crumbs = crumbsOf(
    view,
    workloadLabel,
    groupings.data === undefined ? undefined : groupingOf(openingView(groupings.data)),
  );
  const shown = useMemo(
    () => listedNodes(nodes, search, openOnly, minSeverity),
    [nodes, search, openOnly, minSeverity],
  );

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-3 border-b border-slate-300 p-2 dark:border-slate-700">
        <nav aria-label="Breadcrumbs">
          <ol className="flex gap-1 text-sm">
            {crumbs.map((crumb, index) => (
              <li key={crumb.view} className="flex gap-1">
                {index > 0 && <span aria-hidden="true">›</span>}
                {index === crumbs.length - 1 ? (
                  <span aria-current="page" className="font-semibold">
                    {crumb.label}
                  </span>
                ) : (
                  <button
                    type="button"
                    className="text-blue-700 underline dark:text-blue-300"
                    onClick={() => go(crumb.view)}
                  >
                    {crumb.label}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
        {groupable && readable === undefined && (
          <GroupBy view={view} onView={(next) => setParams({ view: next, sel: undefined })} />
        )}
        {viewRef?.kind === "namespace" && (
          <WorkloadGroupBy
            view={view}
            namespace={viewRef.namespace}
            onView={(next) => setParams({ view: next, sel: undefined })}
          />
        )}
        <fieldset className="flex text-sm" aria-label="Draw as">
          {(["graph", "matrix"] as const).map((as) => (
            <button
              key={as}
              type="button"
              aria-pressed={asMatrix === (as === "matrix")}
              className="border border-slate-400 px-2 first:rounded-l last:rounded-r aria-pressed:bg-slate-200 dark:aria-pressed:bg-slate-700"
              onClick={() => setParams({ as: as === "matrix" ? "matrix" : undefined })}
            >
              {as === "matrix" ? "Matrix" : "Graph"}
            </button>
          ))}
        </fieldset>
        <label className="text-sm">
          Search{" "}
          <input
            type="search"
            value={search}
            onChange={(event) => setParams({ q: event.target.value }, true)}
            onKeyDown={(event) => {
              if (event.key === "Enter") focus("matches");
            }}
            placeholder="name or label=value"
            className="rounded border border-slate-400 bg-transparent px-1"
          />
        </label>
        <label className="text-sm">
          <input
            type="checkbox"
            checked={openOnly}
            onChange={(event) => setParams({ open: event.target.checked ? "1" : undefined })}
          />{" "}
          Open only
        </label>
        <label className="text-sm">
          Findings at least{" "}
          <select
            value={minSeverity ?? ""}
            onChange={(event) => setParams({ severity: event.target.value })}
            className="rounded border border-slate-400 bg-transparent"
          >
            <option value="">any or none</option>
            {SEVERITY_ORDER.map((severity) => (
              <option key={severity} value={severity}>
                {severity}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="rounded border border-slate-400 px-2 text-sm"
          onClick={() => adapter.current?.layout()}
        >
          Lay out again
        </button>
        {edgesLimited && (
          <label className="text-sm">
            <input
              type="checkbox"
              checked={allEdges}
              onChange={(event) => setAllEdges(event.target.checked)}
            />{" "}
            Draw all {edgeCount} edges (otherwise those of the selection)
          </label>
        )}
        <GraphExport
          picture={() => adapter.current}
          scope={scopeOf(view, workloadLabel)}
          viewRevision={revision}
          filters={{ search, openOnly, minSeverity, edgesOfSelectionOnly: edgesLimited && !allEdges }}
        />
        <ExportLinks
          title={`Evidence report of ${reportScope === undefined ? "the cluster" : `namespace ${reportScope}`}`}
          what="report"
          formats={["pdf"]}
          filters={{ namespace: reportScope }}
        />
        <span className="text-xs text-slate-600 dark:text-slate-400" data-testid="view-revision">
          {scopeOf(view, workloadLabel)} · revision {revision} · {nodes.length} nodes
        </span>
      </div>
      {readable === undefined && draft === undefined && (
        <CompareBar since={since} overlay={overlayShown} error={comparable ? overlay.error : null} />
      )}
      {draft !== undefined && (
        <DraftBar id={draft} name={draftName} overlay={draftedData?.overlay} error={drafted.error} />
      )}
      <div className="relative flex min-h-0 flex-1">
        <ViewState view={view} revision={revision} nodes={nodes.length} />
        {beyondAccess && readable.length > 0 && (
          <p
            role="alert"
            className="absolute inset-x-0 top-0 z-10 m-4 rounded bg-amber-100 p-3 text-amber-900"
          >
            The cluster's overview needs read access to every namespace. You may read {readable.join(", ")}:
            open one from the list or the search.
          </p>
        )}
        {readable !== undefined && readable.length === 0 && (
          <p
            role="alert"
            className="absolute inset-x-0 top-0 z-10 m-4 rounded bg-amber-100 p-3 text-amber-900"
          >
            {(session.data?.access?.rbac.length ?? 0) > 0
              ? `Your access lets you read the RBAC of ${session.data?.access?.rbac.join(", ")}, not the pods and policies of any namespace: the graph has nothing to draw. The RBAC matrix and the gaps show what you may read.`
              : "Your access lets you read no namespace of this cluster: there is nothing Trustmap may show you."}{" "}
            The graph of a namespace needs list access to its pods, service accounts and NetworkPolicies; its
            RBAC, to its Roles and RoleBindings.
          </p>
        )}
        {withheld !== undefined && withheld.nodes > 0 && (
          <p
            role="note"
            data-testid="withheld"
            className="absolute bottom-0 left-0 z-10 m-2 rounded bg-amber-100 px-2 py-1 text-xs text-amber-900"
          >
            {withheld.nodes} {withheld.nodes === 1 ? "node" : "nodes"} of namespaces hidden by your access{" "}
            {withheld.nodes === 1 ? "is" : "are"} not drawn, nor their connections ({withheld.namespaces}{" "}
            {withheld.namespaces === 1 ? "namespace" : "namespaces"} hidden in all).
          </p>
        )}
        {asMatrix && (
          <ViewMatrix
            view={view}
            selectedEdge={selection?.kind === "edge" ? `${selection.from}->${selection.to}` : undefined}
            onSelectEdge={(from, to) => setParams({ sel: `edge:${from} ${to}` })}
          />
        )}
        <div
          ref={container}
          className={asMatrix ? "hidden" : "min-h-0 flex-1"}
          role="img"
          aria-label={`Graph of ${crumbs[crumbs.length - 1]?.label}: ${nodes.length} nodes; the list beside it has the same nodes`}
          data-testid="graph"
        />
        <aside
          className="w-96 overflow-y-auto border-l border-slate-300 p-3 dark:border-slate-700"
          aria-label="Details"
        >
          {search.trim() !== "" && (
            <SearchResults
              q={search.trim()}
              onGo={(hit) => {
                // A workload's namespace opens with the namespaces around it grouped as now.
                const target = parseViewKey(hit.view);
                const next =
                  target?.kind === "namespace" ? namespaceView(target.namespace, groupingOf(view)) : hit.view;
                go(next, `node:${hit.node}`);
                focus([hit.node]);
              }}
            />
          )}
          {/* Keyed by the selection: another selection starts from its own loading state. */}
          {selection?.kind === "node" && isGroupId(selection.id) && (
            <GroupPanel
              node={nodes.find((node) => node.id === selection.id)}
              onToggle={() => {
                const next = viewOfNode(selection.id, view);
                if (next !== undefined) setParams({ view: next });
              }}
            />
          )}
          {selection?.kind === "node" && !isGroupId(selection.id) && (
            <NodePanel
              key={selection.id}
              id={selection.id}
              view={view}
              revision={Math.max(revision, 0)}
              onOpen={(next) => go(next)}
              onGo={(peer) => go(viewOfPeer(peer), `node:${peer.node}`)}
            />
          )}
          {overlayEdge !== undefined && (
            <OverlayPanel key={overlayEdge.id} edge={overlayEdge} draft={draft !== undefined} />
          )}
          {publishedEdge !== undefined && <PublishedPanel key={publishedEdge.id} edge={publishedEdge} />}
          {(selection?.kind === "edge" || selection?.kind === "pair") &&
            !isGone(selection.from) &&
            !isGone(selection.to) && (
              <EdgePanel
                key={`${selection.kind} ${selection.from} ${selection.to} ${draft ?? ""}`}
                from={selection.from}
                to={selection.to}
                revision={Math.max(revision, 0)}
                draft={draft}
              />
            )}
          {view !== asked && (
            <p role="status" data-testid="unknown-view">
              This link names no view Trustmap knows; showing the whole cluster.
            </p>
          )}
          {selection === undefined && (
            <div className="space-y-4">
              <Legend
                dark={dark}
                comparing={
                  draft === undefined ? overlayShown?.drawn === true : draftedData?.overlay.drawn === true
                }
              />
              {!connection.open && <p role="status">Connecting to the live stream…</p>}
            </div>
          )}
          <NodeList
            view={view}
            nodes={shown}
            total={nodes.length}
            selected={selection?.kind === "node" ? selection.id : undefined}
            onSelect={(id, additive) => {
              const current = selection?.kind === "node" ? selection.id : undefined;
              if (additive && current !== undefined && current !== id)
                setParams({ sel: `pair:${current} ${id}` });
              else setParams({ sel: `node:${id}` });
            }}
            onOpen={(next) => go(next)}
          />
        </aside>
      </div>
    </div>
  );
}
