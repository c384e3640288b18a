import { queryOptions } from "@tanstack/react-query";
import {
  Explanation,
  ExposureAnswer,
  GraphOverlay,
  GroupingList,
  NamespaceList,
  NodeDetails,
  Reach,
  type ReachDirection,
  SearchAnswer,
  WorkloadGroupingList,
} from "@trustmap/shared";
import { getJson, query } from "../../api/client";

/**
 * Keeps the last answer on screen while a newer revision of the SAME question loads; a different
 * question (another node, edge or page) shows its loading state, never the last one's lines.
 */
function sameQuestion(earlier: readonly unknown[] | undefined, queryKey: readonly unknown[]): boolean {
  return (
    earlier !== undefined &&
    earlier.length === queryKey.length &&
    queryKey.slice(0, -1).every((part, i) => part === earlier[i])
  );
}

// The graph's questions to the BFF, one query-key factory.
export const graphQueries = {
  namespaces: () =>
    queryOptions({
      queryKey: ["namespaces"],
      queryFn: ({ signal }) => getJson("/api/namespaces", NamespaceList, signal),
      refetchInterval: 10_000,
    }),
  groupings: () =>
    queryOptions({
      queryKey: ["groupings"],
      queryFn: ({ signal }) => getJson("/api/groupings", GroupingList, signal),
      refetchInterval: 30_000,
    }),
  /** How many workloads a namespace holds, and the pod labels its view can group them by. */
  workloadGroupings: (namespace: string) =>
    queryOptions({
      queryKey: ["workloadGroupings", namespace],
      queryFn: ({ signal }) =>
        getJson(`/api/namespaces/${encodeURIComponent(namespace)}/groupings`, WorkloadGroupingList, signal),
      staleTime: 30_000,
    }),
  node: (id: string, revision: number) => {
    const queryKey = ["node", id, revision] as const;
    return queryOptions({
      queryKey,
      queryFn: ({ signal }) => getJson(`/api/nodes/${encodeURIComponent(id)}`, NodeDetails, signal),
      placeholderData: (previous, previousQuery) =>
        sameQuestion(previousQuery?.queryKey, queryKey) ? previous : undefined,
    });
  },
  explain: (from: string, to: string, revision: number) => {
    const queryKey = ["explain", from, to, revision] as const;
    return queryOptions({
      queryKey,
      queryFn: ({ signal }) => getJson(`/api/explain${query({ from, to })}`, Explanation, signal),
      placeholderData: (previous, previousQuery) =>
        sameQuestion(previousQuery?.queryKey, queryKey) ? previous : undefined,
    });
  },
  reach: (
    node: string,
    direction: ReachDirection,
    blocked: boolean,
    offset: number,
    limit: number,
    revision: number,
  ) => {
    const queryKey = ["reach", node, direction, blocked, offset, limit, revision] as const;
    return queryOptions({
      queryKey,
      queryFn: ({ signal }) =>
        getJson(`/api/reach${query({ node, direction, blocked, offset, limit })}`, Reach, signal),
      placeholderData: (previous, previousQuery) =>
        sameQuestion(previousQuery?.queryKey, queryKey) ? previous : undefined,
    });
  },
  search: (q: string) =>
    queryOptions({
      queryKey: ["search", q],
      queryFn: ({ signal }) => getJson(`/api/search${query({ q, limit: 20 })}`, SearchAnswer, signal),
      staleTime: 5_000,
    }),
};

/** The view compared with a moment: asked again at each revision of the view (the answer is of now). */
/** What Services, Ingresses and routes publish, placed on a view's nodes (asked again as the view changes). */
export const publishedQuery = (view: string, revision: number) => {
  const queryKey = ["published", view, revision] as const;
  return queryOptions({
    queryKey,
    queryFn: ({ signal }) => getJson(`/api/exposure${query({ view })}`, ExposureAnswer, signal),
    placeholderData: (previous, previousQuery) =>
      sameQuestion(previousQuery?.queryKey, queryKey) ? previous : undefined,
  });
};

export const overlayQuery = (view: string, since: string, revision: number) => {
  const queryKey = ["overlay", view, since, revision] as const;
  return queryOptions({
    queryKey,
    queryFn: ({ signal }) => getJson(`/api/changes/overlay${query({ view, since })}`, GraphOverlay, signal),
    placeholderData: (previous, previousQuery) =>
      sameQuestion(previousQuery?.queryKey, queryKey) ? previous : undefined,
  });
};
