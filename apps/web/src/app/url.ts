import { useCallback, useSyncExternalStore } from "react";
import { type Page, switchPage } from "./pages";
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

// Each page's parameters when it was left, for this tab (kept over a reload).
const STORED = "trustmap:page-params";

function remembered(): Map<Page, string> {
  try {
    return new Map(Object.entries(JSON.parse(sessionStorage.getItem(STORED) ?? "{}")) as [Page, string][]);
  } catch {
    return new Map();
  }
}

function remember(memory: Map<Page, string>): void {
  try {
    sessionStorage.setItem(STORED, JSON.stringify(Object.fromEntries(memory)));
  } catch {
    // Storage refused (private mode, quota): the parameters live as long as the page.
  }
}

/** Shows another page with its own parameters (a new history entry). */
export function goToPage(to: Page): void {
  const memory = remembered();
  const search = switchPage(window.location.search, to, memory);
  remember(memory);
  const url = new URL(window.location.href);
  url.search = search;
  if (url.href === window.location.href) return;
  window.history.pushState(null, "", url);
  for (const listener of listeners) listener();
}

/** A capture for an export (`?capture=1`): the BFF's Chromium takes a picture of the page. */
export function isCapture(): boolean {
  return new URLSearchParams(window.location.search).get("capture") === "1";
}
