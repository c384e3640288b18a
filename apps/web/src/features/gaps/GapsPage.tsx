import { queryOptions, useQuery } from "@tanstack/react-query";
import { type Finding, FindingsPage, PILLAR_TITLES, type Pillar, SEVERITY_ORDER } from "@trustmap/shared";
import { getJson, query } from "../../api/client";
import { setParams, useParams } from "../../app/url";
import { ExportLinks } from "../../ui/ExportLinks";
import { SeverityBadge } from "../../ui/SeverityBadge";

const gapsQueries = {
  findings: (filters: Record<string, string | undefined>) =>
    queryOptions({
      queryKey: ["findings", filters],
      queryFn: ({ signal }) =>
        getJson(`/api/findings${query({ ...filters, limit: 1000 })}`, FindingsPage, signal),
      refetchInterval: 10_000,
    }),
};

function CopyButton({ text }: { text: string }) {
  return (
    <button
      type="button"
      className="rounded border border-slate-400 px-1 text-xs"
      onClick={() => void navigator.clipboard?.writeText(text)}
    >
      Copy fix
    </button>
  );
}

/** Findings grouped by Zero Trust pillar and severity, with evidence, controls and the fix. */
export function GapsPage() {
  const params = useParams();
  const filters = {
    severity: params.get("severity") ?? undefined,
    namespace: params.get("ns") ?? undefined,
    pillar: params.get("pillar") ?? undefined,
  };
  const { data, error } = useQuery(gapsQueries.findings(filters));
  const groups = new Map<Pillar, Finding[]>();
  for (const finding of data?.findings ?? []) {
    const list = groups.get(finding.pillar) ?? [];
    list.push(finding);
    groups.set(finding.pillar, list);
  }
  return (
    <div className="h-full overflow-y-auto p-3" data-export-root data-ready={data !== undefined}>
      <form className="mb-3 flex flex-wrap items-end gap-3 text-sm" onSubmit={(e) => e.preventDefault()}>
        <label>
          Severity{" "}
          <select
            value={filters.severity ?? ""}
            onChange={(e) => setParams({ severity: e.target.value })}
            className="rounded border border-slate-400 bg-transparent"
          >
            <option value="">any</option>
            {SEVERITY_ORDER.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pillar{" "}
          <select
            value={filters.pillar ?? ""}
            onChange={(e) => setParams({ pillar: e.target.value })}
            className="rounded border border-slate-400 bg-transparent"
          >
            <option value="">any</option>
            {Object.entries(PILLAR_TITLES).map(([id, title]) => (
              <option key={id} value={id}>
                {title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace{" "}
          <input
            value={filters.namespace ?? ""}
            onChange={(e) => setParams({ ns: e.target.value }, true)}
            className="w-36 rounded border border-slate-400 bg-transparent px-1"
          />
        </label>
        <ExportLinks what="report" formats={["pdf", "csv", "json", "sarif"]} filters={filters} page="gaps" />
        <span data-testid="gaps-total">
          {data === undefined ? "…" : `${data.total} findings`}
          {data !== undefined && ` (${SEVERITY_ORDER.map((s) => `${data.counts[s] ?? 0} ${s}`).join(", ")})`}
        </span>
      </form>
      {error !== null && <p role="alert">Cannot load the findings: {error.message}</p>}
      {[...groups].map(([pillar, findings]) => (
        <section key={pillar} className="mb-4" aria-label={PILLAR_TITLES[pillar]}>
          <h2 className="mb-1 text-lg font-semibold">
            {PILLAR_TITLES[pillar]} ({findings.length})
          </h2>
          <ul className="space-y-2" data-testid={`pillar-${pillar}`}>
            {findings.slice(0, 200).map((f) => (
              <li
                key={`${f.id} ${f.objects.join(",")} ${f.message}`}
                className="rounded border border-slate-200 p-2 text-sm dark:border-slate-800"
                data-finding={f.id}
              >
                <p>
                  <SeverityBadge severity={f.severity} /> <span className="font-mono text-xs">{f.id}</span>{" "}
                  {f.message}
                </p>
                <p className="text-xs text-slate-600 dark:text-slate-400">
                  Evidence: {f.objects.join(", ")} · Controls: {f.controls.join(", ") || "none"}
                </p>
                <details>
                  <summary className="cursor-pointer text-xs">Remediation</summary>
                  <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">
                    {f.remediation}
                  </pre>
                  <CopyButton text={f.remediation} />
                </details>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
