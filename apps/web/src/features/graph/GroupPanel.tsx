import type { ViewNode } from "@trustmap/shared";
import { SeverityBadge } from "../../ui/SeverityBadge";

/**
 * A group of namespaces, or of a namespace's workloads, as the view gives it: what it sums up, and
 * the way into its members.
 */
export function GroupPanel({ node, onToggle }: { node: ViewNode | undefined; onToggle: () => void }) {
  if (node === undefined) return <p className="text-sm">This group is not in the view now.</p>;
  return (
    <section aria-label={`Group ${node.label}`} className="space-y-2 text-sm">
      <h2 className="text-base font-semibold">{node.label}</h2>
      <p>
        {node.workloads === undefined
          ? `${node.namespaces ?? 0} namespaces`
          : `${node.workloads} workloads of namespace ${node.namespace ?? ""}`}
        , {node.pods} pods; {node.openIngressPods} pods open to ingress, {node.openEgressPods} open to egress.
      </p>
      {node.worst !== undefined && (
        <p>
          Worst open finding: <SeverityBadge severity={node.worst} />
        </p>
      )}
      <button type="button" className="rounded border border-slate-400 px-2" onClick={onToggle}>
        {node.open === true ? "Close the group" : "Open the group in place"}
      </button>
    </section>
  );
}
