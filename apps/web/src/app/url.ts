import { useCallback, useSyncExternalStore } from "react";
import { readableQuery } from "./query";

// Every view, selection and filter lives in the URL, so that a link shows a colleague the same
// thing. One small store over window.location; components read and write parameters by name.

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const read = () => window.location.search;

/** Sets some parameters (undefined or "" removes one); `replace` keeps the history entry. */
export function setParams(changes: Record<string, string | undefined>, replace = false): void {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  url.search = readableQuery(url.searchParams);
  if (url.href === window.location.href) return;
  if (replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  for (const listener of listeners) listener();
}

export function useParams(): URLSearchParams {
  const search = useSyncExternalStore(subscribe, read);
  return new URLSearchParams(search);
}

export function useParam(
  name: string,
): [string | undefined, (value: string | undefined, replace?: boolean) => void] {
  const search = useSyncExternalStore(subscribe, read);
  const value = new URLSearchParams(search).get(name) ?? undefined;
  const set = useCallback(
    (next: string | undefined, replace = false) => setParams({ [name]: next }, replace),
    [name],
  );
  return [value, set];
}
