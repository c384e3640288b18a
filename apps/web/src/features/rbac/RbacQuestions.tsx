import { queryOptions, useQuery } from "@tanstack/react-query";
import { CanIAnswer, type GrantTrace, WhoCanAnswer } from "@trustmap/shared";
import { type FormEvent, useState } from "react";
import { getJson, query } from "../../api/client";
import { setParams, useParams } from "../../app/url";
import { SeverityBadge } from "../../ui/SeverityBadge";

// The RBAC questions: "who can VERB RESOURCE [NAME] in NAMESPACE?" and "what may SUBJECT do?".
// Both are the engine's answers (the authorizer's rules over every grant); this only draws them.

const LIMIT = 500;

export const questionQueries = {
  whoCan: (question: Record<string, string | undefined>) =>
    queryOptions({
      queryKey: ["rbac", "who-can", question],
      queryFn: ({ signal }) =>
        getJson(`/api/rbac/who-can${query({ ...question, limit: LIMIT })}`, WhoCanAnswer, signal),
    }),
  canI: (subject: string, namespace: string | undefined) =>
    queryOptions({
      queryKey: ["rbac", "can-i", subject, namespace],
      queryFn: ({ signal }) => getJson(`/api/rbac/can-i${query({ subject, namespace })}`, CanIAnswer, signal),
    }),
};

/** A rule as kubectl prints it: verbs on group/resources, limited names, or URLs. */
export function ruleText(g: GrantTrace): string {
  const names = g.resourceNames.length > 0 ? ` (only ${g.resourceNames.join(", ")})` : "";
  if (g.nonResourceURLs.length > 0) return `${g.verbs.join(",")} on ${g.nonResourceURLs.join(", ")}`;
  const groups = g.apiGroups.map((group) => (group === "" ? "core" : group)).join(",");
  return `${g.verbs.join(",")} on ${groups}/${g.resources.join(",")}${names}`;
}

function GrantLine({ grant }: { grant: GrantTrace }) {
  return (
    <li className="font-mono text-xs break-all">
      {grant.namespace === "*" ? "cluster-wide" : `in ${grant.namespace}`}: {grant.binding} → {grant.role} →
      rule {grant.rule + 1} ({ruleText(grant)})
    </li>
  );
}

/** The "Who can …?" question: its form, and the ranked answer with what grants each subject. */
export function WhoCanQuestion() {
  const params = useParams();
  const asked = {
    verb: params.get("whoVerb") ?? undefined,
    resource: params.get("whoResource") ?? undefined,
    namespace: params.get("whoNs") ?? undefined,
    name: params.get("whoName") ?? undefined,
  };
  const [draft, setDraft] = useState({
    verb: asked.verb ?? "get",
    resource: asked.resource ?? "",
    namespace: asked.namespace ?? "",
    name: asked.name ?? "",
  });
  const ready = asked.verb !== undefined && asked.resource !== undefined;
  const question = asked.resource?.startsWith("/")
    ? { verb: asked.verb, nonResourceURL: asked.resource }
    : asked;
  const { data, error, isFetching } = useQuery({ ...questionQueries.whoCan(question), enabled: ready });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams({
      whoVerb: draft.verb.trim(),
      whoResource: draft.resource.trim(),
      whoNs: draft.namespace.trim(),
      whoName: draft.name.trim(),
    });
  };
  const field = (key: keyof typeof draft, label: string, placeholder: string, width: string) => (
    <label>
      {label}{" "}
      <input
        value={draft[key]}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
        placeholder={placeholder}
        aria-label={`who can: ${label}`}
        className={`${width} rounded border border-slate-400 bg-transparent px-1`}
      />
    </label>
  );
  return (
    <section
      className="border-b border-slate-300 p-2 text-sm dark:border-slate-700"
      aria-label="Who can"
      data-testid="who-can"
    >
      <form className="flex flex-wrap items-end gap-3" onSubmit={submit}>
        <span className="font-semibold">Who can</span>
        {field("verb", "verb", "get", "w-20")}
        {field("resource", "resource", "secrets, pods/exec, /metrics", "w-40")}
        {field("name", "name", "any", "w-36")}
        {field("namespace", "in namespace", "cluster-wide", "w-32")}
        <button type="submit" className="rounded border border-slate-400 px-2">
          Ask
        </button>
        {ready && (
          <button
            type="button"
            className="text-xs underline"
            onClick={() =>
              setParams({ whoVerb: undefined, whoResource: undefined, whoNs: undefined, whoName: undefined })
            }
          >
            clear
          </button>
        )}
      </form>
      {ready && error !== null && <p role="alert">Cannot answer: {error.message}</p>}
      {ready && isFetching && <p aria-live="polite">Asking…</p>}
      {ready && data !== undefined && !isFetching && (
        <div className="mt-2 max-h-72 overflow-y-auto" data-testid="who-can-answer">
          <p data-testid="who-can-total">
            {data.total === 0
              ? "Nobody."
              : `${data.total} subject${data.total === 1 ? "" : "s"}${data.total > data.subjects.length ? `, the first ${data.subjects.length} shown` : ""}${
                  data.question.apiGroup === null ? " (in any API group)" : ""
                }:`}
          </p>
          <ol className="space-y-1">
            {data.subjects.map((entry) => (
              <li key={entry.ref} data-subject={entry.ref}>
                <span className="mr-1">
                  {entry.worst === undefined ? null : <SeverityBadge severity={entry.worst} />}
                </span>
                <button
                  type="button"
                  className="font-mono text-xs underline"
                  onClick={() => setParams({ can: entry.ref })}
                >
                  {entry.ref}
                </button>{" "}
                <span className="text-xs">{entry.clusterWide ? "cluster-wide" : "in namespace"}</span>
                {entry.onlyNames !== undefined && (
                  <span className="text-xs"> · only {entry.onlyNames.join(", ")}</span>
                )}
                <ul className="ml-4">
                  {entry.grants.map((g) => (
                    <GrantLine key={`${g.namespace} ${g.binding} ${g.role} ${g.rule}`} grant={g} />
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

/** "What may SUBJECT do" (in the matrix's namespace, or everywhere): its rules, cluster-wide first. */
export function SubjectRightsPanel({
  subject,
  namespace,
}: {
  subject: string;
  namespace: string | undefined;
}) {
  const { data, error, isFetching } = useQuery(questionQueries.canI(subject, namespace));
  return (
    <div data-testid="can-i-panel" className="space-y-2">
      <h2 className="font-semibold break-all">What may {subject} do?</h2>
      <p className="text-xs">{namespace === undefined ? "Everywhere." : `In namespace ${namespace}.`}</p>
      {error !== null && <p role="alert">Cannot answer: {error.message}</p>}
      {isFetching && <p aria-live="polite">Loading…</p>}
      {data !== undefined && !isFetching && (
        <>
          <p>{data.worst === undefined ? "No risky right." : <SeverityBadge severity={data.worst} />}</p>
          {data.rules.length === 0 && <p>Nothing.</p>}
          <ul className="space-y-1">
            {data.rules.map((r) => (
              <li key={`${r.namespace} ${r.binding} ${r.role} ${r.rule}`}>
                <span className="font-mono text-xs">{ruleText(r)}</span>
                {r.risks.length > 0 && (
                  <span className="text-xs text-red-700 dark:text-red-300">
                    {" "}
                    · risky: {r.risks.join(", ")}
                  </span>
                )}
                <ul className="ml-3">
                  <GrantLine grant={r} />
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
