import { queryOptions } from "@tanstack/react-query";
import {
  AuthSession,
  CSRF_HEADER,
  Draft,
  DraftConnections,
  DraftDifference,
  DraftGraph,
  type DraftInput,
  DraftsAnswer,
  Explanation,
  type KeptConnection,
} from "@trustmap/shared";
import { z } from "zod";
import { failureOf, getJson, query } from "../../api/client";

// The drafts' questions to the BFF, and the changes a user makes to them.

const draftPath = (id: string) => `/api/drafts/${encodeURIComponent(id)}`;

export const draftQueries = {
  list: () =>
    queryOptions({
      queryKey: ["drafts"],
      queryFn: ({ signal }) => getJson("/api/drafts", DraftsAnswer, signal),
    }),
  draft: (id: string) =>
    queryOptions({
      queryKey: ["draft", id],
      queryFn: ({ signal }) => getJson(draftPath(id), Draft, signal),
      retry: false,
    }),
  /** What the draft changes against the live cluster at this revision (asked again as the cluster changes). */
  difference: (id: string, revision: number) =>
    queryOptions({
      queryKey: ["draft", id, "difference", revision],
      queryFn: ({ signal }) => getJson(`${draftPath(id)}/difference`, DraftDifference, signal),
      placeholderData: (previous) => (previous?.id === id ? previous : undefined),
      retry: false,
    }),
  /** The difference narrowed to one area and namespace, as another page shows it. */
  narrowed: (id: string, area: string, namespace: string | undefined, tick: number) =>
    queryOptions({
      queryKey: ["draft", id, "difference", area, namespace, tick],
      queryFn: ({ signal }) =>
        getJson(`${draftPath(id)}/difference${query({ area, namespace })}`, DraftDifference, signal),
      placeholderData: (previous) => (previous?.id === id ? previous : undefined),
      retry: false,
    }),
  graph: (id: string, view: string, revision: number) =>
    queryOptions({
      queryKey: ["draft", id, "graph", view, revision],
      queryFn: ({ signal }) => getJson(`${draftPath(id)}/graph${query({ view })}`, DraftGraph, signal),
      placeholderData: (previous) => (previous?.id === id && previous.view === view ? previous : undefined),
      retry: false,
    }),
  explain: (id: string, from: string, to: string, revision: number) =>
    queryOptions({
      queryKey: ["draft", id, "explain", from, to, revision],
      queryFn: ({ signal }) => getJson(`${draftPath(id)}/explain${query({ from, to })}`, Explanation, signal),
    }),
  connections: (namespace: string, workload: string | undefined) =>
    queryOptions({
      queryKey: ["draft-connections", namespace, workload],
      queryFn: ({ signal }) =>
        getJson(`/api/drafts/connections${query({ namespace, workload })}`, DraftConnections, signal),
    }),
};

/** The CSRF token every change sends back, as the session gives it (asked anew: it follows the session). */
async function csrf(): Promise<Record<string, string>> {
  const session = await getJson("/api/auth/session", AuthSession);
  return { [CSRF_HEADER]: session.csrf };
}

async function send<S extends z.ZodType>(
  method: string,
  path: string,
  body: unknown,
  schema: S,
): Promise<z.infer<S>> {
  const response = await fetch(path, {
    method,
    headers: { "content-type": "application/json", ...(await csrf()) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failureOf(response);
  return schema.parse(await response.json());
}

export const createDraft = (input: DraftInput) => send("POST", "/api/drafts", input, Draft);
export const saveDraft = (id: string, input: DraftInput) => send("PUT", draftPath(id), input, Draft);
export async function deleteDraft(id: string): Promise<void> {
  const response = await fetch(draftPath(id), { method: "DELETE", headers: await csrf() });
  if (!response.ok) throw await failureOf(response);
}
export const proposeDraft = (namespace: string, keep: readonly KeptConnection[], name?: string) =>
  send("POST", "/api/drafts/propose", { namespace, keep, ...(name === undefined ? {} : { name }) }, Draft);

/** A live object as YAML, to edit in a draft. */
export const liveObjectYaml = (kind: string, namespace: string | undefined, name: string) =>
  getJson(`/api/drafts/live-object${query({ kind, namespace, name })}`, z.object({ yaml: z.string() }));

/** The link a colleague opens: the drafts page with this draft. */
export function draftLink(id: string): string {
  return `${window.location.origin}${window.location.pathname}?tab=drafts&draft=${encodeURIComponent(id)}`;
}

export const yamlHref = (id: string) => `${draftPath(id)}/yaml`;
