import { queryOptions } from "@tanstack/react-query";
import { ClusterInfo } from "@trustmap/shared";
import { getJson } from "./client";

/** The cluster's state and the engine's revision, as the status bar shows them (one cache entry for all readers). */
export const clusterQuery = () =>
  queryOptions({
    queryKey: ["cluster"],
    queryFn: ({ signal }) => getJson("/api/cluster", ClusterInfo, signal),
    refetchInterval: 5_000,
  });
