import { useQuery } from "@tanstack/react-query";
import { clusterQuery } from "../api/cluster";
import { streamStore } from "../stream/store";
import { useConnection } from "../stream/useStream";

function time(ms: number | string): string {
  return new Date(ms).toLocaleTimeString();
}

/** Live status: the stream, the cluster source, events per second, the revision, and a pause. */
export function StatusBar() {
  const connection = useConnection();
  const cluster = useQuery(clusterQuery());
  const source = connection.source ?? connection.hello?.status ?? cluster.data?.status;
  let state: string;
  let tone: string;
  if (!connection.open) {
    state = `reconnecting to Trustmap since ${time(connection.since)}`;
    tone = "bg-amber-300 text-black";
  } else if (source === undefined || source.state === "connected") {
    state = "connected";
    tone = "bg-emerald-800 text-white";
  } else {
    state = `${source.state} since ${time(source.since)}${source.message ? `: ${source.message}` : ""}`;
    tone = source.state === "failed" ? "bg-red-700 text-white" : "bg-amber-300 text-black";
  }
  return (
    <div
      className="flex flex-wrap items-center gap-3 text-sm"
      role="status"
      aria-live="polite"
      data-testid="status"
    >
      <span className={`rounded px-2 ${tone}`} data-testid="status-state">
        {state}
      </span>
      {cluster.data !== undefined && (
        <span>
          {cluster.data.eventsPerSecond.toFixed(1)} events/s · revision {cluster.data.revision}
        </span>
      )}
      <button
        type="button"
        className="rounded border border-slate-400 px-2"
        aria-pressed={connection.paused}
        onClick={() => streamStore.setPaused(!connection.paused)}
      >
        {connection.paused ? `Resume (${connection.queued} queued)` : "Pause"}
      </button>
    </div>
  );
}
