import { type DraftEdit, deletionKey, type Gate, postureDiff } from "@trustmap/engine";
import {
  CLUSTER_KINDS,
  changeKindOf,
  DRAFT_KEPT_DAYS,
  DRAFT_MANIFEST_BYTES,
  type Draft,
  type DraftConnections,
  type DraftDifference,
  DraftDifferenceQuery,
  DraftExplainQuery,
  type DraftGraph,
  DraftGraphQuery,
  DraftInput,
  DraftKind,
  type DraftsAnswer,
  deletionText,
  type PostureChange,
  ProposeInput,
  parseViewKey,
  type ReachFact,
  SECTION_TITLES,
  SEVERITY_ORDER,
} from "@trustmap/shared";
import express, { type Request, type Response, type Router } from "express";
import { stringify } from "yaml";
import { z } from "zod";
import type { Identity } from "../auth/gate";
import { HttpError } from "../http/errors";
import { parseQuery } from "../http/parse";
import type { LiveCluster } from "../live/cluster";
import { readDraft } from "./read";
import type { DraftStore } from "./store";

// What-if drafts: kept, shared by link, evaluated against the live cluster on each question (the
// difference is always draft versus now), downloaded as the YAML to apply. Nothing here writes to
// the cluster: a draft is applied to the engine's state and taken back within one answer.

/** The gates the difference marks its changes with, as `trustmap diff --fail-on` would. */
const DRAFT_GATES: readonly Gate[] = [
  { kind: "opened" },
  { kind: "outside" },
  { kind: "finding", severity: "high" },
  { kind: "risky-rights" },
];

const Id = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

/** A draft's id from the path (checked by foundDraft before the database is asked). */
function idOf(request: Request): string {
  return String(request.params.id);
}

/** A JSON body read against its schema: a 400 naming the first field that is wrong. */
function parseBody<S extends z.ZodType>(schema: S, request: Request): z.infer<S> {
  if (!request.is("application/json"))
    throw new HttpError(415, "the body is JSON (Content-Type: application/json)");
  const result = schema.safeParse(request.body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `body field "${issue.path.join(".")}"` : "body";
  throw new HttpError(
    400,
    issue.code === "unrecognized_keys"
      ? `unknown body field ${issue.keys.map((k) => `"${k}"`).join(", ")}`
      : `${where}: ${issue.message}`,
  );
}

function userOf(response: Response): string {
  return (response.locals.identity as Identity | undefined)?.user.name ?? "anonymous";
}

/** The YAML to apply: the draft's manifests as written, the deletions as the commands that make them. */
export function draftYaml(draft: Draft): string {
  const header = [
    `# Trustmap draft "${draft.name.replace(/[\r\n]+/g, " ")}" (${draft.id}), last changed ${draft.updatedAt} by ${draft.author.replace(/[\r\n]+/g, " ")}.`,
    "# Review it, then apply it: kubectl apply -f THIS_FILE",
    ...(draft.deletions.length === 0
      ? []
      : [
          "# The draft also deletes these objects (kubectl apply does not delete; run these too):",
          ...draft.deletions.map(
            (d) =>
              `#   kubectl delete ${d.kind.toLowerCase()} ${JSON.stringify(d.name)}${d.namespace === undefined || d.namespace === "" ? "" : ` -n ${JSON.stringify(d.namespace)}`}`,
          ),
        ]),
  ];
  const body = draft.manifests.trim();
  return `${header.join("\n")}\n${body === "" ? "# (no manifests)" : body.startsWith("---") ? body : `---\n${body}`}\n`;
}

const SECTIONS = new Map(SECTION_TITLES.map(([key], i) => [key, i]));

/** Where a change is listed: by section (new findings first, as a comparison lists them), then by severity. */
function sectionOf(change: PostureChange): number {
  const fact = (change.after ?? change.before)!;
  return SECTIONS.get(`${fact.area}.${changeKindOf(change)}`) ?? SECTIONS.size;
}

function severityOf(change: PostureChange): number {
  const fact = (change.after ?? change.before)!;
  return fact.area === "finding" ? SEVERITY_ORDER.indexOf(fact.finding.severity) : 0;
}

/** A file name from a draft's name: letters, digits, dashes. */
function fileName(draft: Draft): string {
  const base = draft.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${base === "" ? "draft" : base}-${draft.id.slice(0, 8)}.yaml`;
}

/**
 * The edits of a kept draft, for a route that reads the engine with it: refused to a user who may
 * read some namespaces only (a draft is read against the whole cluster); 404 for an unknown or
 * expired draft; 422 listing its errors when it is wrong.
 */
export async function keptDraftEdits(
  store: DraftStore | undefined,
  response: Response,
  id: string,
): Promise<{ draft: Draft; edits: DraftEdit[] }> {
  const draft = await foundDraft(store, response, id);
  return { draft, edits: editsOf(draft) };
}

/** The store, for a user who may read the whole cluster (a draft is read against all of it). */
function keptStore(store: DraftStore | undefined, response: Response): DraftStore {
  const access = response.locals.access as { cluster: boolean } | undefined;
  if (access !== undefined && !access.cluster)
    throw new HttpError(
      403,
      "drafts: a draft is read against the whole cluster, and your access covers some namespaces only",
    );
  if (store === undefined)
    throw new HttpError(
      404,
      "this Trustmap keeps no drafts: they are kept in the change log's database (started with --changes off)",
    );
  return store;
}

/** A kept draft: 404 for a malformed id, and for a draft deleted or expired. */
async function foundDraft(store: DraftStore | undefined, response: Response, id: string): Promise<Draft> {
  const kept = keptStore(store, response);
  if (!Id.safeParse(id).success)
    throw new HttpError(404, `no draft ${JSON.stringify(id)}: a draft's link holds a 22-character id`);
  const draft = await kept.get(id);
  if (draft === undefined)
    throw new HttpError(
      404,
      `no draft ${id}: it was deleted, or it expired (drafts are kept ${DRAFT_KEPT_DAYS} days after their last change)`,
    );
  return draft;
}

/** The draft's edits; a 422 listing every error when its manifests or deletions are wrong. */
function editsOf(draft: Draft): DraftEdit[] {
  const read = readDraft(draft);
  if (read.errors.length > 0)
    throw new HttpError(
      422,
      `the draft is wrong; fix it first: ${read.errors.slice(0, 5).join("; ")}${read.errors.length > 5 ? ` (and ${read.errors.length - 5} more)` : ""}`,
    );
  return read.edits;
}

export function draftRoutes(router: Router, live: LiveCluster, store: DraftStore | undefined): void {
  const kept = (response: Response) => keptStore(store, response);
  const found = (response: Response, id: string) => foundDraft(store, response, id);
  /** A change to a draft is made by its author (from this dashboard's pages: the CSRF check before every change). */
  const writable = async (response: Response, id: string): Promise<Draft> => {
    const draft = await found(response, id);
    if (draft.author !== userOf(response))
      throw new HttpError(403, `draft ${id} is ${draft.author}'s: open it and save a copy to change it`);
    return draft;
  };
  const json = express.json({ limit: DRAFT_MANIFEST_BYTES * 2 });

  router.get("/drafts", async (_request, response: Response<DraftsAnswer>) => {
    response.json({ drafts: await kept(response).list() });
  });
  router.post("/drafts", json, async (request, response: Response<Draft>) => {
    const store = kept(response);
    const input = parseBody(DraftInput, request);
    response.status(201).json({ ...(await store.create(input, userOf(response))), yours: true });
  });

  // A live object as a manifest, to edit in a draft.
  router.get("/drafts/live-object", async (request, response) => {
    kept(response);
    const query = parseQuery(
      z
        .object({
          kind: DraftKind,
          namespace: z.string().max(253).optional(),
          name: z.string().min(1).max(253),
        })
        .strict(),
      request,
    );
    if (query.kind === "Pod")
      throw new HttpError(
        400,
        'query parameter "kind": a pod is edited through its workload\'s manifest (Trustmap holds pods trimmed)',
      );
    const namespace = CLUSTER_KINDS.has(query.kind) ? undefined : query.namespace;
    if (!CLUSTER_KINDS.has(query.kind) && (namespace === undefined || namespace === ""))
      throw new HttpError(400, `query parameter "namespace": a ${query.kind} is in a namespace; name it`);
    const answer = await live.query("liveManifest", {
      kind: query.kind,
      key: deletionKey(query.kind, namespace, query.name),
    });
    if (answer.manifest === undefined)
      throw new HttpError(
        404,
        `the cluster holds no ${deletionText({ kind: query.kind, namespace, name: query.name })} now`,
      );
    response.json({ yaml: stringify(answer.manifest) });
  });

  // The connections allowed now with an end in a namespace: what the generator offers to keep.
  router.get("/drafts/connections", async (request, response: Response<DraftConnections>) => {
    kept(response);
    const { namespace, workload } = parseQuery(
      z
        .object({ namespace: z.string().min(1).max(253), workload: z.string().min(1).max(1024).optional() })
        .strict(),
      request,
    );
    const all = await live.query("connectionsOf", { namespace });
    const inNamespace = (end: string) => end.startsWith(`${namespace}/`);
    const workloads = [...new Set(all.flatMap((c) => [c.from, c.to]).filter(inNamespace))].sort();
    if (workload !== undefined && !workloads.includes(workload))
      throw new HttpError(
        404,
        `query parameter "workload": no workload ${JSON.stringify(workload)} with connections in ${namespace}`,
      );
    const its = (c: ReachFact) => workload === undefined || c.from === workload || c.to === workload;
    response.json({ namespace, workloads, connections: all.filter(its), others: all.filter((c) => !its(c)) });
  });

  // The generator: least-privilege policies for a namespace, saved as a new draft.
  router.post("/drafts/propose", json, async (request, response) => {
    const store = kept(response);
    const input = parseBody(ProposeInput, request);
    const proposal = await live.query("propose", { namespace: input.namespace, keep: input.keep });
    if (proposal.problems.length > 0)
      throw new HttpError(422, `no policy can be written as asked: ${proposal.problems.join("; ")}`);
    const manifests = proposal.policies.map((policy) => stringify(policy)).join("---\n");
    const draft = await store.create(
      {
        name: input.name ?? `Least privilege for ${input.namespace}`,
        manifests,
        deletions: proposal.replaces.map((name) => ({
          kind: "NetworkPolicy",
          namespace: input.namespace,
          name,
        })),
      },
      userOf(response),
    );
    response.status(201).json({ ...draft, yours: true });
  });

  router.get("/drafts/:id", async (request, response: Response<Draft>) => {
    const draft = await found(response, idOf(request));
    response.json({ ...draft, yours: draft.author === userOf(response) });
  });
  router.put("/drafts/:id", json, async (request, response: Response<Draft>) => {
    const id = idOf(request);
    await writable(response, id);
    const input = parseBody(DraftInput, request);
    response.json({ ...(await kept(response).update(id, input))!, yours: true });
  });
  router.delete("/drafts/:id", async (request, response) => {
    const id = idOf(request);
    await writable(response, id);
    await kept(response).delete(id);
    response.status(204).end();
  });

  router.get("/drafts/:id/difference", async (request, response: Response<DraftDifference>) => {
    const draft = await found(response, idOf(request));
    const only = parseQuery(DraftDifferenceQuery, request);
    const read = readDraft(draft);
    const base = {
      id: draft.id,
      errors: read.errors,
      notes: read.notes,
      puts: read.puts,
      deletes: read.deletes,
    };
    if (read.errors.length > 0) {
      response.json({ ...base, revision: -1, absent: [] });
      return;
    }
    const answer = await live.query("draft", { edits: read.edits });
    // Narrowed as asked: one area, and the facts about one namespace.
    const asked = answer.changes.filter((change) => {
      const fact = (change.after ?? change.before)!;
      return (
        (only.area === undefined || fact.area === only.area) &&
        (only.namespace === undefined || fact.namespaces.includes(only.namespace))
      );
    });
    const changes = [...asked].sort(
      (a, b) =>
        sectionOf(a) - sectionOf(b) ||
        severityOf(a) - severityOf(b) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    response.json({
      ...base,
      revision: answer.revision,
      absent: answer.absent,
      diff: postureDiff({
        before: ["the live cluster"],
        after: [`draft "${draft.name}"`],
        causes: answer.causes,
        changes,
        gates: DRAFT_GATES,
      }),
    });
  });
  router.get("/drafts/:id/graph", async (request, response: Response<DraftGraph>) => {
    const draft = await found(response, idOf(request));
    const { view } = parseQuery(DraftGraphQuery, request);
    const ref = parseViewKey(view);
    if (ref === undefined)
      throw new HttpError(400, `query parameter "view": ${JSON.stringify(view)} is not a view`);
    const answer = await live.query("draftGraph", { edits: editsOf(draft), ref });
    response.json({ id: draft.id, view, ...answer });
  });
  router.get("/drafts/:id/explain", async (request, response) => {
    const draft = await found(response, idOf(request));
    const { from, to } = parseQuery(DraftExplainQuery, request);
    const explanation = await live.query("draftExplain", { edits: editsOf(draft), from, to });
    if (explanation === undefined)
      throw new HttpError(404, `no node ${from} or ${to} with the draft applied`);
    response.json(explanation);
  });
  router.get("/drafts/:id/yaml", async (request, response) => {
    const draft = await found(response, idOf(request));
    response.attachment(fileName(draft));
    response.setHeader("Content-Type", "application/yaml; charset=utf-8");
    response.send(draftYaml(draft));
  });
}
