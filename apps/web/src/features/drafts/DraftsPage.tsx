import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  causeText,
  changedText,
  DRAFT_KEPT_DAYS,
  DRAFT_KINDS,
  type DraftDeletion,
  type DraftDifference,
  type DraftInput,
  deletionText,
  factText,
  KIND_WORDS,
  SECTION_TITLES,
  viewKey,
} from "@trustmap/shared";
import { useEffect, useState } from "react";
import { setParams, useParams } from "../../app/url";
import { SeverityBadge } from "../../ui/SeverityBadge";
import { KIND_COLOURS } from "../changes/words";
import { graphQueries } from "../graph/api";
import {
  createDraft,
  deleteDraft,
  draftLink,
  draftQueries,
  liveObjectYaml,
  proposeDraft,
  saveDraft,
  yamlHref,
} from "./api";
import { DraftFrame } from "./DraftFrame";

// What if: drafts of manifests and deletions over the live cluster, never sent to it. The BFF
// reads each draft against the cluster as it is now and answers what it changes; this page draws
// that answer, and lets the user write, share and download the draft.

/** How often the difference is asked again while the page is open: the live cluster keeps changing. */
const DIFFERENCE_EVERY_MS = 5_000;

const input = "rounded border border-slate-400 bg-transparent px-1";
const button = "rounded border border-slate-400 px-2 text-sm disabled:opacity-50";

export function DraftsPage() {
  const id = useParams().get("draft") ?? undefined;
  return id === undefined ? <DraftsHome /> : <DraftEditor key={id} id={id} />;
}

function DraftsHome() {
  const list = useQuery(draftQueries.list());
  const [error, setError] = useState<string>();
  const start = () =>
    createDraft({ name: "Untitled draft", manifests: "", deletions: [] }).then(
      (draft) => setParams({ draft: draft.id }),
      (failure: Error) => setError(failure.message),
    );
  return (
    <div className="h-full space-y-4 overflow-y-auto p-3 text-sm">
      <section aria-label="Drafts" className="space-y-2">
        <h2 className="text-base font-semibold">What if: drafts over the live cluster</h2>
        <p className="text-slate-600 dark:text-slate-400">
          A draft holds manifests to put and objects to delete. Trustmap reads it against the live cluster as
          it is now and shows what it would change; nothing is sent to the cluster. Drafts are kept{" "}
          {DRAFT_KEPT_DAYS} days after their last change.
        </p>
        <button type="button" className={button} onClick={() => void start()}>
          New draft
        </button>
        {error !== undefined && <p role="alert">{error}</p>}
        {list.error !== null && <p role="alert">{list.error.message}</p>}
        {list.data !== undefined && list.data.drafts.length === 0 && <p>No draft is kept.</p>}
        <ul data-testid="draft-list">
          {list.data?.drafts.map((draft) => (
            <li key={draft.id}>
              <a
                className="text-blue-700 underline dark:text-blue-300"
                href={`?tab=drafts&draft=${draft.id}`}
              >
                {draft.name === "" ? "(no name)" : draft.name}
              </a>{" "}
              <span className="text-xs text-slate-600 dark:text-slate-400">
                by {draft.author}, changed {new Date(draft.updatedAt).toLocaleString()}, kept until{" "}
                {new Date(draft.expiresAt).toLocaleDateString()}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <PolicyWriter />
    </div>
  );
}

/** The generator: today's connections of a namespace, those to keep marked, written as policies in a new draft. */
function PolicyWriter() {
  const namespaces = useQuery(graphQueries.namespaces());
  const [namespace, setNamespace] = useState("");
  // One workload's connections to choose from, the namespace's others kept as they are; or all.
  const [workload, setWorkload] = useState("");
  const connections = useQuery({
    ...draftQueries.connections(namespace, workload === "" ? undefined : workload),
    enabled: namespace !== "",
  });
  const [dropped, setDropped] = useState<ReadonlySet<string>>(new Set());
  const [added, setAdded] = useState<{ from: string; to: string; ports: string }[]>([]);
  const [extra, setExtra] = useState({ from: "", to: "", ports: "" });
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const keyOf = (c: { from: string; to: string; ports: string }) => `${c.from} ${c.to} ${c.ports}`;
  const write = () => {
    setBusy(true);
    setError(undefined);
    const keep = [
      ...(connections.data?.connections ?? []).filter((c) => !dropped.has(keyOf(c))),
      ...(connections.data?.others ?? []),
      ...added,
    ].map(({ from, to, ports }) => ({ from, to, ports }));
    proposeDraft(namespace, keep).then(
      (draft) => setParams({ draft: draft.id }),
      (failure: Error) => {
        setError(failure.message);
        setBusy(false);
      },
    );
  };
  return (
    <section aria-label="Write the policy" className="space-y-2" data-testid="policy-writer">
      <h2 className="text-base font-semibold">Write the policy</h2>
      <p className="text-slate-600 dark:text-slate-400">
        Trustmap proposes the least-privilege NetworkPolicies of a namespace that keep exactly the connections
        marked (and DNS for the workloads that send), and deny everything else. They replace the namespace's
        policies, as a draft: its difference shows before anything is applied.
      </p>
      <label>
        Namespace{" "}
        <select
          aria-label="Namespace to write the policy for"
          className={input}
          value={namespace}
          onChange={(event) => {
            setNamespace(event.target.value);
            setWorkload("");
            setDropped(new Set());
            setAdded([]);
          }}
        >
          <option value="">choose…</option>
          {namespaces.data?.namespaces.map((n) => (
            <option key={n.name} value={n.name}>
              {n.name}
            </option>
          ))}
        </select>
      </label>
      {namespace !== "" && (
        <label className="ml-3">
          Workload{" "}
          <select
            aria-label="Workload to write the policy for"
            className={input}
            value={workload}
            onChange={(event) => {
              setWorkload(event.target.value);
              setDropped(new Set());
            }}
          >
            <option value="">every workload of the namespace</option>
            {connections.data?.workloads.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      {connections.error !== null && <p role="alert">{connections.error.message}</p>}
      {connections.data !== undefined && (
        <fieldset className="space-y-1">
          <legend>
            Connections allowed today ({connections.data.connections.length}): keep the marked ones
            {connections.data.others.length > 0 &&
              `; the ${connections.data.others.length} of the namespace's other workloads are kept as they are`}
          </legend>
          <ul data-testid="writer-connections">
            {connections.data.connections.map((c) => (
              <li key={keyOf(c)}>
                <label>
                  <input
                    type="checkbox"
                    checked={!dropped.has(keyOf(c))}
                    onChange={(event) => {
                      const next = new Set(dropped);
                      if (event.target.checked) next.delete(keyOf(c));
                      else next.add(keyOf(c));
                      setDropped(next);
                    }}
                  />{" "}
                  {factText(c)}
                </label>
              </li>
            ))}
            {added.map((c, i) => (
              <li key={`added ${keyOf(c)}`}>
                added: {c.from} → {c.to} on {c.ports}{" "}
                <button
                  type="button"
                  className="text-xs underline"
                  onClick={() => setAdded(added.filter((_, j) => j !== i))}
                >
                  remove
                </button>
              </li>
            ))}
          </ul>
          <div className="flex flex-wrap items-center gap-1">
            Add a connection:
            <input
              aria-label="From"
              className={input}
              placeholder="from: ns/workload, * or outside"
              value={extra.from}
              onChange={(event) => setExtra({ ...extra, from: event.target.value })}
            />
            <input
              aria-label="To"
              className={input}
              placeholder="to: ns/workload, * or outside"
              value={extra.to}
              onChange={(event) => setExtra({ ...extra, to: event.target.value })}
            />
            <input
              aria-label="Ports"
              className={input}
              placeholder="ports: TCP:8080;UDP:53"
              value={extra.ports}
              onChange={(event) => setExtra({ ...extra, ports: event.target.value })}
            />
            <button
              type="button"
              className={button}
              disabled={extra.from === "" || extra.to === "" || extra.ports === ""}
              onClick={() => {
                setAdded([...added, extra]);
                setExtra({ from: "", to: "", ports: "" });
              }}
            >
              Add
            </button>
          </div>
          <button type="button" className={button} disabled={busy} onClick={write}>
            Write the policies as a draft
          </button>
        </fieldset>
      )}
      {error !== undefined && (
        <p role="alert" className="rounded border border-red-600 p-2">
          {error}
        </p>
      )}
    </section>
  );
}

function sameInput(a: DraftInput, b: DraftInput): boolean {
  return (
    JSON.stringify([a.name, a.manifests, a.deletions]) === JSON.stringify([b.name, b.manifests, b.deletions])
  );
}

function DraftEditor({ id }: { id: string }) {
  const client = useQueryClient();
  const draft = useQuery(draftQueries.draft(id));
  const [edited, setEdited] = useState<DraftInput>();
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (draft.data !== undefined && edited === undefined)
      setEdited({ name: draft.data.name, manifests: draft.data.manifests, deletions: draft.data.deletions });
  }, [draft.data, edited]);
  if (draft.error !== null)
    return (
      <div className="p-3 text-sm">
        <p role="alert">{draft.error.message}</p>
        <a className="text-blue-700 underline dark:text-blue-300" href="?tab=drafts">
          All drafts
        </a>
      </div>
    );
  if (draft.data === undefined || edited === undefined)
    return <p className="p-3 text-sm">Loading the draft…</p>;
  const saved = draft.data;
  const mine = saved.yours === true;
  const dirty = !sameInput(edited, saved);
  const save = (copy: boolean) => {
    setSaving(true);
    setError(undefined);
    (copy ? createDraft({ ...edited, name: `${edited.name} (copy)` }) : saveDraft(id, edited)).then(
      (next) => {
        setSaving(false);
        if (copy) {
          setParams({ draft: next.id });
          return;
        }
        client.setQueryData(draftQueries.draft(id).queryKey, next);
        void client.invalidateQueries({ queryKey: ["draft", id] });
      },
      (failure: Error) => {
        setSaving(false);
        setError(failure.message);
      },
    );
  };
  return (
    <div className="flex h-full min-h-0 flex-wrap overflow-y-auto lg:flex-nowrap">
      <section aria-label="Draft" className="w-full space-y-2 p-3 text-sm lg:w-1/2 lg:overflow-y-auto">
        <a className="text-blue-700 underline dark:text-blue-300" href="?tab=drafts">
          All drafts
        </a>
        <label className="block">
          Name{" "}
          <input
            className={`${input} w-80`}
            value={edited.name}
            maxLength={200}
            onChange={(event) => setEdited({ ...edited, name: event.target.value })}
          />
        </label>
        <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="draft-kept">
          By {saved.author}; last saved {new Date(saved.updatedAt).toLocaleString()}; kept until{" "}
          {new Date(saved.expiresAt).toLocaleString()} ({DRAFT_KEPT_DAYS} days after its last change).
        </p>
        <ManifestsEditor
          manifests={edited.manifests}
          onChange={(manifests) => setEdited({ ...edited, manifests })}
        />
        <Deletions
          deletions={edited.deletions}
          onChange={(deletions) => setEdited({ ...edited, deletions })}
        />
        <div className="flex flex-wrap items-center gap-2">
          {mine ? (
            <button type="button" className={button} disabled={!dirty || saving} onClick={() => save(false)}>
              {dirty ? "Save and compare" : "Saved"}
            </button>
          ) : (
            <span className="text-xs">This draft is {saved.author}'s: your changes go to a copy.</span>
          )}
          <button type="button" className={button} disabled={saving} onClick={() => save(true)}>
            Save a copy
          </button>
          <a className={button} href={yamlHref(id)} download data-testid="draft-download">
            Download YAML
          </a>
          <a className={button} href={`?${new URLSearchParams({ draft: id, view: "overview" })}`}>
            Show on the graph
          </a>
          {mine && (
            <button
              type="button"
              className={button}
              onClick={() =>
                void deleteDraft(id).then(
                  () => setParams({ draft: undefined }),
                  (failure: Error) => setError(failure.message),
                )
              }
            >
              Delete draft
            </button>
          )}
        </div>
        {dirty && <p role="status">Unsaved changes: the difference beside is of the draft as last saved.</p>}
        {error !== undefined && (
          <p role="alert" className="rounded border border-red-600 p-2">
            {error}
          </p>
        )}
        <label className="block text-xs">
          Link to share (kept on the server until {new Date(saved.expiresAt).toLocaleDateString()}):{" "}
          <input className={`${input} w-full`} readOnly value={draftLink(id)} data-testid="draft-link" />
        </label>
      </section>
      <DifferencePanel id={id} />
    </div>
  );
}

function ManifestsEditor({ manifests, onChange }: { manifests: string; onChange: (text: string) => void }) {
  const [live, setLive] = useState<{ kind: string; namespace: string; name: string }>({
    kind: "NetworkPolicy",
    namespace: "",
    name: "",
  });
  const [error, setError] = useState<string>();
  const append = (text: string) =>
    onChange(manifests.trim() === "" ? text : `${manifests.trimEnd()}\n---\n${text}`);
  return (
    <div className="space-y-1">
      <label className="block">
        Manifests to put (YAML or JSON; several documents apart with ---)
        <textarea
          className={`${input} block h-72 w-full font-mono text-xs`}
          spellCheck={false}
          value={manifests}
          onChange={(event) => onChange(event.target.value)}
          data-testid="draft-manifests"
        />
      </label>
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <label>
          Upload files{" "}
          <input
            type="file"
            multiple
            accept=".yaml,.yml,.json"
            onChange={(event) => {
              const files = [...(event.target.files ?? [])];
              void Promise.all(files.map((file) => file.text())).then((texts) => {
                for (const text of texts) append(text);
              });
            }}
          />
        </label>
      </div>
      <fieldset className="flex flex-wrap items-center gap-1 text-xs">
        <legend>Edit a copy of a live object</legend>
        <select
          aria-label="Kind of the live object"
          className={input}
          value={live.kind}
          onChange={(event) => setLive({ ...live, kind: event.target.value })}
        >
          {DRAFT_KINDS.filter((kind) => kind !== "Pod").map((kind) => (
            <option key={kind}>{kind}</option>
          ))}
        </select>
        <input
          aria-label="Namespace of the live object"
          className={input}
          placeholder="namespace"
          value={live.namespace}
          onChange={(event) => setLive({ ...live, namespace: event.target.value })}
        />
        <input
          aria-label="Name of the live object"
          className={input}
          placeholder="name"
          value={live.name}
          onChange={(event) => setLive({ ...live, name: event.target.value })}
        />
        <button
          type="button"
          className={button}
          disabled={live.name === ""}
          onClick={() =>
            void liveObjectYaml(
              live.kind,
              live.namespace === "" ? undefined : live.namespace,
              live.name,
            ).then(
              (answer) => {
                setError(undefined);
                append(answer.yaml);
              },
              (failure: Error) => setError(failure.message),
            )
          }
        >
          Add to the draft
        </button>
        {error !== undefined && <span role="alert">{error}</span>}
      </fieldset>
    </div>
  );
}

function Deletions({
  deletions,
  onChange,
}: {
  deletions: readonly DraftDeletion[];
  onChange: (next: DraftDeletion[]) => void;
}) {
  const [next, setNext] = useState<DraftDeletion>({ kind: "NetworkPolicy", namespace: "", name: "" });
  return (
    <fieldset className="space-y-1">
      <legend>Objects to delete ({deletions.length})</legend>
      <ul data-testid="draft-deletions">
        {deletions.map((deletion, i) => (
          <li key={deletionText(deletion)}>
            {deletionText(deletion)}{" "}
            <button
              type="button"
              className="text-xs underline"
              onClick={() => onChange(deletions.filter((_, j) => j !== i))}
            >
              keep it
            </button>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-1 text-xs">
        <select
          aria-label="Kind to delete"
          className={input}
          value={next.kind}
          onChange={(event) => setNext({ ...next, kind: event.target.value as DraftDeletion["kind"] })}
        >
          {DRAFT_KINDS.map((kind) => (
            <option key={kind}>{kind}</option>
          ))}
        </select>
        <input
          aria-label="Namespace to delete in"
          className={input}
          placeholder="namespace"
          value={next.namespace ?? ""}
          onChange={(event) => setNext({ ...next, namespace: event.target.value })}
        />
        <input
          aria-label="Name to delete"
          className={input}
          placeholder="name"
          value={next.name}
          onChange={(event) => setNext({ ...next, name: event.target.value })}
        />
        <button
          type="button"
          className={button}
          disabled={next.name === ""}
          onClick={() => {
            const { namespace, ...rest } = next;
            const deletion = namespace === undefined || namespace === "" ? rest : next;
            // Each object once.
            if (!deletions.some((d) => deletionText(d) === deletionText(deletion)))
              onChange([...deletions, deletion]);
            setNext({ ...next, name: "" });
          }}
        >
          Delete in the draft
        </button>
      </div>
    </fieldset>
  );
}

function DifferencePanel({ id }: { id: string }) {
  // The revision asked for moves on every DIFFERENCE_EVERY_MS: the answer is always draft versus now.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), DIFFERENCE_EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  const { data, error, isFetching, dataUpdatedAt } = useQuery(draftQueries.difference(id, tick));
  return (
    <section
      aria-label="What the draft changes"
      className="w-full space-y-2 border-l border-slate-300 p-3 text-sm lg:w-1/2 lg:overflow-y-auto dark:border-slate-700"
      data-testid="draft-difference"
      data-ready={data !== undefined && !isFetching}
    >
      <h2 className="text-base font-semibold">What the draft changes, against the live cluster now</h2>
      {error !== null && <p role="alert">{error.message}</p>}
      {data === undefined && error === null && <p>Reading the draft against the cluster…</p>}
      {data !== undefined && <Difference answer={data} at={dataUpdatedAt} />}
    </section>
  );
}

/**
 * What a draft changes of one area, where another page shows that area (the gaps' findings): the
 * draft is the page's `draft` parameter; the BFF narrows, counts and orders.
 */
export function DraftChangesBar({
  id,
  area,
  namespace,
  what,
}: {
  id: string;
  area: "finding" | "rbac" | "reach";
  namespace?: string | undefined;
  what: string;
}) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), DIFFERENCE_EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  const { data, error, dataUpdatedAt } = useQuery(draftQueries.narrowed(id, area, namespace, tick));
  const name = useQuery(draftQueries.draft(id)).data?.name;
  return (
    <DraftFrame id={id} live="Close" testId="draft-changes-bar">
      <p role="status">
        What if: {what.toLowerCase()} with the draft {name === undefined ? "" : `"${name}"`}, against the live
        cluster now (nothing is sent to it).
      </p>
      {error !== null && <p role="alert">{error.message}</p>}
      {data !== undefined && <Difference answer={data} at={dataUpdatedAt} />}
    </DraftFrame>
  );
}

function Difference({ answer, at }: { answer: DraftDifference; at: number }) {
  if (answer.errors.length > 0)
    return (
      <div role="alert" className="rounded border border-red-600 p-2" data-testid="draft-errors">
        <p className="font-semibold">The draft is wrong; nothing is compared until it is fixed:</p>
        <ul className="list-disc pl-4 font-mono text-xs">
          {answer.errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      </div>
    );
  const diff = answer.diff!;
  return (
    <div className="space-y-2">
      <p className="text-xs text-slate-600 dark:text-slate-400">
        {answer.puts} {answer.puts === 1 ? "object" : "objects"} put, {answer.deletes} deleted; read against
        the live cluster at {new Date(at).toLocaleTimeString()} (again every {DIFFERENCE_EVERY_MS / 1000} s).
      </p>
      {answer.notes.map((note) => (
        <p key={note} role="note" className="text-xs">
          {note}
        </p>
      ))}
      {answer.absent.length > 0 && (
        <p role="status" className="text-xs">
          Not in the cluster now, so deleting changes nothing: {answer.absent.join(", ")}
        </p>
      )}
      {diff.causes.length > 0 && (
        <p className="text-xs" data-testid="draft-causes">
          The draft changes: {diff.causes.map(causeText).join("; ")}
        </p>
      )}
      {diff.failed.length > 0 && (
        <p role="status" className="rounded border border-red-600 p-1 text-xs" data-testid="draft-gates">
          A CI gate would stop it:{" "}
          {diff.gates
            .filter((g) => g.tripped > 0)
            .map((g) => `${g.gate} (${g.tripped})`)
            .join(", ")}
        </p>
      )}
      <p className="flex flex-wrap gap-3 text-xs" data-testid="draft-counts">
        {diff.changes.length === 0
          ? "No connection, finding or right differs."
          : SECTION_TITLES.filter(([key]) => (diff.counts[key] ?? 0) > 0).map(([key, title]) => (
              <span key={key}>
                {title}: {diff.counts[key]}
              </span>
            ))}
      </p>
      <ul data-testid="draft-changes">
        {diff.changes.map((change) => {
          const fact = (change.after ?? change.before)!;
          const changed =
            change.before !== undefined && change.after !== undefined
              ? changedText(change.before, change.after)
              : undefined;
          const namespace = fact.namespaces[0];
          return (
            <li
              key={change.key}
              className="border-b border-slate-200 px-1 py-1 dark:border-slate-800"
              data-testid="draft-change"
            >
              <div className="flex flex-wrap items-center gap-2">
                <span
                  className={`rounded border px-1 text-xs ${KIND_COLOURS[change.kind]}`}
                  data-testid="change-kind"
                >
                  {KIND_WORDS[change.area][change.kind]}
                </span>
                {fact.area === "finding" && <SeverityBadge severity={fact.finding.severity} />}
                <span data-testid="change-fact">{factText(fact)}</span>
                {change.trips.map((gate) => (
                  <span key={gate} className="rounded bg-red-100 px-1 text-xs text-red-900">
                    trips {gate}
                  </span>
                ))}
                {fact.area === "finding" && (
                  <a
                    className="text-xs text-blue-700 underline dark:text-blue-300"
                    href={`?${new URLSearchParams({ tab: "gaps", draft: answer.id, ...(namespace === undefined ? {} : { ns: namespace }) })}`}
                  >
                    gaps
                  </a>
                )}
                {fact.area === "rbac" && (
                  <a
                    className="text-xs text-blue-700 underline dark:text-blue-300"
                    href={`?${new URLSearchParams({ tab: "rbac", draft: answer.id, subject: fact.subject.split("/").pop() ?? fact.subject })}`}
                  >
                    matrix
                  </a>
                )}
                {fact.area === "reach" && namespace !== undefined && (
                  <a
                    className="text-xs text-blue-700 underline dark:text-blue-300"
                    href={`?${new URLSearchParams({ draft: answer.id, view: viewKey({ kind: "namespace", namespace }) })}`}
                  >
                    graph, and which rule
                  </a>
                )}
              </div>
              {changed !== undefined && <div className="pl-4 text-xs">{changed}</div>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
