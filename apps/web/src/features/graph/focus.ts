import { type RefObject, useEffect, useState } from "react";
import type { GraphAdapter } from "./adapter";

/** Nodes to zoom to, or the nodes the search matches in the view. */
export type FocusRequest = readonly string[] | "matches";

/**
 * Zooms and centres the graph on nodes once they are drawn: a search hit in another view is
 * shown after that view has arrived. `drawn` changes whenever the graph draws a change.
 */
export function useGraphFocus(
  adapter: RefObject<GraphAdapter | undefined>,
  drawn: unknown,
): (request: FocusRequest) => void {
  const [pending, setPending] = useState<FocusRequest | undefined>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `drawn` is when to try again
  useEffect(() => {
    const graph = adapter.current;
    if (pending === undefined || graph === undefined) return;
    const shown = pending === "matches" ? graph.focusMatches() : graph.focus(pending);
    // Nothing to show yet: the view asked for has not arrived; matches are only looked for now.
    if (shown || pending === "matches") setPending(undefined);
  }, [pending, drawn, adapter]);
  return (request) => setPending(Array.isArray(request) ? [...request] : request);
}
