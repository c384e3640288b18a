import { useQuery } from "@tanstack/react-query";
import type { TierReason } from "@trustmap/shared";
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
                  {side.isolated
                    ? `isolated by ${side.policies.join(", ")}`
                    : side.decidedBy === undefined
                      ? "not isolated (all allowed)"
                      : "no NetworkPolicy isolates it"}
                </p>
                {side.decidedBy !== undefined && (
                  <TierDecisions decisions={side.decidedBy} direction={direction} />
                )}
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

const TIER_NAMES: Record<TierReason["tier"], string> = {
  admin: "admin tier",
  networkpolicy: "NetworkPolicy",
  baseline: "baseline tier",
  default: "default",
};

/** A side's decisions tier by tier, in the order the engine made them. */
function TierDecisions({ decisions, direction }: { decisions: readonly TierReason[]; direction: string }) {
  return (
    <ol className="list-decimal pl-6" data-testid={`tiers-${direction}`}>
      {decisions.map((decision) => (
        <li
          // One decision per tier, policy, rule and block of addresses: together they name it.
          key={`${decision.tier} ${decision.policy ?? ""} ${decision.rule ?? ""} ${decision.action} ${decision.addresses ?? ""}`}
          data-tier={decision.tier}
          data-action={decision.action}
        >
          <span className="rounded bg-slate-200 px-1 text-xs dark:bg-slate-700">
            {TIER_NAMES[decision.tier]}
          </span>{" "}
          {decision.policy === undefined
            ? decision.action === "isolated"
              ? "no rule allows"
              : "nothing decides: allowed"
            : `${decision.policy} rule ${(decision.rule ?? 0) + 1}${decision.ruleName === undefined ? "" : ` (${decision.ruleName})`}`}{" "}
          <strong>{decision.action === "isolated" ? "denied" : decision.action}</strong>{" "}
          {portsText(decision.ports)}
          {decision.addresses === undefined ? "" : ` to ${decision.addresses}`}
        </li>
      ))}
    </ol>
  );
}
