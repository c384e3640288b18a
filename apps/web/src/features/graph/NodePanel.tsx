import { useQuery } from "@tanstack/react-query";
import type { ReachPeer } from "@trustmap/shared";
import { SeverityBadge } from "../../ui/SeverityBadge";
import { graphQueries } from "./api";
import { ReachList } from "./ReachList";
import { viewOfNode } from "./view-keys";

export function NodePanel({
  id,
  view,
  revision,
  onOpen,
  onGo,
}: {
  id: string;
  /** The view the node is drawn in: a namespace opens grouped as it groups namespaces. */
  view: string;
  revision: number;
  onOpen: (view: string) => void;
  /** Takes the user to a peer of the reach lists. */
  onGo: (peer: ReachPeer["peer"]) => void;
}) {
  const { data, error, isPending } = useQuery(graphQueries.node(id, revision));
  if (isPending) return <p>Loading…</p>;
  if (error !== null) return <p role="alert">Cannot show this node: {error.message}</p>;
  const opens = viewOfNode(id, view);
  return (
    <div className="space-y-3 text-sm" data-testid="node-panel">
      <header className="flex items-center justify-between gap-2">
        <h2 className="font-semibold break-all">{data.name}</h2>
        {opens !== undefined && (
          <button
            type="button"
            className="rounded bg-blue-600 px-2 py-1 text-white"
            onClick={() => onOpen(opens)}
          >
            Open
          </button>
        )}
      </header>
      <p>
        {data.kind} in <strong>{data.namespace}</strong> · {data.podCount} pod{data.podCount === 1 ? "" : "s"}{" "}
        · ingress {data.isolatedIngress ? "isolated" : "open"} · egress{" "}
        {data.isolatedEgress ? "isolated" : "open"}
      </p>
      <ReachList node={id} direction="in" revision={revision} onGo={onGo} />
      <ReachList node={id} direction="out" revision={revision} onGo={onGo} />
      <section>
        <h3 className="font-semibold">Labels</h3>
        <ul className="flex flex-wrap gap-1" data-testid="node-labels">
          {Object.entries(data.labels).map(([key, value]) => (
            <li key={key} className="rounded bg-slate-200 px-1 font-mono text-xs dark:bg-slate-800">
              {key}={value}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h3 className="font-semibold">Policies that select it</h3>
        {data.policies.length === 0 ? (
          <p>None: nothing isolates these pods.</p>
        ) : (
          <ul data-testid="node-policies">
            {data.policies.map((p) => (
              <li key={`${p.namespace}/${p.name}`}>
                {p.namespace}/{p.name} (
                {[p.ingress && "ingress", p.egress && "egress"].filter(Boolean).join(", ")})
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h3 className="font-semibold">Service accounts</h3>
        <ul>
          {data.serviceAccounts.map((sa) => (
            <li key={sa.ref}>
              {sa.ref}: {sa.rights} right{sa.rights === 1 ? "" : "s"}
              {sa.risks.length > 0 && (
                <span className="text-red-600 dark:text-red-400"> · risky: {sa.risks.join(", ")}</span>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h3 className="font-semibold">
          Findings ({data.findings.length > 50 ? `50 of ${data.findings.length}` : data.findings.length})
        </h3>
        <ul className="space-y-1">
          {data.findings.slice(0, 50).map((f) => (
            <li key={`${f.id} ${f.objects.join(",")} ${f.message}`}>
              <SeverityBadge severity={f.severity} /> {f.message}
            </li>
          ))}
        </ul>
      </section>
      {data.accepted.length > 0 && (
        <section>
          <h3 className="font-semibold">
            Accepted ({data.accepted.length > 50 ? `50 of ${data.accepted.length}` : data.accepted.length})
          </h3>
          <ul className="space-y-1">
            {data.accepted.slice(0, 50).map(({ finding, exception }) => (
              <li key={`${finding.id} ${finding.objects.join(",")} ${finding.message}`}>
                <SeverityBadge severity={finding.severity} /> {finding.message}
                <div className="text-xs text-slate-600 dark:text-slate-400">
                  Accepted: {exception.reason} · owner {exception.owner} · until {exception.expires}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section>
        <h3 className="font-semibold">Pods</h3>
        <ul className="font-mono text-xs">
          {data.pods.map((pod) => (
            <li key={pod.name}>{pod.name}</li>
          ))}
        </ul>
      </section>
    </div>
  );
}
