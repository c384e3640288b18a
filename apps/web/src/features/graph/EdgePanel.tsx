import { useQuery } from "@tanstack/react-query";
import { draftQueries } from "../drafts/api";
import { graphQueries } from "./api";
import { portsText } from "./ports";

/**
 * Why `from` may (or may not) reach `to`: each side's policies and the rules that allow; with a
 * draft, as the draft would make them.
 */
export function EdgePanel({
  from,
  to,
  revision,
  draft,
}: {
  from: string;
  to: string;
  revision: number;
  draft?: string | undefined;
}) {
  const live = useQuery({ ...graphQueries.explain(from, to, revision), enabled: draft === undefined });
  const drafted = useQuery({
    ...draftQueries.explain(draft ?? "", from, to, revision),
    enabled: draft !== undefined,
  });
  const { data, error, isPending } = draft === undefined ? live : drafted;
  if (isPending) return <p>Loading…</p>;
  if (error !== null) return <p role="alert">Cannot explain this pair: {error.message}</p>;
  return (
    <div className="space-y-3 text-sm" data-testid="edge-panel">
      <h2 className="font-semibold break-all">
        {data.fromName} → {data.toName}
      </h2>
      <p data-testid="edge-ports">{data.ports === null ? "Denied" : `Allowed on ${portsText(data.ports)}`}</p>
      <ul className="list-disc pl-4" data-testid="edge-summary">
        {data.summary.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {data.pairs.slice(0, 10).map((pair) => (
        <section
          key={`${pair.from.node} ${pair.to.node}`}
          className="rounded border border-slate-300 p-2 dark:border-slate-700"
        >
          <h3 className="font-semibold break-all">
            {pair.from.name} → {pair.to.name}: {portsText(pair.ports)}
          </h3>
          {(["egress", "ingress"] as const).map((direction) => {
            const side = pair[direction];
            return (
              <div key={direction}>
                <p>
                  {direction}:{" "}
                  {side.isolated ? `isolated by ${side.policies.join(", ")}` : "not isolated (all allowed)"}
                </p>
                <ul className="pl-4" data-testid={`rules-${direction}`}>
                  {side.allowedBy.map((rule) => (
                    <li key={`${rule.policy} ${rule.rule}`}>
                      {rule.policy} {rule.direction} rule {rule.rule + 1}: {rule.peer} on{" "}
                      {portsText(rule.ports)}
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </section>
      ))}
      {data.open.map((open) => (
        <section key={`${open.node.node} ${open.direction} ${open.summary.join(" ")}`}>
          {open.alike !== undefined && open.alike > 1 && (
            <p className="text-xs">{open.alike} workloads read the same:</p>
          )}
          <ul className="list-disc pl-4">
            {open.summary.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
