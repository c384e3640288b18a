import { podNodeId, type SearchAnswer, type SearchHit, viewKey } from "@trustmap/shared";
import type { ClusterState } from "../state/cluster-state";
import { identityLabel, identityNodeId, namespaceNodeId } from "./scoped";

// Search over what the views draw: namespaces (by name or label), workloads (by name or label)
// and pods (by name). Each hit names the node to select and the view that draws it, so a page
// can take the user there from any view.

const KIND_ORDER: Record<SearchHit["kind"], number> = { namespace: 0, identity: 1, pod: 2 };

function compareHits(query: string) {
  const exact = (hit: SearchHit) => (hit.label.toLowerCase() === query ? 0 : 1);
  return (a: SearchHit, b: SearchHit): number =>
    exact(a) - exact(b) ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    compare(a.namespace, b.namespace) ||
    compare(a.label, b.label) ||
    compare(a.node, b.node);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first label "key=value" containing the query, if any. */
function matchingLabel(labels: Readonly<Record<string, string>>, query: string): string | undefined {
  for (const [key, value] of Object.entries(labels)) {
    const text = `${key}=${value}`;
    if (text.toLowerCase().includes(query)) return text;
  }
  return undefined;
}

/**
 * Every namespace, workload and pod whose name (or a label) contains `text`, case-insensitively:
 * exact names first. With `readable`, only those of these namespaces (a user who may read no
 * more), a namespace's hit then opening its own view instead of the cluster's.
 */
export function searchNodes(
  state: ClusterState,
  text: string,
  limit: number,
  readable?: ReadonlySet<string>,
): SearchAnswer {
  const query = text.trim().toLowerCase();
  const hits: SearchHit[] = [];
  if (query === "") return { query: text, total: 0, hits };
  const overview = viewKey({ kind: "overview" });
  for (const name of state.namespaceNames()) {
    if (readable !== undefined && !readable.has(name)) continue;
    const match = name.toLowerCase().includes(query)
      ? name
      : matchingLabel(state.namespaceNamed(name)?.labels ?? {}, query);
    if (match === undefined) continue;
    hits.push({
      kind: "namespace",
      node: namespaceNodeId(name),
      view: readable === undefined ? overview : viewKey({ kind: "namespace", namespace: name }),
      label: name,
      namespace: name,
      match,
    });
  }
  for (const identity of state.identities()) {
    if (readable !== undefined && !readable.has(identity.namespace)) continue;
    const label = identityLabel(identity);
    const match = label.toLowerCase().includes(query) ? label : matchingLabel(identity.labels, query);
    if (match !== undefined) {
      hits.push({
        kind: "identity",
        node: identityNodeId(identity),
        view: viewKey({ kind: "namespace", namespace: identity.namespace }),
        label,
        namespace: identity.namespace,
        match,
      });
    }
    for (const pod of identity.pods.values()) {
      if (!pod.name.toLowerCase().includes(query)) continue;
      hits.push({
        kind: "pod",
        node: podNodeId(pod.namespace, pod.name),
        view: viewKey({ kind: "workload", identity: identity.key }),
        label: pod.name,
        namespace: pod.namespace,
        match: pod.name,
      });
    }
  }
  hits.sort(compareHits(query));
  return { query: text, total: hits.length, hits: hits.slice(0, limit) };
}
