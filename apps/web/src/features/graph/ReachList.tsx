import { useQuery } from "@tanstack/react-query";
import type { ReachDirection, ReachPeer } from "@trustmap/shared";
import { useState } from "react";
import { AccessNote } from "../auth/AccessNote";
import { graphQueries } from "./api";
import { portsText } from "./ports";

const PAGE = 20;

type Side = NonNullable<ReachPeer["egress"]>;

function SideLine({ side, name, owner }: { side: Side; name: "egress" | "ingress"; owner: string }) {
  if (side.decidedBy !== undefined)
    return (
      <li data-testid={`reach-tiers-${name}`}>
        {`${name} of ${owner}, tier by tier: `}
        {side.decidedBy
          .map(
            (d) =>
              `${d.policy === undefined ? d.tier : `${d.policy} rule ${(d.rule ?? 0) + 1}`} ${
                d.action === "isolated" ? "denies (isolated)" : d.action
              } ${portsText(d.ports)}${d.addresses === undefined ? "" : ` to ${d.addresses}`}`,
          )
          .join("; ")}
      </li>
    );
  if (!side.isolated) return <li>{`${name} of ${owner}: no policy isolates it (all allowed)`}</li>;
  if (side.allowedBy.length === 0)
    return <li>{`${name} of ${owner}: isolated by ${side.policies.join(", ")}; no rule matches: denied`}</li>;
  return (
    <li>
      {`${name} of ${owner}: `}
      {side.allowedBy
        .map((rule) => `${rule.policy} ${rule.direction} rule ${rule.rule + 1} on ${portsText(rule.ports)}`)
        .join("; ")}
    </li>
  );
}

/** One peer: who, on which ports, and the rule of each side (the source's egress, the destination's ingress). */
function PeerItem({
  entry,
  direction,
  showSelf,
  onGo,
}: {
  entry: ReachPeer;
  direction: ReachDirection;
  showSelf: boolean;
  onGo: (peer: ReachPeer["peer"]) => void;
}) {
  const source = direction === "in" ? entry.peer : entry.self;
  const destination = direction === "in" ? entry.self : entry.peer;
  return (
    <li className="border-t border-slate-200 py-1 dark:border-slate-800" data-testid="reach-peer">
      <button
        type="button"
        className="text-blue-700 underline dark:text-blue-300"
        data-peer-node={entry.peer.node}
        onClick={() => onGo(entry.peer)}
      >
        {entry.peer.label}
      </button>
      {entry.peer.namespace !== undefined && ` in ${entry.peer.namespace}`}
      {showSelf && ` ${direction === "in" ? "→" : "←"} ${entry.self.label}`}
      {": "}
      <span data-testid="reach-ports">{entry.ports === null ? "blocked" : portsText(entry.ports)}</span>
      <ul className="pl-3 text-xs" data-testid="reach-rules">
        {entry.egress !== null && <SideLine side={entry.egress} name="egress" owner={source.label} />}
        {entry.ingress !== null && <SideLine side={entry.ingress} name="ingress" owner={destination.label} />}
        {(entry.egress === null || entry.ingress === null) &&
          entry.summary.slice(-1).map((line) => <li key={line}>{line}</li>)}
      </ul>
    </li>
  );
}

/** Who can reach a node (in) or what it can reach (out), page by page; blocked peers on request. */
export function ReachList({
  node,
  direction,
  revision,
  onGo,
}: {
  node: string;
  direction: ReachDirection;
  revision: number;
  onGo: (peer: ReachPeer["peer"]) => void;
}) {
  const [blocked, setBlocked] = useState(false);
  const [offset, setOffset] = useState(0);
  const { data, error, isPending } = useQuery(
    graphQueries.reach(node, direction, blocked, offset, PAGE, revision),
  );
  const title = direction === "in" ? "Who can reach it" : "What it can reach";
  return (
    <section data-testid={`reach-${direction}`}>
      <header className="flex items-center justify-between gap-2">
        <h3 className="font-semibold">{title}</h3>
        <label className="text-xs">
          <input
            type="checkbox"
            checked={blocked}
            onChange={(event) => {
              setBlocked(event.target.checked);
              setOffset(0);
            }}
          />{" "}
          show blocked
        </label>
      </header>
      {isPending ? (
        <p>Loading…</p>
      ) : error !== null ? (
        <p role="alert">Cannot answer: {error.message}</p>
      ) : (
        <>
          <AccessNote what="Peers are listed from the namespaces you may read only" />
          <p className="text-xs" data-testid="reach-totals">
            {data.allowedTotal} allowed{blocked ? `, ${data.blockedTotal} blocked` : ""}
            {data.total > data.peers.length &&
              ` · showing ${data.offset + 1}–${data.offset + data.peers.length} of ${data.total}`}
          </p>
          <ul>
            {data.peers.map((entry) => (
              <PeerItem
                key={`${entry.peer.node} ${entry.self.node}`}
                entry={entry}
                direction={direction}
                showSelf={entry.self.node !== node}
                onGo={onGo}
              />
            ))}
          </ul>
          {data.total > PAGE && (
            <div className="flex gap-2 text-xs">
              <button
                type="button"
                className="underline disabled:opacity-40"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE))}
              >
                previous
              </button>
              <button
                type="button"
                className="underline disabled:opacity-40"
                disabled={offset + PAGE >= data.total}
                onClick={() => setOffset(offset + PAGE)}
              >
                next
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
