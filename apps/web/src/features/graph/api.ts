import { queryOptions } from "@tanstack/react-query";
import { Explanation, NamespaceList, NodeDetails } from "@trustmap/shared";
import { getJson, query } from "../../api/client";

// The graph's questions to the BFF, one query-key factory.
export const graphQueries = {
  namespaces: () =>
    queryOptions({
      queryKey: ["namespaces"],
      queryFn: ({ signal }) => getJson("/api/namespaces", NamespaceList, signal),
      refetchInterval: 10_000,
    }),
  node: (id: string, revision: number) =>
    queryOptions({
      queryKey: ["node", id, revision],
      queryFn: ({ signal }) => getJson(`/api/nodes/${encodeURIComponent(id)}`, NodeDetails, signal),
      placeholderData: (previous) => previous,
    }),
  explain: (from: string, to: string, revision: number) =>
    queryOptions({
      queryKey: ["explain", from, to, revision],
      queryFn: ({ signal }) => getJson(`/api/explain${query({ from, to })}`, Explanation, signal),
      placeholderData: (previous) => previous,
    }),
};
