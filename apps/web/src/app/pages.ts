// Pages: each keeps its own parameters. The URL holds the shown page's alone (so a shared link
// carries exactly what it shows); moving to another page remembers this page's and brings back
// that page's, so Gaps' exact "severity=critical" never becomes the graph's "at least critical"
// and the gaps' namespace never fills the matrix's box.

export const PAGES = ["graph", "exposure", "rbac", "gaps", "changes", "drafts"] as const;
export type Page = (typeof PAGES)[number];

/** Parameters of the app itself, not of a page: kept when moving between pages. */
const APP_PARAMS = ["capture", "bench"];

/** The page a query string shows (the graph unless `tab` names another). */
export function pageOf(search: string): Page {
  const tab = new URLSearchParams(search).get("tab");
  return PAGES.find((page) => page === tab) ?? "graph";
}

/** A page's own parameters in a query string: all but `tab` and the app's. */
export function ownParams(search: string): URLSearchParams {
  const own = new URLSearchParams(search);
  own.delete("tab");
  for (const name of APP_PARAMS) own.delete(name);
  return own;
}

/**
 * The query string that shows page `to`, from the query string `search` shows now: `memory`
 * learns the current page's parameters and gives back those `to` had when it was left.
 */
export function switchPage(search: string, to: Page, memory: Map<Page, string>): string {
  const from = pageOf(search);
  memory.set(from, ownParams(search).toString());
  const next = new URLSearchParams(from === to ? ownParams(search) : (memory.get(to) ?? ""));
  const current = new URLSearchParams(search);
  for (const name of APP_PARAMS) {
    const value = current.get(name);
    if (value !== null) next.set(name, value);
  }
  if (to !== "graph") next.set("tab", to);
  const text = next.toString();
  return text === "" ? "" : `?${text}`;
}
