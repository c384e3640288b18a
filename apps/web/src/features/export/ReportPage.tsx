import { useQuery } from "@tanstack/react-query";
import {
  type ControlSection,
  causeText,
  changedText,
  EvidenceReport,
  type Finding,
  factText,
  KIND_WORDS,
  type PolicyAppendix,
  SECTION_TITLES,
  SEVERITY_ORDER,
} from "@trustmap/shared";
import { useEffect } from "react";
import { getJson } from "../../api/client";
import { SeverityBadge } from "../../ui/SeverityBadge";
import { ReportGraph } from "./ReportGraph";

// The evidence report as a printable page: Chromium in the BFF prints it to PDF (A4 or Letter,
// numbered pages). Everything here is text and boxes, so the PDF is searchable and vector; only
// the graph is a picture. Names from the cluster are React text, never markup.

/** The report this page shows: the same query as the export (scope and filters), read once. */
function reportQuery(search: string) {
  const params = new URLSearchParams(search);
  params.delete("paper");
  const text = params.toString();
  return {
    queryKey: ["evidence-report", text],
    queryFn: () => getJson(`/api/export/report.json${text === "" ? "" : `?${text}`}`, EvidenceReport),
    staleTime: Number.POSITIVE_INFINITY,
  };
}

export function ReportPage() {
  const { data, error } = useQuery(reportQuery(window.location.search));
  useEffect(() => {
    if (data !== undefined) document.title = `Trustmap evidence report: ${data.meta.scopeText}`;
  }, [data]);
  if (error !== null)
    return (
      <p className="p-8 text-red-800" data-export-error>
        The report could not be made: {error.message}
      </p>
    );
  if (data === undefined) return <p className="p-8">Making the report…</p>;
  return <Report report={data} />;
}

function Report({ report }: { report: EvidenceReport }) {
  return (
    <article className="mx-auto max-w-[180mm] bg-white text-[10pt] leading-snug text-slate-900">
      <Cover report={report} />
      <Pillars report={report} />
      {report.changes !== undefined && <ChangesSince changes={report.changes} />}
      <section className="break-before-page">
        <h2 className="mb-2 text-xl font-bold">Graph of the scope</h2>
        <ReportGraph report={report} />
      </section>
      <Controls report={report} />
      {report.accepted !== undefined && <AcceptedExceptions accepted={report.accepted} />}
      <RiskySubjects report={report} />
      <Policies policies={report.networkPolicies} omitted={report.excerpt?.policiesOmitted ?? 0} />
    </article>
  );
}

const BASIS: Record<NonNullable<EvidenceReport["changes"]>["basis"], string> = {
  date: "the moment asked for",
  "last-report": "the last report of this scope",
  "log-start": "the beginning of the change log (no report of this scope was made before)",
};

/** What changed in the scope since a moment, most severe first, each with its cause. */
function ChangesSince({ changes }: { changes: NonNullable<EvidenceReport["changes"]> }) {
  return (
    <section className="break-before-page" data-testid="report-changes">
      <h2 className="mb-2 text-xl font-bold">Changes since {new Date(changes.since).toUTCString()}</h2>
      <p className="mb-2">
        Since {BASIS[changes.basis]}, until {new Date(changes.until).toUTCString()}: {changes.total}{" "}
        {changes.total === 1 ? "difference" : "differences"}
        {changes.entries.length < changes.total ? ` (the ${changes.entries.length} most severe listed)` : ""}.
        {changes.complete
          ? ""
          : " The change log does not reach back to that moment (it began later, or older changes were dropped): the differences start where it does."}
      </p>
      <p className="mb-2">
        {SECTION_TITLES.filter(([key]) => (changes.counts[key] ?? 0) > 0)
          .map(([key, title]) => `${title}: ${changes.counts[key]}`)
          .join(" · ") || "Nothing changed."}
      </p>
      <ol className="text-[9pt]">
        {changes.entries.map((entry) => {
          const fact = (entry.after ?? entry.before)!;
          const changed =
            entry.before !== undefined && entry.after !== undefined
              ? changedText(entry.before, entry.after)
              : undefined;
          return (
            <li key={entry.key} className="break-inside-avoid border-b border-slate-200 py-1">
              <p>
                <strong>{KIND_WORDS[entry.area][entry.kind]}</strong>{" "}
                {entry.severity !== undefined && <SeverityBadge severity={entry.severity} />} {factText(fact)}
              </p>
              {changed !== undefined && <p className="pl-4">{changed}</p>}
              <p className="pl-4 text-slate-700">
                {entry.unwatched
                  ? "Changed while Trustmap was not watching"
                  : entry.causes.length === 0
                    ? "Cause not recorded"
                    : `Because ${entry.causes.map(causeText).join("; ")}`}
                , {new Date(entry.at).toUTCString()}
              </p>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function Fact({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <>
      <dt className="font-semibold">{term}</dt>
      <dd className="[overflow-wrap:anywhere]">{children}</dd>
    </>
  );
}

function Cover({ report }: { report: EvidenceReport }) {
  const { meta, counts } = report;
  return (
    <section className="pt-[30mm]">
      <p className="text-sm uppercase tracking-wide text-slate-600">Trustmap evidence report</p>
      <h1 className="mb-6 text-3xl font-bold">{meta.title}</h1>
      {meta.source.demo && (
        <p className="mb-4 rounded border border-purple-700 p-2 font-semibold text-purple-800">
          Demo data: a made-up cluster, not a real one.
        </p>
      )}
      {meta.status.state !== "connected" && (
        <p className="mb-4 rounded border border-red-700 p-2 font-semibold text-red-800">
          The connection to the cluster was {meta.status.state} when this report was made
          {meta.status.message === undefined ? "" : `: ${meta.status.message}`}. The picture may be stale.
        </p>
      )}
      <dl className="grid grid-cols-[12em_1fr] gap-x-4 gap-y-1" data-testid="cover">
        <Fact term="Cluster">{meta.cluster}</Fact>
        {meta.context !== undefined && <Fact term="Context">{meta.context}</Fact>}
        <Fact term="Source">
          {meta.source.kind}: {meta.source.name}
        </Fact>
        <Fact term="Scope">{meta.scopeText}</Fact>
        {meta.access !== undefined && (
          <Fact term="Access">
            <span data-testid="report-access">{meta.access.text}</span>
          </Fact>
        )}
        <Fact term="Filters">
          {meta.filtersText.length === 0 ? "none: every finding in scope" : meta.filtersText.join("; ")}
        </Fact>
        <Fact term="Generated">{meta.generatedAt}</Fact>
        <Fact term="Connection">
          <span data-testid="report-connection">
            {meta.status.state} since {meta.status.since} (as the report was made)
          </span>
        </Fact>
        <Fact term="Revision">{meta.revision}</Fact>
        <Fact term="Trustmap version">{meta.trustmapVersion}</Fact>
      </dl>
      <h2 className="mt-8 mb-2 text-lg font-bold">In scope</h2>
      <dl className="grid grid-cols-[12em_1fr] gap-x-4 gap-y-1">
        <Fact term="Namespaces">{counts.namespaces}</Fact>
        <Fact term="Pods">{counts.pods}</Fact>
        <Fact term="NetworkPolicies">{counts.networkPolicies}</Fact>
        <Fact term="Findings">{counts.findings}</Fact>
        <Fact term="Risky RBAC subjects">{counts.riskySubjects}</Fact>
      </dl>
      <p className="mt-8 text-slate-700">
        Findings follow the Kubernetes API's semantics as Trustmap evaluates them; each names the objects it
        is about and how to fix it. Controls are those of the CIS Kubernetes Benchmark (section 5) and the
        NSA-CISA Kubernetes Hardening Guide.
      </p>
    </section>
  );
}

function Pillars({ report }: { report: EvidenceReport }) {
  const most = Math.max(1, ...report.pillars.map((p) => p.findings));
  return (
    <section className="break-before-page">
      <h2 className="mb-2 text-xl font-bold">Summary by Zero Trust pillar</h2>
      <table className="w-full border-collapse text-left">
        <thead>
          <tr className="border-b border-slate-400">
            <th className="w-[38%] py-1 pr-2">Pillar</th>
            <th className="pr-2 text-right">Findings</th>
            {SEVERITY_ORDER.map((s) => (
              <th key={s} className="pr-2 text-right capitalize">
                {s}
              </th>
            ))}
            <th className="w-[20%]">Share</th>
          </tr>
        </thead>
        <tbody>
          {report.pillars.map((p) => (
            <tr key={p.pillar} className="break-inside-avoid border-b border-slate-200 align-top">
              <td className="py-1 pr-2">
                <div className="font-semibold">{p.title}</div>
                <div className="text-[8pt] text-slate-600">
                  {p.checks.length === 0 ? "nothing found" : p.checks.join(", ")}
                </div>
              </td>
              <td className="pr-2 text-right">{p.findings}</td>
              {SEVERITY_ORDER.map((s) => (
                <td key={s} className="pr-2 text-right">
                  {p.counts[s] ?? 0}
                </td>
              ))}
              <td className="py-2">
                <Bar counts={p.counts} most={most} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const BAR: Record<string, string> = {
  critical: "bg-red-900",
  high: "bg-red-600",
  medium: "bg-amber-400",
  low: "bg-sky-300",
  info: "bg-slate-300",
};

/** A stacked bar of boxes (vector in the PDF); widths as percentages of the largest pillar. */
function Bar({ counts, most }: { counts: Record<string, number | undefined>; most: number }) {
  return (
    <div className="flex h-3 w-full" role="img" aria-label="findings by severity">
      {SEVERITY_ORDER.map((s) => {
        const n = counts[s] ?? 0;
        if (n === 0) return null;
        return <BarPart key={s} className={BAR[s]!} share={n / most} />;
      })}
    </div>
  );
}

function BarPart({ className, share }: { className: string; share: number }) {
  // The width is set through the DOM: the BFF's CSP allows no inline style attribute.
  return (
    <div
      className={`h-3 ${className}`}
      ref={(element) => {
        if (element !== null) element.style.width = `${(share * 100).toFixed(2)}%`;
      }}
    />
  );
}

function controlName(control: ControlSection): string {
  if (control.framework === "CIS Kubernetes Benchmark")
    return `CIS ${control.control}${control.title === "" ? "" : ` ${control.title}`}`;
  if (control.framework === "Trustmap") return control.title;
  return `${control.framework}: ${control.title}`;
}

/**
 * An index of the controls with their counts, then the findings under their first control (a
 * finding under two controls is printed once; the other control's line says where it is).
 */
function Controls({ report }: { report: EvidenceReport }) {
  const home = new Map<number, ControlSection>();
  for (const control of report.controls)
    for (const index of control.findings)
      if (!home.has(index) && primaryControl(report.findings[index]!, control)) home.set(index, control);
  // Never dropped: a finding whose first control is not a section goes under its first section.
  for (const control of report.controls)
    for (const index of control.findings) if (!home.has(index)) home.set(index, control);
  return (
    <section className="break-before-page">
      <h2 className="mb-2 text-xl font-bold">Findings by control</h2>
      {report.excerpt !== undefined && (
        <p className="mb-2 rounded border border-amber-600 p-2" data-testid="excerpt">
          This PDF lists at most {report.excerpt.findingsPerCheck} findings of each check (the most severe
          first): {report.excerpt.findingsOmitted} of {report.counts.findings} findings are left out here, and
          the counts below are of those listed. The CSV, JSON and SARIF exports of the same scope and filters
          hold them all.
        </p>
      )}
      {report.controls.length === 0 && (
        <p>No finding in scope{report.meta.filtersText.length > 0 ? " with these filters" : ""}.</p>
      )}
      <table className="mb-4 w-full border-collapse text-left text-[8.5pt]">
        <thead>
          <tr className="border-b border-slate-400">
            <th className="py-1 pr-2">Control</th>
            <th className="pr-2 text-right">Findings</th>
            <th>Checks</th>
          </tr>
        </thead>
        <tbody>
          {report.controls.map((control) => (
            <tr
              key={`${control.framework}:${control.control}`}
              className="border-b border-slate-200 align-top"
            >
              <td className="py-0.5 pr-2">{controlName(control)}</td>
              <td className="pr-2 text-right">{control.findings.length}</td>
              <td className="font-mono text-[7.5pt]">
                {[...new Set(control.findings.map((i) => report.findings[i]!.id))].join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.controls.map((control) => (
        <ControlBlock
          key={`${control.framework}:${control.control}`}
          control={control}
          findings={report.findings}
          totals={report.excerpt?.findingsByCheck}
          here={control.findings.filter((i) => home.get(i) === control)}
          elsewhere={control.findings.filter((i) => home.get(i) !== control).map((i) => home.get(i)!)}
        />
      ))}
    </section>
  );
}

/** Whether this control is the first one the finding names (its home in the report). */
function primaryControl(finding: Finding, control: ControlSection): boolean {
  const first = finding.controls[0];
  if (first === undefined) return control.framework === "Trustmap";
  return control.framework === "CIS Kubernetes Benchmark"
    ? first === `CIS ${control.control}`
    : first === `${control.framework}: ${control.control}`;
}

function ControlBlock({
  control,
  findings,
  here,
  elsewhere,
  totals,
}: {
  control: ControlSection;
  findings: readonly Finding[];
  totals: Readonly<Record<string, number>> | undefined;
  here: readonly number[];
  elsewhere: readonly ControlSection[];
}) {
  const byCheck = new Map<string, Finding[]>();
  for (const index of here) {
    const finding = findings[index]!;
    byCheck.set(finding.id, [...(byCheck.get(finding.id) ?? []), finding]);
  }
  const others = [...new Set(elsewhere)];
  return (
    <div className="mb-4">
      <h3 className="mt-3 break-after-avoid border-b border-slate-400 text-base font-bold">
        {controlName(control)} <span className="font-normal text-slate-600">({control.findings.length})</span>
      </h3>
      {others.length > 0 && (
        <p className="text-[8.5pt] text-slate-700">
          {elsewhere.length} finding{elsewhere.length === 1 ? " is" : "s are"} listed under{" "}
          {others.map(controlName).join("; ")}.
        </p>
      )}
      {[...byCheck].map(([id, list]) => (
        <CheckBlock key={id} id={id} findings={list} total={totals?.[id] ?? list.length} />
      ))}
    </div>
  );
}

function CheckBlock({ id, findings, total }: { id: string; findings: readonly Finding[]; total: number }) {
  const remediations = [...new Set(findings.map((f) => f.remediation))];
  const controls = findings[0]!.controls;
  return (
    <div className="mt-2">
      <h4 className="break-after-avoid font-mono text-[9pt] font-semibold">
        {id} · {total > findings.length ? `the first ${findings.length} of ` : ""}
        {total} finding{total === 1 ? "" : "s"}
        {controls.length > 1 && <span className="font-sans font-normal"> ({controls.join("; ")})</span>}
      </h4>
      <table className="w-full border-collapse text-left text-[8pt] leading-tight">
        <tbody>
          {findings.map((f) => (
            <tr
              key={`${f.objects.join(",")}|${f.message}`}
              className="break-inside-avoid border-b border-slate-200 align-top"
            >
              <td className="w-[5em] pr-2">
                <SeverityBadge severity={f.severity} />
              </td>
              <td className="pr-2">{f.message}</td>
              <td className="w-[35%] font-mono text-[7pt] [overflow-wrap:anywhere]">{f.objects.join(" ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {remediations.map((text) => (
        <p key={text} className="mt-1 break-inside-avoid text-[8pt]">
          <span className="font-semibold">Remediation:</span> {text}
        </p>
      ))}
    </div>
  );
}

/** Findings an accepted exception covers: apart from the findings, with the decision behind each. */
function AcceptedExceptions({ accepted }: { accepted: NonNullable<EvidenceReport["accepted"]> }) {
  return (
    <section className="break-before-page" data-testid="report-accepted">
      <h2 className="mb-2 text-xl font-bold">Accepted exceptions ({accepted.length})</h2>
      <p className="mb-2 text-slate-700">
        Findings a reviewed exception accepts until its expiry day; they are not counted among the findings
        above.
      </p>
      {accepted.length === 0 && <p>None.</p>}
      {accepted.map(({ finding, exception }) => (
        <p
          key={`${finding.id}|${finding.objects.join(",")}|${finding.message}`}
          className="mb-1 break-inside-avoid"
        >
          <SeverityBadge severity={finding.severity} />{" "}
          <span className="font-mono text-[9pt]">{finding.id}</span> {finding.message}{" "}
          <span className="text-slate-700">
            Accepted: {exception.reason} (owner {exception.owner}, until {exception.expires}).
          </span>
        </p>
      ))}
    </section>
  );
}

function RiskySubjects({ report }: { report: EvidenceReport }) {
  return (
    <section className="break-before-page">
      <h2 className="mb-2 text-xl font-bold">Risky RBAC subjects</h2>
      <p className="mb-2 text-slate-700">
        Subjects with rights Trustmap rates as risky
        {report.meta.access !== undefined
          ? ` as ${report.meta.access.user} may read them: granted by RoleBindings of their namespaces through Roles beside them`
          : report.meta.scope.kind === "namespace"
            ? " in this namespace (including cluster-wide rights)"
            : ""}
        , and the binding, role and rule that grant each.
      </p>
      {report.rbac.length === 0 && <p>None.</p>}
      {report.rbac.map((row) => (
        <div key={row.ref} className="mb-3 break-inside-avoid">
          <h3 className="font-mono text-[9pt] font-bold">
            {row.ref} {row.worst !== undefined && <SeverityBadge severity={row.worst} />}
          </h3>
          <table className="w-full border-collapse text-left text-[8pt]">
            <thead>
              <tr className="border-b border-slate-400">
                <th className="pr-2">Scope</th>
                <th className="pr-2">Resource</th>
                <th className="pr-2">Verbs</th>
                <th className="pr-2">Risks</th>
                <th>Granted by</th>
              </tr>
            </thead>
            <tbody>
              {row.cells.map((cell) => (
                <tr key={`${cell.scope}|${cell.resource}`} className="border-b border-slate-200 align-top">
                  <td className="pr-2">{cell.scope === "*" ? "cluster-wide" : cell.scope}</td>
                  <td className="pr-2 font-mono [overflow-wrap:anywhere]">{cell.resource}</td>
                  <td className="pr-2">{cell.verbs.join(" ")}</td>
                  <td className="pr-2">{cell.risks.join(" ")}</td>
                  <td className="font-mono [overflow-wrap:anywhere]">
                    {cell.grants.map((g) => (
                      <div key={`${g.binding}|${g.role}|${g.rule}`}>
                        {g.binding} → {g.role} → rule {g.rule + 1}
                        {g.resourceNames.length > 0 ? ` (only ${g.resourceNames.join(", ")})` : ""}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

function Policies({ policies, omitted }: { policies: readonly PolicyAppendix[]; omitted: number }) {
  return (
    <section className="break-before-page">
      <h2 className="mb-2 text-xl font-bold">Appendix: NetworkPolicies in scope</h2>
      {policies.length === 0 && <p>No NetworkPolicy in scope: no pod here is isolated.</p>}
      {omitted > 0 && (
        <p className="mb-2">
          The first {policies.length} of {policies.length + omitted} policies, by namespace and name; the JSON
          export holds them all.
        </p>
      )}
      {policies.map((p) => (
        <div
          key={`${p.namespace}/${p.name}`}
          className="mb-2 break-inside-avoid border-b border-slate-200 pb-1 text-[8.5pt]"
        >
          <h3 className="font-mono font-bold">
            {p.namespace}/{p.name}
          </h3>
          <p>
            Selects {p.podSelector} ({p.pods} pod{p.pods === 1 ? "" : "s"}) · {p.policyTypes.join(" and ")}
          </p>
          <RuleList
            direction="Ingress"
            word="from"
            rules={p.ingress}
            isolates={p.policyTypes.includes("Ingress")}
          />
          <RuleList
            direction="Egress"
            word="to"
            rules={p.egress}
            isolates={p.policyTypes.includes("Egress")}
          />
        </div>
      ))}
    </section>
  );
}

function RuleList({
  direction,
  word,
  rules,
  isolates,
}: {
  direction: string;
  word: string;
  rules: PolicyAppendix["ingress"];
  isolates: boolean;
}) {
  if (!isolates) return null;
  if (rules.length === 0)
    return (
      <p>
        {direction}: no rule, so all {direction.toLowerCase()} is denied.
      </p>
    );
  return (
    <ol className="ml-5 list-decimal">
      {rules.map((rule, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a rule's number is its identity within the policy
        <li key={i}>
          {direction} {word} {rule.peers} on {rule.ports}
        </li>
      ))}
    </ol>
  );
}
