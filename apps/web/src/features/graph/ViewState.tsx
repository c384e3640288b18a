import { queryOptions, useQuery } from "@tanstack/react-query";
import { ViewPresence } from "@trustmap/shared";
import { getJson, query } from "../../api/client";

const presenceQuery = (view: string, revision: number) =>
  queryOptions({
    queryKey: ["view-presence", view, revision],
    queryFn: ({ signal }) => getJson(`/api/view${query({ view })}`, ViewPresence, signal),
    placeholderData: (previous) => (previous?.view === view ? previous : undefined),
  });

/**
 * What the canvas cannot say by itself, drawn over it: that the view is still loading, that its
 * namespace or workload does not exist (the BFF's answer), or that it exists and is empty.
 */
export function ViewState({ view, revision, nodes }: { view: string; revision: number; nodes: number }) {
  const presence = useQuery({ ...presenceQuery(view, revision), enabled: view !== "overview" });
  let text: string | undefined;
  let alert = false;
  if (presence.data?.exists === false) {
    text = `${capitalized(presence.data.message ?? "this view does not exist")}.`;
    alert = true;
  } else if (revision < 0) text = "Loading the view…";
  else if (nodes === 0 && (view === "overview" || presence.data?.exists === true))
    text = "Nothing to draw: no workloads run here now.";
  if (text === undefined) return null;
  return (
    <p
      role={alert ? "alert" : "status"}
      data-testid="view-state"
      className="pointer-events-none absolute left-0 right-96 top-1/3 mx-auto w-fit max-w-[80%] rounded border border-slate-400 bg-white/90 px-3 py-2 text-sm [overflow-wrap:anywhere] dark:bg-slate-900/90"
    >
      {text}
    </p>
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
