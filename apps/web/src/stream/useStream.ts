import { useEffect, useSyncExternalStore } from "react";
import { type Connection, streamStore } from "./store";

/** The connection's state, re-rendering on every change. */
export function useConnection(): Connection {
  return useSyncExternalStore(streamStore.subscribe, streamStore.getSnapshot);
}

/** Keeps the tab's stream on these views while the component lives. */
export function useWatchedViews(keys: readonly string[]): void {
  const joined = keys.join("\n");
  useEffect(() => {
    streamStore.watch(joined === "" ? [] : joined.split("\n"));
  }, [joined]);
}
