import { useQuery } from "@tanstack/react-query";
import type { ClusterInfo, SourceInfo } from "@trustmap/shared";
import { clusterQuery } from "../api/cluster";
import { isCapture } from "../app/url";
import { type Connection, streamStore } from "../stream/store";
import { useConnection } from "../stream/useStream";
import { statusLine } from "./status";

function time(ms: number | string): string {
  return new Date(ms).toLocaleTimeString();
}

/** Which cluster the page shows: the demo says plainly that it is made up. */
export function SourceBadge({ source }: { source: SourceInfo | undefined }) {
  if (source === undefined) return null;
  return (
    <span className="text-sm" data-testid="source">
      {source.demo ? (
        <strong className="rounded bg-purple-700 px-2 text-white">
          Demo cluster: a made-up company, not yours
        </strong>
      ) : (
        <>
          {source.kind}: {source.name}
        </>
      )}
    </span>
  );
}

/** The cluster's source as the page knows it: the stream's hello, or /api/cluster before that. */
export function useSourceInfo(): SourceInfo | undefined {
  const connection = useConnection();
  const cluster = useQuery({ ...clusterQuery(), enabled: connection.hello === undefined });
  return connection.hello?.source ?? cluster.data?.source;
}

/** Live status: the stream, the cluster source, events per second, the revision, and a pause. */
export function StatusBar() {
  return isCapture() ? <CaptureStatus /> : <LiveStatus />;
}

function LiveStatus() {
  const connection: Connection = useConnection();
  const cluster = useQuery(clusterQuery());
  const { text, tone } = statusLine({ ...connection, time });
  return (
    <div
      className="flex flex-wrap items-center gap-3 text-sm"
      role="status"
      aria-live="polite"
      data-testid="status"
    >
      <span className={`rounded px-2 ${TONES[tone]}`} data-testid="status-state">
        {text}
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

/**
 * The status in a captured picture (the PNG exports): no live stream there, so it states the
 * source's status as the BFF answered at the capture, and when; the capture waits for it.
 */
function CaptureStatus() {
  const cluster = useQuery({ ...clusterQuery(), refetchInterval: false });
  const info: ClusterInfo | undefined = cluster.data;
  const { text, tone } =
    info === undefined
      ? { text: "", tone: "wait" as const }
      : statusLine({ open: true, opened: true, source: info.status, time });
  return (
    <div
      className="flex flex-wrap items-center gap-3 text-sm"
      data-testid="status"
      data-ready={info !== undefined || cluster.error !== null}
    >
      {info !== undefined && (
        <>
          <span className={`rounded px-2 ${TONES[tone]}`} data-testid="status-state">
            {text}
          </span>
          <span>
            captured {new Date().toLocaleString()} · revision {info.revision}
          </span>
        </>
      )}
      {cluster.error !== null && (
        <span className={`rounded px-2 ${TONES.bad}`} data-testid="status-state">
          status unknown: {cluster.error.message}
        </span>
      )}
    </div>
  );
}

const TONES = {
  good: "bg-emerald-800 text-white",
  wait: "bg-amber-300 text-black",
  bad: "bg-red-700 text-white",
} as const;
