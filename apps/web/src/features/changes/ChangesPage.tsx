import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  type ChangeCause,
  type ChangeKind,
  ChangeLogStatus,
  ChangesAnswer,
  CompareAnswer,
  causeText,
  changedText,
  DeliveriesAnswer,
  factText,
  KIND_WORDS,
  type PostureArea,
  type PostureFact,
  ReportsAnswer,
  SECTION_TITLES,
  SEVERITY_ORDER,
  type Severity,
  viewKey,
} from "@trustmap/shared";
import { useEffect } from "react";
import { getJson, query } from "../../api/client";
import { setParams, useParams } from "../../app/url";
import { streamStore } from "../../stream/store";
import { SeverityBadge } from "../../ui/SeverityBadge";
import { KIND_COLOURS } from "./words";

// Posture over time: the change log's feed (newest first, new entries as they are recorded), and
// the difference between an earlier moment and now. The BFF filters, orders and pages; this page
// draws what it answers.

const PAGE = 100;

export const changesQueries = {
  status: () => ({
    queryKey: ["changes", "status"],
    queryFn: ({ signal }: { signal: AbortSignal }) => getJson("/api/changes/status", ChangeLogStatus, signal),
    refetchInterval: 5_000,
  }),
  deliveries: () => ({
    queryKey: ["changes", "deliveries"],
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      getJson("/api/changes/deliveries", DeliveriesAnswer, signal),
    refetchInterval: 10_000,
  }),
  reports: () => ({
    queryKey: ["changes", "reports"],
    queryFn: ({ signal }: { signal: AbortSignal }) => getJson("/api/changes/reports", ReportsAnswer, signal),
    staleTime: 30_000,
  }),
  compare: (filters: Record<string, string | undefined>) => ({
    queryKey: ["changes", "compare", filters],
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      getJson(`/api/changes/compare${query({ ...filters, limit: 1000 })}`, CompareAnswer, signal),
  }),
};

/** Where a fact is shown: the graph of its namespace, the gaps of its namespace, the matrix of its subject. */
function linkOf(fact: PostureFact): { href: string; label: string } | undefined {
  const namespace = fact.namespaces[0];
  switch (fact.area) {
    case "reach":
      return namespace === undefined
        ? undefined
        : {
            href: `?${new URLSearchParams({ view: viewKey({ kind: "namespace", namespace }) })}`,
            label: "graph",
          };
    case "finding":
      return {
        href: `?${new URLSearchParams({ tab: "gaps", ...(namespace === undefined ? {} : { ns: namespace }) })}`,
        label: "gaps",
      };
    case "rbac":
      return {
        href: `?${new URLSearchParams({ tab: "rbac", subject: fact.subject.split("/").pop() ?? fact.subject })}`,
        label: "matrix",
      };
  }
}

interface EntryProps {
  readonly area: PostureArea;
  readonly kind: ChangeKind;
  readonly severity?: Severity | undefined;
  readonly before?: PostureFact | undefined;
  readonly after?: PostureFact | undefined;
  readonly causes: readonly ChangeCause[];
  readonly causeCount?: number;
  readonly unwatched?: boolean;
  /** When it changed (none for a draft's difference: it is of now). */
  readonly at?: string | undefined;
}

export function Entry({ entry }: { entry: EntryProps }) {
  const { area, kind, severity, before, after, causes, causeCount, unwatched, at } = entry;
  const fact = (after ?? before)!;
  const link = linkOf(fact);
  const changed = before !== undefined && after !== undefined ? changedText(before, after) : undefined;
  const more = (causeCount ?? causes.length) - causes.length;
  return (
    <li
      className="border-b border-slate-200 px-2 py-1 text-sm dark:border-slate-800"
      data-testid="change-entry"
    >
      <div className="flex flex-wrap items-center gap-2">
        {at !== undefined && (
          <time className="text-xs text-slate-500" dateTime={at}>
            {new Date(at).toLocaleString()}
          </time>
        )}
        <span className={`rounded border px-1 text-xs ${KIND_COLOURS[kind]}`} data-testid="change-kind">
          {KIND_WORDS[area][kind]}
        </span>
        {severity !== undefined && <SeverityBadge severity={severity} />}
        <span data-testid="change-fact">{factText(fact)}</span>
        {link !== undefined && (
          <a className="text-xs text-blue-700 underline dark:text-blue-300" href={link.href}>
            {link.label}
          </a>
        )}
      </div>
      {changed !== undefined && <div className="pl-4 text-xs">{changed}</div>}
      <div className="pl-4 text-xs text-slate-600 dark:text-slate-400" data-testid="change-cause">
        {unwatched === true
          ? "changed while Trustmap was not watching"
          : causes.length === 0
            ? "cause not recorded"
            : `because ${causes.map(causeText).join("; ")}${more > 0 ? ` and ${more} more` : ""}`}
      </div>
    </li>
  );
}

/** The webhooks' last notifications and how each went (nothing when no webhook is set). */
function DeliveriesList() {
  const { data } = useQuery(changesQueries.deliveries());
  if (data === undefined || data.deliveries.length === 0) return null;
  return (
    <details className="m-2 text-sm" data-testid="deliveries">
      <summary>
        Webhook notifications: {data.deliveries.length} latest
        {data.deliveries.some((d) => d.state === "failed") ? " (some failed)" : ""}
      </summary>
      <ul>
        {data.deliveries.map((d) => (
          <li key={d.id} className="text-xs">
            {new Date(d.at).toLocaleString()} · {d.target} · {d.reasons.join(", ")} · {d.state} after{" "}
            {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
            {d.error === undefined ? "" : ` (${d.error})`}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** The recorder's state, when it is not simply recording. */
function LogState() {
  const { data, error } = useQuery(changesQueries.status());
  if (error !== null)
    return (
      <p className="m-2 rounded border border-red-600 p-2 text-sm" role="alert">
        {error.message}
      </p>
    );
  if (data === undefined || data.state === "recording") return null;
  return (
    <p
      className={`m-2 rounded border p-2 text-sm ${data.state === "failed" ? "border-red-600" : "border-amber-600"}`}
      role={data.state === "failed" ? "alert" : "status"}
      data-testid="log-state"
    >
      {data.state === "failed"
        ? data.message
        : `Comparing the cluster with the picture stored in ${data.store}: changes show once it is done.`}
    </p>
  );
}

function Feed({ filters }: { filters: Record<string, string | undefined> }) {
  const client = useQueryClient();
  const feed = useInfiniteQuery({
    queryKey: ["changes", "feed", filters],
    queryFn: ({ pageParam, signal }) =>
      getJson(`/api/changes${query({ ...filters, before: pageParam, limit: PAGE })}`, ChangesAnswer, signal),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next,
  });
  // New entries arrive over the stream: the feed is asked again (the BFF filters it).
  useEffect(
    () => streamStore.onChanges(() => void client.invalidateQueries({ queryKey: ["changes", "feed"] })),
    [client],
  );
  if (feed.error !== null)
    return (
      <p className="m-2 text-sm text-red-700" role="alert">
        {feed.error.message}
      </p>
    );
  const entries = feed.data?.pages.flatMap((page) => page.entries) ?? [];
  const since = feed.data?.pages[0]?.since;
  return (
    <section aria-label="Change feed" data-ready={feed.data !== undefined}>
      <p className="px-2 py-1 text-xs text-slate-600 dark:text-slate-400">
        Newest first
        {since === undefined ? "" : `; the log reaches back to ${new Date(since).toLocaleString()}`}.
      </p>
      {feed.data !== undefined && entries.length === 0 && (
        <p className="p-2 text-sm" data-testid="feed-empty">
          No change recorded
          {Object.values(filters).some((v) => v !== undefined) ? " that matches these filters" : ""}.
        </p>
      )}
      <ul data-testid="change-feed">
        {entries.map((entry) => (
          <Entry key={entry.id} entry={entry} />
        ))}
      </ul>
      {feed.hasNextPage && (
        <button
          type="button"
          className="m-2 rounded border border-slate-400 px-2 text-sm"
          disabled={feed.isFetchingNextPage}
          onClick={() => void feed.fetchNextPage()}
        >
          Older changes
        </button>
      )}
    </section>
  );
}

function Comparison({ filters }: { filters: Record<string, string | undefined> }) {
  const { data, error, isFetching } = useQuery(changesQueries.compare(filters));
  if (error !== null)
    return (
      <p className="m-2 text-sm text-red-700" role="alert">
        {error.message}
      </p>
    );
  if (data === undefined) return <p className="p-2 text-sm">Comparing…</p>;
  return (
    <section aria-label="Comparison" data-ready={!isFetching} data-testid="comparison">
      <p className="px-2 py-1 text-sm">
        {data.total} {data.total === 1 ? "difference" : "differences"} between{" "}
        {new Date(data.since).toLocaleString()} and {new Date(data.until).toLocaleString()}
        {data.entries.length < data.total ? ` (the ${data.entries.length} most severe shown)` : ""}.
      </p>
      {!data.complete && (
        <p className="mx-2 rounded border border-amber-600 p-1 text-xs" role="status">
          The log does not reach back to that moment (it began later, or older changes were dropped): the
          differences start where it does.
        </p>
      )}
      <p className="flex flex-wrap gap-3 px-2 text-xs" data-testid="comparison-counts">
        {SECTION_TITLES.filter(([key]) => (data.counts[key] ?? 0) > 0).map(([key, title]) => (
          <span key={key}>
            {title}: {data.counts[key]}
          </span>
        ))}
      </p>
      <ul data-testid="comparison-entries">
        {data.entries.map((entry) => (
          <Entry key={entry.key} entry={entry} />
        ))}
      </ul>
    </section>
  );
}

/**
 * What changed since a moment, for one area and namespace, where another page shows that area
 * (the matrix's rights gained and lost, the gaps' new and resolved findings): the moment is the
 * page's `since` parameter, picked here.
 */
export function SinceBar({
  area,
  namespace,
  what,
}: {
  area: PostureArea;
  namespace?: string | undefined;
  what: string;
}) {
  const params = useParams();
  const since = params.get("since") ?? undefined;
  const filters = { since, area, namespace };
  const { data, error } = useQuery({ ...changesQueries.compare(filters), enabled: since !== undefined });
  // A Trustmap that keeps no change log (--changes off) has nothing to compare with.
  const status = useQuery({ ...changesQueries.status(), refetchInterval: false });
  if (status.error !== null) return null;
  return (
    <div
      className="border-b border-slate-300 px-2 py-1 text-sm dark:border-slate-700"
      data-testid="since-bar"
    >
      <MomentInput caption={`${what} since`} label={`${what} since the moment`} since={since} />
      {since !== undefined && (
        <button
          type="button"
          className="ml-2 rounded border border-slate-400 px-1 text-xs"
          onClick={() => setParams({ since: undefined })}
        >
          Clear
        </button>
      )}
      {error !== null && (
        <span className="ml-2 text-red-700" role="alert">
          {error.message}
        </span>
      )}
      {data !== undefined && (
        <>
          <span className="ml-2 text-xs" data-testid="since-counts">
            {SECTION_TITLES.filter(([key]) => key.startsWith(`${area}.`) && (data.counts[key] ?? 0) > 0)
              .map(([key, title]) => `${title}: ${data.counts[key]}`)
              .join(" · ") || "Nothing changed"}
            {data.complete ? "" : " (the log does not reach back that far: from where it begins)"}
          </span>
          <ul className="max-h-48 overflow-auto" data-testid="since-entries">
            {data.entries.map((entry) => (
              <Entry key={entry.key} entry={entry} />
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/**
 * The moment a page compares with: the URL's `since` (ISO), picked in local time to the second, or
 * the moment a stored report was made.
 */
export function MomentInput({
  caption,
  label,
  since,
}: {
  caption: string;
  label: string;
  since: string | undefined;
}) {
  const reports = useQuery(changesQueries.reports());
  const made = reports.data?.reports ?? [];
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <label>
        {caption}{" "}
        <input
          type="datetime-local"
          step={1}
          aria-label={label}
          className="rounded border border-slate-400 bg-transparent px-1"
          value={localValue(since)}
          onChange={(e) => {
            const date = new Date(e.target.value);
            setParams({ since: Number.isNaN(date.getTime()) ? undefined : date.toISOString() });
          }}
        />
      </label>
      {made.length > 0 && (
        <label>
          or a report{" "}
          <select
            aria-label={`${label}: a report made`}
            className="rounded border border-slate-400 bg-transparent"
            value={made.some((report) => report.at === since) ? since : ""}
            onChange={(e) => setParams({ since: e.target.value === "" ? undefined : e.target.value })}
          >
            <option value="">pick…</option>
            {made.map((report) => (
              <option key={`${report.at} ${report.scope} ${report.format}`} value={report.at}>
                {new Date(report.at).toLocaleString()} · {report.scope} · {report.format}
              </option>
            ))}
          </select>
        </label>
      )}
    </span>
  );
}

/** A datetime-local input's value (local time) for an ISO moment. */
function localValue(iso: string | undefined): string {
  if (iso === undefined) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}:${pad(date.getSeconds())}`;
}

export function ChangesPage() {
  const params = useParams();
  const since = params.get("since") ?? undefined;
  const filters = {
    namespace: params.get("ns") ?? undefined,
    area: params.get("area") ?? undefined,
  };
  const feedFilters = {
    ...filters,
    kind: params.get("kind") ?? undefined,
    severity: params.get("severity") ?? undefined,
  };
  return (
    <div className="h-full overflow-auto" data-export-root>
      <LogState />
      <form
        className="flex flex-wrap items-end gap-3 border-b border-slate-300 p-2 text-sm dark:border-slate-700"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Namespace{" "}
          <input
            className="w-36 rounded border border-slate-400 bg-transparent px-1"
            value={filters.namespace ?? ""}
            onChange={(e) => setParams({ ns: e.target.value }, true)}
          />
        </label>
        <label>
          What{" "}
          <select
            className="rounded border border-slate-400 bg-transparent"
            value={filters.area ?? ""}
            onChange={(e) => setParams({ area: e.target.value })}
          >
            <option value="">everything</option>
            <option value="reach">connections</option>
            <option value="finding">findings</option>
            <option value="rbac">RBAC rights</option>
          </select>
        </label>
        {since === undefined && (
          <>
            <label>
              Change{" "}
              <select
                className="rounded border border-slate-400 bg-transparent"
                value={feedFilters.kind ?? ""}
                onChange={(e) => setParams({ kind: e.target.value })}
              >
                <option value="">any</option>
                <option value="appeared">appeared (opened, new, gained)</option>
                <option value="went">went (closed, resolved, lost)</option>
                <option value="changed">changed</option>
              </select>
            </label>
            <label>
              Severity at least{" "}
              <select
                className="rounded border border-slate-400 bg-transparent"
                value={feedFilters.severity ?? ""}
                onChange={(e) => setParams({ severity: e.target.value })}
              >
                <option value="">any</option>
                {SEVERITY_ORDER.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        <MomentInput caption="Compare with" label="Compare with the moment" since={since} />
        {since !== undefined && (
          <button
            type="button"
            className="rounded border border-slate-400 px-2"
            onClick={() => setParams({ since: undefined })}
          >
            Back to the feed
          </button>
        )}
      </form>
      {since === undefined ? <Feed filters={feedFilters} /> : <Comparison filters={{ ...filters, since }} />}
      <DeliveriesList />
    </div>
  );
}
