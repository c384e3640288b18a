import { useQuery } from "@tanstack/react-query";
import type { GraphOverlay, OverlayEdge } from "@trustmap/shared";
import { setParams } from "../../app/url";
import { changesQueries, Entry, MomentInput } from "../changes/ChangesPage";
import { DraftFrame } from "../drafts/DraftFrame";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The graph compared with a moment (the URL's `since`): the moment picked, and what the overlay
 * drawn on the graph holds, as the BFF counts it.
 */
export function CompareBar({
  since,
  overlay,
  error,
}: {
  since: string | undefined;
  overlay: GraphOverlay | undefined;
  error: Error | null;
}) {
  // A Trustmap that keeps no change log (--changes off) has nothing to compare with.
  const status = useQuery({ ...changesQueries.status(), refetchInterval: false });
  if (status.error !== null) return null;
  return (
    <div
      className="flex flex-wrap items-center gap-2 border-b border-slate-300 px-2 py-1 text-sm dark:border-slate-700"
      data-testid="compare-bar"
    >
      <MomentInput caption="Compare with" label="Compare the graph with the moment" since={since} />
      {since !== undefined && (
        <button
          type="button"
          className="rounded border border-slate-400 px-1 text-xs"
          onClick={() => setParams({ since: undefined })}
        >
          Clear
        </button>
      )}
      {error !== null && (
        <span className="text-red-700" role="alert">
          {error.message}
        </span>
      )}
      {since !== undefined && overlay !== undefined && (
        <span className="text-xs" data-testid="overlay-counts">
          {overlay.drawn
            ? `Since ${new Date(overlay.since).toLocaleString()}: ${plural(overlay.counts.opened, "edge")} opened, ${overlay.counts.closed} closed, ${overlay.counts.changed} changed (${overlay.placed} of ${plural(overlay.total, "connection")} between workloads that differ drawn here)`
            : "Connections are kept between workloads: the comparison is drawn on the cluster's and the namespaces' views."}
          {overlay.truncated ? `; only the first ${overlay.placed} read, open the Changes tab for all` : ""}
          {overlay.complete ? "" : "; the log does not reach back that far: from where it begins"}
        </span>
      )}
    </div>
  );
}

/** The connections between workloads an edge of the overlay stands for, each with its cause. */
export function OverlayPanel({ edge, draft = false }: { edge: OverlayEdge; draft?: boolean }) {
  const listed = edge.entries.length;
  const what = draft ? "by the draft" : "since the moment";
  const all = edge.opened + edge.closed + edge.changed;
  return (
    <section
      className="mb-3 space-y-1 text-sm"
      data-testid="overlay-panel"
      aria-label={draft ? "By the draft" : "Since the moment"}
    >
      <h2 className="font-semibold">
        {edge.status === "opened" ? "Opened" : edge.status === "closed" ? "Closed" : "Changed"} {what}
      </h2>
      <p className="text-xs">
        {edge.opened} opened, {edge.closed} closed, {edge.changed} changed
        {listed < all ? ` (the first ${listed} listed)` : ""}
      </p>
      <ul>
        {edge.entries.map((entry) => (
          <Entry key={entry.key} entry={draft ? { ...entry, at: undefined } : entry} />
        ))}
      </ul>
    </section>
  );
}

/** The graph as a draft would make it (the URL's `draft`): the draft's name, and the overlay's counts as the BFF gives them. */
export function DraftBar({
  id,
  name,
  overlay,
  error,
}: {
  id: string;
  name: string | undefined;
  overlay: Pick<GraphOverlay, "drawn" | "counts" | "placed"> | undefined;
  error: Error | null;
}) {
  return (
    <DraftFrame id={id} live="Show the live graph" testId="draft-bar">
      <p className="flex flex-wrap items-center gap-2" role="status">
        <span className="font-semibold">
          What if: draft {name === undefined ? "" : `"${name}"`} applied over the live cluster (nothing is
          sent to it).
        </span>
        {overlay !== undefined &&
          (overlay.drawn ? (
            <span className="text-xs" data-testid="draft-overlay-counts">
              {plural(overlay.counts.opened, "edge")} opened, {overlay.counts.closed} closed,{" "}
              {overlay.counts.changed} changed by the draft ({plural(overlay.placed, "connection")} between
              workloads placed here). Edges are explained with the draft; nodes' details are the live
              cluster's.
            </span>
          ) : (
            <span className="text-xs">
              Connections are kept between workloads: the draft is drawn on the cluster's and the namespaces'
              views.
            </span>
          ))}
        {error !== null && (
          <span className="text-red-700" role="alert">
            {error.message}
          </span>
        )}
      </p>
    </DraftFrame>
  );
}
