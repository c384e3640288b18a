import { useQuery } from "@tanstack/react-query";
import {
  type AcceptedFinding,
  type Finding,
  type FixEntry,
  type GapsAnswer,
  type GapsGroup,
  PILLAR_TITLES,
  SEVERITY_ORDER,
} from "@trustmap/shared";
import { useState } from "react";
import { sessionQuery } from "../../api/session";
import { setParams, useParams } from "../../app/url";
import { ExportLinks } from "../../ui/ExportLinks";
import { SeverityBadge } from "../../ui/SeverityBadge";
import { AccessNote } from "../auth/AccessNote";
import { SinceBar } from "../changes/ChangesPage";
import { DraftChangesBar } from "../drafts/DraftsPage";
import { type GapsFilters, gapsQueries } from "./api";

type GapsCheck = GapsAnswer["pillars"][number]["checks"][number];

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

/** "N of M" and the buttons to the previous and next page of a list the engine paged. */
function Pager({
  what,
  page,
  size,
  onOffset,
  testId,
}: {
  what: string;
  page: { total: number; offset: number; items: readonly unknown[] };
  size: number;
  onOffset: (offset: number) => void;
  testId: string;
}) {
  const shown = page.items.length;
  if (page.offset === 0 && shown === page.total) return null;
  return (
    <p className="my-1 flex items-center gap-2 text-xs" data-testid={testId}>
      <span>
        {page.offset + 1}–{page.offset + shown} of {page.total} {what}
      </span>
      <button
        type="button"
        className="rounded border border-slate-400 px-1 disabled:opacity-40"
        disabled={page.offset === 0}
        onClick={() => onOffset(Math.max(0, page.offset - size))}
      >
        Previous
      </button>
      <button
        type="button"
        className="rounded border border-slate-400 px-1 disabled:opacity-40"
        disabled={page.offset + shown >= page.total}
        onClick={() => onOffset(page.offset + size)}
        data-testid={`${testId}-next`}
      >
        Next
      </button>
    </p>
  );
}

function findingKey(f: Finding): string {
  return `${f.id}|${f.objects.join(",")}|${f.message}`;
}

function FindingItem({ finding: f }: { finding: Finding }) {
  return (
    <li
      className="rounded border border-slate-200 p-2 text-sm dark:border-slate-800"
      data-finding={f.id}
      data-finding-key={findingKey(f)}
    >
      <p>
        <SeverityBadge severity={f.severity} /> {f.message}
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
  );
}

const sizeOf = (text: string | undefined, fallback: number) => Number(text ?? fallback) || fallback;

/** One workload (or object) of a check: its findings, paged by the engine. */
function GroupSection({
  filters,
  check,
  groupOffset,
  group: first,
}: {
  filters: GapsFilters;
  check: string;
  groupOffset: number;
  group: GapsGroup;
}) {
  const [offset, setOffset] = useState(0);
  const paged = useQuery({
    ...gapsQueries.answer(filters, { check, groupOffset, group: first.key, offset }),
    enabled: offset !== 0,
  });
  const answered =
    offset === 0
      ? first
      : paged.data?.pillars
          .flatMap((p) => p.checks)
          .find((c) => c.id === check)
          ?.groups.items.find((g) => g.key === first.key);
  const group = answered ?? first;
  return (
    <li className="ml-3" data-testid="gaps-group" data-group={group.key}>
      <p className="text-sm font-medium">
        <SeverityBadge severity={group.severity} /> <span className="text-xs">{group.object.kind}</span>{" "}
        {group.name}
        {group.pods > 0 && ` · ${group.pods} pod${group.pods === 1 ? "" : "s"}`} ({group.findings.total})
      </p>
      <Pager
        what="findings"
        page={group.findings}
        size={sizeOf(filters.limit, 5)}
        onOffset={setOffset}
        testId="findings-pager"
      />
      <ul className="space-y-1">
        {group.findings.items.map((f) => (
          <FindingItem key={findingKey(f)} finding={f} />
        ))}
      </ul>
    </li>
  );
}

/** One check of a pillar: its workloads and objects, paged by the engine. */
function CheckSection({ filters, check: first }: { filters: GapsFilters; check: GapsCheck }) {
  const [groupOffset, setGroupOffset] = useState(0);
  const paged = useQuery({
    ...gapsQueries.answer(filters, { check: first.id, groupOffset }),
    enabled: groupOffset !== 0,
  });
  const answered =
    groupOffset === 0 ? first : paged.data?.pillars.flatMap((p) => p.checks).find((c) => c.id === first.id);
  const check = answered ?? first;
  return (
    <section className="mb-2" data-testid="gaps-check" data-check={check.id}>
      <h3 className="text-sm font-semibold">
        <SeverityBadge severity={check.severity} /> {check.title}{" "}
        <span className="font-mono text-xs">{check.id}</span>{" "}
        <span data-testid="check-total">({check.total})</span>
      </h3>
      <Pager
        what="workloads and objects"
        page={check.groups}
        size={sizeOf(filters.groupLimit, 10)}
        onOffset={setGroupOffset}
        testId="groups-pager"
      />
      <ul className="space-y-1">
        {check.groups.items.map((group) => (
          <GroupSection
            key={`${check.groups.offset} ${group.key}`}
            filters={filters}
            check={check.id}
            groupOffset={check.groups.offset}
            group={group}
          />
        ))}
      </ul>
    </section>
  );
}

/** The engine's default page size of the fix-first list (the URL does not set it). */
const FIX_PAGE = 10;

function FixFirst({ filters, answer: first }: { filters: GapsFilters; answer: GapsAnswer }) {
  const [fixOffset, setOffset] = useState(0);
  const paged = useQuery({
    ...gapsQueries.answer(filters, { fixOffset }),
    enabled: fixOffset !== 0,
  });
  const answer = fixOffset === 0 ? first : (paged.data ?? first);
  const fix = answer.fixFirst;
  const shown = fix.items.length;
  return (
    <section className="mb-4" aria-label="Fix first" data-testid="fix-first">
      <h2 className="text-lg font-semibold" data-testid="fix-first-heading">
        Fix first ({shown === 0 ? 0 : `${fix.offset + 1}–${fix.offset + shown}`} of {fix.total})
      </h2>
      <p className="mb-1 text-xs text-slate-600 dark:text-slate-400" data-testid="fix-first-scoring">
        {answer.scoring}
      </p>
      <Pager what="entries" page={fix} size={FIX_PAGE} onOffset={setOffset} testId="fix-pager" />
      {/* The list counts from the page's first entry, so an entry keeps its rank on every page. */}
      <ol className="list-decimal space-y-1 pl-6 text-sm" start={fix.offset + 1}>
        {fix.items.map((entry: FixEntry) => (
          <li
            key={`${entry.object.kind}/${entry.object.namespace ?? ""}/${entry.name}`}
            data-testid="fix-entry"
          >
            <p>
              <SeverityBadge severity={entry.severity} /> <span className="text-xs">{entry.object.kind}</span>{" "}
              <span data-testid="fix-name">{entry.name}</span> · score{" "}
              <span data-testid="fix-score">{entry.score}</span> · {entry.findings.total} finding
              {entry.findings.total === 1 ? "" : "s"}
            </p>
            <p className="text-xs" data-testid="fix-why">
              {entry.why.join("; ")}
            </p>
            <details>
              <summary className="cursor-pointer text-xs">Fix</summary>
              <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">
                {entry.fix}
              </pre>
              <CopyButton text={entry.fix} />
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Accepted({ filters, answer: first }: { filters: GapsFilters; answer: GapsAnswer }) {
  const [acceptedOffset, setOffset] = useState(0);
  const paged = useQuery({
    ...gapsQueries.answer(filters, { acceptedOffset }),
    enabled: acceptedOffset !== 0,
  });
  const accepted = (acceptedOffset === 0 ? first : (paged.data ?? first)).accepted;
  return (
    <section className="mb-4" aria-label="Accepted exceptions" data-testid="accepted">
      <h2 className="text-lg font-semibold">
        Accepted exceptions (<span data-testid="accepted-total">{accepted.total}</span>)
      </h2>
      {first.expired > 0 && (
        <p className="text-xs" data-testid="expired">
          {first.expired} finding{first.expired === 1 ? " is" : "s are"} open again: their exception expired.
        </p>
      )}
      <Pager
        what="accepted findings"
        page={accepted}
        size={20}
        onOffset={setOffset}
        testId="accepted-pager"
      />
      <ul className="space-y-1">
        {accepted.items.map(({ finding, exception }: AcceptedFinding) => (
          <li
            key={findingKey(finding)}
            className="rounded border border-dashed border-slate-400 p-2 text-sm"
            data-testid="accepted-finding"
          >
            <p>
              <SeverityBadge severity={finding.severity} /> {finding.message}
            </p>
            <p className="text-xs">
              Accepted: {exception.reason} · owner {exception.owner} · until {exception.expires}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The engine's gaps: fix first, then pillar → check → workload with true totals, accepted exceptions apart. */
export function GapsPage() {
  const params = useParams();
  const filters: GapsFilters = {
    severity: params.get("severity") ?? undefined,
    namespace: params.get("ns") ?? undefined,
    pillar: params.get("pillar") ?? undefined,
    groupLimit: params.get("groups") ?? undefined,
    limit: params.get("per") ?? undefined,
  };
  const { data, error } = useQuery(gapsQueries.answer(filters));
  const exportFilters = { severity: filters.severity, namespace: filters.namespace, pillar: filters.pillar };
  // The change log is about the whole cluster: its bar is for those who may read all of it.
  const session = useQuery(sessionQuery());
  const scoped = session.data?.access !== undefined && !session.data.access.cluster;
  // A draft's findings, new and resolved (`draft`), shown above the live ones.
  const draft = params.get("draft") ?? undefined;
  return (
    <div className="h-full overflow-y-auto p-3" data-export-root data-ready={data !== undefined}>
      <AccessNote what="Findings about what you may read only: the objects of your namespaces, and the rights their RoleBindings grant through their Roles; scores rest on nothing else" />
      {!scoped && draft === undefined && (
        <SinceBar area="finding" namespace={filters.namespace} what="New and resolved findings" />
      )}
      {!scoped && draft !== undefined && (
        <DraftChangesBar
          id={draft}
          area="finding"
          namespace={filters.namespace}
          what="New and resolved findings"
        />
      )}
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
        <ExportLinks
          what="report"
          formats={["pdf", "csv", "json", "sarif"]}
          filters={exportFilters}
          page="gaps"
        />
        <span data-testid="gaps-total">
          {data === undefined ? "…" : `${data.total} findings`}
          {data !== undefined && ` (${SEVERITY_ORDER.map((s) => `${data.counts[s]} ${s}`).join(", ")})`}
        </span>
      </form>
      {error !== null && <p role="alert">Cannot load the findings: {error.message}</p>}
      {data !== undefined && <FixFirst filters={filters} answer={data} />}
      {data?.pillars.map((pillar) => (
        <section key={pillar.pillar} className="mb-4" aria-label={PILLAR_TITLES[pillar.pillar]}>
          <h2 className="mb-1 text-lg font-semibold">
            {PILLAR_TITLES[pillar.pillar]} (
            <span data-testid={`pillar-total-${pillar.pillar}`}>{pillar.total}</span>)
          </h2>
          <div data-testid={`pillar-${pillar.pillar}`}>
            {pillar.checks.map((check) => (
              <CheckSection key={check.id} filters={filters} check={check} />
            ))}
          </div>
        </section>
      ))}
      {data !== undefined && <Accepted filters={filters} answer={data} />}
    </div>
  );
}
