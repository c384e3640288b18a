import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { MatrixPage } from "@trustmap/shared";
import { useState } from "react";
import { getJson, query } from "../../api/client";
import { sessionQuery } from "../../api/session";
import { setParams, useParams } from "../../app/url";
import { ExportLinks } from "../../ui/ExportLinks";
import { SeverityBadge } from "../../ui/SeverityBadge";
import { AccessNote } from "../auth/AccessNote";
import { SinceBar } from "../changes/ChangesPage";
import { DraftFrame } from "../drafts/DraftFrame";
import { SubjectRightsPanel, WhoCanQuestion } from "./RbacQuestions";

const PAGE = 100;

const rbacQueries = {
  page: (filters: Record<string, string | undefined>, offset: number) =>
    queryOptions({
      queryKey: ["rbac", filters, offset],
      queryFn: ({ signal }) =>
        getJson(`/api/rbac${query({ ...filters, offset, limit: PAGE })}`, MatrixPage, signal),
      placeholderData: keepPreviousData,
    }),
};

type Cell = MatrixPage["rows"][number]["cells"][number];

/** Subjects × resources with their verbs, risky cells marked, each cell traced to what grants it. */
export function RbacPage() {
  const params = useParams();
  const filters = {
    subjectKind: params.get("kind") ?? undefined,
    namespace: params.get("ns") ?? undefined,
    resource: params.get("resource") ?? undefined,
    verb: params.get("verb") ?? undefined,
    risky: params.get("risky") === "1" ? "true" : undefined,
    search: params.get("subject") ?? undefined,
  };
  const offset = Number(params.get("offset") ?? 0) || 0;
  // The change log is about the whole cluster: its bar and marks are for those who may read all of it.
  const session = useQuery(sessionQuery());
  const scoped = session.data?.access !== undefined && !session.data.access.cluster;
  // Compared with a moment (`since`): cells gained or changed since are marked, rights lost listed.
  // Or as a draft would make it (`draft`): the rights it gives, changes and takes marked the same way.
  const draft = scoped ? undefined : (params.get("draft") ?? undefined);
  const since = scoped || draft !== undefined ? undefined : (params.get("since") ?? undefined);
  const { data, error, isFetching, isPlaceholderData } = useQuery(
    rbacQueries.page({ ...filters, since, draft }, offset),
  );
  const lostWhen = draft === undefined ? "since the moment" : "by the draft";
  // While a new filter loads, the previous rows stay drawn but marked as stale.
  const loading = isFetching && (data === undefined || isPlaceholderData);
  const can = params.get("can") ?? undefined;
  const [cell, setCell] = useState<{ subject: string; cell: Cell } | undefined>(undefined);

  return (
    <div className="flex h-full min-h-0" data-export-root data-ready={data !== undefined && !loading}>
      <div className="flex min-h-0 flex-1 flex-col">
        <AccessNote what="Rights granted by the RoleBindings of your namespaces through the Roles beside them only: ClusterRoles and ClusterRoleBindings are not yours to read" />
        {!scoped && draft === undefined && (
          <SinceBar area="rbac" namespace={filters.namespace} what="Rights gained and lost" />
        )}
        {draft !== undefined && (
          <DraftFrame id={draft} live="Show the live matrix" testId="draft-matrix">
            <p role="status">
              What if: the matrix as the draft would make it (nothing is sent to the cluster). Rights it gives
              are marked "gained", those it changes "changed", those it takes struck through.
            </p>
          </DraftFrame>
        )}
        <WhoCanQuestion />
        <form
          className="flex flex-wrap items-end gap-3 border-b border-slate-300 p-2 text-sm dark:border-slate-700"
          onSubmit={(e) => e.preventDefault()}
        >
          <label>
            Subject kind{" "}
            <select
              value={filters.subjectKind ?? ""}
              onChange={(e) => setParams({ kind: e.target.value, offset: undefined })}
              className="rounded border border-slate-400 bg-transparent"
            >
              <option value="">any</option>
              <option value="ServiceAccount">ServiceAccount</option>
              <option value="User">User</option>
              <option value="Group">Group</option>
            </select>
          </label>
          <label>
            Namespace{" "}
            <input
              value={filters.namespace ?? ""}
              onChange={(e) => setParams({ ns: e.target.value, offset: undefined }, true)}
              className="w-32 rounded border border-slate-400 bg-transparent px-1"
            />
          </label>
          <label>
            Resource{" "}
            <input
              value={filters.resource ?? ""}
              onChange={(e) => setParams({ resource: e.target.value, offset: undefined }, true)}
              placeholder="secrets"
              className="w-28 rounded border border-slate-400 bg-transparent px-1"
            />
          </label>
          <label>
            Verb{" "}
            <input
              value={filters.verb ?? ""}
              onChange={(e) => setParams({ verb: e.target.value, offset: undefined }, true)}
              placeholder="any"
              className="w-20 rounded border border-slate-400 bg-transparent px-1"
            />
          </label>
          <label>
            Subject{" "}
            <input
              value={filters.search ?? ""}
              onChange={(e) => setParams({ subject: e.target.value, offset: undefined }, true)}
              className="w-40 rounded border border-slate-400 bg-transparent px-1"
            />
          </label>
          <label>
            <input
              type="checkbox"
              checked={filters.risky !== undefined}
              onChange={(e) => setParams({ risky: e.target.checked ? "1" : undefined, offset: undefined })}
            />{" "}
            Risky only
          </label>
          <ExportLinks what="rbac" formats={["csv", "json"]} filters={filters} page="rbac" />
          <span data-testid="rbac-total" aria-busy={loading}>
            {data === undefined ? "…" : `${data.total} subjects`}
          </span>
          {loading && (
            <span role="status" data-testid="rbac-loading" className="text-amber-700 dark:text-amber-300">
              Loading…
            </span>
          )}
        </form>
        {error !== null && <p role="alert">Cannot load the matrix: {error.message}</p>}
        <div className="min-h-0 flex-1 overflow-auto">
          <table
            className={`w-full text-left text-sm ${loading ? "opacity-50" : ""}`}
            data-testid="rbac-table"
            aria-busy={loading}
          >
            <caption className="sr-only">Effective RBAC rights per subject</caption>
            <thead>
              <tr>
                <th scope="col" className="w-64 min-w-[14rem] p-1">
                  Subject
                </th>
                <th scope="col" className="p-1">
                  Risk
                </th>
                <th scope="col" className="p-1">
                  Rights (scope · resource: verbs)
                </th>
              </tr>
            </thead>
            <tbody>
              {data?.rows.map((row) => (
                <tr
                  key={row.ref}
                  className="border-t border-slate-200 align-top dark:border-slate-800"
                  data-subject={row.ref}
                >
                  <th scope="row" className="p-1 font-mono text-xs font-normal break-words">
                    <button
                      type="button"
                      className="text-left underline decoration-dotted"
                      title="What may it do?"
                      onClick={() => {
                        setCell(undefined);
                        setParams({ can: row.ref });
                      }}
                    >
                      {row.ref}
                    </button>
                  </th>
                  <td className="p-1">
                    {row.worst === undefined ? "" : <SeverityBadge severity={row.worst} />}
                  </td>
                  <td className="p-1">
                    <ul className="flex flex-wrap gap-1">
                      {row.cells.length === 0 && <li className="text-slate-500">no rights</li>}
                      {row.cells.map((c) => (
                        <li key={`${c.scope} ${c.resource}`}>
                          <button
                            type="button"
                            className={`rounded px-1 font-mono text-xs ${c.risks.length > 0 ? "bg-red-100 text-red-900 ring-1 ring-red-500 dark:bg-red-950 dark:text-red-100" : "bg-slate-100 dark:bg-slate-800"}`}
                            onClick={() => {
                              setParams({ can: undefined });
                              setCell({ subject: row.ref, cell: c });
                            }}
                            data-risky={c.risks.length > 0}
                          >
                            {c.scope === "*" ? "cluster" : c.scope} · {c.resource}: {c.verbs.join(",")}
                            {c.namedOnly &&
                              c.resourceNames.length > 0 &&
                              ` (only ${c.resourceNames.join(", ")})`}
                            {c.risks.length > 0 && <span className="sr-only"> (risky)</span>}
                            {c.since !== undefined && (
                              <span
                                className={`ml-1 rounded px-0.5 font-sans font-semibold ${c.since.change === "gained" ? "bg-green-700 text-white" : "bg-amber-600 text-white"}`}
                                data-testid="cell-since"
                              >
                                {c.since.change === "gained"
                                  ? "gained"
                                  : `changed (was ${c.since.verbsBefore?.join(",") ?? ""})`}
                              </span>
                            )}
                          </button>
                        </li>
                      ))}
                      {row.lost?.map((lost) => (
                        <li
                          key={`lost ${lost.scope} ${lost.resource}`}
                          className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-500 line-through dark:bg-slate-800"
                          data-testid="cell-lost"
                          title={`lost ${lostWhen}; was granted via ${lost.via.join(", ")}`}
                        >
                          {lost.scope === "*" ? "cluster" : lost.scope} · {lost.resource}:{" "}
                          {lost.verbs.join(",")}
                          <span className="sr-only"> (lost {lostWhen})</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="flex gap-2 border-t border-slate-300 p-2 text-sm dark:border-slate-700">
          <button
            type="button"
            disabled={offset === 0}
            onClick={() => setParams({ offset: String(Math.max(0, offset - PAGE)) })}
          >
            ← Previous
          </button>
          <span>
            {data === undefined || data.total === 0
              ? ""
              : `${offset + 1}–${Math.min(offset + PAGE, data.total)} of ${data.total}`}
          </span>
          <button
            type="button"
            disabled={data === undefined || offset + PAGE >= data.total}
            onClick={() => setParams({ offset: String(offset + PAGE) })}
          >
            Next →
          </button>
        </div>
      </div>
      <aside
        className="w-96 overflow-y-auto border-l border-slate-300 p-3 text-sm dark:border-slate-700"
        aria-label="What grants this right"
      >
        {can !== undefined ? (
          <SubjectRightsPanel subject={can} namespace={filters.namespace} />
        ) : cell === undefined ? (
          <p>
            Pick a right to see the binding, role and rule that grant it, or a subject to see what it may do.
          </p>
        ) : (
          <div data-testid="grant-panel" className="space-y-2">
            <h2 className="font-semibold break-all">{cell.subject}</h2>
            <p>
              {cell.cell.scope === "*" ? "cluster-wide" : `in ${cell.cell.scope}`} · {cell.cell.resource}:{" "}
              {cell.cell.verbs.join(", ")}
            </p>
            {cell.cell.risks.length > 0 && (
              <p className="text-red-700 dark:text-red-300">Risky: {cell.cell.risks.join(", ")}</p>
            )}
            <ul className="space-y-1">
              {cell.cell.grants.map((g) => (
                <li key={`${g.binding} ${g.role} ${g.rule}`} className="font-mono text-xs">
                  {g.binding} → {g.role} → rule {g.rule + 1} ({g.verbs.join(",")}
                  {g.resourceNames.length > 0 ? `; only ${g.resourceNames.join(", ")}` : ""})
                </li>
              ))}
            </ul>
          </div>
        )}
      </aside>
    </div>
  );
}
