import { queryOptions } from "@tanstack/react-query";
import { AuthSession } from "@trustmap/shared";
import { getJson } from "./client";

/** Who the page is for and what they may read: one cache entry for the gate, the menu and the pages. */
export const sessionQuery = () =>
  queryOptions({
    queryKey: ["auth", "session"],
    queryFn: ({ signal }) => getJson("/api/auth/session", AuthSession, signal),
    staleTime: 60_000,
    retry: 1,
  });

/** The namespaces a user who may not read every one may read; undefined when they may read all. */
export function readableNamespaces(session: AuthSession | undefined): readonly string[] | undefined {
  const access = session?.access;
  return access === undefined || access.cluster ? undefined : access.namespaces;
}
