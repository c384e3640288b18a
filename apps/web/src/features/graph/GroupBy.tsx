import { useQuery } from "@tanstack/react-query";
import { graphQueries } from "./api";
import { groupingOf, regroupedView, regroupedWorkloads, workloadGroupingOf } from "./view-keys";

/**
 * Groups the namespaces a view draws (the cluster's, or those around a namespace) by a label the
 * engine offers (team, tenant, owner…), or shows them one by one. A group opens in place from the
 * graph; choosing here closes every group.
 */
export function GroupBy({ view, onView }: { view: string; onView: (view: string) => void }) {
  const groupings = useQuery(graphQueries.groupings());
  const current = groupingOf(view);
  const keys = groupings.data?.keys ?? [];
  // A grouping from a link whose label no namespace carries any more stays choosable.
  const offered =
    current === undefined || keys.some((k) => k.key === current)
      ? keys
      : [{ key: current, namespaces: 0, values: 0 }, ...keys];
  return (
    <label className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
      Group namespaces by
      <select
        aria-label="Group namespaces by"
        className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-600 dark:bg-slate-800"
        value={current ?? ""}
        onChange={(event) =>
          onView(regroupedView(view, event.target.value === "" ? undefined : event.target.value))
        }
      >
        <option value="">nothing (one node per namespace)</option>
        {offered.map((k) => (
          <option key={k.key} value={k.key}>
            {k.namespaces > 0 ? `${k.key} (${k.values} groups, ${k.namespaces} namespaces)` : k.key}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Groups a namespace's own workloads by a pod label the engine offers for it (app.kubernetes.io/
 * part-of, tier…), or shows them one by one. A group opens in place from the graph.
 */
export function WorkloadGroupBy({
  view,
  namespace,
  onView,
}: {
  view: string;
  namespace: string;
  onView: (view: string) => void;
}) {
  const groupings = useQuery(graphQueries.workloadGroupings(namespace));
  const current = workloadGroupingOf(view);
  const keys = groupings.data?.keys ?? [];
  const offered =
    current === undefined || keys.some((k) => k.key === current)
      ? keys
      : [{ key: current, workloads: 0, values: 0 }, ...keys];
  return (
    <label className="flex items-center gap-1 text-xs text-slate-600 dark:text-slate-300">
      Group its workloads by
      <select
        aria-label="Group its workloads by"
        className="rounded border border-slate-300 bg-white px-1 py-0.5 dark:border-slate-600 dark:bg-slate-800"
        value={current ?? ""}
        onChange={(event) =>
          onView(regroupedWorkloads(view, event.target.value === "" ? undefined : event.target.value))
        }
      >
        <option value="">
          nothing (one node per workload
          {groupings.data === undefined ? "" : `, ${groupings.data.workloads} workloads`})
        </option>
        {offered.map((k) => (
          <option key={k.key} value={k.key}>
            {k.workloads > 0 ? `${k.key} (${k.values} groups, ${k.workloads} workloads)` : k.key}
          </option>
        ))}
      </select>
    </label>
  );
}
